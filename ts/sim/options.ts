/**
 * The simulator's options (SPEC §9.1 engine, §9.2 timing, §9.4 arrivals, §9.5 policies): names,
 * defaults, and the checks that run before a replay starts — a typo or an out-of-range value is
 * an error naming the option, never a run with the defaults.
 *
 * Place: `ts/sim/options.ts`.
 * @module
 */

import type { EvictionPolicy } from '../tiers/pool.js';
import { SimPolicy } from '../runtime/protocol.generated.js';
import { TRACE_BLOCK_TOKENS, type TraceRequest } from './trace.js';
import type { ReplayProgress } from './report.js';

/** A routing policy of the simulator (SPEC §9.5). */
export type ReplayPolicy = keyof typeof SimPolicy;

/** Every policy, in the order `--compare all` runs them. */
export const REPLAY_POLICIES = Object.keys(SimPolicy) as ReplayPolicy[];

/** A measured timing table (SPEC §9.2 "Timing-table file"); {@link parseTimingTable} reads one. */
export interface TimingTable {
  /** Prefill axis: tokens (≥ 2 strictly increasing values). */
  readonly prefill_isl: readonly number[];
  /** Prefill time at each `prefill_isl`, ms. */
  readonly prefill_ttft_ms: readonly number[];
  /** Decode rows: active KV tokens. */
  readonly decode_active_kv_tokens: readonly number[];
  /** Decode columns: context length. */
  readonly decode_context_length: readonly number[];
  /** Decode time, ms: one row per `decode_active_kv_tokens`, one column per `decode_context_length`. */
  readonly decode_itl: readonly (readonly number[])[];
}

/** Goodput thresholds (ms); a completed request is good when every one given holds. */
export interface ReplaySlo {
  /** Time to first token. */
  readonly ttftMs?: number;
  /** Mean time per output token after the first. */
  readonly itlMs?: number;
  /** End-to-end time. */
  readonly e2eMs?: number;
}

/** Options of `replayTrace`. */
export interface ReplayOptions {
  /** Workers (default 4). */
  readonly workers?: number;
  /** Engine tokens per block (default 16). */
  readonly blockSize?: number;
  /** Tokens per trace hash id (default 512, Mooncake's). */
  readonly traceBlockSize?: number;
  /** Device-tier tokens per worker, or `'unlimited'` (default 1,000,000). */
  readonly g1Tokens?: number | 'unlimited';
  /** Host-tier tokens per worker, `'unlimited'`, or `null` for none (default 4,000,000). */
  readonly g2Tokens?: number | 'unlimited' | null;
  /** Eviction order of both tiers (default `'lru'`). */
  readonly eviction?: EvictionPolicy;
  /** The routing policy (default `'kv'`). */
  readonly router?: ReplayPolicy;
  /** With `router: 'session'`: the policy for a session's first request (default `'kv'`). */
  readonly sessionBase?: ReplayPolicy;
  /** Running requests per worker at most (default 256). */
  readonly maxNumSeqs?: number;
  /** Token budget of an engine pass (default 8,192). */
  readonly maxNumBatchedTokens?: number;
  /** Cut prompts into chunks across passes (default true). */
  readonly enableChunkedPrefill?: boolean;
  /** Hit cached prefixes at admission (default true). */
  readonly enablePrefixCaching?: boolean;
  /** Which running request a full G1 preempts (default `'lifo'`, the newest). */
  readonly preemptionMode?: 'lifo' | 'fifo';
  /** Longest sequence a worker admits, tokens (default none). */
  readonly maxModelLen?: number;
  /** Pass timing: `'fixed'` (default), `'polynomial'`, or a timing table. */
  readonly timing?: 'fixed' | 'polynomial' | TimingTable;
  /** Fixed timing: prefill tokens per second of a pass (default 10,000). */
  readonly prefillTokensPerSecond?: number;
  /** Fixed timing: ms of a pass that emits tokens (default 20). */
  readonly decodeMsPerToken?: number;
  /** Divides prefill time, and decode time (default 1; ≤ 0 = 1). */
  readonly speedupRatio?: number;
  /** Divides decode time further (default 1; ≤ 0 = 1). */
  readonly decodeSpeedupRatio?: number;
  /** KV bytes per token for G2 → G1 copy time (default 0: instantaneous); see {@link kvBytesPerToken}. */
  readonly kvBytesPerToken?: number;
  /** G2 → G1 bandwidth, GB/s (default 14). */
  readonly bandwidthG2ToG1Gbps?: number;
  /** KV cost: weight of the blocks to prefill (default 1). */
  readonly overlapScoreWeight?: number;
  /** KV choice: 0 = cheapest (default), > 0 = softmax sampling. */
  readonly temperature?: number;
  /** `'kv-newest'`: `overlap_score_credit_decay` (default 0). */
  readonly overlapScoreCreditDecay?: number;
  /** `'kv-approx'`: how long the router counts a block it sent as cached, ms (default 120,000). */
  readonly approxTtlMs?: number;
  /** SGLang: match rate above which the cache decides (default 0.3). */
  readonly cacheThreshold?: number;
  /** SGLang: absolute load gap that counts as imbalanced (default 64). */
  readonly balanceAbsThreshold?: number;
  /** SGLang: relative load gap that counts as imbalanced (default 1.5). */
  readonly balanceRelThreshold?: number;
  /** llm-d: weights of prefix, queue, KV utilisation, or a preset (default `'llm-d'` = 2/1/1; `'gie'` = 3/2/2). */
  readonly llmdWeights?: readonly [number, number, number] | 'llm-d' | 'gie';
  /** Seed of every random choice (default 0). */
  readonly seed?: number;
  /** Divides arrival times and derived delays (default 1). */
  readonly arrivalSpeedupRatio?: number;
  /** Closed loop: requests in flight at most, timestamps of first turns ignored (default off). */
  readonly concurrency?: number;
  /** Goodput thresholds (default none: no goodput in the report). */
  readonly slo?: ReplaySlo;
  /** Replay only the first `limit` requests. */
  readonly limit?: number;
  /** Return one record per request in `perRequest`. */
  readonly perRequest?: boolean;
  /** Called every `progressEvery` finished requests (default 100) and at the end. */
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** See `onProgress`. */
  readonly progressEvery?: number;
}

