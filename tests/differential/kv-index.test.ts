// The router index against the reference model (tests/model/kv-index.ts): random programs of
// events on 1–8 workers — out of order, duplicated, unknown parents and blocks, removal storms,
// conflicting hashes — compared after every step.
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { KvIndex, type KvEvent } from 'kvbm-sequence';
import { chainOf, prepareXxh3 } from '../support/oracle-xxh3';
import { IndexModel, type ModelEvent } from '../model/kv-index';

const seed = process.env.FC_SEED === 'random' ? undefined : Number(process.env.FC_SEED ?? 20261125);
const runs = Number(process.env.FC_RUNS ?? 2000);

// Engines name a block by its whole path, so most generated block hashes are a function of the
// path; a few are arbitrary, to exercise conflicts.
function pathHash(path: bigint[]): bigint {
  let h = 0xcbf29ce484222325n;
  for (const x of path) h = BigInt.asUintN(64, (h ^ x) * 0x100000001b3n);
  return h;
}

const workerArb = fc.record({
  workerId: fc
    .oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 1, arbitrary: fc.integer({ min: 3, max: 7 }) })
    .map(BigInt),
  dpRank: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }),
});
const tokenHashArb = fc.integer({ min: 1, max: 3 }).map(BigInt);
const pathArb = fc.array(tokenHashArb, { minLength: 1, maxLength: 4 });
const hashArb = fc.oneof({ weight: 4, arbitrary: pathArb.map(pathHash) }, { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 20n }) });

const storedArb = fc
  .record({
    w: workerArb,
    prefix: fc.array(tokenHashArb, { maxLength: 2 }),
    rest: pathArb,
    noise: fc.integer({ min: 0, max: 5 }),
    hasParent: fc.boolean(),
  })
  .map(({ w, prefix, rest, noise, hasParent }) => {
    const parentHash = hasParent && prefix.length > 0 ? pathHash(prefix) : null;
    const base = parentHash === null ? [] : prefix;
    const blocks = rest.map((t, i) => ({
      blockHash:
        noise === 0 && i === 0 ? BigInt(rest.length) : noise === 1 && i > 0 ? pathHash(base) : pathHash([...base, ...rest.slice(0, i + 1)]),
      tokensHash: t,
    }));
    return { type: 'stored' as const, ...w, parentHash, blocks };
  });
const removedArb = fc
  .record({ w: workerArb, hashes: fc.array(hashArb, { maxLength: 4 }) })
  .map(({ w, hashes }) => ({ type: 'removed' as const, ...w, blockHashes: hashes }));
const clearedArb = workerArb.map((w) => ({ type: 'cleared' as const, ...w }));

type Op =
  | { op: 'event'; event: ModelEvent }
  | { op: 'batch'; events: ModelEvent[] }
  | { op: 'removeWorker'; workerId: bigint }
  | { op: 'clear' }
  | { op: 'restore' }
  | { op: 'repeat'; back: number };

const eventArb = fc.oneof({ weight: 6, arbitrary: storedArb }, { weight: 3, arbitrary: removedArb }, { weight: 1, arbitrary: clearedArb });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: eventArb.map((event) => ({ op: 'event' as const, event })) },
  { weight: 3, arbitrary: fc.array(eventArb, { maxLength: 6 }).map((events) => ({ op: 'batch' as const, events })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 7 }).map((id) => ({ op: 'removeWorker' as const, workerId: BigInt(id) })) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'restore' as const }) },
  { weight: 3, arbitrary: fc.nat(4).map((back) => ({ op: 'repeat' as const, back })) },
);

const queryArb = fc.array(tokenHashArb, { minLength: 0, maxLength: 6 });

function eq(actual: unknown, expected: unknown, what: string): void {
  // structuredClone drops the results' own toJSON, so bigints on both sides print the same way.
  const s = (v: unknown) => JSON.stringify(structuredClone(v), (_, x) => (typeof x === 'bigint' ? `${x}n` : x));
  if (s(actual) !== s(expected)) throw new Error(`${what}: library ${s(actual)} !== model ${s(expected)}`);
}

