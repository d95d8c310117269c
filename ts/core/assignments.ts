/**
 * One tier's record of which physical block holds which block of a sequence (SPEC §3).
 *
 * Place: `ts/core/assignments.ts`.
 * @module
 */

import { blocksOf, type BlocksLike, type Range } from './block-sequence.js';
import { STALE, WasmObject } from '../runtime/handle.js';
import { SequenceHash } from './sequence-hash.js';
import { count, inputList, instance, integer, MAX_ITEMS } from '../runtime/validate.js';
import { TO_END } from '../runtime/protocol.generated.js';
import { check, exports, inputU32, memoryWords, outputU32, ret, ret4 } from '../runtime/wasm.js';
import { restoreHandle, SnapshotKind, snapshotBytes, snapshotWords } from '../runtime/snapshot.js';
import { jsonReady } from '../runtime/json.js';

/** Options of {@link ExternalBlockAssignments.stagePending} and `assignPending`. */
export interface StageOptions {
  /**
   * Throw `RangeError` where the blocks end before `nextPosition` (by SPEC §3 such a call stages
   * nothing and changes nothing; a simulator usually wants to know).
   */
  readonly strict?: boolean;
}

/** A block id paired with the lineage hash of the block it holds. */
export type BlockAssignment = [blockId: number, hash: SequenceHash];

/** Largest offset: a tier can start at any representable position, or just past the last. */
const MAX_OFFSET = 2 ** 24;

/** Positions beyond this hold nothing (all positions fit in u32). */
const U32_MAX = 0xffff_ffff;

/**
 * One tier's ordered record: **unassigned** ids (a FIFO queue), **staged** (id, hash) pairs and
 * **assigned** (id, hash) pairs in sequence order, every id in at most one of them. `offset` is
 * the sequence position of `assigned[0]`. Lives in WebAssembly memory: `free()` it (or `using`),
 * or let the garbage collector do so.
 */
export class ExternalBlockAssignments extends WasmObject {
  #offset: number;

  // Where the three collections sit in linear memory (32-bit word indices), so that scalar
  // queries read them in place instead of calling into the module. Fetched (kv_asg_layout) on
  // the first query after anything that may change the record: every mutating method clears
  // `#layoutValid` before it calls the module, and free() does too, so a query never reads an
  // address the record no longer uses (a freed record then throws, as everywhere).
  #layoutValid = false;
  #assignedLen = STALE;
  #assignedIds = 0;
  #assignedHashes = 0;
  #stagedLen = STALE;
  #stagedIds = 0;
  #stagedHashes = 0;
  #frontAt = 0;
  #frontLen = STALE;
  #backAt = 0;
  #backLen = STALE;
  #setAt = 0;
  #setLen = STALE;
  #hasMax = false;
  // A typed-array view of each collection, made on first use after each layout read (which
  // drops them all). Growth of linear memory detaches a view (its length becomes 0), so a view
  // whose length is not its collection's is made again. Reading a view of the record's own
  // words is about three times faster than indexing the view of the whole memory.
  #assignedIdsView = NO_WORDS;
  #assignedHashesView = NO_WORDS;
  #stagedIdsView = NO_WORDS;
  #stagedHashesView = NO_WORDS;
  #frontView = NO_WORDS;
  #backView = NO_WORDS;
  #slotsView = NO_WORDS;

  /** @param offset the position of the first assigned block, `0 ..= 2^24` (default 0) */
  constructor(offset = 0) {
    super();
    const at = integer(offset, 'offset', MAX_OFFSET);
    check(exports().kv_asg_new(at));
    this.adoptHandle(ret(0), ret(1));
    this.#offset = at;
  }
  /** @internal */
  protected override summary(): Record<string, unknown> {
    return { offset: this.offset, assigned: this.assignedCount, staged: this.stagedCount, unassigned: this.unassignedCount };
  }

  /** Iterates the assigned `[id, hash]` pairs in position order (`for (const [id, hash] of tier)`). */
  [Symbol.iterator](): IterableIterator<BlockAssignment> {
    return this.assigned()[Symbol.iterator]();
  }

