/**
 * Replaying a request trace (Mooncake's format) through simulated workers and a router — KV-aware
 * (a {@link KvIndex} fed by the workers' events, {@link selectWorker}) or round-robin.
 *
 * Rules that make runs comparable: requests are admitted in the trace's order (ties in line
 * order), each at its timestamp; a request's complete prompt blocks are registered when it is
 * admitted, and it holds its blocks until `timestamp + computed tokens / prefill rate + output
 * tokens × decode time`, when it releases them. Requests that end by a request's timestamp are
 * finished before it is admitted.
 *
 * Place: `ts/sim/replay.ts`.
 * @module
 */

import { computeBlockHashes, computeSaltHash, computeSequenceHashes } from '../core/hash.js';
import { KvIndex } from '../router/kv-index.js';
import type { EvictionPolicy } from '../tiers/pool.js';
import { LoadTracker, selectWorker } from '../router/select.js';
import { SimulatedWorker, type RequestFigures } from './worker.js';
import { jsonReady } from '../runtime/json.js';
import { POSITION_LIMIT } from '../runtime/protocol.generated.js';

/** One request of a trace. */
export interface TraceRequest {
  /** Arrival time (ms from the start). */
  readonly timestamp: number;
  /** Prompt tokens. */
  readonly inputLength: number;
  /** Generated tokens. */
  readonly outputLength: number;
  /** One id per 512-token block of the prompt; an id names the block and its whole prefix. */
  readonly hashIds: readonly number[];
}

/** Tokens per trace block (Mooncake's hash ids). */
export const TRACE_BLOCK_TOKENS = 512;
const VOCABULARY = 128_256;

/** Parses a JSON-lines trace (`timestamp`, `input_length`, `output_length`, `hash_ids`). */
export function parseTrace(text: string): TraceRequest[] {
  if (typeof text !== 'string') throw new TypeError('text must be the trace as a string');
  const out: TraceRequest[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      throw new SyntaxError(`trace line ${i + 1} is not JSON: ${(e as Error).message}`, { cause: e });
    }
    const ok = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    if (r === null || typeof r !== 'object') throw new TypeError(`trace line ${i + 1} is not an object`);
    for (const field of ['timestamp', 'input_length', 'output_length'] as const) {
      if (!ok(r[field]))
        throw new TypeError(`trace line ${i + 1}: ${field} must be a non-negative integer, got ${JSON.stringify(r[field])}`);
    }
    if (!Array.isArray(r.hash_ids))
      throw new TypeError(`trace line ${i + 1}: hash_ids must be an array, got ${JSON.stringify(r.hash_ids)}`);
    const bad = r.hash_ids.findIndex((h) => !ok(h));
    if (bad >= 0)
      throw new TypeError(`trace line ${i + 1}: hash_ids[${bad}] must be a non-negative integer, got ${JSON.stringify(r.hash_ids[bad])}`);
    out.push({
      timestamp: r.timestamp as number,
      inputLength: r.input_length as number,
      outputLength: r.output_length as number,
      hashIds: r.hash_ids as number[],
    });
  });
  return out;
}

/** A 32-bit mix (Murmur3's finaliser) of two words. */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A request's prompt tokens: trace block `k` becomes 512 tokens drawn from a generator keyed by
 * its hash id (the same id always gives the same tokens), the last block cut to `inputLength`.
 */
export function promptTokens(request: TraceRequest): Uint32Array {
  const out = new Uint32Array(request.inputLength);
  for (let i = 0; i < out.length; i++) {
    const id = request.hashIds[Math.floor(i / TRACE_BLOCK_TOKENS)] ?? 0x7fffffff;
    out[i] = mix(id, i % TRACE_BLOCK_TOKENS) % VOCABULARY;
  }
  return out;
}

/** Output tokens of request number `index` (distinct per request). */
export function outputTokens(index: number, length: number): Uint32Array {
  const out = new Uint32Array(length);
  for (let i = 0; i < length; i++) out[i] = mix(0x40000000 + index, i) % VOCABULARY;
  return out;
}

/** Options of {@link replayTrace}. */
export interface ReplayOptions {
  /** Workers (default 4). */
  readonly workers?: number;
  /** Tokens per block (default 16). */
  readonly blockSize?: number;
  /** Device-tier tokens per worker, or `'unlimited'` (default 1,000,000). */
  readonly g1Tokens?: number | 'unlimited';
  /** Host-tier tokens per worker, `'unlimited'`, or `null` for none (default 4,000,000). */
  readonly g2Tokens?: number | 'unlimited' | null;
  /** `'kv'` (default) or `'round-robin'`. */
  readonly router?: 'kv' | 'round-robin';
  /** Prefill speed, tokens per second per request (default 10,000). */
  readonly prefillTokensPerSecond?: number;
  /** Decode time per output token, ms (default 20). */
  readonly decodeMsPerToken?: number;
  /** Eviction order (default `'lru'`). */
  readonly eviction?: EvictionPolicy;
  /** Replay only the first `limit` requests. */
  readonly limit?: number;
  /** Called every `progressEvery` requests (default 100) and at the end. */
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** See `onProgress`. */
  readonly progressEvery?: number;
}

