/**
 * Choosing the worker (SPEC §6.4): Dynamo's `KvRouterConfig` cost and temperature, and the
 * per-worker load tracking that feeds it.
 *
 * Place: `ts/router/select.ts`.
 * @module
 */

import { WasmObject } from '../runtime/handle.js';
import type { HashLike, WorkerIdLike, WorkerScore } from './kv-index.js';
import { bigU64 as idOf, inputHashes, u64 } from '../runtime/validate.js';
import { check, exports, outputU32, ret } from '../runtime/wasm.js';
import { jsonReady } from '../runtime/json.js';
import { f64FromWords, joinWords } from '../runtime/words.js';

/** A candidate worker and its load, as {@link LoadTracker.potentialLoads} gives them. */
export interface WorkerLoad {
  /** The worker's id. */
  readonly workerId: WorkerIdLike;
  /** Its data-parallel rank (default 0). */
  readonly dpRank?: number;
  /**
   * Blocks the worker would hold if it took this request: its running requests' blocks plus
   * this request's blocks not already among them.
   */
  readonly activeBlocks: number;
  /** Prefill tokens already queued on the worker. */
  readonly prefillTokens: number;
}

/** Options of {@link selectWorker}. */
export interface SelectOptions {
  /** The request's input length in tokens. */
  readonly isl: number;
  /** Tokens per block. */
  readonly blockSize: number;
  /** Weight of the blocks still to prefill (Dynamo's `overlap_score_weight`, default 1). */
  readonly overlapScoreWeight?: number;
  /** 0 (default): the cheapest worker. > 0: softmax sampling over normalised costs. */
  readonly temperature?: number;
  /** Seed of the random choice among ties (temperature 0) or of the sampling; default random. */
  readonly seed?: number | bigint;
}

/** A worker's cost in a {@link Selection}. */
export interface WorkerCost {
  /** The worker's id. */
  readonly workerId: bigint;
  /** Its data-parallel rank. */
  readonly dpRank: number;
  /** `overlapScoreWeight × prefillBlocks + activeBlocks`. */
  readonly cost: number;
}

/** The answer of {@link selectWorker}. */
export interface Selection extends WorkerCost {
  /** Every candidate's cost, in the order given. */
  readonly costs: WorkerCost[];
}

function finite(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`${name} must be a finite number, got ${String(value)}`);
  }
  if (value < min) throw new RangeError(`${name} must be >= ${min}, got ${value}`);
  return value;
}

function rank(value: unknown, name: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`${name} must be an integer in 0..=4294967295, got ${String(value)}`);
  }
  return value;
}

/** A seeded generator of uniform numbers in [0, 1): SplitMix64, as 53-bit doubles. */
export function seededRandom(seed: number | bigint): () => number {
  let state = BigInt.asUintN(64, BigInt(seed));
  return () => {
    state = BigInt.asUintN(64, state + 0x9e3779b97f4a7c15n);
    let z = state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    z ^= z >> 31n;
    return Number(z >> 11n) / 2 ** 53;
  };
}

/**
 * Picks the worker for a request: for each candidate,
 * `cost = overlapScoreWeight × (isl − score × blockSize + prefillTokens) / blockSize + activeBlocks`,
 * where `score` is its overlap from {@link KvIndex.findMatches}. With temperature 0 the lowest
 * cost wins, ties to the worker whose index holds the fewest blocks, remaining ties at random
 * (seeded); with temperature > 0 a worker is drawn with probability ∝ `exp(−scaled / T)`, costs
 * scaled to 0..1 by their range (all equal → uniform).
 */
