/**
 * A tier's block pool (SPEC §7): block ids that are free, active (held by requests) or inactive
 * (registered, reusable by hash, evictable), with prefix matching, allocation with eviction,
 * registration with KVBM's dedup, and the KV events a router index takes.
 *
 * Place: `ts/tiers/pool.ts`.
 * @module
 */

import { BlockSequence } from '../core/block-sequence.js';
import { InfoCache, STALE, WasmObject } from '../runtime/handle.js';
import type { KvEvent, WorkerIdLike } from '../core/events.js';
import { SequenceHash } from '../core/sequence-hash.js';
import { restoreHandle, SnapshotKind, snapshotBytes, snapshotWords } from '../runtime/snapshot.js';
import { count, inputList, instance, u32, u64 } from '../runtime/validate.js';
import { BLOCK_STATES, EvictionPolicy as EvictionPolicyCode, PoolEventTag } from '../runtime/protocol.generated.js';
import { check, exports, inputView, outputU32, ret } from '../runtime/wasm.js';
import { jsonReady } from '../runtime/json.js';
import { joinWords } from '../runtime/words.js';

/** The state of a pool's block id. */
export type BlockState = 'free' | 'active' | 'inactive';

/** Which inactive block is evicted first: least recently released (default) or earliest registered. */
export type EvictionPolicy = 'lru' | 'fifo';

/** Options of {@link TierPool}'s constructor. */
export interface TierPoolOptions {
  /** The ids `0 .. capacity` (or give `ids`). */
  readonly capacity?: number;
  /** An explicit list of distinct ids. */
  readonly ids?: readonly number[] | Uint32Array;
  /** Tokens per block of the sequences this pool takes. */
  readonly blockSize: number;
  /** Their salt (default 0; `computeSaltHash()` makes the events' `tokensHash` the router's local hash). */
  readonly saltHash?: bigint | number;
  /** Eviction order (default `'lru'`). */
  readonly eviction?: EvictionPolicy;
  /** The worker the events are from (default 0). */
  readonly workerId?: WorkerIdLike;
  /** Its data-parallel rank (default 0). */
  readonly dpRank?: number;
}

/** One block id's state. */
export interface PoolBlock {
  /** The id. */
  readonly id: number;
  /** Its state. */
  readonly state: BlockState;
  /** Holders (0 unless active). */
  readonly refCount: number;
  /** The lineage hash it is registered under, if any. */
  readonly hash: SequenceHash | undefined;
}

const STATES = BLOCK_STATES.slice(0, 3) as readonly BlockState[];

function blockFrom(w: ArrayLike<number>, at: number): PoolBlock {
  const hash =
    w[at + 3] === 1
      ? SequenceHash.fromWords(w[at + 4] as number, w[at + 5] as number, w[at + 6] as number, w[at + 7] as number)
      : undefined;
  return { id: w[at] as number, state: STATES[w[at + 1] as number] ?? 'free', refCount: w[at + 2] as number, hash };
}

/**
 * A fixed set of block ids of one tier, bound to one block size and salt (SPEC §7). Lives in
 * WebAssembly memory: `free()` it (or `using`), or let the garbage collector do so.
 */
export class TierPool extends WasmObject {
  #workerId: WorkerIdLike = 0;
  #dpRank = 0;

  /** A pool of `capacity` ids (`0 .. capacity`) or of the given `ids`. */
  constructor(options: TierPoolOptions) {
    super();
    if (options === null || typeof options !== 'object') throw new TypeError('options must be { capacity | ids, blockSize, … }');
    const size = u32(options.blockSize, 'options.blockSize');
    if (size === 0) throw new RangeError('options.blockSize must be at least 1, got 0');
    const [lo, hi] = u64(options.saltHash ?? 0n, 'options.saltHash');
    const eviction = options.eviction ?? 'lru';
    if (eviction !== 'lru' && eviction !== 'fifo') throw new TypeError(`options.eviction must be 'lru' or 'fifo', got ${String(eviction)}`);
    if (options.workerId !== undefined) u64(options.workerId, 'options.workerId');
    if (options.dpRank !== undefined) u32(options.dpRank, 'options.dpRank');
    const policy = EvictionPolicyCode[eviction];
    if (options.ids !== undefined) {
      if (options.capacity !== undefined) throw new TypeError('give options.capacity or options.ids, not both');
      const n = inputList(options.ids, 'options.ids');
      check(exports().kv_pool_with_ids(n, size, lo, hi, policy));
    } else {
      const n = count(options.capacity, 'options.capacity');
      if (n > 0xffff_ffff) throw new RangeError(`options.capacity must be at most 2^32 - 1, got ${n}`);
      check(exports().kv_pool_new(n, size, lo, hi, policy));
    }
    this.adoptHandle(ret(0), ret(1));
    this.#workerId = options.workerId ?? 0;
    this.#dpRank = options.dpRank ?? 0;
  }
  /** @internal */
  protected override summary(): Record<string, unknown> {
    return {
      capacity: this.capacity,
      free: this.freeCount,
      active: this.activeCount,
      inactive: this.inactiveCount,
      blockSize: this.blockSize,
    };
  }

