/**
 * Snapshots (the crate's `snapshot` module): an object as bytes, and a new object from them.
 * @module
 */

import { check, exports, inputView, outputU32, ret } from './wasm.js';

/** What a snapshot holds (its third word). */
export const enum SnapshotKind {
  Sequence = 1,
  Assignments = 2,
  Pool = 3,
}

const MAGIC = 0x4e53564b;

/** The object behind a handle as snapshot bytes. */
export function snapshotBytes(index: number, generation: number): Uint8Array {
  check(exports().kv_snapshot(index, generation));
  const words = outputU32();
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
}

/** Checks `bytes` and returns its words; `TypeError` where they are not a snapshot of `kind`. */
export function snapshotWords(bytes: unknown, kind: SnapshotKind, what: string): Uint32Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`bytes must be a Uint8Array from ${what}.snapshot()`);
  if (bytes.length % 4 !== 0 || bytes.length < 12) throw new TypeError(`bytes are not a ${what} snapshot`);
  const words = new Uint32Array(bytes.slice().buffer);
  if (words[0] !== MAGIC || words[2] !== kind) throw new TypeError(`bytes are not a ${what} snapshot`);
  return words;
}

/** Restores snapshot words into a new object: its handle. */
export function restoreHandle(words: Uint32Array): [number, number] {
  inputView(words.length).set(words);
  check(exports().kv_restore(words.length));
  return [ret(0), ret(1)];
}
