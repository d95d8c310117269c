/**
 * The 128-bit positional lineage hash (SPEC §1.1) as a JavaScript value.
 *
 * Place: `ts/core/sequence-hash.ts`.
 * @module
 */

import { check, exports, outputText, ret, ret4, ret64 } from '../runtime/wasm.js';
import { bytes, count, u64 } from '../runtime/validate.js';
import { kvbmObjectsCannotBeCloned_sendTheirDataInstead } from '../runtime/json.js';

const U128_MAX = (1n << 128n) - 1n;
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** A Base58 (Bitcoin alphabet) string's value. */
function base58(text: string): bigint {
  let v = 0n;
  for (const c of text) v = v * 58n + BigInt(BASE58.indexOf(c));
  return v;
}

/** Decoded fields, read from the module once per value. */
interface Parts {
  mode: number;
  position: number;
  currentHash: bigint;
  parentFragment: bigint;
}

/**
 * A block's lineage hash: its position, its 64-bit sequence hash and a fragment of its parent's.
 * An immutable value (not WASM-backed: nothing to free). Mirrors Rust's `SequenceHash`.
 */
export class SequenceHash {
  // The raw value as four 32-bit words, least significant first, kept as signed 32-bit
  // integers: V8 stores those inline (a word of 2^31 or more would be a heap number of its own,
  // up to four allocations per hash); read them back with `>>> 0`.
  readonly #w0: number;
  readonly #w1: number;
  readonly #w2: number;
  readonly #w3: number;
  #parts: Parts | undefined;

  /** @internal Makes `structuredClone` / `postMessage` throw rather than give `{}` (send `toString()`). */
  readonly cannotBeCloned = kvbmObjectsCannotBeCloned_sendTheirDataInstead;

  private constructor(w0: number, w1: number, w2: number, w3: number) {
    this.#w0 = w0 | 0;
    this.#w1 = w1 | 0;
    this.#w2 = w2 | 0;
    this.#w3 = w3 | 0;
  }

  /** @internal Wraps words the module produced (already valid). */
  static fromWords(w0: number, w1: number, w2: number, w3: number): SequenceHash {
    return new SequenceHash(w0, w1, w2, w3);
  }

  /** @internal Wraps return words `at .. at + 4`. */
  static fromRet(at: number): SequenceHash {
    const [w0, w1, w2, w3] = ret4(at);
    return new SequenceHash(w0, w1, w2, w3);
  }

  /**
   * The lineage hash of the block at `position` with sequence hash `currentHash` and parent
   * sequence hash `parentHash` (0 for block 0). Positions of 2^24 or more throw `RangeError`.
   */
  static fromParts(parts: { position: number; currentHash: bigint | number; parentHash?: bigint | number }): SequenceHash {
    if (typeof parts !== 'object' || parts === null) {
      throw new TypeError('SequenceHash.fromParts takes { position, currentHash, parentHash }');
    }
    const position = count(parts.position, 'position');
    const [cLo, cHi] = u64(parts.currentHash, 'currentHash');
    const [pLo, pHi] = u64(parts.parentHash ?? 0n, 'parentHash');
    check(exports().kv_lineage_new(cLo, cHi, pLo, pHi, position >>> 0, Math.floor(position / 2 ** 32)));
    return SequenceHash.fromRet(0);
  }

  /** Reads a raw 128-bit value; throws `RangeError` for one no lineage hash has. */
  static fromBigInt(value: bigint): SequenceHash {
    if (typeof value !== 'bigint') throw new TypeError(`value must be a bigint, got ${typeof value}`);
    if (value < 0n || value > U128_MAX) throw new RangeError('value must be in 0..=2^128-1');
    const word = (shift: bigint): number => Number((value >> shift) & 0xffff_ffffn);
    const h = new SequenceHash(word(0n), word(32n), word(64n), word(96n));
    h.parts(); // validates
    return h;
  }

  /** Reads the 16-byte big-endian form; throws `RangeError` for a value no lineage hash has. */
  static fromBytes(value: Uint8Array): SequenceHash {
    const b = bytes(value, 'bytes', 16);
    const view = new DataView(b.buffer, b.byteOffset, 16);
    const h = new SequenceHash(view.getUint32(12), view.getUint32(8), view.getUint32(4), view.getUint32(0));
    h.parts();
    return h;
  }

