// W12: the HTTP router under load on loopback (issue 19): 200 concurrent streams through
// `kvbm-sequence route` in front of 2 simulated engines, against the same streams sent to the
// engines directly; the router's added latency (time to first byte) p50/p99, and the KV event
// batches it ingested per second meanwhile. Real processes and sockets, bounded in count.
import { startCommand, startEngine, stopAll, streamCompletion, type Outcome } from '../support/cluster';

const STREAMS = 200;
const REQUESTS = 3_000;
const ENGINE = ['--block-size', '16', '--g1-tokens', '400000', '--prefill-tps', '100000000', '--decode-ms', '1'];

async function drive(urls: string[]): Promise<Outcome[]> {
  let next = 0;
  const out: Outcome[] = [];
  await Promise.all(
    Array.from({ length: STREAMS }, async () => {
      for (let i = next++; i < REQUESTS; i = next++) {
        const prefix = i % 50; // 50 conversations: shared prefixes, new blocks each turn
        const tokens = Array.from({ length: 256 + (i % 7) * 16 }, (_, j) => (j < 128 ? prefix * 1000 + j : i * 1000 + j));
        out.push(await streamCompletion(urls[i % urls.length] as string, tokens, 4));
      }
    }),
  );
  return out;
}

const pct = (xs: number[], q: number) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))] ?? NaN;
};

async function batches(router: string): Promise<number> {
  const text = await (await fetch(`${router}/metrics`)).text();
  return [...text.matchAll(/^kvbm_event_batches_total\{[^}]*\} (\S+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
}

/** Runs W12; returns its report lines. */
export async function serveBench(): Promise<string[]> {
  try {
    const engines = await Promise.all([0, 1].map((id) => startEngine(id, ENGINE)));
    const router = await startCommand(['route', '--port', '0', ...engines.flatMap((e) => ['--engine', e.spec])]);
    await new Promise((r) => setTimeout(r, 300));
    await drive(engines.map((e) => e.url)); // warm both paths
    await drive([router.url]);
    const direct = await drive(engines.map((e) => e.url));
    const before = await batches(router.url);
    const t0 = performance.now();
    const routed = await drive([router.url]);
    const seconds = (performance.now() - t0) / 1000;
    const ingested = (await batches(router.url)) - before;
    const failed = routed.filter((o) => !o.ok).length + direct.filter((o) => !o.ok).length;
    const [d50, d99, r50, r99] = [
      pct(
        direct.map((o) => o.ttftMs),
        0.5,
      ),
      pct(
        direct.map((o) => o.ttftMs),
        0.99,
      ),
      pct(
        routed.map((o) => o.ttftMs),
        0.5,
      ),
      pct(
        routed.map((o) => o.ttftMs),
        0.99,
      ),
    ];
    return [
      `W12 HTTP router, ${STREAMS} concurrent streams, ${REQUESTS} requests, 2 simulated engines: time to first byte direct p50 ${d50.toFixed(1)} ms / p99 ${d99.toFixed(1)} ms, through the router p50 ${r50.toFixed(1)} ms / p99 ${r99.toFixed(1)} ms → added p50 ${(r50 - d50).toFixed(1)} ms, p99 ${(r99 - d99).toFixed(1)} ms; ${(REQUESTS / seconds).toFixed(0)} requests/s routed, ${(ingested / seconds).toFixed(0)} KV event batches/s ingested meanwhile${failed > 0 ? `; ${failed} failed` : ''}`,
    ];
  } finally {
    await stopAll();
  }
}
