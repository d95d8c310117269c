/**
 * The router's index of the workers' KV caches (SPEC §6.3): engine events in, per-worker
 * overlap with a prompt out.
 *
 * Place: `ts/router/kv-index.ts`.
 * @module
 */

import { InfoCache, WasmObject } from '../runtime/handle.js';
import { inputHashes, putBigU64, putU64, U32_MAX, u64 } from '../runtime/validate.js';
import { DUMP_WORDS, EVENT_RESULTS, EventKind, Flag } from '../runtime/protocol.generated.js';
import { restoreHandle, SnapshotKind, snapshotBytes, snapshotWords } from '../runtime/snapshot.js';
import { check, exports, inputView, memoryWords, outputAt, outputU32, ret } from '../runtime/wasm.js';
import { JsonRecord, jsonReady } from '../runtime/json.js';
import type { HashLike, KvEvent, StorageTier, WorkerIdLike } from '../core/events.js';
import { joinWords } from '../runtime/words.js';

export type {
  ClearedEvent,
  HashLike,
  KvEvent,
  RemovedEvent,
  StorageTier,
  StoredBlock,
  StoredEvent,
  WorkerIdLike,
  WorkerRef,
} from '../core/events.js';

/** What applying an event did. */
export type EventResult = 'ok' | 'duplicate' | 'ParentBlockNotFound' | 'InvalidBlockSequence' | 'BlockNotFound';

/** Number of events per {@link EventResult}. */
export type EventCounts = Record<EventResult, number>;

const RESULTS: readonly EventResult[] = EVENT_RESULTS;

/** One worker's overlap with a query. */
export interface WorkerScore {
  /** The worker's id. */
  readonly workerId: bigint;
  /** Its data-parallel rank. */
  readonly dpRank: number;
  /** Leading query blocks it holds without a gap (≥ 1). */
  readonly blocks: number;
  /** Blocks it holds in the whole index (Dynamo's tree size). */
  readonly treeSize: number;
}

/** The answer of {@link KvIndex.findMatches}. */
export interface MatchResult {
  /** Workers with a score ≥ 1: blocks descending, then workerId and dpRank ascending. */
  readonly scores: WorkerScore[];
  /** Per query depth reached (index 0 = the first block), how many workers hold the query up to it. */
  readonly frequencies: number[];
  /**
   * Where the index holds lower-tier blocks: per worker, its matched blocks by tier (present only
   * then). `device` is the score; `host` the further consecutive blocks its host tier holds;
   * `disk` those beyond again in its disk and external tiers (SPEC §6.6, Dynamo's overlap
   * extensions, each prefix position counted once).
   */
  readonly tiers?: TierOverlap[];
}

/** A {@link WorkerScore} as a query makes it (its JSON form from the prototype). */
class Score extends JsonRecord implements WorkerScore {
  constructor(
    readonly workerId: bigint,
    readonly dpRank: number,
    readonly blocks: number,
    readonly treeSize: number,
  ) {
    super();
  }
}

/** At depth `d`, the workers whose score exceeds `d` (the walk drops a worker exactly where its score ends). */
function frequenciesOf(scores: readonly WorkerScore[]): number[] {
  const depth = scores[0]?.blocks ?? 0;
  const counts = new Array<number>(depth);
  let holding = scores.length;
  for (let d = 0; d < depth; d++) {
    while (holding > 0 && (scores[holding - 1] as WorkerScore).blocks <= d) holding--;
    counts[d] = holding;
  }
  return counts;
}

/**
 * `{ scores, frequencies }`. A query that went deep gets its `frequencies` worked out on first
 * read: a router reads only the scores, and an 8,192-block query's counts would cost more than
 * its walk; a short one gets them at once (cheaper than the deferral).
 */
function withFrequencies(scores: WorkerScore[]): { scores: WorkerScore[]; frequencies: number[] } {
  if ((scores[0]?.blocks ?? 0) <= 64) return { scores, frequencies: frequenciesOf(scores) };
  return {
    scores,
    get frequencies(): number[] {
      const counts = frequenciesOf(scores);
      Object.defineProperty(this, 'frequencies', { value: counts, enumerable: true, configurable: true, writable: true });
      return counts;
    },
  };
}