/** Totals of a replay (all token and block counts summed over requests). */
export interface ReplayTotals {
  /** Requests replayed. */
  requests: number;
  /** Requests no worker could hold. */
  rejectedRequests: number;
  /** Requests not replayed: prompt and output reach 2^24 blocks, past any block position. */
  skippedRequests: number;
  /** Prompt tokens. */
  promptTokens: number;
  /** Prompt tokens found in G1. */
  g1HitTokens: number;
  /** Prompt tokens onboarded from G2. */
  g2HitTokens: number;
  /** Prompt tokens computed. */
  computedTokens: number;
  /** Blocks onboarded G2 → G1. */
  onboardedBlocks: number;
  /** Blocks offloaded G1 → G2. */
  offloadedBlocks: number;
  /** Blocks evicted, both tiers. */
  evictedBlocks: number;
  /** Blocks evicted from G1. */
  g1EvictedBlocks: number;
  /** Blocks evicted from G2. */
  g2EvictedBlocks: number;
}

/** A worker's share of a replay. */
export interface WorkerLoad {
  /** The worker. */
  readonly workerId: number;
  /** Requests routed to it. */
  readonly requests: number;
  /** Their prompt tokens. */
  readonly promptTokens: number;
  /** Of which hit in G1 or G2. */
  readonly hitTokens: number;
  /** Most requests it ran at once. */
  readonly peakRunning: number;
}

/** Where a replay is (for progress bars and live charts). */
export interface ReplayProgress {
  /** Requests done. */
  readonly done: number;
  /** Requests in all. */
  readonly total: number;
  /** The trace time reached (ms). */
  readonly timeMs: number;
  /** Totals so far. */
  readonly totals: Readonly<ReplayTotals>;
  /** Per worker, requests running now. */
  readonly running: readonly number[];
}

/** The result of {@link replayTrace}. */
export interface ReplayResult extends ReplayTotals {
  /** Per worker. */
  readonly perWorker: WorkerLoad[];
  /** The settings used (defaults filled in). */
  readonly settings: Required<Omit<ReplayOptions, 'onProgress' | 'limit' | 'progressEvery' | 'g1Tokens' | 'g2Tokens'>> & {
    readonly g1Tokens: number | 'unlimited';
    readonly g2Tokens: number | 'unlimited' | null;
  };
  /** Wall-clock seconds of the replay. */
  readonly seconds: number;
  /** Replay speed. */
  readonly requestsPerSecond: number;
  /** Tokens hashed per second (every hashing pass: the workers' sequences and the router's). */
  readonly tokensHashedPerSecond: number;
}

/** A binary min-heap of timed events. */
class Timeline<T> {
  readonly #items: { at: number; seq: number; value: T }[] = [];
  #seq = 0;

  push(at: number, value: T): void {
    const items = this.#items;
    items.push({ at, seq: this.#seq++, value });
    let i = items.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(i, p)) break;
      [items[i], items[p]] = [items[p] as (typeof items)[0], items[i] as (typeof items)[0]];
      i = p;
    }
  }

  #less(a: number, b: number): boolean {
    const x = this.#items[a] as { at: number; seq: number };
    const y = this.#items[b] as { at: number; seq: number };
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  /** Time of the earliest event (Infinity when there is none). */
  peek(): number {
    return this.#items[0]?.at ?? Infinity;
  }

  /** Events queued. */
  get size(): number {
    return this.#items.length;
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.#less(l, m)) m = l;
        if (r < items.length && this.#less(r, m)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m] as (typeof items)[0], items[i] as (typeof items)[0]];
        i = m;
      }
    }
    return top?.value;
  }
}

function blocksFor(tokens: number | 'unlimited', blockSize: number, trace: readonly TraceRequest[]): number {
  if (tokens === 'unlimited') {
    // Room for every block the replay can register: prompt, output and one partial each.
    let n = 0;
    for (const r of trace) n += Math.ceil((r.inputLength + r.outputLength) / blockSize) + 1;
    return Math.min(n, 0xffff_ffff);
  }
  if (!Number.isFinite(tokens) || tokens < 0) throw new RangeError(`tier sizes must be tokens >= 0 or 'unlimited', got ${tokens}`);
  return Math.floor(tokens / blockSize);
}

