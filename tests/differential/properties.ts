// Differential properties: the library against the reference model (tests/model), shared by
// the Node suite (differential.test.ts) and the browser suite (tests/browser).
import fc from 'fast-check';
import type * as Library from 'kvbm-sequence';
import type { Xxh3 } from '../model/hash';
import { lineageText } from '../model/hash';
import { ModelSequence, ModelError, type ModelBlock } from '../model/sequence';
import { ModelAssignments, modelZipAssigned, modelZipAssignedPending, type ModelPair } from '../model/assignments';

type Lib = typeof Library;

/** What a property needs from its environment. */
export interface Env {
  lib: Lib;
  /** An XXH3 with hashers ready for `seeds` (plus 1337, the chain seed). */
  xxh3For(seeds: bigint[]): Promise<Xxh3>;
  /**
   * Salts to draw from instead of any u64 (browsers: each oracle hasher is a WebAssembly
   * instance, and a page may hold only so many).
   */
  salts?: bigint[];
}

/** A property: runs `numRuns` cases, throws on the first counterexample. */
export interface Property {
  name: string;
  /** Share of the base run count this property gets (the heavy ones fewer). */
  weight: number;
  run(env: Env, numRuns: number, seed: number | undefined): Promise<void>;
}

const token = fc.integer({ min: 0, max: 0xffff_ffff });
const anySalt = fc.oneof(fc.constant(0n), fc.constant(1337n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));
const saltOf = (env: Env) => (env.salts ? fc.constantFrom(...env.salts) : anySalt);