/** The settings of a replay, defaults filled in (tiers also in blocks). */
export interface ReplaySettings {
  /** See {@link ReplayOptions}. */
  readonly workers: number;
  /** See {@link ReplayOptions}. */
  readonly blockSize: number;
  /** See {@link ReplayOptions}. */
  readonly traceBlockSize: number;
  /** See {@link ReplayOptions}. */
  readonly g1Tokens: number | 'unlimited';
  /** See {@link ReplayOptions}. */
  readonly g2Tokens: number | 'unlimited' | null;
  /** G1 blocks per worker. */
  readonly g1Blocks: number;
  /** G2 blocks per worker, or null. */
  readonly g2Blocks: number | null;
  /** See {@link ReplayOptions}. */
  readonly eviction: EvictionPolicy;
  /** See {@link ReplayOptions}. */
  readonly router: ReplayPolicy;
  /** See {@link ReplayOptions}. */
  readonly sessionBase: ReplayPolicy;
  /** See {@link ReplayOptions}. */
  readonly maxNumSeqs: number;
  /** See {@link ReplayOptions}. */
  readonly maxNumBatchedTokens: number;
  /** See {@link ReplayOptions}. */
  readonly enableChunkedPrefill: boolean;
  /** See {@link ReplayOptions}. */
  readonly enablePrefixCaching: boolean;
  /** See {@link ReplayOptions}. */
  readonly preemptionMode: 'lifo' | 'fifo';
  /** See {@link ReplayOptions}. */
  readonly maxModelLen: number | null;
  /** See {@link ReplayOptions}. */
  readonly timing: 'fixed' | 'polynomial' | TimingTable;
  /** See {@link ReplayOptions}. */
  readonly prefillTokensPerSecond: number;
  /** See {@link ReplayOptions}. */
  readonly decodeMsPerToken: number;
  /** See {@link ReplayOptions}. */
  readonly speedupRatio: number;
  /** See {@link ReplayOptions}. */
  readonly decodeSpeedupRatio: number;
  /** See {@link ReplayOptions}. */
  readonly kvBytesPerToken: number;
  /** See {@link ReplayOptions}. */
  readonly bandwidthG2ToG1Gbps: number;
  /** See {@link ReplayOptions}. */
  readonly overlapScoreWeight: number;
  /** See {@link ReplayOptions}. */
  readonly temperature: number;
  /** See {@link ReplayOptions}. */
  readonly overlapScoreCreditDecay: number;
  /** See {@link ReplayOptions}. */
  readonly approxTtlMs: number;
  /** See {@link ReplayOptions}. */
  readonly cacheThreshold: number;
  /** See {@link ReplayOptions}. */
  readonly balanceAbsThreshold: number;
  /** See {@link ReplayOptions}. */
  readonly balanceRelThreshold: number;
  /** See {@link ReplayOptions}. */
  readonly llmdWeights: readonly [number, number, number];
  /** See {@link ReplayOptions}. */
  readonly seed: number;
  /** See {@link ReplayOptions}. */
  readonly arrivalSpeedupRatio: number;
  /** See {@link ReplayOptions}. */
  readonly concurrency: number;
  /** See {@link ReplayOptions}. */
  readonly slo: ReplaySlo;
}