const OPTIONS = new Set([
  'workers',
  'blockSize',
  'g1Tokens',
  'g2Tokens',
  'router',
  'prefillTokensPerSecond',
  'decodeMsPerToken',
  'eviction',
  'limit',
  'onProgress',
  'progressEvery',
]);

/** Every option checked before the run: a clear error naming it (a typo is an unknown option). */
function checkOptions(
  options: ReplayOptions,
  s: { workers: number; blockSize: number; router: string; prefillTokensPerSecond: number; decodeMsPerToken: number; eviction: string },
): void {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  for (const key of Object.keys(options))
    if (!OPTIONS.has(key)) throw new TypeError(`unknown option ${key} (options: ${[...OPTIONS].join(', ')})`);
  const int = (v: unknown, name: string, min: number) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
      throw new RangeError(`options.${name} must be an integer >= ${min}, got ${String(v)}`);
  };
  int(s.workers, 'workers', 1);
  int(s.blockSize, 'blockSize', 1);
  if (options.limit !== undefined) int(options.limit, 'limit', 0);
  if (options.progressEvery !== undefined) int(options.progressEvery, 'progressEvery', 1);
  const p = s.prefillTokensPerSecond;
  if (typeof p !== 'number' || !Number.isFinite(p) || p <= 0)
    throw new RangeError(`options.prefillTokensPerSecond must be a finite number > 0, got ${String(p)}`);
  const d = s.decodeMsPerToken;
  if (typeof d !== 'number' || !Number.isFinite(d) || d < 0)
    throw new RangeError(`options.decodeMsPerToken must be a finite number >= 0, got ${String(d)}`);
  if (s.router !== 'kv' && s.router !== 'round-robin')
    throw new TypeError(`options.router must be 'kv' or 'round-robin', got ${String(s.router)}`);
  if (s.eviction !== 'lru' && s.eviction !== 'fifo')
    throw new TypeError(`options.eviction must be 'lru' or 'fifo', got ${String(s.eviction)}`);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function')
    throw new TypeError('options.onProgress must be a function');
}

/** Every request checked before the run, naming the request and the field. */
function checkTrace(trace: readonly TraceRequest[]): void {
  if (!Array.isArray(trace)) throw new TypeError('trace must be an Array of requests (parseTrace reads a JSONL file)');
  const ok = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  trace.forEach((r: TraceRequest, i: number) => {
    if (r === null || typeof r !== 'object') throw new TypeError(`trace[${i}] must be a request object`);
    for (const field of ['timestamp', 'inputLength', 'outputLength'] as const) {
      if (!ok(r[field])) {
        const hint = 'input_length' in r ? " (the trace's own snake_case fields: read it with parseTrace)" : '';
        throw new TypeError(`trace[${i}].${field} must be a non-negative integer, got ${String(r[field])}${hint}`);
      }
    }
    if (!Array.isArray(r.hashIds)) throw new TypeError(`trace[${i}].hashIds must be an array of non-negative integers`);
    const bad = r.hashIds.findIndex((h: unknown) => !ok(h));
    if (bad >= 0) throw new TypeError(`trace[${i}].hashIds[${bad}] must be a non-negative integer, got ${JSON.stringify(r.hashIds[bad])}`);
  });
}

/** A request whose prompt and output reach 2^24 blocks: no block position can name it. */
function tooLong(r: TraceRequest, blockSize: number): boolean {
  return Math.floor((r.inputLength + r.outputLength) / blockSize) + 1 >= POSITION_LIMIT;
}

