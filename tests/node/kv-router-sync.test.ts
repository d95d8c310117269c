// Router replicas in sync (SPEC §6.8) over the in-process bus: random interleavings of route,
// prefillDone and free across three replicas leave every replica with the same load view, equal
// to the test's own model; a late replica converges; a dead replica's bookings expire; lost
// messages are counted.
import { describe, expect, it } from 'vitest';
import { decodeSyncMessage, encodeSyncMessage, InProcessSyncBus, KvRouter } from 'kvbm-sequence';
import { interleave as interleaveRandomly, modelView, view, type ModelBooking } from '../support/router-model.js';

const bs = 4;
const workers = [1, 2, 3, 4];

function replica(bus: InProcessSyncBus, id: number, clock: { t: number }): KvRouter {
  const r = new KvRouter({
    blockSize: bs,
    seed: id,
    clock: () => clock.t,
    sync: { transport: bus.connect(), routerId: id, peerTtlMs: 1000, heartbeatMs: 0 },
  });
  for (const w of workers) r.addWorker(w);
  return r;
}

/** Random interleavings across `routers` (messages settle after 30 % of steps, and at the end). */
async function interleave(routers: KvRouter[], bus: InProcessSyncBus, steps: number, seed: number): Promise<Map<KvRouter, ModelBooking[]>> {
  const live = await interleaveRandomly(routers, steps, seed, bs, { chance: 0.3, wait: () => bus.settled() });
  await bus.settled();
  return live;
}

const all = (live: Map<KvRouter, ModelBooking[]>) => [...live.values()].flat();

describe('replica sync over the in-process bus', () => {
  it.each([1, 2, 3])('three replicas converge on the model after random interleavings (seed %i)', async (seed) => {
    const bus = new InProcessSyncBus();
    const clock = { t: 0 };
    const routers = [1, 2, 3].map((id) => replica(bus, id, clock));
    await bus.settled();
    const live = await interleave(routers, bus, 300, seed);
    const expected = modelView(all(live), workers, bs);
    for (const r of routers) expect(view(r)).toEqual(expected);
    expect(routers.map((r) => r.stats.sync.gaps)).toEqual([0, 0, 0]);
  });

  it('a replica that starts late converges', async () => {
    const bus = new InProcessSyncBus();
    const clock = { t: 0 };
    const routers = [1, 2].map((id) => replica(bus, id, clock));
    const live = await interleave(routers, bus, 100, 9);
    const late = replica(bus, 3, clock);
    await bus.settled();
    expect(view(late)).toEqual(modelView(all(live), workers, bs));
  });

  it('a replica that dies has its bookings dropped by the others after peerTtlMs', async () => {
    const bus = new InProcessSyncBus();
    const clock = { t: 0 };
    const routers = [1, 2, 3].map((id) => replica(bus, id, clock));
    const live = await interleave(routers, bus, 150, 4);
    const [dead, ...rest] = routers as [KvRouter, KvRouter, KvRouter];
    expect(live.get(dead)?.length).toBeGreaterThan(0);
    await dead.close(); // no free is ever sent
    clock.t = 1001;
    for (const r of rest) r.heartbeat(); // the living say so
    await bus.settled();
    for (const r of rest) r.sweep();
    live.delete(dead);
    const expected = modelView(all(live), workers, bs);
    for (const r of rest) {
      expect(view(r)).toEqual(expected);
      expect(r.stats.sync.peersExpired).toBe(1);
    }
  });

  it('its own messages are ignored and lost ones are counted as gaps', async () => {
    const bus = new InProcessSyncBus();
    const clock = { t: 0 };
    const [a, b] = [1, 2].map((id) => replica(bus, id, clock)) as [KvRouter, KvRouter];
    await bus.settled();
    await a.route({ tokens: [1, 2, 3, 4], requestId: 'x' });
    await bus.settled();
    bus.drop = (m) => decodeSyncMessage(m).publisherId === 1n; // y's booking is lost
    await a.route({ tokens: [5, 6, 7, 8], requestId: 'y' });
    bus.drop = undefined;
    await a.route({ tokens: [9, 10, 11, 12], requestId: 'z' });
    await bus.settled();
    expect(b.stats.sync.gaps).toBe(1);
    expect(b.stats.running).toBe(2);
    expect(a.stats.sync.applied).toBe(0);
  });

  it('a malformed message or one for an unknown worker is counted, not applied', async () => {
    const bus = new InProcessSyncBus();
    const clock = { t: 0 };
    const a = replica(bus, 1, clock);
    const rogue = bus.connect();
    rogue.publish(new TextEncoder().encode('{"publisher_id": 5}'));
    const add = {
      kind: 'add',
      requestId: 'q',
      workerId: 99n,
      dpRank: 0,
      sequenceHashes: new BigUint64Array([1n]),
      prefillTokens: 4,
      expectedOutputTokens: null,
    } as const;
    rogue.publish(encodeSyncMessage({ publisherId: 5n, sequence: 1n, publishedAt: 0, event: add }));
    await bus.settled();
    expect(a.stats.sync.rejected).toBe(2);
    expect(a.stats.running).toBe(0);
  });

  it('the message round-trips through its codec with u64 values intact', () => {
    const event = {
      kind: 'add',
      requestId: 'r',
      workerId: 2n ** 64n - 1n,
      dpRank: 3,
      sequenceHashes: new BigUint64Array([2n ** 63n + 5n]),
      prefillTokens: 12,
      expectedOutputTokens: 7,
    } as const;
    const m = { publisherId: 2n ** 64n - 2n, sequence: 9n, publishedAt: 123, event };
    expect(decodeSyncMessage(encodeSyncMessage(m))).toEqual(m);
  });
});
