// The index keeps each block's storage tier (SPEC §6.5.2 `medium`, §6.6 tier credits): lower
// tiers beside the primary tree, and findMatches says how many matched blocks sit on which tier.
// Expected breakdowns are worked out by hand from the events.
import { describe, expect, it } from 'vitest';
import { KvIndex, memoryStats, type KvEvent, type StorageTier } from 'kvbm-sequence';

const q = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n];
/** Worker `w` stores query blocks `from .. to` (a prefix from the root when from = 0) on `tier`. */
function stored(w: number, to: number, tier?: StorageTier): KvEvent {
  return {
    type: 'stored',
    workerId: w,
    parentHash: null,
    blocks: q.slice(0, to).map((h) => ({ blockHash: 100n * BigInt(w) + h, tokensHash: h })),
    ...(tier ? { tier } : {}),
  };
}
const byWorker = (tiers: unknown) =>
  JSON.parse(JSON.stringify(tiers)).sort((a: { workerId: string }, b: { workerId: string }) => Number(a.workerId) - Number(b.workerId));

describe('storage tiers in the index', () => {
  it('leaves the device score unchanged and reports no breakdown without lower-tier blocks', () => {
    using index = new KvIndex();
    index.applyEvents([stored(1, 3)]);
    const m = index.findMatches(q);
    expect(m.scores.map((s) => s.blocks)).toEqual([3]);
    expect(m.tiers).toBeUndefined();
  });

  it('breaks matched blocks down by tier, each prefix position counted once', () => {
    using index = new KvIndex();
    // Worker 1: device 2, host 5 (3 beyond), disk 4 (none beyond host), external 7 (2 beyond).
    // Worker 2: host 3 only. Worker 3: device 4 only.
    index.applyEvents([
      stored(1, 2),
      stored(1, 5, 'host'),
      stored(1, 4, 'disk'),
      stored(1, 7, 'external'),
      stored(2, 3, 'host'),
      stored(3, 4),
    ]);
    const m = index.findMatches(q);
    expect(m.scores.map((s) => [s.workerId, s.blocks])).toEqual([
      [3n, 4],
      [1n, 2],
    ]);
    expect(byWorker(m.tiers)).toEqual([
      { workerId: '1', dpRank: 0, device: 2, host: 3, disk: 2 },
      { workerId: '2', dpRank: 0, device: 0, host: 3, disk: 0 },
      { workerId: '3', dpRank: 0, device: 4, host: 0, disk: 0 },
    ]);
  });

  it('removes a lower-tier block only from its tier', () => {
    using index = new KvIndex();
    index.applyEvents([stored(1, 2), stored(1, 6, 'host')]);
    index.applyEvents([{ type: 'removed', workerId: 1, blockHashes: [104n], tier: 'host' }]);
    expect(byWorker(index.findMatches(q).tiers)).toEqual([{ workerId: '1', dpRank: 0, device: 2, host: 1, disk: 0 }]);
  });

  it('clears every tier on a cleared event without a tier, and on removeWorker', () => {
    using index = new KvIndex();
    index.applyEvents([stored(1, 2), stored(1, 6, 'host'), stored(2, 3, 'disk')]);
    index.applyEvents([{ type: 'cleared', workerId: 1 }]);
    expect(byWorker(index.findMatches(q).tiers)).toEqual([{ workerId: '2', dpRank: 0, device: 0, host: 0, disk: 3 }]);
    index.removeWorker(2);
    expect(index.findMatches(q).tiers).toEqual([]);
  });

  it('refuses an unknown tier before applying anything', () => {
    using index = new KvIndex();
    const bad = { ...stored(1, 2), tier: 'tape' } as unknown as KvEvent;
    expect(() => index.applyEvents([stored(1, 3), bad])).toThrow(/events\[1\]\.tier/);
    expect(index.size).toBe(0);
  });

  it('frees its lower-tier trees with it', () => {
    const before = memoryStats().liveObjects;
    const index = new KvIndex();
    index.applyEvents([stored(1, 2, 'host'), stored(1, 2, 'disk')]);
    expect(memoryStats().liveObjects).toBe(before + 3);
    index.applyEvents([{ type: 'cleared', workerId: 1 }]); // clears both, makes no external tree
    expect(memoryStats().liveObjects).toBe(before + 3);
    index.free();
    expect(memoryStats().liveObjects).toBe(before);
  });
});