const OPTIONS = new Set<string>([
  'workers',
  'blockSize',
  'traceBlockSize',
  'g1Tokens',
  'g2Tokens',
  'eviction',
  'router',
  'sessionBase',
  'maxNumSeqs',
  'maxNumBatchedTokens',
  'enableChunkedPrefill',
  'enablePrefixCaching',
  'preemptionMode',
  'maxModelLen',
  'timing',
  'prefillTokensPerSecond',
  'decodeMsPerToken',
  'speedupRatio',
  'decodeSpeedupRatio',
  'kvBytesPerToken',
  'bandwidthG2ToG1Gbps',
  'overlapScoreWeight',
  'temperature',
  'overlapScoreCreditDecay',
  'approxTtlMs',
  'cacheThreshold',
  'balanceAbsThreshold',
  'balanceRelThreshold',
  'llmdWeights',
  'seed',
  'arrivalSpeedupRatio',
  'concurrency',
  'slo',
  'limit',
  'perRequest',
  'onProgress',
  'progressEvery',
]);

/** `kvBytesPerToken` from a model's shape: `layers × 2 × kvHeads × headDim × dtypeBytes` (SPEC §9.2). */
export function kvBytesPerToken(model: { layers: number; kvHeads: number; headDim: number; dtypeBytes: number }): number {
  for (const k of ['layers', 'kvHeads', 'headDim', 'dtypeBytes'] as const) integer(model[k], `model.${k}`, 1);
  return model.layers * 2 * model.kvHeads * model.headDim * model.dtypeBytes;
}

function integer(v: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  return v;
}

function number(v: unknown, name: string, min: number, open = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (open && v === min))
    throw new RangeError(`${name} must be a finite number ${open ? '>' : '>='} ${min}, got ${String(v)}`);
  return v;
}

function oneOf<T extends string>(v: unknown, name: string, values: readonly T[]): T {
  if (!values.includes(v as T)) throw new TypeError(`${name} must be one of ${values.map((x) => `'${x}'`).join(', ')}, got ${String(v)}`);
  return v as T;
}