function eq(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
  const e = JSON.stringify(expected, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
  if (a !== e) throw new Error(`${what}: library ${a} !== model ${e}`);
}

function checkHashes(lib: Lib, seq: Library.BlockSequence, model: ModelSequence, what: string): void {
  const blocks = model.blocks();
  eq(
    [...seq.blockHashes()],
    blocks.map((b) => b.blockHash),
    `${what} block hashes`,
  );
  eq(
    [...seq.sequenceHashes()],
    blocks.map((b) => b.sequenceHash),
    `${what} sequence hashes`,
  );
  const lineages = seq.allSequenceHashes();
  eq(
    lineages.map((h) => h.toBigInt()),
    blocks.map((b) => b.lineage),
    `${what} lineage hashes`,
  );
  eq(
    lineages.map(String),
    blocks.map((b) => lineageText(b.position, b.sequenceHash, b.parent)),
    `${what} text forms`,
  );
  eq([...seq.partialTokens()], model.partial(), `${what} partial block`);
  eq([seq.totalTokens, seq.blockCount], [model.tokens.length, model.blockCount], `${what} counts`);
  void lib;
}

const hashing: Property = {
  name: 'hashes equal the model for random tokens, block sizes and salts',
  weight: 1,
  async run(env, numRuns, seed) {
    const { lib, xxh3For } = env;
    await fc.assert(
      fc.asyncProperty(
        fc.array(token, { maxLength: 5000, size: 'max' }),
        fc.integer({ min: 1, max: 64 }),
        saltOf(env),
        async (tokens, bs, s) => {
          const model = new ModelSequence(await xxh3For([s]), tokens, bs, s);
          const blocks = model.blocks();
          eq(
            [...lib.computeBlockHashes(tokens, bs, s)],
            blocks.map((b) => b.blockHash),
            'computeBlockHashes',
          );
          eq(
            [...lib.computeSequenceHashes(Uint32Array.from(tokens), bs, s)],
            blocks.map((b) => b.sequenceHash),
            'computeSequenceHashes',
          );
          const seq = new lib.BlockSequence(tokens, bs, s);
          try {
            checkHashes(lib, seq, model, 'new BlockSequence');
          } finally {
            seq.free();
          }
        },
      ),
      { numRuns, seed },
    );
  },
};

const buildingPaths: Property = {
  name: 'building at once, extending in chunks and appending one by one agree',
  weight: 1,
  async run(env, numRuns, seed) {
    const { lib, xxh3For } = env;
    await fc.assert(
      fc.asyncProperty(
        fc.array(token, { maxLength: 600, size: 'max' }),
        fc.integer({ min: 1, max: 32 }),
        saltOf(env),
        fc.array(fc.integer({ min: 0, max: 70 }), { minLength: 1, maxLength: 20 }),
        async (tokens, bs, s, cuts) => {
          const model = new ModelSequence(await xxh3For([s]), tokens, bs, s);
          const whole = new lib.BlockSequence(tokens, bs, s);
          const chunks = new lib.BlockSequence([], bs, s);
          const single = new lib.BlockSequence([], bs, s);
          try {
            const replay = new ModelSequence(await xxh3For([s]), [], bs, s);
            for (let at = 0, c = 0; at < tokens.length; c++) {
              const cut = cuts[c % cuts.length] as number;
              if (cut === 0) eq(chunks.extendTokens([]), undefined, 'extending by nothing');
              const piece = tokens.slice(at, at + Math.max(cut, 1));
              at += piece.length;
              eq(chunks.extendTokens(piece), replay.extend(piece), 'extendTokens range');
            }
            for (const t of tokens) single.appendToken(t);
            checkHashes(lib, whole, model, 'whole');
            checkHashes(lib, chunks, model, 'chunks');
            checkHashes(lib, single, model, 'one by one');
          } finally {
            whole.free();
            chunks.free();
            single.free();
          }
        },
      ),
      { numRuns, seed },
    );
  },
};

const truncation: Property = {
  name: 'truncate, unwind and pop then re-extend restore the same hashes',
  weight: 1,
  async run(env, numRuns, seed) {
    const { lib, xxh3For } = env;
    await fc.assert(
      fc.asyncProperty(
        fc.array(token, { maxLength: 400, size: 'max' }),
        fc.integer({ min: 1, max: 16 }),
        saltOf(env),
        fc.nat(),
        fc.nat(500),
        async (tokens, bs, s, cutSeed, unwindBy) => {
          const xxh3 = await xxh3For([s]);
          const model = new ModelSequence(xxh3, tokens, bs, s);
          const seq = new lib.BlockSequence(tokens, bs, s);
          try {
            const before = seq.allSequenceHashes().map(String);
            const cut = tokens.length === 0 ? 0 : cutSeed % (tokens.length + 1);
            seq.truncate(cut);
            model.truncate(cut);
            checkHashes(lib, seq, model, `after truncate(${cut})`);
            let unwindError = '';
            try {
              seq.unwind(unwindBy);
            } catch (e) {
              unwindError = (e as Library.BlockSequenceError).kind + ':' + (e as Library.BlockSequenceError).reason;
            }
            let modelError = '';
            try {
              model.unwind(unwindBy);
            } catch (e) {
              modelError = (e as ModelError).kind + ':' + (e as ModelError).fields.reason;
            }
            eq(unwindError, modelError, 'unwind error');
            eq(seq.pop(), model.pop(), 'pop');
            checkHashes(lib, seq, model, 'after unwind and pop');
            seq.extendTokens(tokens.slice(seq.totalTokens));
            eq(seq.allSequenceHashes().map(String), before, 're-extended hashes');
          } finally {
            seq.free();
          }
        },
      ),
      { numRuns, seed },
    );
  },
};

// ---------------------------------------------------------------------------------------------
// Assignment programs

const POOL = 48; // ids come from 0..POOL-1, so collisions are frequent

type Op =
  | { op: 'extendIds'; tier: number; mode: number; count: number; seed: number }
  | { op: 'extendAssigned'; tier: number; count: number; seed: number }
  | { op: 'stage' | 'assign'; tier: number; slice: number; seed: number }
  | { op: 'commit' | 'take' | 'clear'; tier: number }
  | { op: 'grow'; tokens: number[] }
  | { op: 'shrink'; seed: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ op: fc.constant('extendIds' as const), tier: fc.nat(2), mode: fc.nat(5), count: fc.nat(6), seed: fc.nat() }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('extendAssigned' as const), tier: fc.nat(2), count: fc.nat(3), seed: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constantFrom('stage' as const, 'assign' as const), tier: fc.nat(2), slice: fc.nat(3), seed: fc.nat() }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('commit' as const, 'take' as const, 'clear' as const), tier: fc.nat(2) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('grow' as const), tokens: fc.array(fc.nat(1000), { maxLength: 24, size: 'max' }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('shrink' as const), seed: fc.nat() }) },
);

/** A small deterministic generator for building lists from an op's seed. */
function rng(seed: number): () => number {
  let s = seed | 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

function knownInOrder(m: ModelAssignments): number[] {
  return [...m.assigned.map(([id]) => id), ...m.staged.map(([id]) => id), ...m.unassigned];
}

function freshIds(m: ModelAssignments, count: number, next: () => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    let id = next() % POOL;
    for (let tries = 0; tries < POOL && m.known(id); tries++) id = (id + 1) % POOL;
    out.push(id);
  }
  return out;
}

