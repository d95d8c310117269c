// Hostile input: every public function and constructor, every argument, every kind of wrong
// value. Each call throws TypeError, RangeError or BlockSequenceError with a message naming the
// problem; afterwards the module still works and the objects involved are unchanged.
import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import * as lib from 'kvbm-sequence';
import {
  BlockSequence,
  BlockSequenceError,
  ExternalBlockAssignments,
  SequenceHash,
  computeBlockHashes,
  computeSaltHash,
  computeSequenceHashes,
  zipAssigned,
  zipAssignedPending,
} from 'kvbm-sequence';

// The browser ES module, loaded directly (not through the package's exports): a second module
// instance, whose objects this instance must refuse.
const other = (await import('../../dist/browser.js' as string)) as typeof lib;

const NUMBER_BAD: unknown[] = [NaN, Infinity, -Infinity, -1, 1.5, 2 ** 53, '1', 1n, null, {}, [], true];
const U32_BAD: unknown[] = [...NUMBER_BAD, 2 ** 32, undefined];
const COUNT_BAD: unknown[] = [...NUMBER_BAD, undefined];
const SALT_BAD: unknown[] = [NaN, Infinity, -1, 1.5, 2 ** 53, -1n, 2n ** 64n, '1', null, {}, true];
const sparse = [1, 2, 3];
delete sparse[1];
const LIST_BAD: unknown[] = [
  undefined,
  null,
  '1,2',
  5,
  5n,
  { length: 3 },
  new Int32Array(3),
  new Float64Array(3),
  new Uint8Array(3),
  new BigUint64Array(1),
  [1, NaN],
  [1, -1],
  [1.5],
  [2 ** 32],
  [1n],
  ['1'],
  [null],
  sparse,
  new Array(2 ** 28 + 1),
];

interface Ctx {
  seq: BlockSequence;
  asg: ExternalBlockAssignments;
  dst: ExternalBlockAssignments;
  hash: SequenceHash;
  freedSeq: BlockSequence;
  freedAsg: ExternalBlockAssignments;
  foreignSeq: lib.BlockSequence;
  foreignAsg: lib.ExternalBlockAssignments;
  foreignHash: lib.SequenceHash;
}

let ctx: Ctx;

beforeEach(() => {
  const seq = new BlockSequence(
    Array.from({ length: 14 }, (_, i) => i + 1),
    4,
    1337n,
  );
  const asg = new ExternalBlockAssignments(0);
  asg.extendBlockIds([10, 11, 12, 13]);
  asg.assignPending(seq.slice(0, 2));
  asg.stagePending(seq);
  const dst = new ExternalBlockAssignments(1);
  dst.extendBlockIds([20, 21]);
  const freedSeq = new BlockSequence([1, 2, 3, 4], 2);
  freedSeq.free();
  const freedAsg = new ExternalBlockAssignments();
  freedAsg.free();
  ctx = {
    seq,
    asg,
    dst,
    hash: seq.allSequenceHashes()[0] as SequenceHash,
    freedSeq,
    freedAsg,
    foreignSeq: new other.BlockSequence([1, 2, 3, 4], 2),
    foreignAsg: new other.ExternalBlockAssignments(),
    foreignHash: other.SequenceHash.fromParts({ position: 0, currentHash: 1n }),
  };
});

afterEach(() => {
  for (const o of [ctx.seq, ctx.asg, ctx.dst, ctx.foreignSeq, ctx.foreignAsg]) if (!o.isFreed) o.free();
});

/** Everything observable of the context's objects. */
function state(c: Ctx): string {
  const tier = (a: ExternalBlockAssignments) => [
    a.offset,
    a.assigned().map(([id, h]) => `${id}=${h}`),
    a.staged().map(([id, h]) => `${id}=${h}`),
    [...a.unassignedBlockIds()],
  ];
  return JSON.stringify([
    c.seq.totalTokens,
    c.seq.allSequenceHashes().map(String),
    [...c.seq.partialTokens()],
    tier(c.asg),
    tier(c.dst),
    String(c.hash),
  ]);
}

/** The module still answers SPEC §1.2. */
function moduleWorks(): void {
  expect(
    computeSequenceHashes(
      Array.from({ length: 12 }, (_, i) => i + 1),
      4,
      1337n,
    )[2],
  ).toBe(12583592247330656132n);
  using s = new BlockSequence([1, 2, 3, 4], 4, 1337n);
  expect(s.sequenceHashes()[0]).toBe(14643705804678351452n);
}

type Case = [name: string, call: (c: Ctx, bad: unknown) => unknown, bad: unknown[] | ((c: Ctx) => unknown[])];

const objectBad = (c: Ctx, kind: 'seq' | 'asg'): unknown[] =>
  kind === 'seq'
    ? [null, undefined, {}, 5, c.freedSeq, c.asg, c.foreignSeq, c.foreignSeq.slice()]
    : [null, undefined, {}, 5, c.freedAsg, c.seq, c.foreignAsg];

