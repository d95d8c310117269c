// Reference model of SPEC §1, sharing no code with the crate. XXH3 comes from an independent
// implementation (hash-wasm), passed in as `Xxh3`.

/** XXH3-64 of `bytes` with `seed`. */
export type Xxh3 = (bytes: Uint8Array, seed: bigint) => bigint;

const MASK64 = (1n << 64n) - 1n;

/** Little-endian bytes of u32 tokens. */
export function tokenBytes(tokens: readonly number[]): Uint8Array {
  const out = new Uint8Array(tokens.length * 4);
  const view = new DataView(out.buffer);
  tokens.forEach((t, i) => view.setUint32(i * 4, t, true));
  return out;
}

/** `seq[k] = xxh3(LE64(parent) ‖ LE64(block), 1337)`. */
export function chain(xxh3: Xxh3, parent: bigint, block: bigint): bigint {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, parent, true);
  view.setBigUint64(8, block, true);
  return xxh3(bytes, 1337n);
}

/** The 128-bit lineage hash of SPEC §1.1. */
export function lineage(position: number, current: bigint, parent: bigint): bigint {
  let mode: bigint;
  let p: bigint;
  if (position < 2 ** 8) [mode, p] = [0n, 8n];
  else if (position < 2 ** 16) [mode, p] = [1n, 16n];
  else if (position < 2 ** 24) [mode, p] = [2n, 24n];
  else throw new Error('position overflow');
  const r = 128n - 2n - 64n - p;
  const fragment = parent & ((1n << r) - 1n);
  return (mode << 126n) | (BigInt(position) << (64n + r)) | ((current & MASK64) << r) | fragment;
}

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Base58 of the 8 big-endian bytes of `x`, each leading zero byte as '1'. */
export function base58(x: bigint): string {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, x);
  let zeros = 0;
  while (zeros < 8 && bytes[zeros] === 0) zeros++;
  let digits = '';
  for (let v = x; v > 0n; v /= 58n) digits = ALPHABET[Number(v % 58n)] + digits;
  return '1'.repeat(zeros) + digits;
}

/** Dynamo's text form of a lineage hash given its parts. */
export function lineageText(position: number, current: bigint, parent: bigint): string {
  if (position === 0) return `0:${base58(current)}`;
  const r = position < 2 ** 8 ? 54n : position < 2 ** 16 ? 46n : 38n;
  return `${position}:${base58(current)}:${base58(parent & ((1n << r) - 1n))}`;
}