  /** The words of `kv_pool_info`, kept until the object may change. */
  readonly #info = new InfoCache(() => check(exports().kv_pool_info(this.index, this.generation)));

  // The counts a dashboard polls, copied out of the info words as plain fields: a hot read is
  // one field load and a sign test (STALE until the first read after a change).
  #free = STALE;
  #inactive = STALE;

  /** @internal */
  protected override changed(): void {
    this.#info.clear();
    this.#free = STALE;
    this.#inactive = STALE;
  }

  #loadCounts(): void {
    this.#free = this.info(1);
    this.#inactive = this.info(3);
  }

  private info(word: number): number {
    return this.#info.word(word);
  }

  /** Number of ids. */
  get capacity(): number {
    return this.info(0);
  }
  /** Free ids. */
  get freeCount(): number {
    if (this.#free === STALE) this.#loadCounts();
    return this.#free;
  }
  /** Active ids. */
  get activeCount(): number {
    return this.info(2);
  }
  /** Inactive ids (registered, evictable). */
  get inactiveCount(): number {
    if (this.#inactive === STALE) this.#loadCounts();
    return this.#inactive;
  }
  /** Tokens per block. */
  get blockSize(): number {
    return this.info(4);
  }
  /** The salt of its sequences. */
  get saltHash(): bigint {
    return joinWords(this.info(5), this.info(6));
  }
  /** The eviction policy. */
  get eviction(): EvictionPolicy {
    return this.info(7) === EvictionPolicyCode.fifo ? 'fifo' : 'lru';
  }
  /** Blocks evicted since the pool was made. */
  get evictions(): number {
    return this.info(8) + this.info(9) * 2 ** 32;
  }
  /** Bytes of WebAssembly memory the pool holds (hash maps estimated). */
  get memoryBytes(): number {
    return this.info(10);
  }

  /**
   * The longest registered prefix of `sequence`'s complete blocks from position `from` (or of
   * lineage hashes, entry 0 at position `from`), acquired (reference count + 1; inactive blocks
   * become active): their ids in position order.
   */
  match(sequence: BlockSequence | readonly SequenceHash[], from = 0): Uint32Array {
    const start = count(from, 'from');
    if (Array.isArray(sequence)) {
      const hashes = sequence as readonly unknown[];
      const view = inputView(hashes.length * 4);
      hashes.forEach((h, i) => view.set(instance(h, SequenceHash, `hashes[${i}]`).words(), i * 4));
      this.changed();
      check(exports().kv_pool_match_hashes(this.index, this.generation, hashes.length));
    } else {
      const [si, sg] = instance(sequence, BlockSequence, 'sequence').handle();
      this.changed();
      check(exports().kv_pool_match(this.index, this.generation, si, sg, Math.min(start, 0xffff_ffff)));
    }
    return outputU32();
  }

  /**
   * The positions `from .. to` (default: to the end) of `sequence`'s complete blocks that are
   * not registered here — what a write-through offload to this tier must copy.
   */
  missing(sequence: BlockSequence, from = 0, to?: number): Uint32Array {
    const [si, sg] = instance(sequence, BlockSequence, 'sequence').handle();
    const start = Math.min(count(from, 'from'), 0xffff_ffff);
    const end = to === undefined ? 0xffff_ffff : Math.min(count(to, 'to'), 0xffff_ffff);
    check(exports().kv_pool_missing(this.index, this.generation, si, sg, start, end));
    return outputU32();
  }

  /**
   * `n` ids from the free list, evicting inactive blocks (by the policy) when it is short; they
   * come back active and unregistered. `BlockSequenceError` `PoolExhausted` (nothing changed)
   * where free + inactive < n.
   */
  allocate(n: number): Uint32Array {
    this.changed();
    check(exports().kv_pool_allocate(this.index, this.generation, u32(n, 'n')));
    return outputU32();
  }

  /**
   * Registers active, unregistered `ids` with `sequence`'s complete blocks `start ..` (one
   * each). A block whose hash is registered already keeps its existing id: the returned list
   * has that id (acquired) and the duplicate id goes back to free, as KVBM does.
   */
  register(ids: readonly number[] | Uint32Array, sequence: BlockSequence, start = 0): Uint32Array {
    const [si, sg] = instance(sequence, BlockSequence, 'sequence').handle();
    const at = u32(start, 'start');
    const len = inputList(ids, 'ids');
    this.changed();
    check(exports().kv_pool_register(this.index, this.generation, si, sg, len, at));
    return outputU32();
  }

  /** Releases one hold per id (an id may appear as often as it is held). */
  release(ids: readonly number[] | Uint32Array): void {
    const len = inputList(ids, 'ids');
    this.changed();
    check(exports().kv_pool_release(this.index, this.generation, len));
  }

  /** The KV events since the last call (stored with parents, removed on eviction), oldest first. */
  takeEvents(): KvEvent[] {
    this.changed();
    check(exports().kv_pool_events(this.index, this.generation));
    const w = outputU32();
    // A 64-bit value from words `at` (low) and `at + 1` (high): one DataView read makes the
    // bigint (3x faster than joining two words with bigint shifts, which W8 spent a quarter of
    // its time on).
    const bytes = new DataView(w.buffer);
    const join = (at: number) => bytes.getBigUint64(4 * at, true);
    const out: KvEvent[] = [];
    const worker = { workerId: this.#workerId, dpRank: this.#dpRank };
    for (let at = 0; at < w.length;) {
      if (w[at] === PoolEventTag.stored) {
        const parentHash = w[at + 1] === 1 ? join(at + 2) : null;
        const n = w[at + 4] as number;
        const blocks = [];
        for (let k = 0; k < n; k++) blocks.push({ blockHash: join(at + 5 + 4 * k), tokensHash: join(at + 7 + 4 * k) });
        out.push({ type: 'stored', ...worker, parentHash, blocks });
        at += 5 + 4 * n;
      } else {
        const n = w[at + 1] as number;
        const blockHashes = [];
        for (let k = 0; k < n; k++) blockHashes.push(join(at + 2 + 2 * k));
        out.push({ type: 'removed', ...worker, blockHashes });
        at += 2 + 2 * n;
      }
    }
    return jsonReady(out);
  }

  /** Drops the queued events without reading them (a worker no router listens to). */
  clearEvents(): void {
    this.changed();
    check(exports().kv_pool_events(this.index, this.generation));
  }

  /** An id's state, or `undefined` for an id the pool does not own. */
  block(id: number): PoolBlock | undefined {
    check(exports().kv_pool_record(this.index, this.generation, u32(id, 'id')));
    if (ret(0) === 0) return undefined;
    return blockFrom([ret(1), ret(2), ret(3), ret(4), ret(5), ret(6), ret(7), ret(8)], 0);
  }

  /** The id a lineage hash is registered to, or `undefined`. */
  idOf(hash: SequenceHash): number | undefined {
    const [w0, w1, w2, w3] = instance(hash, SequenceHash, 'hash').words();
    check(exports().kv_pool_lookup(this.index, this.generation, w0 as number, w1 as number, w2 as number, w3 as number));
    return ret(0) === 1 ? ret(1) : undefined;
  }

  /** Whether a lineage hash is registered. */
  isRegistered(hash: SequenceHash): boolean {
    return this.idOf(hash) !== undefined;
  }

  /** Every id's state, in the pool's id order. */
  blocks(): PoolBlock[] {
    check(exports().kv_pool_records(this.index, this.generation));
    const w = outputU32();
    const out: PoolBlock[] = [];
    for (let at = 0; at < w.length; at += 8) out.push(blockFrom(w, at));
    return out;
  }

  /** Iterates {@link TierPool.blocks}. */
  [Symbol.iterator](): IterableIterator<PoolBlock> {
    return this.blocks()[Symbol.iterator]();
  }

  /** The pool's whole state (states, reference counts, hashes, free and eviction order, counters) as bytes. */
  snapshot(): Uint8Array {
    return snapshotBytes(this.index, this.generation);
  }

  /** A new pool equal to the one `snapshot()` was taken of (events not yet taken are not part of it). */
  static restore(bytes: Uint8Array, options: { workerId?: WorkerIdLike; dpRank?: number } = {}): TierPool {
    const words = snapshotWords(bytes, SnapshotKind.Pool, 'TierPool');
    const [index, generation] = restoreHandle(words);
    const pool = new TierPool({ capacity: 0, blockSize: 1, ...options });
    pool.replaceHandle(index, generation);
    return pool;
  }
}
