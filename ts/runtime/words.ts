/**
 * 64-bit values and the module's 32-bit words: one place, one way — through one shared 8-byte
 * cell seen as a `BigUint64Array`, a `Float64Array` and two words, which makes one bigint where
 * shifting and or-ing two would make four, and moves an f64's bits without a `DataView`.
 *
 * Place: `ts/runtime/words.ts`.
 * @module
 */

const cell64 = new BigUint64Array(1);
const cellF64 = new Float64Array(cell64.buffer);
const cell32 = new Uint32Array(cell64.buffer);

/** The u64 whose low and high 32-bit words are `lo` and `hi`. */
export function joinWords(lo: number, hi: number): bigint {
  cell32[0] = lo;
  cell32[1] = hi;
  return cell64[0] as bigint;
}

/** Writes a u64 (a bigint the caller checked to be in range) at `out[at]`, `out[at + 1]`: low word first. */
export function putU64Words(out: Uint32Array, at: number, value: bigint): void {
  cell64[0] = value;
  out[at] = cell32[0] as number;
  out[at + 1] = cell32[1] as number;
}

/** Writes an f64's bits at `out[at]`, `out[at + 1]`: low word first. */
export function putF64Words(out: Uint32Array, at: number, value: number): void {
  cellF64[0] = value;
  out[at] = cell32[0] as number;
  out[at + 1] = cell32[1] as number;
}

/** The f64 whose bits are `words[at]` (low) and `words[at + 1]` (high). */
export function f64FromWords(words: Uint32Array, at: number): number {
  cell32[0] = words[at] as number;
  cell32[1] = words[at + 1] as number;
  return cellF64[0] as number;
}
