/**
 * Stateless hashing (SPEC §1, §6.1): the fast path a router uses to name a prompt's blocks.
 *
 * Place: `ts/core/hash.ts`.
 * @module
 */

import { Flag } from '../runtime/protocol.generated.js';
import { check, exports, inputBytes, inputView, outputU64, ret64 } from '../runtime/wasm.js';
import { inputList, optionalString, u32, u64 } from '../runtime/validate.js';
import { utf8Encode } from '../runtime/utf8.js';

/** Dynamo's router options for {@link computeBlockHashes} and {@link computeSequenceHashes}. */
export interface RouterHashOptions {
  /**
   * Multimodal content, one entry per block: `null`/`undefined` for a block without multimodal
   * objects, else the `mm_hash` values (u64) of the objects that fall in it. They enter the
   * block's bytes sorted ascending, each as 8 little-endian bytes, after the token bytes.
   * Blocks past the end of the list have none.
   */
  readonly mmHashes?: ReadonlyArray<ReadonlyArray<bigint | number> | null | undefined>;
  /**
   * EAGLE speculative decoding: block k covers tokens `k·bs .. k·bs + bs + 1` (one token of
   * overlap with the next block); `(n − 1) / bs` blocks, rounded down.
   */
  readonly eagle?: boolean;
}

/** Words of the multimodal list: per block a count, then (low, high) per hash. */
function mmWords(mm: RouterHashOptions['mmHashes']): number[] {
  if (mm === undefined || mm === null) return [];
  if (!Array.isArray(mm)) throw new TypeError('options.mmHashes must be an Array (one entry per block)');
  const words: number[] = [];
  mm.forEach((entry: unknown, k: number) => {
    if (entry === null || entry === undefined) {
      words.push(0);
      return;
    }
    if (!Array.isArray(entry)) {
      throw new TypeError(`options.mmHashes[${k}] must be null or an Array of u64 values`);
    }
    words.push(entry.length);
    entry.forEach((h: unknown, j: number) => {
      const [lo, hi] = u64(h, `options.mmHashes[${k}][${j}]`);
      words.push(lo, hi);
    });
  });
  return words;
}

function hashes(
  tokens: readonly number[] | Uint32Array,
  blockSize: number,
  saltHash: bigint | number,
  chained: boolean,
  options: RouterHashOptions | undefined,
): BigUint64Array {
  const size = u32(blockSize, 'blockSize');
  if (size === 0) throw new RangeError('blockSize must be at least 1, got 0');
  const [lo, hi] = u64(saltHash, 'saltHash');
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError('options must be an object');
  }
  const eagle = options?.eagle ?? false;
  if (typeof eagle !== 'boolean') throw new TypeError('options.eagle must be a boolean');
  const mm = mmWords(options?.mmHashes);
  if (!eagle && mm.length === 0) {
    const len = inputList(tokens, 'tokens');
    const raw = exports();
    check(chained ? raw.kv_sequence_hashes(len, size, lo, hi) : raw.kv_block_hashes(len, size, lo, hi));
    return outputU64();
  }
  const len = inputList(tokens, 'tokens');
  // The multimodal words follow the tokens in the input buffer.
  const all = inputView(len + mm.length);
  all.set(mm, len);
  const raw = exports();
  const flag = eagle ? Flag.true : Flag.false;
  check(
    chained ? raw.kv_router_sequence_hashes(len, size, lo, hi, flag, mm.length) : raw.kv_router_hashes(len, size, lo, hi, flag, mm.length),
  );
  return outputU64();
}

/**
 * Block hashes of every complete block of `tokens`: XXH3-64 of each block's little-endian token
 * bytes, seeded with `saltHash` (default 0). The trailing partial block has no hash. With
 * `saltHash = computeSaltHash()` (1337) these are Dynamo's router hashes (`LocalBlockHash`);
 * `options` adds the router's multimodal and EAGLE rules.
 */
export function computeBlockHashes(
  tokens: readonly number[] | Uint32Array,
  blockSize: number,
  saltHash: bigint | number = 0n,
  options?: RouterHashOptions,
): BigUint64Array {
  return hashes(tokens, blockSize, saltHash, false, options);
}

/**
 * Sequence hashes (the chain) of every complete block of `tokens`, as Dynamo computes them:
 * block 0's is its block hash, block k's is `xxh3(LE64(seq[k-1]) ‖ LE64(blockHash[k]), 1337)`.
 * `options` as for {@link computeBlockHashes}.
 */
export function computeSequenceHashes(
  tokens: readonly number[] | Uint32Array,
  blockSize: number,
  saltHash: bigint | number = 0n,
  options?: RouterHashOptions,
): BigUint64Array {
  return hashes(tokens, blockSize, saltHash, true, options);
}

/** The options form of {@link computeSaltHash}. */
export interface SaltOptions {
  /** The cache namespace / salt string (Dynamo's `cache_namespace`, vLLM's `cache_salt`). */
  readonly salt?: string | undefined;
  /** The LoRA adapter's name. */
  readonly lora?: string | undefined;
}

/**
 * Dynamo's router salt: 1337, plus `xxh3(lora, seed 0)` for a non-empty LoRA name, plus
 * `xxh3(salt, seed 1)` for a non-empty salt, wrapping modulo 2^64. `computeSaltHash()` is 1337n.
 * Takes `({ salt, lora })` or, as before, `(salt, lora)`.
 */
export function computeSaltHash(options?: SaltOptions): bigint;
/** The positional form: `computeSaltHash(salt, lora)`. */
export function computeSaltHash(salt?: string, lora?: string): bigint;
export function computeSaltHash(first?: string | SaltOptions, second?: string): bigint {
  let salt: unknown = first;
  let lora: unknown = second;
  if (Array.isArray(first)) throw new TypeError('salt must be a string, or the options { salt, lora }; got an Array');
  if (first !== null && typeof first === 'object') {
    if (second !== undefined) throw new TypeError('computeSaltHash takes ({ salt, lora }) or (salt, lora), not both');
    salt = first.salt;
    lora = first.lora;
  }
  const s = utf8Encode(optionalString(salt, 'salt'));
  const l = utf8Encode(optionalString(lora, 'lora'));
  const both = new Uint8Array(s.length + l.length);
  both.set(s);
  both.set(l, s.length);
  inputBytes(both);
  check(exports().kv_salt_hash(s.length, l.length));
  return ret64(0);
}