function compare(index: KvIndex, model: IndexModel, queries: bigint[][], step: string): void {
  eq(index.size, model.size, `${step} size`);
  eq(index.treeSizes(), model.treeSizes(), `${step} tree sizes`);
  eq(index.nodeCount, model.nodes.size, `${step} nodes`);
  for (const q of queries) {
    for (const earlyExit of [false, true]) {
      eq(index.findMatches(q, { earlyExit }), model.findMatches(q, earlyExit), `${step} findMatches(${q}, ${earlyExit})`);
    }
  }
}

describe('differential: KvIndex = reference model', () => {
  beforeAll(() => prepareXxh3(1337n));

  it('random event programs on 1–8 workers agree after every step', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), fc.array(queryArb, { minLength: 1, maxLength: 4 }), (ops, queries) => {
        let index = new KvIndex();
        const model = new IndexModel();
        const sent: ModelEvent[] = [];
        try {
          ops.forEach((op, i) => {
            // 'repeat' sends an earlier event again (engines resend after reconnects).
            const earlier = op.op === 'repeat' ? sent[sent.length - 1 - Math.min(op.back, sent.length - 1)] : undefined;
            const o: Op = earlier ? { op: 'event', event: earlier } : op;
            if (o.op === 'event') sent.push(o.event);
            const step = `step ${i} (${op.op})`;
            if (o.op === 'repeat') {
              // nothing sent yet
            } else if (o.op === 'event') {
              eq(index.applyEvent(o.event as KvEvent), model.apply(o.event), `${step} result`);
            } else if (o.op === 'batch') {
              const want = { ok: 0, duplicate: 0, ParentBlockNotFound: 0, InvalidBlockSequence: 0, BlockNotFound: 0 };
              for (const e of o.events) want[model.apply(e)] += 1;
              eq(index.applyEvents(o.events as KvEvent[]), want, `${step} counts`);
            } else if (o.op === 'removeWorker') {
              index.removeWorker(o.workerId);
              model.removeWorker(o.workerId);
            } else if (o.op === 'clear') {
              index.clear();
              model.clear();
            } else {
              const copy = KvIndex.restore(index.snapshot());
              index.free();
              index = copy;
            }
            compare(index, model, queries, step);
          });
          // dump() replayed into a fresh index gives the same answers.
          const rebuilt = new KvIndex();
          const counts = rebuilt.applyEvents(index.dump());
          eq(counts.ok, index.size, 'dump replays without refusal');
          compare(rebuilt, model, queries, 'rebuilt from dump');
          rebuilt.free();
        } finally {
          index.free();
        }
      }),
      { numRuns: runs, seed },
    );
  });

  it('approximate mode: recorded blocks expire like the model says', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ w: workerArb, path: pathArb, dt: fc.integer({ min: -5, max: 40 }) }), { maxLength: 30 }),
        fc.array(queryArb, { minLength: 1, maxLength: 3 }),
        (steps, queries) => {
          const index = new KvIndex({ mode: 'approximate', ttlMs: 50 });
          const model = new IndexModel(50);
          let now = 0;
          try {
            steps.forEach((s, i) => {
              now += s.dt;
              // The library chains local hashes itself; the model is told the chain (SPEC §1,
              // computed with the independent oracle).
              const local = s.path;
              const chain = chainOf(local);
              index.record(s.w.workerId, local, { dpRank: s.w.dpRank, now });
              model.record(s.w.workerId, s.w.dpRank, local, chain, now);
              index.advance(now);
              compare(index, model, queries, `step ${i}`);
            });
          } finally {
            index.free();
          }
        },
      ),
      { numRuns: Math.max(1, Math.round(runs / 4)), seed },
    );
  });
});
