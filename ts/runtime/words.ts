/**
 * 64-bit integers from the module's 32-bit words: one place, one way — through a shared
 * `BigUint64Array` cell, which makes one bigint where shifting and or-ing two would make four.
 *
 * Place: `ts/runtime/words.ts`.
 * @module
 */

const cell64 = new BigUint64Array(1);
const cell32 = new Uint32Array(cell64.buffer);

/** The u64 whose low and high 32-bit words are `lo` and `hi`. */
export function joinWords(lo: number, hi: number): bigint {
  cell32[0] = lo;
  cell32[1] = hi;
  return cell64[0] as bigint;
}