export function selectWorker(
  scores: readonly WorkerScore[] | { readonly scores: readonly WorkerScore[] },
  workers: readonly WorkerLoad[],
  options: SelectOptions,
): Selection {
  const list = Array.isArray(scores) ? scores : (scores as { scores: readonly WorkerScore[] }).scores;
  if (!Array.isArray(list)) throw new TypeError('scores must be findMatches() result or its scores');
  if (!Array.isArray(workers) || workers.length === 0) {
    throw new RangeError('workers must be a non-empty Array of { workerId, activeBlocks, prefillTokens }');
  }
  if (options === null || typeof options !== 'object') throw new TypeError('options must be { isl, blockSize, … }');
  const isl = finite(options.isl, 'options.isl', 0);
  const blockSize = finite(options.blockSize, 'options.blockSize', 1);
  const weight = finite(options.overlapScoreWeight ?? 1, 'options.overlapScoreWeight', 0);
  const temperature = finite(options.temperature ?? 0, 'options.temperature', 0);
  const seed = options.seed;
  if (seed !== undefined && typeof seed !== 'number' && typeof seed !== 'bigint') {
    throw new TypeError('options.seed must be a number or a bigint');
  }
  const random = seed === undefined ? Math.random : seededRandom(seed);

  const key = (id: bigint, dp: number): string => `${id}:${dp}`;
  const overlap = new Map<string, WorkerScore>();
  for (const s of list) overlap.set(key(s.workerId, s.dpRank), s);

  const costs: WorkerCost[] = [];
  const treeSizes: number[] = [];
  workers.forEach((w, i) => {
    if (w === null || typeof w !== 'object') throw new TypeError(`workers[${i}] must be a worker load object`);
    const workerId = idOf(w.workerId, `workers[${i}].workerId`);
    const dpRank = rank(w.dpRank, `workers[${i}].dpRank`);
    const active = finite(w.activeBlocks, `workers[${i}].activeBlocks`, 0);
    const pending = finite(w.prefillTokens, `workers[${i}].prefillTokens`, 0);
    const s = overlap.get(key(workerId, dpRank));
    const cached = Math.min((s?.blocks ?? 0) * blockSize, isl);
    const prefillBlocks = (isl - cached + pending) / blockSize;
    costs.push({ workerId, dpRank, cost: weight * prefillBlocks + active });
    treeSizes.push(s?.treeSize ?? 0);
  });

  let chosen: number;
  const values = costs.map((c) => c.cost);
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (temperature === 0) {
    const best = costs.map((_, i) => i).filter((i) => values[i] === min);
    const fewest = Math.min(...best.map((i) => treeSizes[i] as number));
    const tied = best.filter((i) => treeSizes[i] === fewest);
    chosen = tied[Math.floor(random() * tied.length)] as number;
  } else {
    const range = max - min;
    const weights = values.map((v) => (range === 0 ? 1 : Math.exp(-((v - min) / range) / temperature)));
    const total = weights.reduce((a, b) => a + b, 0);
    let draw = random() * total;
    chosen = weights.length - 1;
    for (let i = 0; i < weights.length; i++) {
      draw -= weights[i] as number;
      if (draw < 0) {
        chosen = i;
        break;
      }
    }
  }
  const pick = costs[chosen] as WorkerCost;
  return jsonReady({ workerId: pick.workerId, dpRank: pick.dpRank, cost: pick.cost, costs: jsonReady(costs) });
}

/**
 * What each worker is running, for {@link selectWorker}: per worker the blocks its running
 * requests hold (a block shared by several counts once) and the prefill tokens queued on it.
 * Identify blocks by their sequence hashes (`computeSequenceHashes`), which name a whole prefix.
 * Kept in WebAssembly (it is on the router's per-request path): `free()` it (or `using`), or
 * let the garbage collector do so.
 */
export class LoadTracker extends WasmObject {
  readonly #requests = new Map<string, { readonly n: number; readonly workerId: bigint }>();
  #next = 0;

  /** An empty tracker. */
  constructor() {
    super();
    check(exports().kv_load_new());
    this.adoptHandle(ret(0), ret(1));
  }
  /** @internal */
  protected override summary(): Record<string, unknown> {
    return { runningRequests: this.runningRequests };
  }

