/**
 * The WebAssembly instance and the byte-level protocol of its exports (the contract is
 * `crate/kvbm-sequence-wasm/src/contract.rs`, generated as `./protocol.generated.ts`): loading,
 * the return area, the input and output buffers. Nothing here knows what a sequence is.
 *
 * Place: `ts/runtime/wasm.ts`.
 * @module
 */

import { errorFromStatus } from './errors.js';
import { RET_OUT_LEN, RET_OUT_PTR, RET_WORDS, type RawExports } from './protocol.generated.js';
export type { RawExports } from './protocol.generated.js';
import { HashArray } from './json.js';
import { utf8Decode } from './utf8.js';
import { joinWords } from './words.js';

let raw: RawExports | undefined;
let retBase = 0;
let u8 = new Uint8Array(0);
let u32 = new Uint32Array(0);
let u64 = new BigUint64Array(0);

/**
 * Re-creates the memory views after the memory has grown. Growing detaches the old buffer,
 * which leaves the old views with length 0; checking that is far cheaper than reading
 * `memory.buffer` (a call into the engine) on every access.
 */
function views(): void {
  // Checking the word view (the one reads index) lets V8 drop its own checks of that view from
  // the read that follows: a record's id read takes 2.2-2.4 ns instead of 3.0.
  if (u32.length === 0) {
    const buffer = (raw as RawExports).memory.buffer;
    u8 = new Uint8Array(buffer);
    u32 = new Uint32Array(buffer);
    u64 = new BigUint64Array(buffer);
  }
}

/** Adopts an instantiated module (a `WebAssembly.Instance`); later calls are no-ops. */
export function adopt(instance: object): void {
  if (raw) return;
  raw = (instance as { exports: unknown }).exports as RawExports;
  retBase = raw.kv_ret_ptr() >>> 2;
  views();
}

/** Whether a module has been adopted. */
export function isLoaded(): boolean {
  return raw !== undefined;
}

/** Loads the module on first use, where the entry can (it inlines the bytes). */
let lazyLoader: (() => void) | undefined;

/** @internal Sets what loads the module on first use. */
export function setLazyLoader(load: () => void): void {
  lazyLoader = load;
}

/**
 * The raw exports. Where the module is not loaded yet, the entry's lazy loader loads it (a
 * synchronous compile); where there is none, or the runtime refuses, this throws and says to
 * call `init()`.
 */
export function exports(): RawExports {
  if (raw === undefined) loadLazily();
  return raw as RawExports;
}

function loadLazily(): void {
  const notLoaded = 'kvbm-sequence: the WebAssembly module is not initialised: call `await init()` (or `initSync()`) first';
  if (lazyLoader === undefined) throw new Error(notLoaded);
  try {
    lazyLoader();
  } catch (cause) {
    throw new Error(`${notLoaded} (loading it synchronously on first use failed: ${String(cause)})`, { cause });
  }
}

/**
 * The whole linear memory as 32-bit words (the current view: valid until the memory grows),
 * for reading the module's data in place.
 */
export function memoryWords(): Uint32Array {
  views();
  return u32;
}

/** Throws the error a non-zero status stands for. */
export function check(status: number): void {
  if (status !== 0) throw errorFromStatus(status, retWords(), outputText());
}

/** Word `i` of the return area. */
export function ret(i: number): number {
  views();
  return u32[retBase + i] as number;
}

/** Words `i .. i + 4` of the return area (one view check for all four). */
export function ret4(i: number): [number, number, number, number] {
  views();
  const at = retBase + i;
  return [u32[at] as number, u32[at + 1] as number, u32[at + 2] as number, u32[at + 3] as number];
}

/** A 64-bit value from return words `i` (low) and `i + 1` (high). */
export function ret64(i: number): bigint {
  return joinWords(ret(i), ret(i + 1));
}

/** A copy of the 16 return words. */
export function retWords(): number[] {
  views();
  return Array.from(u32.subarray(retBase, retBase + RET_WORDS));
}