/** The id list an extendIds op passes, from the model's state. */
function idList(m: ModelAssignments, mode: number, count: number, seed: number): number[] {
  const next = rng(seed);
  const known = knownInOrder(m);
  const fresh = freshIds(m, count, next);
  switch (mode) {
    case 0: // the full list, as a scheduler keeps it
      return [...known, ...fresh];
    case 1: // an overlapping prefix only
      return [...known.slice(next() % (known.length + 1)), ...fresh];
    case 2: {
      // known ids reordered
      const shuffled = [...known].sort(() => (next() & 1 ? 1 : -1));
      return [...shuffled, ...fresh];
    }
    case 3: {
      // a duplicate somewhere
      const list = [...known, ...fresh];
      if (list.length > 0) list.splice(next() % (list.length + 1), 0, list[next() % list.length] as number);
      return list;
    }
    case 4: // anything
      return Array.from({ length: count + (next() % 4) }, () => next() % POOL);
    default: // only new ids
      return fresh;
  }
}

interface World {
  lib: Lib;
  seq: Library.BlockSequence;
  model: ModelSequence;
  tiers: Library.ExternalBlockAssignments[];
  models: ModelAssignments[];
}

type Outcome = { ok: unknown } | { error: string; fields: Record<string, unknown> };

function outcome(f: () => unknown): Outcome {
  try {
    return { ok: f() };
  } catch (e) {
    if (e instanceof ModelError) return { error: e.kind, fields: e.fields };
    const err = e as Library.BlockSequenceError;
    if (err && err.name === 'BlockSequenceError') {
      const fields: Record<string, unknown> = {};
      for (const key of ['knownId', 'newId', 'knownIndex', 'firstNewIndex', 'expected', 'actual', 'blockId', 'reason'] as const) {
        if (err[key] !== undefined) fields[key] = err[key];
      }
      return { error: err.kind, fields };
    }
    throw e;
  }
}

const pairsOf = (pairs: Library.BlockAssignment[]) => pairs.map(([id, h]) => [id, h.toBigInt()]);

/** Everything observable of a tier, from the library. */
function libraryState(t: Library.ExternalBlockAssignments, maxPosition: number) {
  const positions = Array.from({ length: maxPosition + 2 }, (_, p) => p);
  return {
    offset: t.offset,
    counts: [t.assignedCount, t.stagedCount, t.unassignedCount, t.nextPosition],
    ranges: [t.assignedPositions(), t.stagedPositions(), t.pendingPositions()].map((r) => [r.start, r.end]),
    assigned: pairsOf(t.assigned()),
    staged: pairsOf(t.staged()),
    ids: [[...t.assignedBlockIds()], [...t.stagedBlockIds()], [...t.unassignedBlockIds()]],
    byIndex: [
      Array.from({ length: t.assignedCount + 1 }, (_, i) => t.getAssigned(i)).map((p) => p && [p[0], p[1].toBigInt()]),
      Array.from({ length: t.stagedCount + 1 }, (_, i) => t.getStaged(i)).map((p) => p && [p[0], p[1].toBigInt()]),
    ],
    at: positions.map((p) => t.getAtPosition(p)).map((p) => p && [p[0], p[1].toBigInt()]),
    pending: positions.map((p) => t.getPendingAtPosition(p)),
    contains: Array.from({ length: POOL }, (_, id) => t.contains(id)),
  };
}

/** The same, from the model. */
function modelState(m: ModelAssignments, maxPosition: number) {
  const positions = Array.from({ length: maxPosition + 2 }, (_, p) => p);
  const a = m.assigned.length;
  const s = m.staged.length;
  const next = m.nextPosition;
  return {
    offset: m.offset,
    counts: [a, s, m.unassigned.length, next],
    ranges: [
      [m.offset, m.offset + a],
      [m.offset + a, next],
      [next, next + m.unassigned.length],
    ],
    assigned: m.assigned,
    staged: m.staged,
    ids: [m.assigned.map(([id]) => id), m.staged.map(([id]) => id), m.unassigned],
    byIndex: [Array.from({ length: a + 1 }, (_, i) => m.assigned[i]), Array.from({ length: s + 1 }, (_, i) => m.staged[i])],
    at: positions.map((p) => m.getAtPosition(p)),
    pending: positions.map((p) => m.getPendingAtPosition(p)),
    contains: Array.from({ length: POOL }, (_, id) => m.known(id)),
  };
}

