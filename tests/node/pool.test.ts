// SPEC §7: the tier pool, one behaviour per test.
import { describe, expect, it } from 'vitest';
import {
  BlockSequence,
  BlockSequenceError,
  ExternalBlockAssignments,
  KvIndex,
  TierPool,
  computeBlockHashes,
  computeSaltHash,
} from 'kvbm-sequence';

const salt = computeSaltHash();
const tokens = (blocks: number, seed = 0) => Array.from({ length: blocks * 4 }, (_, i) => seed * 1000 + i);
const seqOf = (blocks: number, seed = 0) => new BlockSequence(tokens(blocks, seed), 4, salt);
const pool = (capacity: number, eviction: 'lru' | 'fifo' = 'lru') => new TierPool({ capacity, blockSize: 4, saltHash: salt, eviction });
const kindOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof BlockSequenceError ? e.kind : (e as Error).name;
  }
  return 'no error';
};

describe('TierPool', () => {
  it('starts with every id free', () => {
    using p = pool(4);
    expect([p.freeCount, p.activeCount, p.inactiveCount, p.capacity]).toEqual([4, 0, 0, 4]);
    expect(p.blocks().every((b) => b.state === 'free')).toBe(true);
  });

  it('every count read sees the change made just before it, even when read a moment earlier', () => {
    using p = pool(4);
    using s = seqOf(2);
    const counts = () => [p.freeCount, p.inactiveCount];
    expect(counts()).toEqual([4, 0]);
    const ids = p.allocate(3);
    expect(p.inactiveCount).toBe(0);
    expect(p.freeCount).toBe(1);
    p.register(ids.subarray(0, 2), s);
    p.release(ids);
    expect(p.inactiveCount).toBe(2);
    expect(p.freeCount).toBe(2);
    p.release(p.match(s));
    expect(counts()).toEqual([2, 2]);
    p.allocate(4); // evicts both inactive blocks
    expect(p.inactiveCount).toBe(0);
    expect(p.freeCount).toBe(0);
  });

  it('allocates active, unregistered ids from the free list', () => {
    using p = pool(4);
    expect([...p.allocate(3)]).toEqual([0, 1, 2]);
    expect(p.block(1)).toEqual({ id: 1, state: 'active', refCount: 1, hash: undefined });
  });

  it('turns registered blocks inactive on release and unregistered ones free', () => {
    using p = pool(4);
    using s = seqOf(2);
    const ids = p.allocate(3);
    p.register(ids.subarray(0, 2), s);
    p.release(ids);
    expect([p.freeCount, p.activeCount, p.inactiveCount]).toEqual([2, 0, 2]);
  });

  it('matches the longest registered prefix and acquires it', () => {
    using p = pool(4);
    using s = seqOf(3);
    const ids = p.allocate(2);
    p.register(ids, s);
    p.release(ids);
    expect([...p.match(s)]).toEqual([...ids]);
    expect(p.block(ids[0] as number)).toMatchObject({ state: 'active', refCount: 1 });
  });

  it('matches from a position, by lineage hashes too', () => {
    using p = pool(4);
    using s = seqOf(3);
    p.register(p.allocate(3), s);
    expect([...p.match(s, 1)]).toEqual([1, 2]);
    expect([...p.match(s.allSequenceHashes().slice(2))]).toEqual([2]);
  });

  it('evicts the least recently released block first (LRU)', () => {
    using p = pool(2);
    using s = seqOf(2);
    const ids = p.allocate(2);
    p.register(ids, s);
    p.release([1]);
    p.release([0]);
    expect([...p.allocate(1)]).toEqual([1]);
    expect(p.evictions).toBe(1);
  });

  it('evicts the earliest registered block first (FIFO)', () => {
    using p = pool(2, 'fifo');
    using s = seqOf(2);
    p.register(p.allocate(2), s);
    p.release([1]);
    p.release([0]);
    expect([...p.allocate(1)]).toEqual([0]);
  });

  it('refuses to allocate more than free + inactive and changes nothing', () => {
    using p = pool(3);
    p.allocate(2);
    try {
      p.allocate(2);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ kind: 'PoolExhausted', requested: 2, available: 1 });
    }
    expect(p.freeCount).toBe(1);
  });

  it('keeps the existing block when a hash is registered again (KVBM dedup)', () => {
    using p = pool(3);
    using s = seqOf(1);
    const [a] = p.register(p.allocate(1), s);
    const dup = p.allocate(1);
    expect([...p.register(dup, s)]).toEqual([a]);
    expect(p.block(a as number)?.refCount).toBe(2);
    expect(p.block(dup[0] as number)?.state).toBe('free');
  });

  it('reports registrations and evictions as router events', () => {
    using p = new TierPool({ capacity: 2, blockSize: 4, saltHash: salt, workerId: 9 });
    using s = seqOf(2);
    p.register(p.allocate(2), s);
    p.release([0, 1]);
    p.allocate(1);
    const events = p.takeEvents();
    expect(events.map((e) => e.type)).toEqual(['stored', 'removed']);
    const [seqHashes, local] = [s.sequenceHashes(), computeBlockHashes(tokens(2), 4, salt)];
    expect(events[0]).toEqual({
      type: 'stored',
      workerId: 9,
      dpRank: 0,
      parentHash: null,
      blocks: [0, 1].map((i) => ({ blockHash: seqHashes[i], tokensHash: local[i] })),
    });
    expect(events[1]).toEqual({ type: 'removed', workerId: 9, dpRank: 0, blockHashes: [seqHashes[0]] });
    expect(p.takeEvents()).toEqual([]);
  });

  it('feeds a router index directly', () => {
    using p = new TierPool({ capacity: 4, blockSize: 4, saltHash: salt, workerId: 1 });
    using s = seqOf(3);
    p.register(p.allocate(3), s);
    using index = new KvIndex();
    index.applyEvents(p.takeEvents());
    expect(index.findMatches(computeBlockHashes(tokens(3), 4, salt)).scores[0]?.blocks).toBe(3);
  });

  it("gives a registered block's parent in the stored event", () => {
    using p = pool(4);
    using s = seqOf(3);
    p.register(p.allocate(1), s);
    p.register(p.allocate(2), s, 1);
    const second = p.takeEvents()[1];
    expect(second?.type === 'stored' && second.parentHash).toBe(s.sequenceHashes()[0]);
  });

  it('refuses wrong states, unknown ids, other bindings and bad ranges, changing nothing', () => {
    using p = new TierPool({ ids: [10, 20, 30], blockSize: 4, saltHash: salt });
    using s = seqOf(2);
    using other = new BlockSequence(tokens(2), 4, 0n);
    const ids = p.allocate(2);
    p.register(ids.subarray(0, 1), s);
    expect(kindOf(() => p.release([30]))).toBe('InvalidBlockState');
    expect(kindOf(() => p.release([99]))).toBe('UnknownBlockId');
    expect(kindOf(() => p.register([ids[0] as number], s))).toBe('InvalidBlockState');
    expect(kindOf(() => p.register([ids[1] as number], other, 1))).toBe('BindingMismatch');
    expect(kindOf(() => p.register([ids[1] as number], s, 5))).toBe('RangeError');
    expect(kindOf(() => p.match(other))).toBe('BindingMismatch');
    expect(kindOf(() => p.release([ids[1] as number, ids[1] as number]))).toBe('InvalidBlockState');
    expect([p.freeCount, p.activeCount, p.inactiveCount]).toEqual([1, 2, 0]);
  });

  it('restores a snapshot exactly', () => {
    using p = pool(5);
    using s = seqOf(4);
    const ids = p.allocate(4);
    p.register(ids, s);
    p.release([ids[2] as number, ids[0] as number]);
    using q = TierPool.restore(p.snapshot());
    expect(q.blocks()).toEqual(p.blocks());
    expect([...q.allocate(3)]).toEqual([...p.allocate(3)]);
    expect(() => TierPool.restore(new Uint8Array(12))).toThrow(TypeError);
  });

  it('is iterable over its blocks', () => {
    using p = pool(2);
    expect([...p].map((b) => b.id)).toEqual([0, 1]);
  });
});