/** One worker's matched blocks by tier; see {@link MatchResult.tiers}. */
export interface TierOverlap {
  /** The worker's id. */
  readonly workerId: bigint;
  /** Its data-parallel rank. */
  readonly dpRank: number;
  /** Leading blocks on the device (the score). */
  readonly device: number;
  /** Further leading blocks on the host tier. */
  readonly host: number;
  /** Further leading blocks on the disk and external tiers. */
  readonly disk: number;
}

type LowerTier = Exclude<StorageTier, 'device'>;
const LOWER_TIERS: readonly LowerTier[] = ['host', 'disk', 'external'];

/** A worker's number of blocks in the index. */
export interface TreeSize {
  /** The worker's id. */
  readonly workerId: bigint;
  /** Its data-parallel rank. */
  readonly dpRank: number;
  /** Blocks it holds. */
  readonly blocks: number;
}

/** Options of {@link KvIndex}'s constructor. */
export interface KvIndexOptions {
  /** `'events'` (default): fed by engine events. `'approximate'`: fed by {@link KvIndex.record}. */
  readonly mode?: 'events' | 'approximate';
  /** Approximate mode: how long a recorded block counts as cached (in the caller's time unit). */
  readonly ttlMs?: number;
}

/** Options of {@link KvIndex.findMatches}. */
export interface FindMatchesOptions {
  /** Stop as soon as one worker remains (its score is then a lower bound). Default false. */
  readonly earlyExit?: boolean;
  /** Approximate mode: the current time; expired blocks are dropped first. */
  readonly now?: number;
}

/** A stored event as {@link KvIndex.dump} returns it (bigint hashes, one block). */
export interface DumpedEvent {
  /** Discriminant. */
  readonly type: 'stored';
  /** The worker. */
  readonly workerId: bigint;
  /** Its data-parallel rank. */
  readonly dpRank: number;
  /** The worker's hash of the parent block, or `null` at the root. */
  readonly parentHash: bigint | null;
  /** The one block. */
  readonly blocks: [{ readonly blockHash: bigint; readonly tokensHash: bigint }];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an Array';
  return typeof value === 'object' ? 'an object' : String(value);
}

