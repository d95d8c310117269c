/**
 * Argument checks: every value crosses into WebAssembly only after it is known to be what the
 * export takes. Wrong types throw `TypeError`, wrong values `RangeError`, naming the argument.
 *
 * Place: `ts/runtime/validate.ts`.
 * @module
 */

import { inputU32, inputView, inputWith } from './wasm.js';
import { joinWords, putU64Words } from './words.js';

/** Largest u32. */
export const U32_MAX = 0xffff_ffff;
/** Largest u64. */
export const U64_MAX = 0xffff_ffff_ffff_ffffn;
/** Most tokens or ids one call takes (1 GiB of WebAssembly memory as 32-bit words). */
export const MAX_ITEMS = 2 ** 28;

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an Array of length ${value.length}`;
  if (typeof value === 'object') return `a ${(value as object).constructor?.name ?? 'object'}`;
  return String(value);
}

/** `value` as an integer in `0 ..= max`. */
export function integer(value: unknown, name: string, max: number = U32_MAX): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be a number (an integer in 0..=${max}), got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer in 0..=${max}, got ${describe(value)}`);
  }
  return value;
}

/** `value` as a u32 (token, block id, block size). */
export function u32(value: unknown, name: string): number {
  return integer(value, name, U32_MAX);
}

/** `value` as a non-negative safe integer (an index or a length that may exceed u32). */
export function count(value: unknown, name: string): number {
  return integer(value, name, Number.MAX_SAFE_INTEGER);
}

/** A u64 as its low and high 32-bit halves; takes a bigint or a safe integer. */
export function u64(value: unknown, name: string): [number, number] {
  if (typeof value === 'bigint') {
    if (value < 0n || value > U64_MAX) {
      throw new RangeError(`${name} must be in 0..=2^64-1, got ${describe(value)}`);
    }
    return [Number(value & 0xffff_ffffn), Number(value >> 32n)];
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`${name} must be a bigint in 0..=2^64-1 or a non-negative safe integer, got ${describe(value)}`);
    }
    return [value >>> 0, Math.floor(value / 2 ** 32)];
  }
  throw new TypeError(`${name} must be a bigint or a number, got ${describe(value)}`);
}

/**
 * Writes `value` at `out[at]`, `out[at + 1]` (low, high word) where it is a bigint in
 * 0..=2^64-1 and returns true; returns false for anything else, which the caller then passes to
 * {@link u64} (a safe integer, or the error naming the field). No bigint arithmetic and no name
 * is made on the way: this is the path of every hash in an event stream.
 */
export function putBigU64(out: Uint32Array, at: number, value: unknown): boolean {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) return false;
  putU64Words(out, at, value);
  return true;
}

/** Writes a u64 (a bigint or a safe integer) at `out[at]` as two words; `name()` names it in the error. */
export function putU64(out: Uint32Array, at: number, value: unknown, name: () => string): void {
  if (putBigU64(out, at, value)) return;
  const [lo, hi] = u64(value, name());
  out[at] = lo;
  out[at + 1] = hi;
}

/** {@link u64} as a bigint. */
export function bigU64(value: unknown, name: string): bigint {
  const [lo, hi] = u64(value, name);
  return joinWords(lo, hi);
}

/** Throws unless `value` is an Array or a Uint32Array of acceptable length; returns its length. */
function listLength(value: unknown, name: string, unit: string): number {
  if (!(value instanceof Uint32Array) && !Array.isArray(value)) {
    throw new TypeError(`${name} must be an Array of ${unit} or a Uint32Array, got ${describe(value)}`);
  }
  if (value.length > MAX_ITEMS) {
    throw new RangeError(`${name} holds ${value.length} items; one call takes at most ${MAX_ITEMS}`);
  }
  return value.length;
}

/**
 * Validates a list of u32 values (tokens or block ids: an Array of integers or a Uint32Array)
 * and copies it into the module's input buffer. Returns its length.
 */
export function inputList(value: unknown, name: string, unit = 'integers in 0..=4294967295'): number {
  const length = listLength(value, name, unit);
  if (value instanceof Uint32Array) {
    inputU32(value);
    return length;
  }
  const array = value as readonly unknown[];
  inputWith(length, (i) => {
    const item = array[i];
    // Fast path for the common case; the full check (with its message) otherwise.
    if (typeof item === 'number' && item >>> 0 === item) return item;
    return u32(item, `${name}[${i}]`);
  });
  return length;
}

/** Throws unless `value` is a Uint8Array of `length` bytes. */
export function bytes(value: unknown, name: string, length: number): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${name} must be a Uint8Array of ${length} bytes, got ${describe(value)}`);
  }
  if (value.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes long, got ${value.length}`);
  }
  return value;
}

/** Throws unless `value` is undefined or a string. */
export function optionalString(value: unknown, name: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') {
    throw new TypeError(`${name} must be a string or undefined, got ${describe(value)}`);
  }
  return value;
}

/** Throws unless `value` is an instance of `type`. */
export function instance<T>(value: unknown, type: { prototype: T; name: string }, name: string): T {
  if (!(value instanceof (type as unknown as abstract new () => T))) {
    throw new TypeError(`${name} must be a ${type.name} of this module instance, got ${describe(value)}`);
  }
  return value;
}

/**
 * Copies a list of u64 hashes (an Array of bigint/number, or a BigUint64Array) into the input
 * buffer as (low, high) words; returns the word count.
 */
export function inputHashes(value: unknown, name: string): number {
  if (!(value instanceof BigUint64Array) && !Array.isArray(value)) {
    const what = value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
    throw new TypeError(`${name} must be an Array of u64 values or a BigUint64Array, got ${what}`);
  }
  const out = inputView(value.length * 2);
  if (value instanceof BigUint64Array) {
    // Its bytes are already (low, high) word pairs on little-endian engines: copy them as they are.
    out.set(new Uint32Array(value.buffer, value.byteOffset, value.length * 2));
  } else {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (!putBigU64(out, 2 * i, item)) putU64(out, 2 * i, item, () => `${name}[${i}]`);
    }
  }
  return value.length * 2;
}
