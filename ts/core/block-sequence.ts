/**
 * The block sequence (SPEC §2) and light slices of its complete blocks.
 *
 * Place: `ts/core/block-sequence.ts`.
 * @module
 */

import { WasmObject } from '../runtime/handle.js';
import { SequenceHash } from './sequence-hash.js';
import { count, inputList, instance, u32, u64 } from '../runtime/validate.js';
import { jsonReady } from '../runtime/json.js';
import { TO_END } from '../runtime/protocol.generated.js';
import { check, exports, outputU32, outputU64, ret, ret64 } from '../runtime/wasm.js';
import { SnapshotKind, snapshotBytes, snapshotWords } from '../runtime/snapshot.js';
import { joinWords } from '../runtime/words.js';

/** A half-open range `[start, end)` of indices or positions. */
export interface Range {
  /** First index in the range. */
  readonly start: number;
  /** One past the last index. */
  readonly end: number;
}

/** One complete block, as {@link BlockSequence.block} returns it. */
export interface BlockInfo {
  /** The block's position (= its index). */
  readonly position: number;
  /** A copy of the block's tokens. */
  readonly tokens: Uint32Array;
  /** XXH3 of the block's tokens, seeded with the salt. */
  readonly blockHash: bigint;
  /** The chained hash naming the prefix up to this block. */
  readonly sequenceHash: bigint;
  /** The 128-bit lineage hash. */
  readonly lineageHash: SequenceHash;
}

/** Sentinel for "to the sequence's end" in the ABI. */

/**
 * A token sequence cut into blocks of `blockSize` tokens, each complete block hashed once; the
 * remainder is the partial block. Lives in WebAssembly memory: `free()` it (or `using`), or let
 * the garbage collector do so.
 */
export class BlockSequence extends WasmObject {
  readonly #blockSize: number;

  /**
   * @param tokens token ids (u32), as an Array or a Uint32Array
   * @param blockSize tokens per block, at least 1
   * @param saltHash the salt hash (u64, bigint or safe integer); 0 by default. Use
   *   `computeSaltHash()` (1337n) to match Dynamo's router.
   */
  constructor(tokens: readonly number[] | Uint32Array, blockSize: number, saltHash: bigint | number = 0n) {
    super();
    const size = u32(blockSize, 'blockSize');
    if (size === 0) throw new RangeError('blockSize must be at least 1, got 0');
    const [lo, hi] = u64(saltHash, 'saltHash');
    const len = inputList(tokens, 'tokens');
    check(exports().kv_seq_new(len, size, lo, hi));
    this.adoptHandle(ret(0), ret(1));
    this.#blockSize = size;
  }
  /** @internal */
  protected override summary(): Record<string, unknown> {
    return { blockSize: this.blockSize, totalTokens: this.totalTokens, blockCount: this.blockCount, saltHash: this.saltHash };
  }

  /** Iterates the complete blocks, in position order. */
  *[Symbol.iterator](): IterableIterator<BlockInfo> {
    for (let i = 0; i < this.blockCount; i++) yield this.block(i) as BlockInfo;
  }

  private info(word: number): number {
    check(exports().kv_seq_info(this.index, this.generation));
    return ret(word);
  }

  /** Tokens per block. */
  get blockSize(): number {
    void this.index; // throws where freed
    return this.#blockSize;
  }

  /** Number of tokens (complete blocks and partial block). */
  get totalTokens(): number {
    return this.info(1);
  }

  /** Number of complete blocks. */
  get blockCount(): number {
    return this.info(2);
  }

  /** The salt hash the blocks are hashed with. */
  get saltHash(): bigint {
    check(exports().kv_seq_info(this.index, this.generation));
    return ret64(4);
  }

  /** Appends `tokens`; returns the range of blocks they completed, or `undefined` (none). */
  extendTokens(tokens: readonly number[] | Uint32Array): Range | undefined {
    const { index, generation } = this;
    const len = inputList(tokens, 'tokens');
    check(exports().kv_seq_extend(index, generation, len));
    return ret(0) === 1 ? { start: ret(1), end: ret(2) } : undefined;
  }

  /** Appends one token; returns the index of the block it completed, or `undefined` (none). */
  appendToken(token: number): number | undefined {
    const t = u32(token, 'token');
    check(exports().kv_seq_append(this.index, this.generation, t));
    return ret(0) === 1 ? ret(1) : undefined;
  }

  /**
   * Keeps the first `len` tokens (a no-op when `len >= totalTokens`); blocks that lose tokens
   * are removed and their survivors become the partial block.
   */
  truncate(len: number): void {
    const n = Math.min(count(len, 'len'), 0xffff_ffff);
    check(exports().kv_seq_truncate(this.index, this.generation, n));
  }

  /**
   * Removes the last `count` tokens; throws `BlockSequenceError` (kind `TokenExtension`, reason
   * `InsufficientTokens`) and changes nothing when there are fewer.
   */
  unwind(tokens: number): void {
    // No sequence holds 2^32 tokens, so larger counts fail just as 2^32 - 1 does.
    const n = Math.min(count(tokens, 'count'), 0xffff_ffff);
    check(exports().kv_seq_unwind(this.index, this.generation, n));
  }

  /** Removes and returns the last token, or `undefined` for an empty sequence. */
  pop(): number | undefined {
    check(exports().kv_seq_pop(this.index, this.generation));
    return ret(0) === 1 ? ret(1) : undefined;
  }

