// SPEC §6.3: the router index, one behaviour per test.
import { describe, expect, it } from 'vitest';
import { KvIndex, computeBlockHashes, computeSaltHash, type StoredEvent } from 'kvbm-sequence';

const blocks = (...ids: number[]) => ids.map((i) => ({ blockHash: BigInt(i * 100), tokensHash: BigInt(i) }));
const stored = (workerId: number, ids: number[], parentHash: bigint | null = null, dpRank = 0): StoredEvent => ({
  type: 'stored',
  workerId,
  dpRank,
  parentHash,
  blocks: blocks(...ids),
});
const scoreOf = (index: KvIndex, query: number[], workerId: number, earlyExit = false) =>
  index.findMatches(query.map(BigInt), { earlyExit }).scores.find((s) => s.workerId === BigInt(workerId))?.blocks;

describe('KvIndex', () => {
  it('scores a worker by the leading query blocks it holds', () => {
    using index = new KvIndex();
    index.applyEvent(stored(0, [1, 2, 3]));
    expect(scoreOf(index, [1, 2, 3], 0)).toBe(3);
    expect(scoreOf(index, [1, 2, 9], 0)).toBe(2);
    expect(scoreOf(index, [9, 1], 0)).toBeUndefined();
  });

  it('orders scores by blocks, then workerId and dpRank', () => {
    using index = new KvIndex();
    index.applyEvents([stored(5, [1]), stored(2, [1, 2]), stored(3, [1]), stored(3, [1], null, 1)]);
    const { scores } = index.findMatches([1n, 2n]);
    expect(scores.map((s) => [s.workerId, s.dpRank, s.blocks])).toEqual([
      [2n, 0, 2],
      [3n, 0, 1],
      [3n, 1, 1],
      [5n, 0, 1],
    ]);
  });

  it('reports per-depth worker counts as frequencies', () => {
    using index = new KvIndex();
    index.applyEvents([stored(0, [1, 2, 3]), stored(1, [1, 2]), stored(2, [1])]);
    expect(index.findMatches([1n, 2n, 3n, 4n]).frequencies).toEqual([3, 2, 1]);
  });

  it('reports the frequencies of a long query too, in its JSON form and through structuredClone', () => {
    using index = new KvIndex();
    const chain = Array.from({ length: 100 }, (_, i) => i + 1);
    index.applyEvents([stored(0, chain), stored(1, chain.slice(0, 70))]);
    const m = index.findMatches(chain.map(BigInt));
    // Both workers hold the first 70 blocks, worker 0 alone the 30 after them.
    const expected = [...Array<number>(70).fill(2), ...Array<number>(30).fill(1)];
    expect(structuredClone(m).frequencies).toEqual(expected);
    expect((JSON.parse(JSON.stringify(m)) as { frequencies: number[] }).frequencies).toEqual(expected);
    expect(m.frequencies).toEqual(expected);
  });

  it('continues a stored event from its parent', () => {
    using index = new KvIndex();
    index.applyEvent(stored(0, [1]));
    expect(index.applyEvent(stored(0, [2, 3], 100n))).toBe('ok');
    expect(scoreOf(index, [1, 2, 3], 0)).toBe(3);
  });

  it('refuses a stored event whose parent the worker does not have', () => {
    using index = new KvIndex();
    index.applyEvent(stored(1, [1]));
    expect(index.applyEvent(stored(0, [2], 100n))).toBe('ParentBlockNotFound');
    expect(index.size).toBe(1);
  });

  it('refuses a block that names its own parent', () => {
    using index = new KvIndex();
    index.applyEvent(stored(0, [1]));
    expect(index.applyEvent(stored(0, [1, 2], 100n))).toBe('InvalidBlockSequence');
    expect(index.size).toBe(1);
  });

  it('counts storing what the worker already has as a duplicate', () => {
    using index = new KvIndex();
    index.applyEvent(stored(0, [1, 2]));
    expect(index.applyEvent(stored(0, [1, 2]))).toBe('duplicate');
    expect(index.eventCounts).toMatchObject({ ok: 1, duplicate: 1 });
  });

  it('takes a removed block and everything below it off the worker', () => {
    using index = new KvIndex();
    index.applyEvents([stored(0, [1, 2, 3]), stored(1, [1, 2, 3])]);
    expect(index.applyEvent({ type: 'removed', workerId: 0, blockHashes: [200n] })).toBe('ok');
    expect(scoreOf(index, [1, 2, 3], 0)).toBe(1);
    expect(scoreOf(index, [1, 2, 3], 1)).toBe(3);
  });

  it('applies the known hashes of a removal and reports the unknown ones', () => {
    using index = new KvIndex();
    index.applyEvent(stored(0, [1, 2]));
    expect(index.applyEvent({ type: 'removed', workerId: 0, blockHashes: [999n, 200n] })).toBe('BlockNotFound');
    expect(index.size).toBe(1);
  });

  it('clears one data-parallel rank; removeWorker takes every rank', () => {
    using index = new KvIndex();
    index.applyEvents([stored(7, [1], null, 0), stored(7, [1], null, 1), stored(8, [1])]);
    index.applyEvent({ type: 'cleared', workerId: 7, dpRank: 1 });
    expect(index.treeSizes()).toEqual([
      { workerId: 7n, dpRank: 0, blocks: 1 },
      { workerId: 8n, dpRank: 0, blocks: 1 },
    ]);
    index.removeWorker(7);
    expect(index.treeSizes()).toEqual([{ workerId: 8n, dpRank: 0, blocks: 1 }]);
  });

  it('frees nodes no worker holds', () => {
    using index = new KvIndex();
    index.applyEvents([stored(0, [1, 2, 3]), stored(1, [1, 4])]);
    expect(index.nodeCount).toBe(4);
    index.removeWorker(0);
    expect(index.nodeCount).toBe(2);
    index.clear();
    expect([index.size, index.nodeCount]).toEqual([0, 0]);
  });

  it('stops at the lone remaining worker with earlyExit (a lower bound)', () => {
    using index = new KvIndex();
    index.applyEvents([stored(0, [1, 2, 3, 4]), stored(1, [1])]);
    expect(scoreOf(index, [1, 2, 3, 4], 0, true)).toBe(2);
    expect(scoreOf(index, [1, 2, 3, 4], 0, false)).toBe(4);
  });

  it('dumps events that rebuild an index with the same answers', () => {
    using index = new KvIndex();
    index.applyEvents([stored(0, [1, 2, 3]), stored(1, [1, 4]), stored(2, [5], null, 3)]);
    using copy = new KvIndex();
    expect(copy.applyEvents(index.dump()).ok).toBe(index.size);
    for (const q of [[1n, 2n, 3n], [1n, 4n], [5n]]) expect(copy.findMatches(q)).toEqual(index.findMatches(q));
    expect(copy.treeSizes()).toEqual(index.treeSizes());
  });

  it('restores a snapshot into an equal index', () => {
    using index = new KvIndex();
    index.applyEvents([stored(0, [1, 2, 3]), stored(1, [1, 4])]);
    using copy = KvIndex.restore(index.snapshot());
    expect(copy.findMatches([1n, 2n, 3n])).toEqual(index.findMatches([1n, 2n, 3n]));
    expect(() => KvIndex.restore(new Uint8Array(8))).toThrow(TypeError);
  });

  it('accepts workerId as bigint or number and returns bigint', () => {
    using index = new KvIndex();
    index.applyEvent({ type: 'stored', workerId: 2n ** 64n - 1n, blocks: blocks(1) });
    expect(index.findMatches([1n]).scores[0]?.workerId).toBe(2n ** 64n - 1n);
  });

  it('is keyed by the local hashes a router computes from tokens', () => {
    const tokens = Array.from({ length: 64 }, (_, i) => i);
    const local = computeBlockHashes(tokens, 16, computeSaltHash());
    using index = new KvIndex();
    index.applyEvent({ type: 'stored', workerId: 1, blocks: [...local].map((h, i) => ({ blockHash: BigInt(i), tokensHash: h })) });
    expect(index.findMatches(local).scores[0]?.blocks).toBe(4);
  });
});

describe('KvIndex in approximate mode', () => {
  it('counts recorded blocks until their time-to-live runs out', () => {
    using index = new KvIndex({ mode: 'approximate', ttlMs: 1000 });
    index.record(1, [1n, 2n], { now: 0 });
    expect(index.findMatches([1n, 2n], { now: 999 }).scores[0]?.blocks).toBe(2);
    expect(index.findMatches([1n, 2n], { now: 1000 }).scores).toEqual([]);
    expect(index.size).toBe(0);
  });

  it('refreshes blocks recorded again', () => {
    using index = new KvIndex({ mode: 'approximate', ttlMs: 1000 });
    index.record(1, [1n, 2n], { now: 0 });
    index.record(1, [1n], { now: 500 });
    expect(index.findMatches([1n, 2n], { now: 1200 }).scores[0]?.blocks).toBe(1);
  });

  it('is refused by an event-fed index', () => {
    using index = new KvIndex();
    expect(() => index.record(1, [1n], { now: 0 })).toThrow(TypeError);
    expect(index.mode).toBe('events');
  });
});