  private parts(): Parts {
    if (this.#parts === undefined) {
      check(exports().kv_lineage_parts(this.#w0, this.#w1, this.#w2, this.#w3));
      this.#parts = { mode: ret(0), position: ret(1), currentHash: ret64(2), parentFragment: ret64(4) };
    }
    return this.#parts;
  }

  /** The block's position in its sequence. */
  get position(): number {
    return this.parts().position;
  }

  /** The block's own 64-bit sequence hash. */
  get currentHash(): bigint {
    return this.parts().currentHash;
  }

  /** The low 54, 46 or 38 bits (by mode) of the parent's sequence hash; 0 for block 0. */
  get parentFragment(): bigint {
    return this.parts().parentFragment;
  }

  /** The encoding mode: 0 (position < 2^8), 1 (< 2^16) or 2 (< 2^24). */
  get mode(): number {
    return this.parts().mode;
  }

  /** @internal The four words, least significant first. */
  words(): [number, number, number, number] {
    return [this.#w0 >>> 0, this.#w1 >>> 0, this.#w2 >>> 0, this.#w3 >>> 0];
  }

  /** The raw 128-bit value. */
  toBigInt(): bigint {
    const [w0, w1, w2, w3] = this.words();
    return (BigInt(w3) << 96n) | (BigInt(w2) << 64n) | (BigInt(w1) << 32n) | BigInt(w0);
  }

  /** The 16-byte big-endian form. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(16);
    const view = new DataView(out.buffer);
    view.setUint32(0, this.#w3);
    view.setUint32(4, this.#w2);
    view.setUint32(8, this.#w1);
    view.setUint32(12, this.#w0);
    return out;
  }

  /** Whether `other` is the same value. */
  equals(other: SequenceHash): boolean {
    return (
      other instanceof SequenceHash && this.#w0 === other.#w0 && this.#w1 === other.#w1 && this.#w2 === other.#w2 && this.#w3 === other.#w3
    );
  }

  /** Order by position, then current hash, then raw value: negative, 0 or positive. */
  compare(other: SequenceHash): number {
    if (!(other instanceof SequenceHash)) throw new TypeError('other must be a SequenceHash');
    check(exports().kv_lineage_cmp(this.#w0, this.#w1, this.#w2, this.#w3, other.#w0, other.#w1, other.#w2, other.#w3));
    return ret(0) - 1;
  }

  /**
   * The lineage hash of a text form (`toString()`, Dynamo's Display; also what `JSON.stringify`
   * writes). `TypeError` for text that is not exactly the text form of a lineage hash.
   */
  static parse(text: string): SequenceHash {
    if (typeof text !== 'string') throw new TypeError('SequenceHash.parse takes a string');
    const m = /^(\d{1,8}):([1-9A-HJ-NP-Za-km-z]{1,16})(?::([1-9A-HJ-NP-Za-km-z]{1,16}))?$/.exec(text);
    const wrong = () => new TypeError(`not the text form of a lineage hash: ${JSON.stringify(text.slice(0, 60))}`);
    if (!m) throw wrong();
    const position = Number(m[1]);
    const current = base58(m[2] as string);
    const fragment = m[3] === undefined ? 0n : base58(m[3]);
    if (position >= 2 ** 24 || current > 0xffff_ffff_ffff_ffffn || fragment > 0xffff_ffff_ffff_ffffn) throw wrong();
    const h = SequenceHash.fromParts({ position, currentHash: current, parentHash: fragment });
    // The round trip rejects non-canonical text (leading ones, a fragment too wide, a missing one).
    if (h.toString() !== text) throw wrong();
    return h;
  }

  /** Dynamo's text form: `position:b58(current)`, plus `:b58(parentFragment)` past block 0. */
  toString(): string {
    check(exports().kv_lineage_to_string(this.#w0, this.#w1, this.#w2, this.#w3));
    return outputText();
  }

  /** Node's `util.inspect` (and so `console.log`) shows the text form. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SequenceHash(${this.toString()})`;
  }

  /** The text form, so that `JSON.stringify` gives something readable. */
  toJSON(): string {
    return this.toString();
  }
}