// The module's input buffer only grows, and moves only when `kv_input` grows it: so its
// address and size are remembered here, and small writes need no call to ask for room.
let inputAt = 0;
let inputWords = 0;

/** Reserves `words` 32-bit words of input; returns their index in the 32-bit view. */
function reserve(words: number): number {
  if (words > inputWords || inputAt === 0) {
    const ptr = exports().kv_input(words);
    if (ptr === 0) {
      throw new RangeError(`kvbm-sequence: out of WebAssembly memory for ${words} input words`);
    }
    inputAt = ptr >>> 2;
    inputWords = Math.max(words, 1);
  }
  views();
  return inputAt;
}

/** Copies a Uint32Array into the input buffer. */
export function inputU32(data: Uint32Array): void {
  const at = reserve(data.length);
  const n = data.length;
  // `set` has a fixed cost that a plain loop beats for the short lists of decode steps.
  if (n > 32) u32.set(data, at);
  else for (let i = 0; i < n; i++) u32[at + i] = data[i] as number;
}

/**
 * Fills the input buffer with `length` words computed by `word(i)`, which may throw (nothing
 * has then been handed to the module yet).
 */
export function inputWith(length: number, word: (i: number) => number): void {
  const at = reserve(length);
  const view = u32;
  for (let i = 0; i < length; i++) view[at + i] = word(i);
}

/**
 * Room for `words` 32-bit words in the input buffer, as a view to write into directly. Valid
 * only until the next call into the module.
 */
export function inputView(words: number): Uint32Array {
  const at = reserve(words);
  return u32.subarray(at, at + words);
}

/** Copies bytes into the input buffer (zero-padded to whole words). */
export function inputBytes(bytes: Uint8Array): void {
  const at = reserve(Math.ceil(bytes.length / 4));
  u8.set(bytes, at * 4);
}

// Copies out of wasm memory use `new` + `set` (a memcpy): `slice` on a view of the memory's
// buffer takes a path about ten times slower in V8.

/** A fresh copy of the output buffer, through `view`, whose elements are 2^shift bytes. */
function output<T extends Uint8Array | Uint32Array | BigUint64Array>(view: () => T, make: (n: number) => T, shift: number): T {
  views();
  const ptr = (u32[retBase + RET_OUT_PTR] as number) >>> shift;
  const len = (u32[retBase + RET_OUT_LEN] as number) >>> shift;
  const out = make(len);
  out.set(view().subarray(ptr, ptr + len) as never);
  return out;
}

function outputBytes(): Uint8Array {
  return output(
    () => u8,
    (n) => new Uint8Array(n),
    0,
  );
}

/** The output buffer as fresh bytes. */
export function outputBytesCopy(): Uint8Array {
  return outputBytes();
}

/**
 * Where the output buffer starts, as a word index into {@link memoryWords}, for reading it in
 * place — valid until the next call into the module.
 */
export function outputAt(): number {
  views();
  return (u32[retBase + RET_OUT_PTR] as number) >>> 2;
}

/** The output buffer as a fresh Uint32Array. */
export function outputU32(): Uint32Array {
  return output(
    () => u32,
    (n) => new Uint32Array(n),
    2,
  );
}

/** The output buffer's 32-bit words cut into fresh arrays of the given lengths (each owns its buffer). */
export function outputU32Parts(lengths: readonly number[]): Uint32Array[] {
  views();
  let at = (u32[retBase + RET_OUT_PTR] as number) >>> 2;
  return lengths.map((n) => {
    const part = new Uint32Array(n);
    part.set(u32.subarray(at, at + n));
    at += n;
    return part;
  });
}

/** The output buffer as a fresh plain BigUint64Array (for the facade's own use: no JSON form). */
export function outputU64Plain(): BigUint64Array {
  return output(
    () => u64,
    (n) => new BigUint64Array(n),
    3,
  );
}

/** The output buffer as a fresh BigUint64Array. */
export function outputU64(): BigUint64Array {
  return output(
    () => u64,
    (n) => new HashArray(n),
    3,
  );
}

/** The output buffer as UTF-8 text. */
export function outputText(): string {
  return utf8Decode(outputBytes());
}