describe('tier records: rollback, binding, strict staging, snapshots', () => {
  it('drops blocks from a position on and keeps the unassigned queue', () => {
    using s = seqOf(5);
    using a = new ExternalBlockAssignments();
    a.extendBlockIds([1, 2, 3, 4, 5, 6]);
    a.assignPending(s);
    expect(a.truncateFrom(3).map(([id, h]) => [id, h.position])).toEqual([
      [4, 3],
      [5, 4],
    ]);
    expect([a.assignedCount, a.unassignedCount, a.nextPosition]).toEqual([3, 1, 3]);
    expect(a.getPendingAtPosition(3)).toBe(6);
  });

  it('rolls back with the sequence: truncate then truncateFrom(blockCount)', () => {
    using s = seqOf(5);
    using a = new ExternalBlockAssignments();
    a.extendBlockIds([1, 2, 3, 4, 5]);
    a.assignPending(s);
    s.truncate(18);
    expect(a.truncateFrom(s.blockCount).map(([id]) => id)).toEqual([5]);
    expect(a.assignedBlockIds()).toEqual(new Uint32Array([1, 2, 3, 4]));
  });

  it('binds to the first sequence staged from and refuses others', () => {
    using a = new ExternalBlockAssignments();
    using s = seqOf(2);
    using other = new BlockSequence(tokens(2), 2, salt);
    expect(a.binding).toBeUndefined();
    a.extendBlockIds([1, 2, 3]);
    a.assignPending(s);
    expect(a.binding).toEqual({ blockSize: 4, saltHash: salt });
    expect(kindOf(() => a.assignPending(other))).toBe('BindingMismatch');
  });

  it('stages nothing from a too-short sequence, and says so when strict', () => {
    using a = new ExternalBlockAssignments();
    using long = seqOf(3);
    using short = seqOf(1);
    a.extendBlockIds([1, 2, 3, 4]);
    a.assignPending(long);
    expect(a.assignPending(short)).toEqual({ start: 3, end: 3 });
    expect(() => a.assignPending(short, { strict: true })).toThrow(RangeError);
  });

  it('restores records and sequences from snapshots', () => {
    using s = seqOf(4);
    using a = new ExternalBlockAssignments(1);
    a.extendBlockIds([7, 8, 9, 10]);
    a.stagePending(s.slice(0));
    using b = ExternalBlockAssignments.restore(a.snapshot());
    expect([b.offset, b.stagedCount, b.unassignedCount]).toEqual([1, a.stagedCount, a.unassignedCount]);
    using t = BlockSequence.restore(s.snapshot());
    expect(t.sequenceHashes()).toEqual(s.sequenceHashes());
    expect(() => ExternalBlockAssignments.restore(s.snapshot())).toThrow(TypeError);
  });
});