/** Replays `trace` (see the module docs) and returns the totals, per-worker load and speed. */
export function replayTrace(trace: readonly TraceRequest[], options: ReplayOptions = {}): ReplayResult {
  const settings = {
    workers: options.workers ?? 4,
    blockSize: options.blockSize ?? 16,
    g1Tokens: options.g1Tokens ?? 1_000_000,
    g2Tokens: options.g2Tokens === undefined ? 4_000_000 : options.g2Tokens,
    router: options.router ?? 'kv',
    prefillTokensPerSecond: options.prefillTokensPerSecond ?? 10_000,
    decodeMsPerToken: options.decodeMsPerToken ?? 20,
    eviction: options.eviction ?? 'lru',
  } as const;
  checkOptions(options, settings);
  const requests = options.limit === undefined ? trace : trace.slice(0, options.limit);
  checkTrace(requests);
  const bs = settings.blockSize;
  const salt = computeSaltHash();
  const g1Blocks = blocksFor(settings.g1Tokens, bs, requests);
  const g2Blocks = settings.g2Tokens === null ? null : blocksFor(settings.g2Tokens, bs, requests);
  const workers = Array.from(
    { length: settings.workers },
    (_, w) => new SimulatedWorker({ workerId: w, blockSize: bs, saltHash: salt, g1Blocks, g2Blocks, eviction: settings.eviction }),
  );
  const index = settings.router === 'kv' ? new KvIndex() : undefined;
  const tracker = new LoadTracker();
  workers.forEach((w) => tracker.addWorker(w.workerId));
  type Pending = { kind: 'prefill' | 'end'; worker: number; id: string };
  const timeline = new Timeline<Pending>();
  const totals: ReplayTotals = {
    requests: 0,
    rejectedRequests: 0,
    skippedRequests: 0,
    promptTokens: 0,
    g1HitTokens: 0,
    g2HitTokens: 0,
    computedTokens: 0,
    onboardedBlocks: 0,
    offloadedBlocks: 0,
    evictedBlocks: 0,
    g1EvictedBlocks: 0,
    g2EvictedBlocks: 0,
  };
  const load = workers.map((w) => ({ workerId: w.workerId, requests: 0, promptTokens: 0, hitTokens: 0, peakRunning: 0 }));
  let hashed = 0;
  const every = options.progressEvery ?? 100;
  const started = performance.now();
  const report = (done: number, timeMs: number): void => {
    totals.g1EvictedBlocks = workers.reduce((n, x) => n + x.g1.evictions, 0);
    totals.g2EvictedBlocks = workers.reduce((n, x) => n + (x.g2?.evictions ?? 0), 0);
    totals.evictedBlocks = totals.g1EvictedBlocks + totals.g2EvictedBlocks;
    options.onProgress?.({ done, total: requests.length, timeMs, totals, running: workers.map((w) => w.runningRequests) });
  };

  const advance = (until: number): void => {
    while (timeline.size > 0 && timeline.peek() <= until) {
      const e = timeline.pop() as Pending;
      if (e.kind === 'prefill') {
        tracker.markPrefillDone(e.id);
      } else {
        (workers[e.worker] as SimulatedWorker).finish(e.id);
        tracker.finishRequest(e.id);
      }
    }
  };

  try {
    requests.forEach((request, i) => {
      if (tooLong(request, bs)) {
        totals.skippedRequests += 1;
        return;
      }
      advance(request.timestamp);
      const id = `r${i}`;
      const prompt = promptTokens(request);
      let chosen = i % workers.length;
      let sequenceHashes: BigUint64Array | undefined;
      if (index) {
        const local = computeBlockHashes(prompt, bs, salt);
        sequenceHashes = computeSequenceHashes(prompt, bs, salt);
        hashed += 2 * prompt.length;
        const matches = index.findMatches(local);
        const choice = selectWorker(matches, tracker.potentialLoads(sequenceHashes), { isl: prompt.length, blockSize: bs, seed: i });
        chosen = Number(choice.workerId);
      }
      const worker = workers[chosen] as SimulatedWorker;
      const figures: RequestFigures = worker.admit(id, prompt, outputTokens(i, request.outputLength));
      hashed += prompt.length + request.outputLength;
      if (index) index.applyEvents(worker.takeEvents());
      else worker.clearEvents();
      totals.requests += 1;
      totals.promptTokens += figures.promptTokens;
      const l = load[chosen] as (typeof load)[0];
      l.requests += 1;
      l.promptTokens += figures.promptTokens;
      if (figures.rejected) {
        totals.rejectedRequests += 1;
      } else {
        totals.g1HitTokens += figures.g1HitTokens;
        totals.g2HitTokens += figures.g2HitTokens;
        totals.computedTokens += figures.computedTokens;
        totals.onboardedBlocks += figures.onboardedBlocks;
        totals.offloadedBlocks += figures.offloadedBlocks;
        l.hitTokens += figures.g1HitTokens + figures.g2HitTokens;
        l.peakRunning = Math.max(l.peakRunning, worker.runningRequests);
        const prefillEnd = request.timestamp + (figures.computedTokens / settings.prefillTokensPerSecond) * 1000;
        tracker.addRequest(id, chosen, sequenceHashes ?? [], figures.computedTokens);
        timeline.push(prefillEnd, { kind: 'prefill', worker: chosen, id });
        timeline.push(prefillEnd + request.outputLength * settings.decodeMsPerToken, { kind: 'end', worker: chosen, id });
      }
      if ((i + 1) % every === 0) report(i + 1, request.timestamp);
    });
    advance(Infinity);
    report(requests.length, requests.at(-1)?.timestamp ?? 0);
  } finally {
    index?.free();
    tracker.free();
    workers.forEach((w) => w.free());
  }
  const seconds = (performance.now() - started) / 1000;
  return jsonReady({
    ...totals,
    perWorker: load,
    settings,
    seconds,
    requestsPerSecond: totals.requests / seconds,
    tokensHashedPerSecond: hashed / seconds,
  });
}
