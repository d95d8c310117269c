// XXH3-64 from an independent implementation (hash-wasm), synchronous once created: the oracle
// the tests compare the library with. One hasher per seed, created on first use.
import { createXXHash3, type IHasher } from 'hash-wasm';

const hashers = new Map<bigint, IHasher>();

/** Prepares hashers for `seeds` (hash-wasm creates them asynchronously). */
export async function prepareXxh3(...seeds: bigint[]): Promise<void> {
  for (const seed of seeds) {
    if (!hashers.has(seed)) {
      hashers.set(seed, await createXXHash3(Number(seed & 0xffffffffn), Number(seed >> 32n)));
    }
  }
}

/** XXH3-64 of `bytes` with a seed prepared by {@link prepareXxh3}. */
export function xxh3(bytes: Uint8Array, seed: bigint): bigint {
  const hasher = hashers.get(seed);
  if (!hasher) throw new Error(`seed ${seed} not prepared`);
  hasher.init();
  hasher.update(bytes);
  return BigInt(`0x${hasher.digest('hex')}`);
}