function flag(v: unknown, name: string): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${name} must be true or false, got ${String(v)}`);
  return v;
}

/** Checks a timing table (SPEC §9.2 rules), naming the key at fault. */
export function checkTimingTable(t: unknown): TimingTable {
  if (t === null || typeof t !== 'object') throw new TypeError('timing table must be an object');
  const r = t as Record<string, unknown>;
  const axis = (k: string): number[] => {
    const v = r[k];
    if (
      !Array.isArray(v) ||
      v.length < 2 ||
      !v.every((x, i) => typeof x === 'number' && Number.isFinite(x) && (i === 0 || x > (v[i - 1] as number)))
    )
      throw new TypeError(`timing table ${k} must be >= 2 strictly increasing finite numbers`);
    return v as number[];
  };
  const values = (k: string, v: unknown, n: number): number[] => {
    if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0))
      throw new TypeError(`timing table ${k} must be ${n} finite numbers >= 0`);
    return v as number[];
  };
  const isl = axis('prefill_isl');
  const ttft = values('prefill_ttft_ms', r.prefill_ttft_ms, isl.length);
  const rows = axis('decode_active_kv_tokens');
  const cols = axis('decode_context_length');
  const itl = r.decode_itl;
  if (!Array.isArray(itl) || itl.length !== rows.length) throw new TypeError(`timing table decode_itl must have ${rows.length} rows`);
  const grid = itl.map((row: unknown) => values('decode_itl', row, cols.length));
  return { prefill_isl: isl, prefill_ttft_ms: ttft, decode_active_kv_tokens: rows, decode_context_length: cols, decode_itl: grid };
}

/** Reads a timing-table file's JSON (`format: 'kvbm-sequence.timing-table'`, version 1). */
export function parseTimingTable(text: string): TimingTable {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new SyntaxError(`timing table is not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (r === null || typeof r !== 'object') throw new TypeError('timing table must be a JSON object');
  if (r.format !== 'kvbm-sequence.timing-table')
    throw new TypeError(`timing table format must be 'kvbm-sequence.timing-table', got ${JSON.stringify(r.format)}`);
  if (r.version !== 1) throw new TypeError(`timing table version must be 1, got ${JSON.stringify(r.version)}`);
  return checkTimingTable(r);
}

/** Checks every option (an unknown name is an error: a typo must not run the defaults). */
export function checkOptions(options: ReplayOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  for (const key of Object.keys(options))
    if (!OPTIONS.has(key)) throw new TypeError(`unknown option ${key} (options: ${[...OPTIONS].join(', ')})`);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function')
    throw new TypeError('options.onProgress must be a function');
  if (options.limit !== undefined) integer(options.limit, 'options.limit', 0);
  if (options.progressEvery !== undefined) integer(options.progressEvery, 'options.progressEvery', 1, 2 ** 32 - 1);
  if (options.perRequest !== undefined) flag(options.perRequest, 'options.perRequest');
}

function tierBlocks(tokens: number | 'unlimited', name: string, blockSize: number, tbs: number, trace: readonly TraceRequest[]): number {
  if (tokens === 'unlimited') {
    let n = 0;
    for (const r of trace) n += Math.ceil((Math.min(r.inputLength, r.hashIds.length * tbs) + r.outputLength) / blockSize) + 1;
    return Math.min(n, 2 ** 32 - 1);
  }
  number(tokens, `options.${name}`, 0);
  return Math.min(Math.floor(tokens / blockSize), 2 ** 32 - 1);
}

const U32 = 2 ** 32 - 1;

