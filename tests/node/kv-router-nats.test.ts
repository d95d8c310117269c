// Router replicas in sync over a real nats-server on 127.0.0.1 (SPEC §6.8, issue 18 item 6):
// three replicas, random interleavings of route/prefillDone/free across them, every load view
// converges to the test's model; a late replica converges; a killed replica's bookings expire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KvRouter } from 'kvbm-sequence';
import { NatsSyncTransport } from 'kvbm-sequence/vllm';
import { startNatsServer, type NatsServer } from '../support/nats-server.js';
import { interleave, modelView, view, type LoadView } from '../support/router-model.js';

const bs = 4;
const workers = [1, 2, 3, 4];
let server: NatsServer;

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.stop();
});

async function replica(id: number, subject: string): Promise<KvRouter> {
  const transport = await NatsSyncTransport.connect({ servers: server.url, subject, name: `router-${id}` });
  const r = new KvRouter({ blockSize: bs, seed: id, sync: { transport, routerId: id, peerTtlMs: 800, heartbeatMs: 200 } });
  for (const w of workers) r.addWorker(w);
  return r;
}

/** Polls (at most 5 s) until every router's view equals `expected`. */
async function converge(routers: KvRouter[], expected: LoadView): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    for (const r of routers) r.sweep();
    if (routers.every((r) => JSON.stringify(view(r)) === JSON.stringify(expected))) return;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const r of routers) expect(view(r)).toEqual(expected);
}

describe('replica sync over NATS', () => {
  it('three replicas converge after random interleavings; a late one too; a killed one expires', async () => {
    const subject = `kvbm.test.${process.pid}`;
    const routers = await Promise.all([1, 2, 3].map((id) => replica(id, subject)));
    // Messages cross (a turn of the event loop) after 10 % of steps.
    const live = await interleave(routers, 200, 11, bs, { chance: 0.1, wait: () => new Promise((resolve) => setImmediate(resolve)) });
    const all = () => [...live.values()].flat();
    await converge(routers, modelView(all(), workers, bs));

    const late = await replica(4, subject);
    await converge([late], modelView(all(), workers, bs));

    const [dead, ...rest] = routers as [KvRouter, KvRouter, KvRouter];
    expect(live.get(dead)?.length).toBeGreaterThan(0);
    await dead.close(); // gone without freeing anything
    live.delete(dead);
    await converge([...rest, late], modelView(all(), workers, bs));
    for (const r of [...rest, late]) expect(r.stats.sync.peersExpired).toBeGreaterThanOrEqual(1);
    await Promise.all([...rest, late].map((r) => r.close()));
  });
});
