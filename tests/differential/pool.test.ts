// The tier pool against the reference model (tests/model/pool.ts): random programs of match,
// allocate, register, release, eviction and snapshot/restore over sequences that share
// prefixes, compared after every step; the invariant "every id in exactly one state, counts sum
// to the capacity, no id lost or duplicated" checked throughout.
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { BlockSequence, BlockSequenceError, TierPool } from 'kvbm-sequence';
import { PoolModel, PoolModelError } from '../model/pool';
import { ModelSequence, type ModelBlock } from '../model/sequence';
import { prepareXxh3, xxh3 } from '../support/oracle-xxh3';

const seed = process.env.FC_SEED === 'random' ? undefined : Number(process.env.FC_SEED ?? 20261125);
const runs = Number(process.env.FC_RUNS ?? 2000);
const BS = 2;
const SALT = 1337n;

beforeAll(() => prepareXxh3(SALT, 0n));

// Sequences from a small tree: each block's two tokens from {0, 1}, so prefixes are shared.
const seqArb = fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 2, maxLength: 6 }).map((bits) => bits.flatMap((b, i) => [b, i]));

type Op =
  | { op: 'match'; seq: number; from: number }
  | { op: 'allocate'; n: number }
  | { op: 'register'; pick: number; count: number; seq: number; start: number }
  | { op: 'release'; pick: number; count: number }
  | { op: 'fill'; seq: number; start: number; n: number }
  | { op: 'restore' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('match' as const),
      seq: fc.nat(3),
      from: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(3) }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('fill' as const),
      seq: fc.nat(3),
      start: fc.oneof(fc.constant(0), fc.nat(3)),
      n: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('allocate' as const), n: fc.nat(5) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('register' as const),
      pick: fc.nat(20),
      count: fc.integer({ min: 1, max: 3 }),
      seq: fc.nat(3),
      start: fc.nat(3),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('release' as const), pick: fc.nat(20), count: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'restore' as const }) },
);

const s = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x));
function eq(actual: unknown, expected: unknown, what: string): void {
  if (s(actual) !== s(expected)) throw new Error(`${what}: library ${s(actual)} !== model ${s(expected)}`);
}

function outcome(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    if (e instanceof BlockSequenceError || e instanceof PoolModelError) return `error ${e.kind}`;
    if (e instanceof RangeError && e.message.includes('length mismatch')) return 'error LengthMismatch';
    throw e;
  }
}

describe('differential: TierPool = reference model', () => {
  for (const policy of ['lru', 'fifo'] as const) {
    it(`random programs agree after every step (${policy})`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 8 }),
          fc.array(seqArb, { minLength: 4, maxLength: 4 }),
          fc.array(opArb, { maxLength: 40 }),
          (capacity, seqTokens, ops) => {
            const seqs = seqTokens.map((t) => new BlockSequence(t, BS, SALT));
            const modelBlocks: ModelBlock[][] = seqTokens.map((t) => new ModelSequence(xxh3, t, BS, SALT).blocks());
            let pool = new TierPool({ capacity, blockSize: BS, saltHash: SALT, eviction: policy });
            const model = new PoolModel(
              Array.from({ length: capacity }, (_, i) => i),
              policy,
            );
            // Ids handed out by allocate or match, to pick from (may be released already).
            const handed: number[] = [];
            try {
              ops.forEach((o, i) => {
                const step = `step ${i} ${s(o)}`;
                // Mostly the most recently handed-out ids (so registrations and releases succeed),
                // sometimes older or never-issued ones.
                const pick = (from: number, count: number) =>
                  Array.from(
                    { length: count },
                    (_, k) =>
                      (from < 14 ? handed[handed.length - count + k] : handed[(from + k) % Math.max(1, handed.length)]) ??
                      (from + k) % (capacity + 1),
                  );
                if (o.op === 'match') {
                  const a = outcome(() => [...pool.match(seqs[o.seq] as BlockSequence, o.from)]);
                  const b = outcome(() => model.match(modelBlocks[o.seq] as ModelBlock[], o.from));
                  eq(a, b, step);
                  if (Array.isArray(a)) handed.push(...(a as number[]));
                } else if (o.op === 'allocate') {
                  const a = outcome(() => [...pool.allocate(o.n)]);
                  eq(
                    a,
                    outcome(() => model.allocate(o.n)),
                    step,
                  );
                  if (Array.isArray(a)) handed.push(...(a as number[]));
                } else if (o.op === 'register') {
                  const ids = pick(o.pick, o.count);
                  const start = Math.min(o.start, (modelBlocks[o.seq] as ModelBlock[]).length);
                  const a = outcome(() => [...pool.register(ids, seqs[o.seq] as BlockSequence, start)]);
                  eq(
                    a,
                    outcome(() => model.register(ids, modelBlocks[o.seq] as ModelBlock[], start)),
                    step,
                  );
                } else if (o.op === 'fill') {
                  // The usual flow: allocate, then register those ids from `start`.
                  const blocks = modelBlocks[o.seq] as ModelBlock[];
                  const start = Math.min(o.start, blocks.length);
                  const n = Math.min(o.n, blocks.length - start);
                  const a = outcome(() => [...pool.allocate(n)]);
                  eq(
                    a,
                    outcome(() => model.allocate(n)),
                    `${step} (allocate)`,
                  );
                  if (Array.isArray(a)) {
                    const r = outcome(() => [...pool.register(a as number[], seqs[o.seq] as BlockSequence, start)]);
                    eq(
                      r,
                      outcome(() => model.register(a as number[], blocks, start)),
                      `${step} (register)`,
                    );
                    handed.push(...(Array.isArray(r) ? (r as number[]) : (a as number[])));
                  }
                } else if (o.op === 'release') {
                  const ids = pick(o.pick, o.count);
                  eq(
                    outcome(() => pool.release(ids)),
                    outcome(() => model.release(ids)),
                    step,
                  );
                } else {
                  const copy = TierPool.restore(pool.snapshot());
                  pool.free();
                  pool = copy;
                }
                const blocks = pool.blocks().map((b) => ({ id: b.id, state: b.state, refCount: b.refCount, hash: b.hash?.toBigInt() }));
                eq(blocks, model.blocks(), `${step}: blocks`);
                eq(
                  [pool.freeCount, pool.activeCount, pool.inactiveCount],
                  [model.free.length, capacity - model.free.length - model.inactive.length, model.inactive.length],
                  `${step}: counts`,
                );
                if (pool.freeCount + pool.activeCount + pool.inactiveCount !== capacity)
                  throw new Error(`${step}: counts do not sum to the capacity`);
                if (o.op !== 'restore') {
                  const ev = pool
                    .takeEvents()
                    .map((e) =>
                      e.type === 'stored'
                        ? { type: e.type, parentHash: e.parentHash, blocks: e.blocks }
                        : e.type === 'removed'
                          ? { type: e.type, blockHashes: e.blockHashes }
                          : e,
                    );
                  eq(ev, model.takeEvents(), `${step}: events`);
                } else {
                  model.takeEvents();
                }
                eq(pool.evictions, model.evictions, `${step}: evictions`);
              });
            } finally {
              pool.free();
              seqs.forEach((q) => q.free());
            }
          },
        ),
        { numRuns: Math.max(1, Math.round(runs / 2)), seed },
      );
    });
  }
});
