// SPEC §3: one tier's record, through the public API.
import { describe, expect, it } from 'vitest';
import { BlockSequence, BlockSequenceError, ExternalBlockAssignments, SequenceHash, memoryStats } from 'kvbm-sequence';

/** A sequence of `blocks` complete blocks of 4 tokens, plus `extra` tokens. */
const sequence = (blocks: number, extra = 0) =>
  new BlockSequence(
    Array.from({ length: blocks * 4 + extra }, (_, i) => i + 1),
    4,
    1337n,
  );

const lineage = (seq: BlockSequence, i: number): SequenceHash => seq.allSequenceHashes()[i] as SequenceHash;

/** Everything observable of a record. */
const snapshot = (a: ExternalBlockAssignments) => ({
  offset: a.offset,
  assigned: a.assigned().map(([id, h]) => [id, String(h)]),
  staged: a.staged().map(([id, h]) => [id, String(h)]),
  unassigned: [...a.unassignedBlockIds()],
});

function thrown(f: () => unknown): BlockSequenceError {
  try {
    f();
  } catch (e) {
    if (e instanceof BlockSequenceError) return e;
    throw e;
  }
  throw new Error('expected a BlockSequenceError');
}

describe('ExternalBlockAssignments', () => {
  it('starts empty at its offset', () => {
    using a = new ExternalBlockAssignments(3);
    expect(a.offset).toBe(3);
    expect(a.nextPosition).toBe(3);
    expect(a.assignedPositions()).toEqual({ start: 3, end: 3 });
    expect([a.assignedCount, a.stagedCount, a.unassignedCount]).toEqual([0, 0, 0]);
  });

  it('assigns an aligned sequence in one call', () => {
    using seq = sequence(3);
    using a = new ExternalBlockAssignments();
    expect(a.extendBlockIds([10, 11, 12])).toBe(3);
    expect(a.assignPending(seq)).toEqual({ start: 0, end: 3 });
    expect([...a.assignedBlockIds()]).toEqual([10, 11, 12]);
    const [id, hash] = a.getAssigned(2) ?? [];
    expect(id).toBe(12);
    expect(hash?.equals(lineage(seq, 2))).toBe(true);
  });

  it('never assigns the partial block', () => {
    using seq = sequence(2, 3);
    using a = new ExternalBlockAssignments();
    a.extendBlockIds([1, 2, 3]);
    expect(a.assignPending(seq)).toEqual({ start: 0, end: 2 });
    expect([...a.unassignedBlockIds()]).toEqual([3]);
  });

  it('carries excess ids over, in FIFO order, as the sequence grows', () => {
    using seq = sequence(1);
    using a = new ExternalBlockAssignments();
    a.extendBlockIds([5, 6, 7]);
    expect(a.assignPending(seq)).toEqual({ start: 0, end: 1 });
    seq.extendTokens([9, 9, 9, 9, 9]);
    expect(a.assignPending(seq)).toEqual({ start: 1, end: 2 });
    expect(a.getAssigned(1)?.[0]).toBe(6);
    expect([...a.unassignedBlockIds()]).toEqual([7]);
    expect(a.pendingPositions()).toEqual({ start: 2, end: 3 });
  });

  it('skips the known prefix of the full id list', () => {
    using a = new ExternalBlockAssignments();
    a.extendBlockIds([1, 2]);
    expect(a.extendBlockIds([1, 2, 3, 4])).toBe(2);
    expect(a.extendBlockIds(new Uint32Array([1, 2, 3, 4]))).toBe(0);
    expect([...a.unassignedBlockIds()]).toEqual([1, 2, 3, 4]);
  });

  it('reports a known id after a new one as OrderingViolation and changes nothing', () => {
    using a = new ExternalBlockAssignments();
    a.extendBlockIds([1, 2]);
    const before = snapshot(a);
    const e = thrown(() => a.extendBlockIds([1, 3, 4, 2]));
    expect(e).toMatchObject({ kind: 'OrderingViolation', knownId: 2, newId: 3, knownIndex: 3, firstNewIndex: 1 });
    expect(e.message).toBe('ordering violation: known block_id 2 at index 3 appeared after new block_id 3 at index 1');
    expect(snapshot(a)).toEqual(before);
    expect(a.contains(3)).toBe(false);
  });

  it('reports a repeated new id as DuplicateBlockId and changes nothing', () => {
    using a = new ExternalBlockAssignments();
    a.extendBlockIds([1]);
    const before = snapshot(a);
    const e = thrown(() => a.extendBlockIds([1, 5, 6, 5]));
    expect(e).toMatchObject({ kind: 'DuplicateBlockId', blockId: 5 });
    expect(e.message).toBe('duplicate block_id 5 already present');
    expect(snapshot(a)).toEqual(before);
  });

  it('treats 0 as a valid block id', () => {
    using seq = sequence(1);
    using a = new ExternalBlockAssignments();
    a.extendBlockIds([0]);
    a.assignPending(seq);
    expect(a.contains(0)).toBe(true);
    expect(a.getAssigned(0)?.[0]).toBe(0);
  });

  it('extendAssigned appends cache hits', () => {
    using seq = sequence(2);
    using a = new ExternalBlockAssignments();
    expect(
      a.extendAssigned([
        [40, lineage(seq, 0)],
        [41, lineage(seq, 1)],
      ]),
    ).toBe(2);
    expect([...a.assignedBlockIds()]).toEqual([40, 41]);
    expect(a.nextPosition).toBe(2);
  });

  it('extendAssigned with a known or repeated id is DuplicateBlockId and changes nothing', () => {
    using seq = sequence(2);
    using a = new ExternalBlockAssignments();
    a.extendBlockIds([7]);
    const before = snapshot(a);
    expect(
      thrown(() =>
        a.extendAssigned([
          [8, lineage(seq, 0)],
          [7, lineage(seq, 1)],
        ]),
      ),
    ).toMatchObject({ kind: 'DuplicateBlockId', blockId: 7 });
    expect(
      thrown(() =>
        a.extendAssigned([
          [9, lineage(seq, 0)],
          [9, lineage(seq, 1)],
        ]),
      ),
    ).toMatchObject({ kind: 'DuplicateBlockId', blockId: 9 });
    expect(snapshot(a)).toEqual(before);
  });

  it('stages then commits in several rounds', () => {
    using seq = sequence(4);
    using a = new ExternalBlockAssignments();
    a.extendBlockIds([1, 2]);
    expect(a.stagePending(seq)).toEqual({ start: 0, end: 2 });
    expect(a.stagedPositions()).toEqual({ start: 0, end: 2 });
    a.extendBlockIds([1, 2, 3]);
    expect(a.stagePending(seq)).toEqual({ start: 2, end: 3 });
    expect(a.commitStaged()).toEqual({ start: 0, end: 3 });
    a.extendBlockIds([4]);
    expect(a.assignPending(seq)).toEqual({ start: 3, end: 4 });
    expect([...a.assignedBlockIds()]).toEqual([1, 2, 3, 4]);
  });

  it('a prefix slice stages only the blocks it holds', () => {
    using seq = sequence(5);
    using a = new ExternalBlockAssignments();
    a.extendBlockIds([1, 2, 3, 4, 5]);
    expect(a.stagePending(seq.slice(0, 2))).toEqual({ start: 0, end: 2 });
    expect(a.unassignedCount).toBe(3);
  });

  it('a slice shorter than nextPosition stages nothing', () => {
    using seq = sequence(5);
    using a = new ExternalBlockAssignments();
    a.extendBlockIds([1, 2, 3, 4]);
    a.assignPending(seq.slice(0, 3));
    const before = snapshot(a);
    expect(a.stagePending(seq.slice(0, 2))).toEqual({ start: 0, end: 0 });
    expect(snapshot(a)).toEqual(before);
  });

  it('a slice not starting at block 0 trips PositionMismatch and stages nothing', () => {
    using seq = sequence(5);
    using a = new ExternalBlockAssignments();
    a.extendBlockIds([1, 2]);
    const before = snapshot(a);
    const e = thrown(() => a.stagePending(seq.slice(2)));
    expect(e).toMatchObject({ kind: 'PositionMismatch', expected: 0, actual: 2, blockId: 1 });
    expect(e.message).toBe('position mismatch for block_id 1: expected 0, actual 2');
    expect(snapshot(a)).toEqual(before);
  });

  it('an offset tier stages from its own position', () => {
    using seq = sequence(5);
    using a = new ExternalBlockAssignments(2);
    a.extendBlockIds([20, 21, 22, 23]);
    expect(a.assignPending(seq)).toEqual({ start: 0, end: 3 });
    expect(a.getAtPosition(2)?.[0]).toBe(20);
    expect(a.getAtPosition(4)?.[1].equals(lineage(seq, 4))).toBe(true);
    expect(a.getPendingAtPosition(5)).toBe(23);
  });

  it('takeStaged returns the staged pairs and forgets their ids', () => {
    using seq = sequence(3);
    using a = new ExternalBlockAssignments();
    a.extendBlockIds([1, 2, 3]);
    a.assignPending(seq.slice(0, 1));
    a.stagePending(seq);
    const taken = a.takeStaged();
    expect(taken.map(([id]) => id)).toEqual([2, 3]);
    expect(taken[0]?.[1].equals(lineage(seq, 1))).toBe(true);
    expect(a.stagedCount).toBe(0);
    expect(a.contains(2)).toBe(false);
    expect(a.nextPosition).toBe(1);
  });

  it('clear empties everything and keeps the offset', () => {
    using seq = sequence(3);
    using a = new ExternalBlockAssignments(1);
    a.extendBlockIds([1, 2, 3]);
    a.assignPending(seq);
    a.clear();
    expect(snapshot(a)).toEqual({ offset: 1, assigned: [], staged: [], unassigned: [] });
  });

  it('answers positional queries at and beyond their range edges', () => {
    using seq = sequence(4);
    using a = new ExternalBlockAssignments(1);
    a.extendBlockIds([1, 2, 3, 4, 5]);
    a.assignPending(seq.slice(0, 2));
    a.stagePending(seq.slice(0, 3));
    expect(a.assignedPositions()).toEqual({ start: 1, end: 2 });
    expect(a.stagedPositions()).toEqual({ start: 2, end: 3 });
    expect(a.pendingPositions()).toEqual({ start: 3, end: 6 });
    expect(a.getAtPosition(0)).toBeUndefined();
    expect(a.getAtPosition(1)?.[0]).toBe(1);
    expect(a.getAtPosition(2)).toBeUndefined();
    expect(a.getPendingAtPosition(2)).toBeUndefined();
    expect(a.getPendingAtPosition(3)).toBe(3);
    expect(a.getPendingAtPosition(5)).toBe(5);
    expect(a.getPendingAtPosition(6)).toBeUndefined();
    expect(a.getAssigned(1)).toBeUndefined();
    expect(a.getStaged(0)?.[0]).toBe(2);
    expect(a.getStaged(1)).toBeUndefined();
    expect(a.getAtPosition(2 ** 40)).toBeUndefined();
    expect([...a.stagedBlockIds()]).toEqual([2]);
  });

  it('a 100,000-block record assigns and answers queries', () => {
    const tokens = new Uint32Array(400_000).map((_, i) => i);
    using seq = new BlockSequence(tokens, 4);
    using a = new ExternalBlockAssignments();
    const ids = new Uint32Array(100_000).map((_, i) => 99_999 - i);
    expect(a.extendBlockIds(ids)).toBe(100_000);
    expect(a.assignPending(seq)).toEqual({ start: 0, end: 100_000 });
    expect(a.getAtPosition(99_999)?.[0]).toBe(0);
    expect(a.contains(50_000)).toBe(true);
    expect(a.assigned()).toHaveLength(100_000);
  });

  it('answers in-place queries right after WebAssembly memory has grown under them', () => {
    using seq = sequence(8);
    using a = new ExternalBlockAssignments(2);
    a.extendBlockIds([10, 11, 12, 13, 14, 15, 16]);
    a.assignPending(seq.slice(0, 4));
    a.stagePending(seq.slice(0, 5));
    const read = () => ({
      id: a.getAssignedId(1),
      pair: a.getAssigned(0)?.[0],
      staged: a.getStagedId(0),
      at: a.getIdAtPosition(3),
      pending: a.getPendingAtPosition(6),
      present: a.contains(15),
      absent: a.contains(99),
    });
    const before = read();
    expect(before).toEqual({ id: 11, pair: 10, staged: 12, at: 11, pending: 14, present: true, absent: false });
    // Another object's allocation grows linear memory, which detaches every view of it.
    const memory = memoryStats().memoryBytes;
    using big = new BlockSequence(new Uint32Array(16 * 2 ** 20), 16);
    expect(memoryStats().memoryBytes).toBeGreaterThan(memory);
    expect(read()).toEqual(before);
    expect(big.totalTokens).toBe(16 * 2 ** 20);
  });

  it('every in-place query sees the change made just before it, with no other read between', () => {
    using seq = sequence(4);
    // Each query is asked once on the empty record (so that it has read the record), then right
    // after changes, then right after clear().
    const queries: [string, (a: ExternalBlockAssignments) => unknown, unknown][] = [
      ['getAssignedId', (a) => a.getAssignedId(1), 11],
      ['getAssigned', (a) => a.getAssigned(1)?.[0], 11],
      ['getStagedId', (a) => a.getStagedId(0), 12],
      ['getStaged', (a) => a.getStaged(0)?.[0], 12],
      ['getIdAtPosition', (a) => a.getIdAtPosition(0), 10],
      ['getAtPosition', (a) => a.getAtPosition(0)?.[0], 10],
      ['getPendingAtPosition', (a) => a.getPendingAtPosition(3), 13],
      ['contains', (a) => a.contains(13), true],
    ];
    for (const [name, query, expected] of queries) {
      using a = new ExternalBlockAssignments();
      const empty = name === 'contains' ? false : undefined;
      expect(query(a), `${name} on the empty record`).toBe(empty);
      a.extendBlockIds([10, 11, 12, 13]);
      a.assignPending(seq.slice(0, 2));
      a.stagePending(seq.slice(0, 3));
      expect(query(a), `${name} after the changes`).toBe(expected);
      a.clear();
      expect(query(a), `${name} after clear()`).toBe(empty);
    }
  });
});
