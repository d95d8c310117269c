/**
 * {@link KvRouter}'s options, each with the Dynamo setting it mirrors, their defaults
 * (SPEC §6.6–§6.8) and their validation: a bad option is a `TypeError`/`RangeError` naming it,
 * before anything is built.
 *
 * Place: `ts/router/kv-router/options.ts`.
 * @module
 */

import type { CostParams } from '../cost.js';
import type { SyncTransport } from '../sync/transport.js';

/** How the router picks among workers. */
export type RoutingPolicy = 'kv' | 'round-robin' | 'random';

/** Which cost the `kv` policy uses (SPEC §6.4 classic, §6.6 newest). */
export type CostModel = 'classic' | 'newest';

/** Order of the deferral queue (SPEC §6.6.3). */
export type QueuePolicy = 'fcfs' | 'wspt' | 'lcfs';

/** A worker counts as busy when any configured threshold is exceeded (SPEC §6.6.2); unset ones are skipped. */
export interface BusyThresholds {
  /** `active_decode_blocks_threshold`: active blocks / the worker's `totalKvBlocks` above this (0..1). */
  readonly activeDecodeBlocks?: number;
  /** `active_prefill_tokens_threshold`: queued prefill tokens above this. */
  readonly activePrefillTokens?: number;
  /** `active_prefill_tokens_threshold_frac`: queued prefill tokens above this × the worker's `maxNumBatchedTokens`. */
  readonly activePrefillTokensFrac?: number;
}

/** Session affinity (SPEC §6.7.1; Dynamo `--router-session-affinity-ttl-secs`). Off unless given. */
export interface AffinityOptions {
  /** Idle time after which a binding lapses (restarts when a request of the session ends). */
  readonly ttlMs: number;
  /** `hard` (default): a busy pinned worker refuses; `soft`: falls back to scoring and rebinds. */
  readonly mode?: 'hard' | 'soft';
}

/** Replica sync of bookings (SPEC §6.8; Dynamo `--router-replica-sync`). */
export interface SyncOptions {
  /** Where bookings are published and heard: {@link InProcessSyncBus} or a NATS transport. */
  readonly transport: SyncTransport;
  /** This replica's id (u64; Dynamo's `router_id`); default random. */
  readonly routerId?: bigint | number;
  /** A peer silent this long has its bookings dropped (default 30 000 ms). */
  readonly peerTtlMs?: number;
  /** How often an idle replica says it is alive (default a third of `peerTtlMs`; 0 = never). */
  readonly heartbeatMs?: number;
}

/** Options of {@link KvRouter}. Dynamo's name for each is in its description. */
export interface KvRouterOptions {
  /** `kv_block_size`: tokens per block (required). */
  readonly blockSize: number;
  /** Router salt (`computeSaltHash(...)`), default 1337 (no namespace, no LoRA). */
  readonly saltHash?: bigint | number;
  /** `router_mode`: `kv` (default), `round-robin` or `random`. */
  readonly policy?: RoutingPolicy;
  /** `classic` (default: §6.4, ties to the smallest tree) or `newest` (§6.6.1, tier credits, random ties). */
  readonly costModel?: CostModel;
  /** Classic `overlap_score_weight` (default 1): becomes `prefillLoadScale`; 0 also turns the credit off. */
  readonly overlapScoreWeight?: number;
  /** `overlap_score_credit` (default 1). */
  readonly overlapScoreCredit?: number;
  /** `overlap_score_credit_decay` (default 0). */
  readonly overlapScoreCreditDecay?: number;
  /** `prefill_load_scale` (default 1). */
  readonly prefillLoadScale?: number;
  /** `host_cache_hit_weight` (newest default 0.75; classic ignores lower tiers). */
  readonly hostCacheHitWeight?: number;
  /** `disk_cache_hit_weight` (newest default 0.25; classic ignores lower tiers). */
  readonly diskCacheHitWeight?: number;
  /** `shared_cache_multiplier` (default 0). */
  readonly sharedCacheMultiplier?: number;
  /** `router_temperature` (default 0: the cheapest worker). */
  readonly temperature?: number;
  /** Seed of ties, sampling and the `random` policy; default random. */
  readonly seed?: number | bigint;
  /** `use_kv_events`: `events` (default) or `approximate` (no engine events: the router records its own decisions). */
  readonly mode?: 'events' | 'approximate';
  /** Approximate mode: `router_ttl_secs` in ms (default 120 000). */
  readonly approximateTtlMs?: number;
  /** Approximate mode: `router_max_tree_size` (default 2^20 blocks). */
  readonly maxTreeSize?: number;
  /** Approximate mode: `router_prune_target_ratio` (default 0.8). */
  readonly pruneTargetRatio?: number;
  /** `router_predicted_ttl_secs` in ms: predicted entries on the chosen worker (default off). */
  readonly predictedTtlMs?: number;
  /** `LoadThresholdConfig`: when a worker counts as busy (default: never). */
  readonly busy?: BusyThresholds;
  /** When every candidate is busy: `refuse` (default, `RouterBusy`) or `defer` (queue). */
  readonly whenBusy?: 'refuse' | 'defer';
  /** Deferral order (default `fcfs`). */
  readonly queuePolicy?: QueuePolicy;
  /** Requests the queue may hold (default 1 000 per worker); the next is refused with reason `queueFull`. */
  readonly queueLimit?: number;
  /** The `retryAfterMs` a refusal suggests (default 1 000). */
  readonly retryAfterMs?: number;
  /** Stale sweep: a booking not freed after this long is freed (default 300 000 ms, Dynamo's 5 min). */
  readonly bookingTtlMs?: number;
  /** Session affinity (default off). */
  readonly affinity?: AffinityOptions;
  /** Replica sync (default off). */
  readonly sync?: SyncOptions;
  /** The clock, in ms (default `Date.now`); tests pass their own. */
  readonly clock?: () => number;
}

