// The replay runs here, off the page's thread, with the library's browser build: one policy, or
// every policy in turn (the comparison table).
import { init, parseTrace, replayTrace, type ReplayOptions, type ReplayPolicy } from 'kvbm-sequence';

interface Job {
  text: string;
  options: ReplayOptions;
  /** When given, the policies to run one after another (progress counts across them). */
  compare?: ReplayPolicy[];
}

self.onmessage = async (event: MessageEvent<Job>) => {
  try {
    await init();
    const trace = parseTrace(event.data.text);
    const policies = event.data.compare;
    if (policies) {
      const results = policies.map((router, k) => {
        self.postMessage({ type: 'status', message: `policy ${k + 1} of ${policies.length}: ${router}…` });
        return replayTrace(trace, { ...event.data.options, router });
      });
      self.postMessage({ type: 'compared', results });
      return;
    }
    const result = replayTrace(trace, {
      ...event.data.options,
      perRequest: true,
      progressEvery: 25,
      onProgress: (p) => self.postMessage({ type: 'progress', progress: p }),
    });
    self.postMessage({ type: 'done', result });
  } catch (e) {
    // A message for the page, not a stack trace.
    self.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
};