function compareWorld(w: World, step: string): void {
  const maxPosition = Math.max(...w.models.map((m) => m.nextPosition + m.unassigned.length), w.model.blockCount);
  w.tiers.forEach((t, i) => {
    eq(libraryState(t, maxPosition), modelState(w.models[i] as ModelAssignments, maxPosition), `${step}: tier ${i} state`);
  });
  w.tiers.forEach((a, i) =>
    w.tiers.forEach((b, j) => {
      const ma = w.models[i] as ModelAssignments;
      const mb = w.models[j] as ModelAssignments;
      const triples = (p: Library.Plan) => [...p.positions].map((x, k) => [x, p.src[k], p.dst[k]]);
      eq(triples(w.lib.zipAssigned(a, b)), modelZipAssigned(ma, mb), `${step}: zipAssigned(${i}, ${j})`);
      eq(triples(w.lib.zipAssignedPending(a, b)), modelZipAssignedPending(ma, mb), `${step}: zipAssignedPending(${i}, ${j})`);
    }),
  );
}

function apply(w: World, op: Op): [Outcome, Outcome] {
  const tier = 'tier' in op ? op.tier % w.tiers.length : 0;
  const t = w.tiers[tier] as Library.ExternalBlockAssignments;
  const m = w.models[tier] as ModelAssignments;
  switch (op.op) {
    case 'extendIds': {
      const ids = idList(m, op.mode, op.count, op.seed);
      return [outcome(() => t.extendBlockIds(ids)), outcome(() => m.extendBlockIds(ids))];
    }
    case 'extendAssigned': {
      const next = rng(op.seed);
      const hashes = w.seq.allSequenceHashes();
      const blocks = w.model.blocks();
      const libPairs: [number, Library.SequenceHash][] = [];
      const modelPairs: ModelPair[] = [];
      for (let i = 0; i < op.count; i++) {
        const id = next() % POOL;
        if (hashes.length > 0) {
          const at = next() % hashes.length;
          libPairs.push([id, hashes[at] as Library.SequenceHash]);
          modelPairs.push([id, (blocks[at] as ModelBlock).lineage]);
        } else {
          const h = w.lib.SequenceHash.fromParts({ position: next() % 300, currentHash: BigInt(next()) });
          libPairs.push([id, h]);
          modelPairs.push([id, h.toBigInt()]);
        }
      }
      return [outcome(() => t.extendAssigned(libPairs)), outcome(() => m.extendAssigned(modelPairs))];
    }
    case 'stage':
    case 'assign': {
      const count = w.seq.blockCount;
      const next = rng(op.seed);
      let start = 0;
      let end = count;
      if (op.slice === 1) end = next() % (count + 1);
      if (op.slice === 2) start = next() % (count + 1);
      const slice = op.slice === 3 ? w.seq : w.seq.slice(start, end);
      const blocks = w.model.blocks().slice(start, end);
      return op.op === 'stage'
        ? [outcome(() => t.stagePending(slice)), outcome(() => m.stagePending(blocks))]
        : [outcome(() => t.assignPending(slice)), outcome(() => m.assignPending(blocks))];
    }
    case 'commit':
      return [outcome(() => t.commitStaged()), outcome(() => m.commitStaged())];
    case 'take':
      return [outcome(() => pairsOf(t.takeStaged())), outcome(() => m.takeStaged())];
    case 'clear':
      return [outcome(() => t.clear()), outcome(() => m.clear())];
    case 'grow':
      return [outcome(() => w.seq.extendTokens(op.tokens)), outcome(() => w.model.extend(op.tokens))];
    case 'shrink': {
      const len = op.seed % (w.model.tokens.length + 1);
      return [outcome(() => w.seq.truncate(len)), outcome(() => w.model.truncate(len))];
    }
  }
}

const programs: Property = {
  name: 'random assignment programs on one to three tiers match the model step by step',
  weight: 1,
  async run(env, numRuns, seed) {
    const { lib, xxh3For } = env;
    const xxh3 = await xxh3For([1337n]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(4), { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(300), { maxLength: 40, size: 'max' }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(opArb, { maxLength: 40, size: 'max' }),
        async (offsets, tokens, bs, ops) => {
          const w: World = {
            lib,
            seq: new lib.BlockSequence(tokens, bs, 1337n),
            model: new ModelSequence(xxh3, tokens, bs, 1337n),
            tiers: offsets.map((o) => new lib.ExternalBlockAssignments(o)),
            models: offsets.map((o) => new ModelAssignments(o)),
          };
          try {
            compareWorld(w, 'start');
            ops.forEach((op, i) => {
              const [got, want] = apply(w, op);
              eq(got, want, `step ${i} ${JSON.stringify(op)}: result`);
              compareWorld(w, `step ${i} ${op.op}`);
            });
          } finally {
            w.seq.free();
            w.tiers.forEach((t) => t.free());
          }
        },
      ),
      { numRuns, seed },
    );
  },
};

/** Every property, in the order they run. */
export const properties: Property[] = [hashing, buildingPaths, truncation, programs];