/** The options with defaults filled in. */
export interface ResolvedOptions {
  readonly blockSize: number;
  readonly saltHash: bigint | number;
  readonly policy: RoutingPolicy;
  readonly costModel: CostModel;
  readonly cost: CostParams;
  readonly temperature: number;
  readonly seed: number | bigint | undefined;
  readonly mode: 'events' | 'approximate';
  readonly approximateTtlMs: number;
  readonly maxTreeSize: number;
  readonly pruneTargetRatio: number;
  readonly predictedTtlMs: number;
  readonly busy: BusyThresholds;
  readonly whenBusy: 'refuse' | 'defer';
  readonly queuePolicy: QueuePolicy;
  readonly queueLimit: number | undefined;
  readonly retryAfterMs: number;
  readonly bookingTtlMs: number;
  readonly affinity: { readonly ttlMs: number; readonly mode: 'hard' | 'soft' } | undefined;
  readonly sync: SyncOptions | undefined;
  readonly clock: () => number;
}

/** A finite number ≥ `min` (and ≤ `max`), or the default where absent. */
export function numberOption(value: unknown, name: string, fallback: number, min = 0, max = Infinity): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`${name} must be a finite number, got ${String(value)}`);
  }
  if (value < min || value > max) {
    throw new RangeError(`${name} must be in ${min}..${max === Infinity ? '∞' : max}, got ${value}`);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new TypeError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${String(value)}`);
  }
  return value as T;
}

function busyOf(value: unknown): BusyThresholds {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object') throw new TypeError('options.busy must be an object');
  const b = value as BusyThresholds;
  const known = ['activeDecodeBlocks', 'activePrefillTokens', 'activePrefillTokensFrac'];
  for (const key of Object.keys(b)) {
    if (!known.includes(key)) throw new TypeError(`options.busy.${key} is not an option (${known.join(', ')})`);
  }
  const opt = (v: number | undefined, name: string, max = Infinity) => (v === undefined ? undefined : numberOption(v, name, 0, 0, max));
  return {
    activeDecodeBlocks: opt(b.activeDecodeBlocks, 'options.busy.activeDecodeBlocks', 1),
    activePrefillTokens: opt(b.activePrefillTokens, 'options.busy.activePrefillTokens'),
    activePrefillTokensFrac: opt(b.activePrefillTokensFrac, 'options.busy.activePrefillTokensFrac'),
  };
}

const KNOWN = new Set([
  'blockSize',
  'saltHash',
  'policy',
  'costModel',
  'overlapScoreWeight',
  'overlapScoreCredit',
  'overlapScoreCreditDecay',
  'prefillLoadScale',
  'hostCacheHitWeight',
  'diskCacheHitWeight',
  'sharedCacheMultiplier',
  'temperature',
  'seed',
  'mode',
  'approximateTtlMs',
  'maxTreeSize',
  'pruneTargetRatio',
  'predictedTtlMs',
  'busy',
  'whenBusy',
  'queuePolicy',
  'queueLimit',
  'retryAfterMs',
  'bookingTtlMs',
  'affinity',
  'sync',
  'clock',
]);

/** Validates `options` and fills in the defaults. */
export function resolveOptions(options: KvRouterOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be { blockSize, … }');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new TypeError(`options.${key} is not a KvRouter option`);
  }
  const blockSize = options.blockSize;
  if (typeof blockSize !== 'number' || !Number.isInteger(blockSize) || blockSize < 1 || blockSize > 0xffff_ffff) {
    throw new RangeError(`options.blockSize must be an integer >= 1, got ${String(blockSize)}`);
  }
  const saltHash = options.saltHash ?? 1337n;
  if (typeof saltHash !== 'bigint' && typeof saltHash !== 'number')
    throw new TypeError('options.saltHash must be a u64 (bigint or number)');
  const costModel = oneOf(options.costModel, 'options.costModel', ['classic', 'newest'], 'classic');
  const newest = costModel === 'newest';
  const weight = numberOption(options.overlapScoreWeight, 'options.overlapScoreWeight', 1);
  if (options.overlapScoreWeight !== undefined && options.prefillLoadScale !== undefined) {
    throw new TypeError('options.overlapScoreWeight (deprecated) and options.prefillLoadScale are the same setting: give one');
  }
  const cost: CostParams = {
    blockSize,
    overlapScoreCredit: numberOption(options.overlapScoreCredit, 'options.overlapScoreCredit', weight === 0 ? 0 : 1),
    overlapScoreCreditDecay: numberOption(options.overlapScoreCreditDecay, 'options.overlapScoreCreditDecay', 0),
    prefillLoadScale: numberOption(options.prefillLoadScale, 'options.prefillLoadScale', weight),
    hostCacheHitWeight: numberOption(options.hostCacheHitWeight, 'options.hostCacheHitWeight', newest ? 0.75 : 0, 0, 1),
    diskCacheHitWeight: numberOption(options.diskCacheHitWeight, 'options.diskCacheHitWeight', newest ? 0.25 : 0, 0, 1),
    sharedCacheMultiplier: numberOption(options.sharedCacheMultiplier, 'options.sharedCacheMultiplier', 0),
  };
  const seed = options.seed;
  if (seed !== undefined && typeof seed !== 'number' && typeof seed !== 'bigint')
    throw new TypeError('options.seed must be a number or a bigint');
  let affinity: ResolvedOptions['affinity'];
  if (options.affinity !== undefined) {
    const a = options.affinity;
    if (a === null || typeof a !== 'object') throw new TypeError('options.affinity must be { ttlMs, mode? }');
    affinity = {
      ttlMs: numberOption(a.ttlMs, 'options.affinity.ttlMs', NaN, 1, 31_536_000_000),
      mode: oneOf(a.mode, 'options.affinity.mode', ['hard', 'soft'], 'hard'),
    };
    if (Number.isNaN(affinity.ttlMs)) throw new TypeError('options.affinity.ttlMs is required');
  }
  const sync = options.sync;
  if (sync !== undefined) {
    if (
      sync === null ||
      typeof sync !== 'object' ||
      typeof sync.transport?.publish !== 'function' ||
      typeof sync.transport?.subscribe !== 'function'
    ) {
      throw new TypeError('options.sync must be { transport: { publish, subscribe, close }, routerId?, peerTtlMs? }');
    }
    if (sync.routerId !== undefined && typeof sync.routerId !== 'bigint' && typeof sync.routerId !== 'number') {
      throw new TypeError('options.sync.routerId must be a u64 (bigint or number)');
    }
    numberOption(sync.peerTtlMs, 'options.sync.peerTtlMs', 30_000, 1);
    numberOption(sync.heartbeatMs, 'options.sync.heartbeatMs', 0);
  }
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function') throw new TypeError('options.clock must be a function returning ms');
  return {
    blockSize,
    saltHash,
    policy: oneOf(options.policy, 'options.policy', ['kv', 'round-robin', 'random'], 'kv'),
    costModel,
    cost,
    temperature: numberOption(options.temperature, 'options.temperature', 0),
    seed,
    mode: oneOf(options.mode, 'options.mode', ['events', 'approximate'], 'events'),
    approximateTtlMs: numberOption(options.approximateTtlMs, 'options.approximateTtlMs', 120_000),
    maxTreeSize: numberOption(options.maxTreeSize, 'options.maxTreeSize', 2 ** 20, 1, 0xffff_ffff),
    pruneTargetRatio: numberOption(options.pruneTargetRatio, 'options.pruneTargetRatio', 0.8, 0, 1),
    predictedTtlMs: numberOption(options.predictedTtlMs, 'options.predictedTtlMs', 0),
    busy: busyOf(options.busy),
    whenBusy: oneOf(options.whenBusy, 'options.whenBusy', ['refuse', 'defer'], 'refuse'),
    queuePolicy: oneOf(options.queuePolicy, 'options.queuePolicy', ['fcfs', 'wspt', 'lcfs'], 'fcfs'),
    queueLimit: options.queueLimit === undefined ? undefined : numberOption(options.queueLimit, 'options.queueLimit', 0, 0),
    retryAfterMs: numberOption(options.retryAfterMs, 'options.retryAfterMs', 1_000),
    bookingTtlMs: numberOption(options.bookingTtlMs, 'options.bookingTtlMs', 300_000, 1),
    affinity,
    sync,
    clock,
  };
}
