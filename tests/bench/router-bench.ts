// W11: routing decisions on the W7 index (1,000,064 entries, 64 workers) for an 8,192-token
// prompt (512 blocks): KvRouter.tryRoute + free against the same steps in pure TypeScript;
// the distribution of single decisions while events keep arriving; and replica-sync
// throughput between two routers over a real nats-server on loopback (where installed).
import { KvRouter, type KvEvent } from 'kvbm-sequence';
import { NatsSyncTransport } from 'kvbm-sequence/vllm';
import { PureRadixIndex } from './pure-radix';
import { PureRouter } from './pure-router';
import { mix, routerEvents, routerQuery, WORKERS } from './router-workload';
import { natsServerBinary, startNatsServer } from '../support/nats-server';

/** The bench's measuring function (tests/bench/bench.ts). */
type Measure<S> = (units: number, f: () => void, minRuns?: number, budgetMs?: number) => S;

const BS = 16;
const ROUTE_BLOCKS = 512;

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.round((sorted.length - 1) * q))] as number;
}

/** Per-call times (µs) of `decide`, with a 64-block event applied every 10 decisions. */
function distribution(decide: () => void, ingest: (e: KvEvent) => void, n: number): { p50: number; p99: number } {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 10 === 0) {
      const w = i % WORKERS;
      const blocks = Array.from({ length: 64 }, (_, k) => {
        const h = mix(BigInt(5_000_000_000 + i * 64 + k));
        return { blockHash: h, tokensHash: h };
      });
      ingest({ type: 'stored', workerId: w, dpRank: 0, parentHash: null, blocks });
    }
    const t = performance.now();
    decide();
    times.push((performance.now() - t) * 1000);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

/** W11 for the library and pure TS; returns extra report lines. */
export async function routerBench<S>(measure: Measure<S>, lib: Record<string, S>, pure: Record<string, S>): Promise<string[]> {
  const events = routerEvents();
  const prompt = routerQuery().slice(0, ROUTE_BLOCKS);
  const router = new KvRouter({ blockSize: BS, seed: 1 });
  for (let w = 0; w < WORKERS; w++) router.addWorker(w);
  router.applyEvents(events);
  const pureIndex = new PureRadixIndex();
  for (const e of events) pureIndex.apply(e);
  const pureRouter = new PureRouter(pureIndex, WORKERS, BS);

  const lb = router.tryRoute({ blockHashes: prompt });
  const pb = pureRouter.route(prompt);
  if (lb.refused || lb.cost !== pb.cost) throw new Error('W11: library and pure TS disagree on the cheapest cost'); // ties may differ
  router.free(lb.requestId);
  pureRouter.free(pb.id);

  lib['w11-route-book'] = measure(1, () => {
    const b = router.tryRoute({ blockHashes: prompt });
    if (!b.refused) router.free(b.requestId);
  });
  pure['w11-route-book'] = measure(1, () => pureRouter.free(pureRouter.route(prompt).id));

  const l = distribution(
    () => {
      const b = router.tryRoute({ blockHashes: prompt });
      if (!b.refused) router.free(b.requestId);
    },
    (e) => router.applyEvents([e]),
    5_000,
  );
  const p = distribution(
    () => pureRouter.free(pureRouter.route(prompt).id),
    (e) => pureIndex.apply(e),
    5_000,
  );
  const lines = [
    `W11 route+free, 8,192-token prompt, 1 M-entry 64-worker index, events arriving: library p50 ${l.p50.toFixed(0)} µs, p99 ${l.p99.toFixed(0)} µs (${(1e6 / l.p50).toFixed(0)} bookings/s); pure TS p50 ${p.p50.toFixed(0)} µs, p99 ${p.p99.toFixed(0)} µs`,
  ];
  await router.close();
  lines.push(await natsThroughput());
  return lines;
}

/** Two replicas over a real nats-server: bookings booked and freed on one, heard by the other. */
async function natsThroughput(): Promise<string> {
  if (natsServerBinary() === undefined) return 'W11 NATS sync: skipped (nats-server not installed; npm run setup installs it)';
  const server = await startNatsServer();
  try {
    const subject = `kvbm.bench.${process.pid}`;
    const make = async (id: number) => {
      const r = new KvRouter({
        blockSize: BS,
        seed: id,
        sync: { transport: await NatsSyncTransport.connect({ servers: server.url, subject }), routerId: id },
      });
      for (let w = 0; w < 8; w++) r.addWorker(w);
      return r;
    };
    const [a, b] = [await make(1), await make(2)];
    await new Promise((r) => setTimeout(r, 100));
    const n = 5_000;
    const tokens = Array.from({ length: 1_024 }, (_, i) => i); // 64 blocks per booking
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const booking = a.tryRoute({ tokens, requestId: `q${i}` });
      if (!booking.refused) a.free(booking.requestId);
      if (i % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    const deadline = Date.now() + 30_000;
    while (b.stats.sync.applied < 2 * n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const seconds = (performance.now() - t0) / 1000;
    const heard = b.stats.sync.applied;
    await Promise.all([a.close(), b.close()]);
    return `W11 NATS sync, two replicas on loopback: ${heard} of ${2 * n} messages (book + free, 64 blocks each) applied in ${seconds.toFixed(2)} s = ${(heard / seconds).toFixed(0)} messages/s, ${(n / seconds).toFixed(0)} bookings/s`;
  } finally {
    await server.stop();
  }
}
