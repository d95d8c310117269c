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

/**
 * The SPEC §1 chain over given hashes: the first as it is, then
 * `xxh3(LE64(previous) ‖ LE64(hash), 1337)`. Needs seed 1337 prepared.
 */
export function chainOf(hashes: bigint[]): bigint[] {
  const out: bigint[] = [];
  for (const h of hashes) {
    if (out.length === 0) {
      out.push(h);
      continue;
    }
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, out[out.length - 1] as bigint, true);
    v.setBigUint64(8, h, true);
    out.push(xxh3(b, 1337n));
  }
  return out;
}