// `bad` stands for the argument under test; the others are valid.
const cases: Case[] = [
  ['new BlockSequence(tokens)', (_, b) => new BlockSequence(b as number[], 4), LIST_BAD],
  ['new BlockSequence(blockSize)', (_, b) => new BlockSequence([1], b as number), [...U32_BAD, 0]],
  ['new BlockSequence(saltHash)', (_, b) => new BlockSequence([1], 4, b as bigint), SALT_BAD],
  ['seq.extendTokens(tokens)', (c, b) => c.seq.extendTokens(b as number[]), LIST_BAD],
  ['seq.appendToken(token)', (c, b) => c.seq.appendToken(b as number), U32_BAD],
  ['seq.truncate(len)', (c, b) => c.seq.truncate(b as number), COUNT_BAD],
  ['seq.unwind(count)', (c, b) => c.seq.unwind(b as number), [...COUNT_BAD, 15, 2 ** 40]],
  ['seq.block(i)', (c, b) => c.seq.block(b as number), COUNT_BAD],
  ['seq.slice(start)', (c, b) => c.seq.slice(b as number), [...NUMBER_BAD, 4]],
  ['seq.slice(end)', (c, b) => c.seq.slice(0, b as number), [...NUMBER_BAD, 4]],
  ['new ExternalBlockAssignments(offset)', (_, b) => new ExternalBlockAssignments(b as number), [...NUMBER_BAD, 2 ** 24 + 1]],
  ['asg.contains(id)', (c, b) => c.asg.contains(b as number), U32_BAD],
  ['asg.getAssigned(i)', (c, b) => c.asg.getAssigned(b as number), COUNT_BAD],
  ['asg.getStaged(i)', (c, b) => c.asg.getStaged(b as number), COUNT_BAD],
  ['asg.getAtPosition(p)', (c, b) => c.asg.getAtPosition(b as number), COUNT_BAD],
  ['asg.getPendingAtPosition(p)', (c, b) => c.asg.getPendingAtPosition(b as number), COUNT_BAD],
  ['asg.extendBlockIds(ids)', (c, b) => c.asg.extendBlockIds(b as number[]), [...LIST_BAD, [10, 99, 11], [98, 98], [99, 10]]],
  [
    'asg.extendAssigned(pairs)',
    (c, b) => c.asg.extendAssigned(b as [number, SequenceHash][]),
    (c) => [
      undefined,
      null,
      {},
      'x',
      [1],
      [[1]],
      [[1, 2]],
      [[-1, c.hash]],
      [[1.5, c.hash]],
      [[2 ** 32, c.hash]],
      [[1, c.foreignHash]],
      [[1, c.hash, 3]],
      [[10, c.hash]],
      [
        [50, c.hash],
        [50, c.hash],
      ],
    ],
  ],
  ['asg.stagePending(blocks)', (c, b) => c.asg.stagePending(b as BlockSequence), (c) => objectBad(c, 'seq')],
  ['asg.assignPending(blocks)', (c, b) => c.asg.assignPending(b as BlockSequence), (c) => objectBad(c, 'seq')],
  ['zipAssigned(a)', (c, b) => zipAssigned(b as ExternalBlockAssignments, c.dst), (c) => objectBad(c, 'asg')],
  ['zipAssigned(b)', (c, b) => zipAssigned(c.asg, b as ExternalBlockAssignments), (c) => objectBad(c, 'asg')],
  ['zipAssignedPending(src)', (c, b) => zipAssignedPending(b as ExternalBlockAssignments, c.dst), (c) => objectBad(c, 'asg')],
  ['zipAssignedPending(dst)', (c, b) => zipAssignedPending(c.asg, b as ExternalBlockAssignments), (c) => objectBad(c, 'asg')],
  ['computeBlockHashes(tokens)', (_, b) => computeBlockHashes(b as number[], 4), LIST_BAD],
  ['computeBlockHashes(blockSize)', (_, b) => computeBlockHashes([1], b as number), [...U32_BAD, 0]],
  ['computeSequenceHashes(saltHash)', (_, b) => computeSequenceHashes([1], 4, b as bigint), SALT_BAD],
  ['computeSaltHash(salt)', (_, b) => computeSaltHash(b as string), [5, 1n, true, [], { salt: 5 }, { lora: 1n }, { salt: null, lora: {} }]],
  ['computeSaltHash(lora)', (_, b) => computeSaltHash('', b as string), [5, 1n, {}, true, []]],
  [
    'SequenceHash.fromBigInt',
    (_, b) => SequenceHash.fromBigInt(b as bigint),
    [5, '5', null, undefined, -1n, 2n ** 128n, 3n << 126n, (1n << 126n) | (5n << 110n)],
  ],
  [
    'SequenceHash.fromBytes',
    (_, b) => SequenceHash.fromBytes(b as Uint8Array),
    [null, undefined, 'x', new Uint8Array(15), new Uint8Array(17), Array(16).fill(0), new Uint16Array(16), new Uint8Array(16).fill(255)],
  ],
  [
    'SequenceHash.fromParts(position)',
    (_, b) => SequenceHash.fromParts({ position: b as number, currentHash: 1n }),
    [...COUNT_BAD, 2 ** 24, 2 ** 40],
  ],
  [
    'SequenceHash.fromParts(currentHash)',
    (_, b) => SequenceHash.fromParts({ position: 1, currentHash: b as bigint }),
    [...SALT_BAD, undefined],
  ],
  [
    'SequenceHash.fromParts(parts)',
    (_, b) => SequenceHash.fromParts(b as { position: number; currentHash: bigint }),
    [null, undefined, 5, 'x'],
  ],
  ['hash.compare(other)', (c, b) => c.hash.compare(b as SequenceHash), (c) => [null, undefined, {}, 5, c.foreignHash]],
  [
    'freed sequence: every method',
    (c, b) => (c.freedSeq as unknown as Record<string, (x?: unknown) => unknown>)[b as string]?.call(c.freedSeq, 1),
    [
      'extendTokens',
      'appendToken',
      'truncate',
      'unwind',
      'pop',
      'blockHashes',
      'sequenceHashes',
      'allSequenceHashes',
      'block',
      'partialTokens',
      'slice',
      'free',
    ],
  ],
  [
    'freed record: every method',
    (c, b) => (c.freedAsg as unknown as Record<string, (x?: unknown) => unknown>)[b as string]?.call(c.freedAsg, 1),
    [
      'contains',
      'getAssigned',
      'getStaged',
      'getAtPosition',
      'getPendingAtPosition',
      'assignedPositions',
      'stagedPositions',
      'pendingPositions',
      'assignedBlockIds',
      'stagedBlockIds',
      'unassignedBlockIds',
      'assigned',
      'staged',
      'extendBlockIds',
      'commitStaged',
      'takeStaged',
      'clear',
      'free',
    ],
  ],
  [
    'freed objects: every getter',
    (c, b) =>
      Reflect.get(
        b === 'offset' || b === 'assignedCount' || b === 'stagedCount' || b === 'unassignedCount' || b === 'nextPosition'
          ? c.freedAsg
          : c.freedSeq,
        b as string,
      ),
    ['blockSize', 'totalTokens', 'blockCount', 'saltHash', 'offset', 'assignedCount', 'stagedCount', 'unassignedCount', 'nextPosition'],
  ],
];

