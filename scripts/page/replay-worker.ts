// The replay runs here, off the page's thread, with the library's browser build.
import { init, parseTrace, replayTrace, type ReplayOptions } from 'kvbm-sequence';

interface Job {
  text: string;
  options: ReplayOptions;
}

self.onmessage = async (event: MessageEvent<Job>) => {
  try {
    await init();
    const trace = parseTrace(event.data.text);
    const result = replayTrace(trace, {
      ...event.data.options,
      progressEvery: 25,
      onProgress: (p) => self.postMessage({ type: 'progress', progress: { ...p, totals: { ...p.totals } } }),
    });
    self.postMessage({ type: 'done', result });
  } catch (e) {
    self.postMessage({ type: 'error', message: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) });
  }
};