  /** Reads where the collections are (throws where freed). */
  #layout(): void {
    check(exports().kv_asg_layout(this.index, this.generation));
    const [offset, aLen, aIds, aHashes] = ret4(0);
    const [sLen, sIds, sHashes, frontAt] = ret4(4);
    this.#offset = offset;
    this.#assignedLen = aLen;
    this.#assignedIds = aIds >>> 2;
    this.#assignedHashes = aHashes >>> 2;
    this.#stagedLen = sLen;
    this.#stagedIds = sIds >>> 2;
    this.#stagedHashes = sHashes >>> 2;
    this.#frontAt = frontAt >>> 2;
    this.#frontLen = ret(8);
    this.#backAt = ret(9) >>> 2;
    this.#backLen = ret(10);
    const [setAt, setLen, hasMax] = ret4(11);
    this.#setAt = setAt >>> 2;
    this.#setLen = setLen;
    this.#hasMax = hasMax === 1;
    this.#assignedIdsView = this.#assignedHashesView = NO_WORDS;
    this.#stagedIdsView = this.#stagedHashesView = NO_WORDS;
    this.#frontView = this.#backView = this.#slotsView = NO_WORDS;
    this.#layoutValid = true;
  }

  // The views (see above), each read again where stale or detached. One accessor per
  // collection, on purpose: a single one indexing arrays of views and spans made these reads
  // 1.5-1.8x slower (getAssignedId 2.0 -> 3.5 ns, tried and measured).

  #assignedIdWords(): Uint32Array {
    const v = this.#assignedIdsView;
    if (v.length === this.#assignedLen) return v;
    if (!this.#layoutValid) this.#layout();
    return (this.#assignedIdsView = wordsAt(this.#assignedIds, this.#assignedLen));
  }

  #assignedHashWords(): Uint32Array {
    const v = this.#assignedHashesView;
    if (v.length === 4 * this.#assignedLen) return v;
    if (!this.#layoutValid) this.#layout();
    return (this.#assignedHashesView = wordsAt(this.#assignedHashes, 4 * this.#assignedLen));
  }

  #stagedIdWords(): Uint32Array {
    const v = this.#stagedIdsView;
    if (v.length === this.#stagedLen) return v;
    if (!this.#layoutValid) this.#layout();
    return (this.#stagedIdsView = wordsAt(this.#stagedIds, this.#stagedLen));
  }

  #stagedHashWords(): Uint32Array {
    const v = this.#stagedHashesView;
    if (v.length === 4 * this.#stagedLen) return v;
    if (!this.#layoutValid) this.#layout();
    return (this.#stagedHashesView = wordsAt(this.#stagedHashes, 4 * this.#stagedLen));
  }

  #frontWords(): Uint32Array {
    const v = this.#frontView;
    if (v.length === this.#frontLen) return v;
    if (!this.#layoutValid) this.#layout();
    return (this.#frontView = wordsAt(this.#frontAt, this.#frontLen));
  }

  #backWords(): Uint32Array {
    const v = this.#backView;
    if (v.length === this.#backLen) return v;
    if (!this.#layoutValid) this.#layout();
    return (this.#backView = wordsAt(this.#backAt, this.#backLen));
  }

  #slotWords(): Uint32Array {
    const v = this.#slotsView;
    if (v.length === this.#setLen) return v;
    if (!this.#layoutValid) this.#layout();
    return (this.#slotsView = wordsAt(this.#setAt, this.#setLen));
  }

  /** @internal Marks the layout stale: before every call that may change the record, free and restore. */
  protected override changed(): void {
    this.#layoutValid = false;
    // No view's length matches a stale length: the view accessors need no separate check.
    this.#assignedLen = this.#stagedLen = this.#frontLen = this.#backLen = this.#setLen = STALE;
  }

  /** Position of `assigned[0]`. */
  get offset(): number {
    void this.index; // throws where freed
    return this.#offset;
  }

  /** Number of assigned pairs. */
  get assignedCount(): number {
    if (!this.#layoutValid) this.#layout();
    return this.#assignedLen;
  }

  /** Number of staged pairs. */
  get stagedCount(): number {
    if (!this.#layoutValid) this.#layout();
    return this.#stagedLen;
  }

  /** Number of unassigned ids. */
  get unassignedCount(): number {
    if (!this.#layoutValid) this.#layout();
    return this.#frontLen + this.#backLen;
  }

  /** `offset + assignedCount + stagedCount`: where the next staged block goes. */
  get nextPosition(): number {
    if (!this.#layoutValid) this.#layout();
    return this.#offset + this.#assignedLen + this.#stagedLen;
  }

  /**
   * Whether `id` is in any of the three collections. Probes the record's id table in place
   * (`crate/kvbm-sequence/src/collections/id_set.rs`: linear probing from the MurmurHash3 finaliser of the id).
   */
  contains(id: number): boolean {
    const slots = this.#slotWords();
    const key = typeof id === 'number' && id >>> 0 === id ? id : integer(id, 'id');
    if (key === 0xffff_ffff) return this.#hasMax;
    const len = slots.length;
    const mask = len - 1;
    let at = mix(key) & mask;
    // The table is never full (at most three quarters): an empty slot ends every probe.
    for (let probes = 0; probes < len; probes++) {
      const slot = slots[at];
      if (slot === key) return true;
      if (slot === 0xffff_ffff) return false;
      at = (at + 1) & mask;
    }
    return false;
  }

  /** An index argument: a u32 as it is, anything else validated (`TypeError`/`RangeError`). */
  #at(i: unknown, name: string): number {
    return typeof i === 'number' && i >>> 0 === i ? i : count(i, name);
  }

  /** Assigned pair `i`, or `undefined`. */
  getAssigned(i: number): BlockAssignment | undefined {
    const ids = this.#assignedIdWords();
    return pairAt(ids, this.#assignedHashWords(), this.#at(i, 'index'));
  }

  /** The id of assigned pair `i`, or `undefined` (no allocation). */
  getAssignedId(i: number): number | undefined {
    const ids = this.#assignedIdWords();
    return ids[this.#at(i, 'index')];
  }

  /** Staged pair `i`, or `undefined`. */
  getStaged(i: number): BlockAssignment | undefined {
    const ids = this.#stagedIdWords();
    return pairAt(ids, this.#stagedHashWords(), this.#at(i, 'index'));
  }

  /** The id of staged pair `i`, or `undefined` (no allocation). */
  getStagedId(i: number): number | undefined {
    const ids = this.#stagedIdWords();
    return ids[this.#at(i, 'index')];
  }

  /** The assigned pair at absolute position `position`, or `undefined`. */
  getAtPosition(position: number): BlockAssignment | undefined {
    const ids = this.#assignedIdWords();
    const at = this.#at(position, 'position') - this.#offset;
    return at >= 0 ? pairAt(ids, this.#assignedHashWords(), at) : undefined;
  }

  /** The id assigned at absolute position `position`, or `undefined` (no allocation). */
  getIdAtPosition(position: number): number | undefined {
    const ids = this.#assignedIdWords();
    const at = this.#at(position, 'position') - this.#offset;
    return at >= 0 ? ids[at] : undefined;
  }

  /** The unassigned id that will land at absolute position `position`, or `undefined`. */
  getPendingAtPosition(position: number): number | undefined {
    const front = this.#frontWords();
    const at = this.#at(position, 'position') - (this.#offset + this.#assignedLen + this.#stagedLen);
    if (at < 0) return undefined;
    return at < front.length ? front[at] : this.#backWords()[at - front.length];
  }

  /** `offset .. offset + assignedCount`. */
  assignedPositions(): Range {
    if (!this.#layoutValid) this.#layout();
    const start = this.#offset;
    return { start, end: start + this.#assignedLen };
  }

  /** `offset + assignedCount .. nextPosition`. */
  stagedPositions(): Range {
    if (!this.#layoutValid) this.#layout();
    const start = this.#offset + this.#assignedLen;
    return { start, end: start + this.#stagedLen };
  }

  /** `nextPosition .. nextPosition + unassignedCount`. */
  pendingPositions(): Range {
    if (!this.#layoutValid) this.#layout();
    const start = this.#offset + this.#assignedLen + this.#stagedLen;
    return { start, end: start + this.#frontLen + this.#backLen };
  }

  /** Assigned ids, in order. */
  assignedBlockIds(): Uint32Array {
    check(exports().kv_asg_assigned_ids(this.index, this.generation));
    return outputU32();
  }

  /** Staged ids, in order. */
  stagedBlockIds(): Uint32Array {
    check(exports().kv_asg_staged_ids(this.index, this.generation));
    return outputU32();
  }

  /** Unassigned ids, in FIFO order. */
  unassignedBlockIds(): Uint32Array {
    check(exports().kv_asg_unassigned_ids(this.index, this.generation));
    return outputU32();
  }

  /** Assigned pairs, in order. */
  assigned(): BlockAssignment[] {
    check(exports().kv_asg_assigned_pairs(this.index, this.generation));
    return pairsFromOutput();
  }

  /** Staged pairs, in order. */
  staged(): BlockAssignment[] {
    check(exports().kv_asg_staged_pairs(this.index, this.generation));
    return pairsFromOutput();
  }

  /**
   * Takes `ids`, the full ordered list of ids allocated to this tier so far: known ids must
   * form a contiguous prefix and are skipped, the rest join the unassigned queue. Returns how
   * many were added. Throws `BlockSequenceError` (`OrderingViolation`, `DuplicateBlockId`)
   * and changes nothing where the list breaks the rules; the first problem in list order is
   * reported.
   */
  extendBlockIds(ids: readonly number[] | Uint32Array): number {
    const { index, generation } = this;
    const len = inputList(ids, 'ids', 'block ids (integers in 0..=4294967295)');
    this.changed();
    check(exports().kv_asg_extend_ids(index, generation, len));
    return ret(0);
  }

  /**
   * Appends pre-matched (id, hash) pairs (cache hits) to assigned; returns how many. An id
   * already present or repeated → `BlockSequenceError` (`DuplicateBlockId`), nothing changed.
   */
  extendAssigned(pairs: ReadonlyArray<readonly [number, SequenceHash]>): number {
    const { index, generation } = this;
    if (!Array.isArray(pairs)) throw new TypeError('pairs must be an Array of [blockId, SequenceHash]');
    if (pairs.length > MAX_ITEMS / 5) throw new RangeError(`pairs holds ${pairs.length} items; at most ${MAX_ITEMS / 5}`);
    // Five words per pair: the id, then the hash's four words.
    const words = new Uint32Array(pairs.length * 5);
    for (let i = 0; i < pairs.length; i++) {
      const pair: unknown = pairs[i];
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new TypeError(`pairs[${i}] must be a [blockId, SequenceHash] pair`);
      }
      words[i * 5] = integer(pair[0], `pairs[${i}][0]`);
      words.set(instance(pair[1], SequenceHash, `pairs[${i}][1]`).words(), i * 5 + 1);
    }
    inputU32(words);
    this.changed();
    check(exports().kv_asg_extend_assigned(index, generation, pairs.length));
    return ret(0);
  }

  private stage(blocks: unknown, commit: boolean, options: StageOptions | undefined): Range {
    const { index, generation } = this;
    const [sequence, start, end] = blocksOf(blocks, 'blocks');
    if (options !== undefined && (options === null || typeof options !== 'object')) throw new TypeError('options must be { strict? }');
    if (options?.strict) {
      const last = end === TO_END ? sequence.blockCount : end;
      if (last < this.nextPosition) {
        throw new RangeError(`blocks end at position ${last}, before nextPosition ${this.nextPosition}: nothing to stage`);
      }
    }
    const [seqIndex, seqGeneration] = sequence.handle();
    this.changed();
    const raw = exports();
    check(
      commit
        ? raw.kv_asg_assign(index, generation, seqIndex, seqGeneration, start, end)
        : raw.kv_asg_stage(index, generation, seqIndex, seqGeneration, start, end),
    );
    return { start: ret(0), end: ret(1) };
  }

  /**
   * Pairs unassigned ids (FIFO) with the blocks of `blocks` from entry `nextPosition` on, as
   * many as both allow, and stages them; returns the new staged indices. Each block must sit at
   * the position it is staged at, else `BlockSequenceError` (`PositionMismatch`) and nothing is
   * staged.
   */
  stagePending(blocks: BlocksLike, options?: StageOptions): Range {
    return this.stage(blocks, false, options);
  }

  /** Moves all staged pairs, in order, to assigned; returns the new assigned indices. */
  commitStaged(): Range {
    this.changed();
    check(exports().kv_asg_commit(this.index, this.generation));
    return { start: ret(0), end: ret(1) };
  }

  /** `stagePending` then `commitStaged`; returns the commit's range. */
  assignPending(blocks: BlocksLike, options?: StageOptions): Range {
    return this.stage(blocks, true, options);
  }

  /** Removes and returns all staged pairs, in order. */
  takeStaged(): BlockAssignment[] {
    this.changed();
    check(exports().kv_asg_take_staged(this.index, this.generation));
    return pairsFromOutput();
  }

  /** Empties all three collections; the offset (and the binding) stays. */
  clear(): void {
    this.changed();
    check(exports().kv_asg_clear(this.index, this.generation));
  }

  /**
   * The block size and salt of the first sequence this record staged from (it refuses blocks of
   * others with `BlockSequenceError` `BindingMismatch`), or `undefined` before any.
   */
  get binding(): { readonly blockSize: number; readonly saltHash: bigint } | undefined {
    check(exports().kv_asg_info(this.index, this.generation));
    if (ret(4) === 0) return undefined;
    return jsonReady({ blockSize: ret(5), saltHash: (BigInt(ret(7)) << 32n) | BigInt(ret(6)) });
  }

  /**
   * Drops the assigned and staged blocks at positions `>= position` — the rollback after
   * `truncate`/`unwind` of the sequence, a preemption or rejected speculative tokens — and
   * returns them in position order; unassigned ids stay queued, in order.
   */
  truncateFrom(position: number): BlockAssignment[] {
    const at = count(position, 'position');
    this.changed();
    check(exports().kv_asg_truncate_from(this.index, this.generation, Math.min(at, U32_MAX)));
    return pairsFromOutput();
  }

  /** The whole record (offset, binding, the three collections) as bytes; see {@link ExternalBlockAssignments.restore}. */
  snapshot(): Uint8Array {
    return snapshotBytes(this.index, this.generation);
  }

  /** A new record equal to the one `snapshot()` was taken of; `TypeError` for bytes that are not one. */
  static restore(bytes: Uint8Array): ExternalBlockAssignments {
    const words = snapshotWords(bytes, SnapshotKind.Assignments, 'ExternalBlockAssignments');
    const [index, generation] = restoreHandle(words);
    const record = new ExternalBlockAssignments(0);
    record.replaceHandle(index, generation);
    record.#offset = (words[3] as number) + (words[4] as number) * 2 ** 32;
    return record;
  }
}

/** The MurmurHash3 finaliser, as `crate/kvbm-sequence/src/collections/id_set.rs` hashes ids. */
function mix(id: number): number {
  let h = id ^ (id >>> 16);
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The pair at index `at` of `ids` and `hashes` (four words each), or `undefined` past the end. */
function pairAt(ids: Uint32Array, hashes: Uint32Array, at: number): BlockAssignment | undefined {
  const id = ids[at];
  if (id === undefined) return undefined;
  const h = 4 * at;
  return [id, SequenceHash.fromWords(hashes[h] as number, hashes[h + 1] as number, hashes[h + 2] as number, hashes[h + 3] as number)];
}

/** A view of the `len` words at word `at` of linear memory. */
function wordsAt(at: number, len: number): Uint32Array {
  return memoryWords().subarray(at, at + len);
}

/** The view of a collection with nothing to read. */
const NO_WORDS: Uint32Array = new Uint32Array(0);

/** Pairs from the output buffer: 5 words each (id, then the hash's words). */
function pairsFromOutput(): BlockAssignment[] {
  const w = outputU32();
  const out = new Array<BlockAssignment>(w.length / 5);
  for (let i = 0, k = 0; k < w.length; i++, k += 5) {
    out[i] = [w[k] as number, SequenceHash.fromWords(w[k + 1] as number, w[k + 2] as number, w[k + 3] as number, w[k + 4] as number)];
  }
  return out;
}
