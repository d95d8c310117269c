/**
 * Values that travel: `JSON.stringify` works on what the API returns (64-bit integers as
 * decimal strings, typed arrays as arrays, a `SequenceHash` as its text form), and helpers turn
 * hash arrays into strings and back.
 *
 * Place: `ts/runtime/json.ts`.
 * @module
 */

/** A `BigUint64Array` of hashes whose JSON form is an array of decimal strings. */
export class HashArray extends BigUint64Array {
  /** The hashes as decimal strings (what `JSON.stringify` writes). */
  toJSON(): string[] {
    return hashesToStrings(this);
  }
}

/** The JSON form of a value: bigints as decimal strings, typed arrays as arrays, recursively. */
export function toJSONValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return value;
  const custom = (value as { toJSON?: unknown }).toJSON;
  if (typeof custom === 'function' && custom !== jsonOfThis) return (custom as () => unknown).call(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? v.toString() : v));
  }
  if (Array.isArray(value)) return value.map(toJSONValue);
  if (value instanceof Map) return [...value].map(toJSONValue);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJSONValue(v);
  return out;
}

function jsonOfThis(this: unknown): unknown {
  return toJSONValue(this);
}

/**
 * Base of result records made in numbers (a query's scores): their prototype carries the
 * non-enumerable `toJSON` that {@link jsonReady} gives a single object, so making one costs
 * nothing more than a plain object.
 */
export class JsonRecord {}
Object.defineProperty(JsonRecord.prototype, 'toJSON', { value: jsonOfThis, configurable: true, writable: true });

/**
 * Gives an object (and, for an array, each object in it) a non-enumerable `toJSON`, so that
 * `JSON.stringify` writes its bigints as decimal strings and its typed arrays as arrays; returns
 * it. The API's results come this way; `structuredClone` ignores the method.
 */
export function jsonReady<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.defineProperty(value, 'toJSON', { value: jsonOfThis, configurable: true, writable: true });
    if (Array.isArray(value)) for (const v of value) if (typeof v === 'object' && v !== null && !('toJSON' in v)) jsonReady(v);
  }
  return value;
}

/** Hashes (or any 64-bit integers) as decimal strings. */
export function hashesToStrings(hashes: Iterable<bigint> | ArrayLike<bigint>): string[] {
  return Array.from(hashes as ArrayLike<bigint>, (h) => h.toString());
}

/** Decimal strings (as {@link hashesToStrings} writes) back to a `BigUint64Array`; `RangeError` for one that is not a u64. */
export function hashesFromStrings(texts: readonly string[]): BigUint64Array {
  if (!Array.isArray(texts)) throw new TypeError('hashesFromStrings takes an array of decimal strings');
  const out = new HashArray(texts.length);
  texts.forEach((t, i) => {
    if (typeof t !== 'string' || !/^(0|[1-9]\d{0,19})$/.test(t) || BigInt(t) > 0xffff_ffff_ffff_ffffn) {
      throw new RangeError(`hashesFromStrings: element ${i} is not a u64 in decimal: ${JSON.stringify(String(t).slice(0, 40))}`);
    }
    out[i] = BigInt(t);
  });
  return out;
}

/** Hashes as 16-digit lowercase hex strings (big-endian digits, zero-padded). */
export function hashesToHex(hashes: Iterable<bigint> | ArrayLike<bigint>): string[] {
  return Array.from(hashes as ArrayLike<bigint>, (h) => h.toString(16).padStart(16, '0'));
}

/** Hex strings (1–16 digits, any case, optional `0x`) back to a `BigUint64Array`; `RangeError` for one that is not. */
export function hashesFromHex(texts: readonly string[]): BigUint64Array {
  if (!Array.isArray(texts)) throw new TypeError('hashesFromHex takes an array of hex strings');
  const out = new HashArray(texts.length);
  texts.forEach((t, i) => {
    const m = typeof t === 'string' ? /^(?:0x)?([0-9a-fA-F]{1,16})$/.exec(t) : null;
    if (!m) throw new RangeError(`hashesFromHex: element ${i} is not 1-16 hex digits: ${JSON.stringify(String(t).slice(0, 40))}`);
    out[i] = BigInt(`0x${m[1]}`);
  });
  return out;
}

/**
 * The value of an own enumerable property that objects living in WebAssembly memory carry, so
 * that `structuredClone` and `postMessage` throw a `DataCloneError` naming it instead of
 * silently giving `{}`. Send the data instead (`toJSON()`, `snapshot()`, hashes as arrays).
 * @internal
 */
export function kvbmObjectsCannotBeCloned_sendTheirDataInstead(): never {
  throw new TypeError('not callable');
}