  /** @internal Block hashes (`chained` false) or sequence hashes (true) of blocks `[start, end)`. */
  hashesOf(chained: boolean, start: number, end: number): BigUint64Array {
    const raw = exports();
    const { index, generation } = this;
    check(chained ? raw.kv_seq_sequence_hashes(index, generation, start, end) : raw.kv_seq_block_hashes(index, generation, start, end));
    return outputU64();
  }

  /** Block hashes of all complete blocks. */
  blockHashes(): BigUint64Array {
    return this.hashesOf(false, 0, TO_END);
  }

  /** Sequence hashes of all complete blocks. */
  sequenceHashes(): BigUint64Array {
    return this.hashesOf(true, 0, TO_END);
  }

  /** Lineage hashes of all complete blocks. */
  allSequenceHashes(): SequenceHash[] {
    return this.lineagesOf(0, TO_END);
  }

  /** @internal Lineage hashes of blocks `[start, end)`. */
  lineagesOf(start: number, end: number): SequenceHash[] {
    check(exports().kv_seq_lineage_hashes(this.index, this.generation, start, end));
    return lineageList(outputU32());
  }

  /** Complete block `i`, or `undefined` past the last one. */
  block(i: number): BlockInfo | undefined {
    const at = count(i, 'index');
    if (at > 0xffff_ffff) return undefined;
    check(exports().kv_seq_block(this.index, this.generation, at));
    if (ret(0) !== 1) return undefined;
    return jsonReady({
      position: ret(1),
      blockHash: ret64(2),
      sequenceHash: ret64(4),
      lineageHash: SequenceHash.fromRet(6),
      tokens: outputU32(),
    });
  }

  /** A copy of the partial block's tokens (fewer than `blockSize`). */
  partialTokens(): Uint32Array {
    check(exports().kv_seq_partial(this.index, this.generation));
    return outputU32();
  }

  /**
   * A light view of complete blocks `[start, end)`, like `&blocks[start..end]` in Rust: its
   * entry i is block `start + i`. Throws `RangeError` outside `0 ..= blockCount`.
   */
  slice(start = 0, end?: number): BlockSequenceSlice {
    const blocks = this.blockCount;
    const s = count(start, 'start');
    const e = end === undefined ? blocks : count(end, 'end');
    if (s > e || e > blocks) {
      throw new RangeError(`slice ${s}..${e} is outside the sequence's ${blocks} complete blocks`);
    }
    return new BlockSequenceSlice(this, s, e);
  }

  /** The sequence (block size, salt, tokens) as bytes; see {@link BlockSequence.restore}. */
  snapshot(): Uint8Array {
    return snapshotBytes(this.index, this.generation);
  }

  /** A new sequence equal to the one `snapshot()` was taken of (its hashes recomputed, identical). */
  static restore(bytes: Uint8Array): BlockSequence {
    const words = snapshotWords(bytes, SnapshotKind.Sequence, 'BlockSequence');
    if (words.length < 7 || words.length !== 7 + (words[6] as number)) throw new TypeError('bytes are not a BlockSequence snapshot');
    const salt = joinWords(words[4] as number, words[5] as number);
    return new BlockSequence(words.subarray(7), words[3] as number, salt);
  }
}

/**
 * Complete blocks `[start, end)` of a {@link BlockSequence}, without a copy. Wherever a sequence
 * is taken, a slice is taken too. The slice reads the sequence when used: where the sequence
 * has since lost blocks of the slice, using it throws `RangeError`.
 */
export class BlockSequenceSlice {
  /** The sequence viewed. */
  readonly sequence: BlockSequence;
  /** First block of the view. */
  readonly start: number;
  /** One past the last block of the view. */
  readonly end: number;

  /** @internal Use {@link BlockSequence.slice}. */
  constructor(sequence: BlockSequence, start: number, end: number) {
    this.sequence = sequence;
    this.start = start;
    this.end = end;
  }

  /** Number of blocks in the view. */
  get length(): number {
    return this.end - this.start;
  }

  /** Block hashes of the view's blocks. */
  blockHashes(): BigUint64Array {
    return this.sequence.hashesOf(false, this.start, this.end);
  }

  /** Sequence hashes of the view's blocks. */
  sequenceHashes(): BigUint64Array {
    return this.sequence.hashesOf(true, this.start, this.end);
  }

  /** Lineage hashes of the view's blocks. */
  allSequenceHashes(): SequenceHash[] {
    return this.sequence.lineagesOf(this.start, this.end);
  }
}

/** A sequence or a slice of one: what staging takes. */
export type BlocksLike = BlockSequence | BlockSequenceSlice;

/** @internal The sequence and block range behind a {@link BlocksLike}. */
export function blocksOf(value: unknown, name: string): [BlockSequence, number, number] {
  if (value instanceof BlockSequenceSlice) return [value.sequence, value.start, value.end];
  return [instance(value, BlockSequence, name), 0, TO_END];
}

/** @internal Lineage hashes from pairs of 64-bit halves read as 32-bit words. */
function lineageList(words: Uint32Array): SequenceHash[] {
  const out = new Array<SequenceHash>(words.length >>> 2);
  for (let i = 0, w = 0; w < words.length; i++, w += 4) {
    out[i] = SequenceHash.fromWords(words[w] as number, words[w + 1] as number, words[w + 2] as number, words[w + 3] as number);
  }
  return out;
}