function dpRankOf(value: unknown, name: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number (u32), got ${describe(value)}`);
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
    throw new RangeError(`${name} must be an integer in 0..=${U32_MAX}, got ${value}`);
  }
  return value;
}

function hashList(value: unknown, name: string): ArrayLike<unknown> {
  if (value instanceof BigUint64Array || Array.isArray(value)) return value;
  throw new TypeError(`${name} must be an Array of u64 values or a BigUint64Array, got ${describe(value)}`);
}

/**
 * Encodes events into the word stream `kv_index_apply` reads, validating every field on the way
 * (a bad one throws, naming it, before the module is called: the input buffer is scratch);
 * returns the stream's length in words.
 */
function encodeEvents(events: readonly KvEvent[], name: string): number {
  if (!Array.isArray(events)) throw new TypeError(`${name} must be an Array of events, got ${describe(events)}`);
  // Pass 1: the size (and the shapes it needs).
  let words = 0;
  for (let i = 0; i < events.length; i++) {
    const e: unknown = events[i];
    if (e === null || typeof e !== 'object') throw new TypeError(`${name}[${i}] must be an event object, got ${describe(e)}`);
    const ev = e as Record<string, unknown>;
    words += 4;
    if (ev.type === 'stored') {
      if (!Array.isArray(ev.blocks)) throw new TypeError(`${name}[${i}].blocks must be an Array of { blockHash, tokensHash }`);
      words += 4 + 4 * ev.blocks.length;
    } else if (ev.type === 'removed') {
      words += 1 + 2 * hashList(ev.blockHashes, `${name}[${i}].blockHashes`).length;
    } else if (ev.type !== 'cleared') {
      throw new TypeError(`${name}[${i}].type must be 'stored', 'removed' or 'cleared', got ${describe(ev.type)}`);
    }
  }
  if (words > 2 ** 28) throw new RangeError(`${name} is too large for one call (${words} words; at most 2^28)`);
  // Pass 2: validate and write straight into the module's input buffer.
  const out = inputView(words);
  let w = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as KvEvent & Record<string, unknown>;
    const at = () => `${name}[${i}]`;
    out[w++] = EventKind[e.type];
    putU64(out, w, e.workerId, () => `${at()}.workerId`);
    w += 2;
    out[w++] = dpRankOf(e.dpRank, `${name}[${i}].dpRank`);
    if (e.type === 'stored') {
      const parent: unknown = e.parentHash;
      const root = parent === undefined || parent === null;
      out[w++] = root ? 0 : 1;
      putU64(out, w, root ? 0n : parent, () => `${at()}.parentHash`);
      w += 2;
      const blocks = e.blocks as readonly unknown[];
      out[w++] = blocks.length;
      for (let j = 0; j < blocks.length; j++) {
        const b = blocks[j] as { blockHash?: unknown; tokensHash?: unknown } | null;
        if (b === null || typeof b !== 'object') throw new TypeError(`${at()}.blocks[${j}] must be { blockHash, tokensHash }`);
        if (!putBigU64(out, w, b.blockHash)) putU64(out, w, b.blockHash, () => `${at()}.blocks[${j}].blockHash`);
        if (!putBigU64(out, w + 2, b.tokensHash)) putU64(out, w + 2, b.tokensHash, () => `${at()}.blocks[${j}].tokensHash`);
        w += 4;
      }
    } else if (e.type === 'removed') {
      const list = e.blockHashes as ArrayLike<unknown>;
      out[w++] = list.length;
      for (let j = 0; j < list.length; j++) {
        putU64(out, w, list[j], () => `${at()}.blockHashes[${j}]`);
        w += 2;
      }
    }
  }
  return words;
}

function timeOf(value: unknown, name: string): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${name} must be a number (a time in the unit of ttlMs), got ${describe(value)}`);
  }
  return value;
}

/**
 * The router's radix-tree index of which worker holds which blocks, keyed by the router's
 * local block hashes (Dynamo's `RadixTree`). Lives in WebAssembly memory: `free()` it (or
 * `using`), or let the garbage collector do so.
 */
