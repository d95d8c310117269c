// Linear memory grows in few steps: a 1 M-block index ingested cold grows it a bounded number of
// times (counted by the allocator, memoryStats().memoryGrows), a large request grows it once for
// itself and the headroom, and reserve() makes room for a known load in one growth.
import { describe, expect, it } from 'vitest';
import { KvIndex, computeBlockHashes, memoryStats, reserve } from 'kvbm-sequence';
import { routerEvents } from '../bench/router-workload';

describe('memory growth', () => {
  it('grows memory at most 6 times for a cold ingest of 1,000,064 (worker, block) entries', () => {
    const events = routerEvents();
    const before = memoryStats().memoryGrows;
    using index = new KvIndex();
    index.applyEvents(events);
    expect(index.size).toBe(1_000_064);
    expect(memoryStats().memoryGrows - before).toBeLessThanOrEqual(6);
  });

  it('a large request that free memory cannot hold grows memory once, for itself and the headroom', () => {
    const stats = memoryStats();
    // More tokens than there are free bytes: copying them in must grow memory.
    const free = stats.memoryBytes - stats.heapBytes;
    const tokens = new Uint32Array(Math.ceil((free + 8 * 2 ** 20) / 4 / 16) * 16);
    const hashes = computeBlockHashes(tokens, 16);
    expect(hashes.length).toBe(tokens.length / 16);
    expect(memoryStats().memoryGrows - stats.memoryGrows).toBe(1);
    expect(memoryStats().memoryBytes).toBeGreaterThanOrEqual(stats.memoryBytes + tokens.byteLength);
  });

  it('reserve() grows memory once, and what fits in it grows nothing', () => {
    const stats = memoryStats();
    expect(reserve(stats.memoryBytes + 64 * 2 ** 20)).toBe(true);
    const after = memoryStats().memoryGrows;
    expect(after - stats.memoryGrows).toBeLessThanOrEqual(1);
    using index = new KvIndex();
    index.applyEvents(routerEvents().slice(0, 200));
    expect(memoryStats().memoryGrows).toBe(after);
  });

  it('reserve() refuses what memory cannot hold, changing nothing, and bad sizes', () => {
    expect(reserve(5 * 2 ** 30)).toBe(false);
    expect(() => reserve(-1)).toThrow(RangeError);
    expect(() => reserve(Number.NaN)).toThrow(RangeError);
  });
});