describe('hostile input', () => {
  for (const [name, call] of cases) {
    it(`${name} rejects every wrong value and changes nothing`, () => {
      const entry = cases.find(([n]) => n === name) as Case;
      const values = typeof entry[2] === 'function' ? entry[2](ctx) : entry[2];
      for (const bad of values) {
        const before = state(ctx);
        let error: unknown;
        try {
          call(ctx, bad);
        } catch (e) {
          error = e;
        }
        const label = `${name} with ${typeof bad === 'bigint' ? `${bad}n` : String(bad)?.slice(0, 40)}`;
        expect(error, label).toBeDefined();
        const ok = error instanceof TypeError || error instanceof RangeError || error instanceof BlockSequenceError;
        expect(ok, `${label}: ${String(error)}`).toBe(true);
        expect((error as Error).message.length, label).toBeGreaterThan(10);
        expect(state(ctx), label).toBe(before);
      }
      moduleWorks();
    });
  }

  it('messages name the argument and the rule', () => {
    expect(() => new BlockSequence([1, -1], 4)).toThrow('tokens[1] must be an integer in 0..=4294967295, got -1');
    expect(() => new BlockSequence([1], 0)).toThrow('blockSize must be at least 1');
    expect(() => ctx.asg.contains(2 ** 32)).toThrow('id must be an integer in 0..=4294967295');
    expect(() => ctx.asg.extendBlockIds(new Int32Array(1) as unknown as number[])).toThrow(
      /ids must be an Array of block ids .* or a Uint32Array, got a Int32Array/,
    );
    expect(() => ctx.seq.appendToken(1n as unknown as number)).toThrow(TypeError);
    expect(() => ctx.asg.assignPending(ctx.foreignSeq as unknown as BlockSequence)).toThrow(
      /blocks must be a BlockSequence of this module instance/,
    );
    expect(() => ctx.freedSeq.totalTokens).toThrow('BlockSequence: the object has been freed');
  });

  it('a block at position 2^24 is a RangeError and changes nothing', () => {
    expect(() => new BlockSequence(new Uint32Array(2 ** 24 + 1), 1)).toThrow(/position overflow/);
    using s = new BlockSequence(new Uint32Array(2 ** 24 - 1), 1);
    expect(() => s.extendTokens([1, 2])).toThrow(RangeError);
    expect(s.totalTokens).toBe(2 ** 24 - 1);
    expect(s.appendToken(7)).toBe(2 ** 24 - 1);
    expect(() => s.appendToken(8)).toThrow(RangeError);
    expect(s.block(2 ** 24 - 1)?.lineageHash.mode).toBe(2);
    moduleWorks();
  });
});