/** The settings of a replay: options checked, defaults filled in, tiers in blocks. */
export function settingsOf(o: ReplayOptions, trace: readonly TraceRequest[]): ReplaySettings {
  const policies = REPLAY_POLICIES;
  const blockSize = integer(o.blockSize ?? 16, 'options.blockSize', 1, U32);
  const traceBlockSize = integer(o.traceBlockSize ?? TRACE_BLOCK_TOKENS, 'options.traceBlockSize', 1, U32);
  const g1Tokens = o.g1Tokens ?? 1_000_000;
  const g2Tokens = o.g2Tokens === undefined ? 4_000_000 : o.g2Tokens;
  const weights = o.llmdWeights ?? 'llm-d';
  const llmdWeights: readonly [number, number, number] =
    weights === 'llm-d' ? [2, 1, 1] : weights === 'gie' ? [3, 2, 2] : (weights as readonly [number, number, number]);
  if (!Array.isArray(llmdWeights) || llmdWeights.length !== 3)
    throw new TypeError("options.llmdWeights must be [prefix, queue, kv], 'llm-d' or 'gie'");
  llmdWeights.forEach((w, i) => number(w, `options.llmdWeights[${i}]`, 0));
  const slo = o.slo ?? {};
  if (slo === null || typeof slo !== 'object') throw new TypeError('options.slo must be { ttftMs?, itlMs?, e2eMs? }');
  for (const k of Object.keys(slo)) {
    if (!['ttftMs', 'itlMs', 'e2eMs'].includes(k)) throw new TypeError(`unknown option slo.${k} (ttftMs, itlMs, e2eMs)`);
    number((slo as Record<string, unknown>)[k], `options.slo.${k}`, 0);
  }
  const timing = o.timing ?? 'fixed';
  const router = oneOf(o.router ?? 'kv', 'options.router', policies);
  const sessionBase = oneOf(
    o.sessionBase ?? 'kv',
    'options.sessionBase',
    policies.filter((p) => p !== 'session'),
  );
  return {
    workers: integer(o.workers ?? 4, 'options.workers', 1, 4096),
    blockSize,
    traceBlockSize,
    g1Tokens,
    g2Tokens,
    g1Blocks: tierBlocks(g1Tokens, 'g1Tokens', blockSize, traceBlockSize, trace),
    g2Blocks: g2Tokens === null ? null : tierBlocks(g2Tokens, 'g2Tokens', blockSize, traceBlockSize, trace),
    eviction: oneOf(o.eviction ?? 'lru', 'options.eviction', ['lru', 'fifo'] as const),
    router,
    sessionBase,
    maxNumSeqs: integer(o.maxNumSeqs ?? 256, 'options.maxNumSeqs', 1, U32),
    maxNumBatchedTokens: integer(o.maxNumBatchedTokens ?? 8192, 'options.maxNumBatchedTokens', 1, U32),
    enableChunkedPrefill: flag(o.enableChunkedPrefill ?? true, 'options.enableChunkedPrefill'),
    enablePrefixCaching: flag(o.enablePrefixCaching ?? true, 'options.enablePrefixCaching'),
    preemptionMode: oneOf(o.preemptionMode ?? 'lifo', 'options.preemptionMode', ['lifo', 'fifo'] as const),
    maxModelLen: o.maxModelLen === undefined ? null : integer(o.maxModelLen, 'options.maxModelLen', 1, U32),
    timing: typeof timing === 'object' ? checkTimingTable(timing) : oneOf(timing, 'options.timing', ['fixed', 'polynomial'] as const),
    prefillTokensPerSecond: number(o.prefillTokensPerSecond ?? 10_000, 'options.prefillTokensPerSecond', 0, true),
    decodeMsPerToken: number(o.decodeMsPerToken ?? 20, 'options.decodeMsPerToken', 0),
    speedupRatio: number(o.speedupRatio ?? 1, 'options.speedupRatio', -Infinity),
    decodeSpeedupRatio: number(o.decodeSpeedupRatio ?? 1, 'options.decodeSpeedupRatio', -Infinity),
    kvBytesPerToken: number(o.kvBytesPerToken ?? 0, 'options.kvBytesPerToken', 0),
    bandwidthG2ToG1Gbps: number(o.bandwidthG2ToG1Gbps ?? 14, 'options.bandwidthG2ToG1Gbps', 0, true),
    overlapScoreWeight: number(o.overlapScoreWeight ?? 1, 'options.overlapScoreWeight', 0),
    temperature: number(o.temperature ?? 0, 'options.temperature', 0),
    overlapScoreCreditDecay: number(o.overlapScoreCreditDecay ?? 0, 'options.overlapScoreCreditDecay', 0),
    approxTtlMs: number(o.approxTtlMs ?? 120_000, 'options.approxTtlMs', 0, true),
    cacheThreshold: number(o.cacheThreshold ?? 0.3, 'options.cacheThreshold', 0),
    balanceAbsThreshold: number(o.balanceAbsThreshold ?? 64, 'options.balanceAbsThreshold', 0),
    balanceRelThreshold: number(o.balanceRelThreshold ?? 1.5, 'options.balanceRelThreshold', 0),
    llmdWeights,
    seed: integer(o.seed ?? 0, 'options.seed', 0),
    arrivalSpeedupRatio: number(o.arrivalSpeedupRatio ?? 1, 'options.arrivalSpeedupRatio', 0, true),
    concurrency: integer(o.concurrency ?? 0, 'options.concurrency', 0, U32),
    slo,
  };
}
