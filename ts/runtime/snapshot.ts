/**
 * Snapshots (the core crate's `snapshot` module: one format for every object, the index
 * included): an object as bytes, and a new object from them.
 *
 * Place: `ts/runtime/snapshot.ts`.
 * @module
 */

import { check, exports, inputView, outputU32, ret } from './wasm.js';

import { SNAPSHOT_MAGIC, SnapshotKind } from './protocol.generated.js';

export { SnapshotKind } from './protocol.generated.js';

/** A snapshot kind's value. */
export type SnapshotKindValue = (typeof SnapshotKind)[keyof typeof SnapshotKind];

/** The object behind a handle as snapshot bytes. */
export function snapshotBytes(index: number, generation: number): Uint8Array {
  check(exports().kv_snapshot(index, generation));
  const words = outputU32();
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
}

/** Checks `bytes` and returns its words; `TypeError` where they are not a snapshot of `kind`. */
export function snapshotWords(bytes: unknown, kind: SnapshotKindValue, what: string): Uint32Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`bytes must be a Uint8Array from ${what}.snapshot()`);
  if (bytes.length % 4 !== 0 || bytes.length < 12) throw new TypeError(`bytes are not a ${what} snapshot`);
  const words = new Uint32Array(bytes.slice().buffer);
  if (words[0] !== SNAPSHOT_MAGIC || words[2] !== kind) throw new TypeError(`bytes are not a ${what} snapshot`);
  return words;
}

/** Restores snapshot words into a new object: its handle. */
export function restoreHandle(words: Uint32Array): [number, number] {
  inputView(words.length).set(words);
  check(exports().kv_restore(words.length));
  return [ret(0), ret(1)];
}
