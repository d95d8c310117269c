/**
 * Stateless hashing (SPEC §1): the fast path a router uses to name a prompt's blocks.
 * @module
 */

import { check, exports, inputBytes, outputU64, ret64 } from './wasm.js';
import { inputList, optionalString, u32, u64 } from './validate.js';

function hashes(tokens: readonly number[] | Uint32Array, blockSize: number, saltHash: bigint | number, which: number): BigUint64Array {
  const size = u32(blockSize, 'blockSize');
  if (size === 0) throw new RangeError('blockSize must be at least 1, got 0');
  const [lo, hi] = u64(saltHash, 'saltHash');
  const len = inputList(tokens, 'tokens');
  check(exports().kv_compute_hashes(len, size, lo, hi, which));
  return outputU64();
}

/**
 * Block hashes of every complete block of `tokens`: XXH3-64 of each block's little-endian token
 * bytes, seeded with `saltHash` (default 0). The trailing partial block has no hash.
 */
export function computeBlockHashes(
  tokens: readonly number[] | Uint32Array,
  blockSize: number,
  saltHash: bigint | number = 0n,
): BigUint64Array {
  return hashes(tokens, blockSize, saltHash, 0);
}

/**
 * Sequence hashes (the chain) of every complete block of `tokens`, as Dynamo computes them:
 * block 0's is its block hash, block k's is `xxh3(LE64(seq[k-1]) ‖ LE64(blockHash[k]), 1337)`.
 */
export function computeSequenceHashes(
  tokens: readonly number[] | Uint32Array,
  blockSize: number,
  saltHash: bigint | number = 0n,
): BigUint64Array {
  return hashes(tokens, blockSize, saltHash, 1);
}

/**
 * Dynamo's router salt: 1337, plus `xxh3(lora, seed 0)` for a non-empty LoRA name, plus
 * `xxh3(salt, seed 1)` for a non-empty salt, wrapping modulo 2^64. `computeSaltHash()` is 1337n.
 */
export function computeSaltHash(salt?: string, lora?: string): bigint {
  const encoder = new TextEncoder();
  const s = encoder.encode(optionalString(salt, 'salt'));
  const l = encoder.encode(optionalString(lora, 'lora'));
  const both = new Uint8Array(s.length + l.length);
  both.set(s);
  both.set(l, s.length);
  inputBytes(both);
  check(exports().kv_salt_hash(s.length, l.length));
  return ret64(0);
}