export class KvIndex extends WasmObject {
  /** An empty index; `{ mode: 'approximate', ttlMs }` for engines that publish no events. */
  constructor(options: KvIndexOptions = {}) {
    super();
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    const mode = options.mode ?? 'events';
    if (mode !== 'events' && mode !== 'approximate') {
      throw new TypeError(`options.mode must be 'events' or 'approximate', got ${describe(mode)}`);
    }
    let ttl = 0;
    if (mode === 'approximate') {
      ttl = options.ttlMs ?? 120_000;
      if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
        throw new RangeError(`options.ttlMs must be a finite number >= 0, got ${describe(options.ttlMs)}`);
      }
    } else if (options.ttlMs !== undefined) {
      throw new TypeError("options.ttlMs applies only to mode 'approximate'");
    }
    check(mode === 'approximate' ? exports().kv_index_new_approximate(ttl) : exports().kv_index_new());
    this.adoptHandle(ret(0), ret(1));
  }
  /** @internal */
  protected override summary(): Record<string, unknown> {
    return { mode: this.mode, size: this.size, nodes: this.nodeCount };
  }

  /** Applies one event; see {@link EventResult}. Malformed input throws and changes nothing. */
  applyEvent(event: KvEvent): EventResult {
    if (event !== null && typeof event === 'object' && event.tier !== undefined) {
      const counts = this.applyEvents([event]);
      return (Object.keys(counts) as EventResult[]).find((k) => counts[k] > 0) ?? 'ok';
    }
    const results = this.#apply([event], 'event');
    return RESULTS[results[0] as number] as EventResult;
  }

  /**
   * Applies events in order with one call into WebAssembly; returns how many had each result.
   * Malformed input anywhere in the batch throws before any event applies.
   */
  applyEvents(events: readonly KvEvent[]): EventCounts {
    if (!Array.isArray(events)) throw new TypeError('events must be an Array of events');
    const counts: EventCounts = { ok: 0, duplicate: 0, ParentBlockNotFound: 0, InvalidBlockSequence: 0, BlockNotFound: 0 };
    const tiered =
      this.#tiers.size > 0 ||
      events.some((e: KvEvent | null) => e !== null && typeof e === 'object' && e.tier !== undefined && e.tier !== 'device');
    if (!tiered) {
      for (const r of this.#apply(events, 'events')) counts[RESULTS[r] as EventResult] += 1;
      return counts;
    }
    // Lower tiers: their own trees beside the primary one. Everything is checked first.
    const byTier = new Map<StorageTier, KvEvent[]>([['device', []]]);
    events.forEach((e: KvEvent, i: number) => {
      const tier = e?.tier ?? 'device';
      if (tier !== 'device' && !LOWER_TIERS.includes(tier)) {
        throw new TypeError(`events[${i}].tier must be 'device', 'host', 'disk' or 'external', got ${describe(tier)}`);
      }
      // A cleared event without a tier clears every tier the index has.
      const to: StorageTier[] = e?.type === 'cleared' && e.tier === undefined ? ['device', ...this.#tiers.keys()] : [tier];
      for (const t of to) (byTier.get(t) ?? byTier.set(t, []).get(t))?.push(e);
    });
    for (const list of byTier.values()) encodeEvents(list, 'events'); // validates every tier's events first
    for (const [tier, list] of byTier) {
      if (list.length === 0) continue;
      const target = tier === 'device' ? this : this.#tierIndex(tier);
      const results = tier === 'device' ? this.#apply(list, 'events') : target.#apply(list, 'events');
      for (const r of results) counts[RESULTS[r] as EventResult] += 1;
    }
    return counts;
  }

  /** Lower-tier trees, made on the first event of their tier. */
  readonly #tiers = new Map<LowerTier, KvIndex>();

  #tierIndex(tier: LowerTier): KvIndex {
    let index = this.#tiers.get(tier);
    if (index === undefined) {
      index = new KvIndex();
      this.#tiers.set(tier, index);
    }
    return index;
  }

  /**
   * @internal The handles a routing decision reads (`kv_router_decide`): this index, then its
   * host, disk and external trees ((0, 0) for a tier no event named yet). Counts as a change:
   * the decision moves an approximate index's time on.
   */
  decisionHandles(): number[] {
    const out = [this.index, this.generation];
    for (const tier of LOWER_TIERS) out.push(...(this.#tiers.get(tier)?.handle() ?? [0, 0]));
    this.changed();
    return out;
  }

  /** Frees the index and its lower-tier trees. */
  override free(): void {
    for (const index of this.#tiers.values()) index.free();
    this.#tiers.clear();
    super.free();
  }

  /** Encodes and applies events with one call; the result code of each. */
  #apply(events: readonly KvEvent[], name: string): Uint32Array {
    const words = encodeEvents(events, name);
    this.changed();
    check(exports().kv_index_apply(this.index, this.generation, words));
    return outputU32();
  }

  /**
   * Each worker's overlap with a prompt given as its local block hashes
   * (`computeBlockHashes(tokens, blockSize, computeSaltHash())`).
   */
  findMatches(localHashes: readonly HashLike[] | BigUint64Array, options: FindMatchesOptions = {}): MatchResult {
    const earlyExit = options.earlyExit ?? false;
    if (typeof earlyExit !== 'boolean') throw new TypeError('options.earlyExit must be a boolean');
    const now = options.now === undefined ? NaN : timeOf(options.now, 'options.now');
    const len = inputHashes(localHashes, 'localHashes');
    this.changed();
    check(exports().kv_index_find(this.index, this.generation, len, earlyExit ? Flag.true : Flag.false, now));
    const n = ret(0);
    // Read in place: a copy of the output would be one more buffer for the collector.
    const base = outputAt();
    const words = memoryWords();
    const scores: WorkerScore[] = [];
    for (let k = 0; k < n; k++) {
      const at = base + 5 * k;
      scores.push(
        new Score(
          joinWords(words[at] as number, words[at + 1] as number),
          words[at + 2] as number,
          words[at + 3] as number,
          words[at + 4] as number,
        ),
      );
    }
    const result = withFrequencies(jsonReady(scores));
    if (this.#tiers.size === 0) return jsonReady(result);
    return jsonReady(Object.assign(result, { tiers: jsonReady(this.#tierOverlaps(scores, localHashes)) }));
  }

  /** Device score, then each lower tier's extension beyond it (SPEC §6.6). */
  #tierOverlaps(scores: WorkerScore[], query: readonly HashLike[] | BigUint64Array): TierOverlap[] {
    const reach = new Map<string, { workerId: bigint; dpRank: number; device: number; host: number; disk: number }>();
    const entry = (s: WorkerScore) => {
      const key = `${s.workerId}:${s.dpRank}`;
      let e = reach.get(key);
      if (e === undefined) reach.set(key, (e = { workerId: s.workerId, dpRank: s.dpRank, device: 0, host: 0, disk: 0 }));
      return e;
    };
    for (const s of scores) entry(s).device = s.blocks;
    const tierScores = (tier: LowerTier) => this.#tiers.get(tier)?.findMatches(query).scores ?? [];
    for (const s of tierScores('host')) entry(s).host = s.blocks;
    for (const s of [...tierScores('disk'), ...tierScores('external')]) entry(s).disk = Math.max(entry(s).disk, s.blocks);
    return [...reach.values()].map((e) => {
      const host = Math.max(e.device, e.host);
      const disk = Math.max(host, e.disk);
      return { workerId: e.workerId, dpRank: e.dpRank, device: e.device, host: host - e.device, disk: disk - host };
    });
  }

  /**
   * Approximate mode: records that a request with these local hashes was sent to the worker at
   * time `now`; its blocks count as cached there until `now + ttlMs`. Time never goes back (an
   * earlier `now` counts as the latest seen).
   */
  record(workerId: WorkerIdLike, localHashes: readonly HashLike[] | BigUint64Array, options: { dpRank?: number; now: number }): void {
    const [lo, hi] = u64(workerId, 'workerId');
    if (options === null || typeof options !== 'object') throw new TypeError('options must be { now, dpRank? }');
    const dp = dpRankOf(options.dpRank, 'options.dpRank');
    const now = timeOf(options.now, 'options.now');
    const len = inputHashes(localHashes, 'localHashes');
    this.changed();
    check(exports().kv_index_record(this.index, this.generation, lo, hi, dp, len, now));
    if (ret(0) === 0) throw new TypeError("record() needs an index in mode 'approximate'");
  }

  /** Approximate mode: moves time to `now` and drops the blocks that expired. */
  advance(now: number): void {
    this.changed();
    check(exports().kv_index_advance(this.index, this.generation, timeOf(now, 'now')));
  }

  /**
   * Approximate mode: drops the blocks recorded earliest until the index holds at most
   * `targetSize` (worker, block) entries (Dynamo's `router_max_tree_size` pruning); returns how
   * many entries were dropped. An index fed by events is left alone.
   */
  prune(targetSize: number): number {
    if (typeof targetSize !== 'number' || !Number.isInteger(targetSize) || targetSize < 0 || targetSize > U32_MAX) {
      throw new RangeError(`targetSize must be an integer in 0..=${U32_MAX}, got ${describe(targetSize)}`);
    }
    this.changed();
    check(exports().kv_index_prune(this.index, this.generation, targetSize));
    return ret(0);
  }

  /** Removes every data-parallel rank of a worker. */
  removeWorker(workerId: WorkerIdLike): void {
    const [lo, hi] = u64(workerId, 'workerId');
    this.changed();
    check(exports().kv_index_remove_worker(this.index, this.generation, lo, hi));
    for (const index of this.#tiers.values()) index.removeWorker(workerId);
  }

  /** Empties the index (its event counts are kept). */
  clear(): void {
    this.changed();
    check(exports().kv_index_clear(this.index, this.generation));
    for (const index of this.#tiers.values()) index.clear();
  }

  /** The words of `kv_index_info`, kept until the object may change. */
  readonly #info = new InfoCache(() => check(exports().kv_index_info(this.index, this.generation)));

  /** @internal */
  protected override changed(): void {
    this.#info.clear();
  }

  private info(word: number): number {
    return this.#info.word(word);
  }

  /** Number of (worker, block) entries (Dynamo's `current_size`). */
  get size(): number {
    return this.info(0);
  }

  /** Tree nodes alive: distinct blocks held by at least one worker. */
  get nodeCount(): number {
    return this.info(1);
  }

  /** Bytes of WebAssembly memory the index holds (capacities; hash maps estimated). */
  get memoryBytes(): number {
    return this.info(2);
  }

  /** `'events'` or `'approximate'`. */
  get mode(): 'events' | 'approximate' {
    return this.info(3) === 1 ? 'approximate' : 'events';
  }

  /** Events applied since the index was made, per result. */
  get eventCounts(): EventCounts {
    const counts = {} as EventCounts;
    RESULTS.forEach((r, k) => {
      counts[r] = this.info(6 + 2 * k) + this.info(7 + 2 * k) * 2 ** 32;
    });
    return counts;
  }

  /** Per worker holding blocks, how many (workers with none are absent), by workerId then dpRank. */
  treeSizes(): TreeSize[] {
    check(exports().kv_index_tree_sizes(this.index, this.generation));
    const words = outputU32();
    const out: TreeSize[] = [];
    for (let at = 0; at < words.length; at += 4) {
      out.push({
        workerId: joinWords(words[at] as number, words[at + 1] as number),
        dpRank: words[at + 2] as number,
        blocks: words[at + 3] as number,
      });
    }
    return jsonReady(out);
  }

  private dumpWords(): Uint32Array {
    check(exports().kv_index_dump(this.index, this.generation));
    return outputU32();
  }

  /**
   * The index as single-block `stored` events, parents first: applied to a new index they
   * rebuild one with the same answers to every query (Dynamo's `dump_tree_as_events`).
   */
  dump(): DumpedEvent[] {
    const words = this.dumpWords();
    // 64-bit fields read as bigints in one DataView read each (3x faster than joining words).
    const bytes = new DataView(words.buffer, words.byteOffset, words.byteLength);
    const out: DumpedEvent[] = [];
    for (let at = 0; at < words.length; at += DUMP_WORDS) {
      const u64 = (k: number): bigint => bytes.getBigUint64(4 * (at + k), true);
      out.push({
        type: 'stored',
        workerId: u64(0),
        dpRank: words[at + 2] as number,
        parentHash: words[at + 3] === 0 ? null : u64(4),
        blocks: [{ blockHash: u64(6), tokensHash: u64(8) }],
      });
    }
    return jsonReady(out);
  }

  /**
   * The whole index (and, in approximate mode, each block's expiry) as bytes, in the one
   * snapshot format of every object; see {@link KvIndex.restore}.
   */
  snapshot(): Uint8Array {
    return snapshotBytes(this.index, this.generation);
  }

  /** A new index equal to the one `snapshot()` was taken of. Throws `TypeError` on bytes that are not a snapshot. */
  static restore(bytes: Uint8Array): KvIndex {
    const words = snapshotWords(bytes, SnapshotKind.Index, 'KvIndex');
    const [index, generation] = restoreHandle(words);
    const restored = new KvIndex();
    restored.replaceHandle(index, generation);
    return restored;
  }
}