  /** Adds a candidate worker (a no-op where it is known). */
  addWorker(workerId: WorkerIdLike, dpRank = 0): void {
    const [lo, hi] = u64(workerId, 'workerId');
    check(exports().kv_load_add_worker(this.index, this.generation, lo, hi, rank(dpRank, 'dpRank')));
  }

  /** Removes a worker (every rank) and forgets its requests. */
  removeWorker(workerId: WorkerIdLike): void {
    const [lo, hi] = u64(workerId, 'workerId');
    check(exports().kv_load_remove_worker(this.index, this.generation, lo, hi));
    const id = joinWords(lo, hi);
    for (const [requestId, r] of this.#requests) if (r.workerId === id) this.#requests.delete(requestId);
  }

  /**
   * The candidates' loads if they took a request whose blocks have these sequence hashes, in the
   * order the workers were added. `chained: true` when these are one request's chained sequence
   * hashes (each names its block and the whole prefix before it) and so were those of every
   * request added: a worker's blocks the request shares are then a leading run, found without
   * looking up every block — the same answer, faster for long prompts.
   */
  potentialLoads(
    sequenceHashes: readonly HashLike[] | BigUint64Array,
    options: { readonly chained?: boolean } = {},
  ): Array<Required<WorkerLoad> & { workerId: bigint }> {
    const len = inputHashes(sequenceHashes, 'sequenceHashes');
    check(exports().kv_load_potential(this.index, this.generation, len, options.chained === true ? 1 : 0));
    const w = outputU32();
    const out: Array<Required<WorkerLoad> & { workerId: bigint }> = [];
    for (let at = 0; at < w.length; at += 6) {
      out.push({
        workerId: joinWords(w[at] as number, w[at + 1] as number),
        dpRank: w[at + 2] as number,
        activeBlocks: w[at + 3] as number,
        prefillTokens: f64FromWords(w, at + 4),
      });
    }
    return jsonReady(out);
  }

  /**
   * Starts a request on a worker: its blocks become active there, and `prefillTokens` (the
   * tokens it must compute: `isl − overlap × blockSize`) are queued until {@link markPrefillDone}.
   */
  addRequest(
    requestId: string,
    workerId: WorkerIdLike,
    sequenceHashes: readonly HashLike[] | BigUint64Array,
    prefillTokens: number,
    dpRank = 0,
  ): void {
    if (typeof requestId !== 'string') throw new TypeError('requestId must be a string');
    if (this.#requests.has(requestId)) throw new RangeError(`request ${requestId} is already running`);
    const [lo, hi] = u64(workerId, 'workerId');
    const dp = rank(dpRank, 'dpRank');
    const prefill = finite(prefillTokens, 'prefillTokens', 0);
    const len = inputHashes(sequenceHashes, 'sequenceHashes');
    const n = this.#next;
    check(exports().kv_load_add_request(this.index, this.generation, n, lo, hi, dp, len, prefill));
    this.#next = (this.#next + 1) >>> 0;
    this.#requests.set(requestId, { n, workerId: joinWords(lo, hi) });
  }

  #number(requestId: string): number {
    const r = this.#requests.get(requestId);
    if (r === undefined) throw new RangeError(`no running request ${String(requestId)}`);
    return r.n;
  }

  /** The request's prefill is done: its tokens leave the worker's prefill queue. */
  markPrefillDone(requestId: string): void {
    check(exports().kv_load_prefill_done(this.index, this.generation, this.#number(requestId)));
  }

  /** The request ended: its blocks and any prefill left are released. */
  finishRequest(requestId: string): void {
    check(exports().kv_load_free(this.index, this.generation, this.#number(requestId)));
    this.#requests.delete(requestId);
  }

  /** Number of running requests. */
  get runningRequests(): number {
    return this.#requests.size;
  }
}
