/**
 * Other engines' block hashes as named profiles (vLLM's CBOR hashes, SGLang's page hash,
 * llm-d's block key), so a router can name blocks the way an engine's KV events do.
 *
 * Place: `ts/router/profiles.ts`.
 * @module
 */

import { HashArray, jsonReady } from '../runtime/json.js';
import { inputList, u32, u64 } from '../runtime/validate.js';
import { EngineProfile as EngineProfileCode, ExtraKeyKind, NULL_COUNT } from '../runtime/protocol.generated.js';
import { check, exports, inputView, outputBytesCopy } from '../runtime/wasm.js';
import { utf8Encode } from '../runtime/utf8.js';

/** The engines' hash schemes; see {@link computeEngineHashes}. */
export type EngineProfile = 'vllm-sha256' | 'vllm-xxhash' | 'vllm-sha256-cbor' | 'vllm-xxhash-cbor' | 'sglang' | 'llm-d';

const PROFILES: Record<EngineProfile, { code: number; bytes: number }> = {
  'vllm-sha256': { code: EngineProfileCode['vllm-sha256'], bytes: 32 },
  'vllm-xxhash': { code: EngineProfileCode['vllm-xxhash'], bytes: 16 },
  'vllm-sha256-cbor': { code: EngineProfileCode['vllm-sha256-cbor'], bytes: 32 },
  'vllm-xxhash-cbor': { code: EngineProfileCode['vllm-xxhash-cbor'], bytes: 16 },
  sglang: { code: EngineProfileCode.sglang, bytes: 32 },
  'llm-d': { code: EngineProfileCode['llm-d'], bytes: 8 },
};

/** What a profile takes besides the tokens. */
export interface EngineHashOptions {
  /**
   * vLLM: the engine's `PYTHONHASHSEED` (its `NONE_HASH` is the digest of this string, pickled
   * or as CBOR text per profile; vLLM without the variable draws a random root, which no one
   * else can reproduce).
   * llm-d: its `hashSeed`. Default `''`.
   */
  readonly seed?: string;
  /** llm-d: the model name the chain is rooted at. Default `''`. */
  readonly modelName?: string;
  /** Continue from this parent digest (the profile's digest length; llm-d also takes a bigint) instead of the root. */
  readonly parent?: Uint8Array | bigint;
  /**
   * vLLM: per block, its `extra_keys` tuple (LoRA name, cache salt, multimodal items…) as
   * strings, integers (64-bit, negative ones too) and nested arrays for tuples — a multimodal
   * item is `[identifier, offset]`, the offset negative where the item began in an earlier
   * block — or `null`. Blocks past the list have none.
   */
  readonly extraKeys?: ReadonlyArray<ReadonlyArray<ExtraKey> | null | undefined>;
}

/** Per complete block, the engine's digest and the 64-bit id its KV events carry. */
export interface EngineHashes {
  /** The raw digests (32, 16, 32 or 8 bytes), chained. */
  readonly digests: Uint8Array[];
  /** The ids of the events: vLLM the digest's last 8 bytes, SGLang its first 8, llm-d the key; big-endian. */
  readonly ids: BigUint64Array;
}

/** One item of a block's extra keys: a string, an integer, or a tuple of them. */
export type ExtraKey = string | number | bigint | readonly ExtraKey[];

const I64_MIN = -(1n << 63n);

/** One extra key as words (see the binding's `read_key`), at most 8 tuples deep. */
function keyWords(item: unknown, name: string, words: number[], depth: number): void {
  if (typeof item === 'string') {
    const b = utf8Encode(item);
    const padded = new Uint8Array(Math.ceil(b.length / 4) * 4);
    padded.set(b);
    words.push(ExtraKeyKind.text, b.length, ...new Uint32Array(padded.buffer));
  } else if (Array.isArray(item)) {
    if (depth >= 8) throw new RangeError(`${name} nests tuples deeper than 8`);
    words.push(ExtraKeyKind.tuple, item.length);
    item.forEach((x: unknown, i: number) => keyWords(x, `${name}[${i}]`, words, depth + 1));
  } else if ((typeof item === 'bigint' && item < 0n) || (typeof item === 'number' && item < 0)) {
    const v = BigInt(item);
    if (typeof item === 'number' && !Number.isSafeInteger(item)) throw new RangeError(`${name} must be an integer`);
    if (v < I64_MIN) throw new RangeError(`${name} is below -2^63`);
    const u = BigInt.asUintN(64, v);
    words.push(ExtraKeyKind.int, Number(u & 0xffff_ffffn), Number(u >> 32n));
  } else {
    const [lo, hi] = u64(item, name);
    words.push(ExtraKeyKind.uint, lo, hi);
  }
}

function extraWords(extra: EngineHashOptions['extraKeys']): number[] {
  if (extra === undefined || extra === null) return [];
  if (!Array.isArray(extra)) throw new TypeError('options.extraKeys must be an Array (one entry per block)');
  const words: number[] = [];
  extra.forEach((keys: unknown, k: number) => {
    if (keys === null || keys === undefined) {
      words.push(NULL_COUNT);
      return;
    }
    if (!Array.isArray(keys)) throw new TypeError(`options.extraKeys[${k}] must be null or an Array of strings, integers and tuples`);
    words.push(keys.length);
    keys.forEach((item: unknown, j: number) => keyWords(item, `options.extraKeys[${k}][${j}]`, words, 0));
  });
  return words;
}

function text(value: unknown, name: string): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  return utf8Encode(value);
}

/**
 * The chained block digests an engine computes for `tokens` (complete blocks only), and the ids
 * its KV events carry for them:
 * - `vllm-sha256-cbor` / `vllm-xxhash-cbor`: SHA-256 / XXH3-128 (big-endian) of the canonical
 *   CBOR of `[parent digest (bytes), [token ids], extra keys or null]`, rooted at the digest of
 *   the CBOR text of `seed`; id = last 8 bytes.
 * - `sglang`: SHA-256 of the parent digest (none for the first page) then each token as 4
 *   little-endian bytes; id = first 8 bytes.
 * - `llm-d`: FNV-64a of the canonical CBOR of `[parent, [token ids], null]`, rooted at FNV-64a
 *   of the CBOR of `[FNV-64a(seed), null, modelName]`; id = the key.
 */
export function computeEngineHashes(
  tokens: readonly number[] | Uint32Array,
  blockSize: number,
  profile: EngineProfile,
  options: EngineHashOptions = {},
): EngineHashes {
  const p = Object.prototype.hasOwnProperty.call(PROFILES, profile) ? PROFILES[profile] : undefined;
  if (p === undefined) throw new TypeError(`profile must be one of ${Object.keys(PROFILES).join(', ')}; got ${String(profile)}`);
  const size = u32(blockSize, 'blockSize');
  if (size === 0) throw new RangeError('blockSize must be at least 1, got 0');
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const seed = text(options.seed, 'options.seed');
  const model = text(options.modelName, 'options.modelName');
  let parent: Uint8Array = new Uint8Array(0);
  if (options.parent !== undefined) {
    if (typeof options.parent === 'bigint' && profile === 'llm-d') {
      const [lo, hi] = u64(options.parent, 'options.parent');
      parent = new Uint8Array(8);
      new DataView(parent.buffer).setUint32(0, hi);
      new DataView(parent.buffer).setUint32(4, lo);
    } else if (options.parent instanceof Uint8Array && options.parent.length === p.bytes) {
      parent = options.parent;
    } else {
      throw new TypeError(`options.parent must be a Uint8Array of ${p.bytes} bytes for ${profile}`);
    }
  }
  const extra = extraWords(options.extraKeys);
  const len = inputList(tokens, 'tokens');
  const packed = new Uint8Array(Math.ceil((seed.length + model.length + parent.length) / 4) * 4);
  packed.set(seed);
  packed.set(model, seed.length);
  packed.set(parent, seed.length + model.length);
  const stringWords = packed.length / 4;
  const view = inputView(len + stringWords + extra.length);
  view.set(new Uint32Array(packed.buffer), len);
  view.set(extra, len + stringWords);
  check(exports().kv_engine_hashes(p.code, len, size, seed.length, model.length, parent.length, extra.length));
  const all = outputBytesCopy();
  const n = all.length / p.bytes;
  const digests: Uint8Array[] = [];
  const ids = new HashArray(n);
  for (let k = 0; k < n; k++) {
    const d = all.slice(k * p.bytes, (k + 1) * p.bytes);
    digests.push(d);
    const at = profile === 'sglang' ? 0 : p.bytes - 8;
    ids[k] = new DataView(d.buffer).getBigUint64(at, false);
  }
  return jsonReady({ digests, ids });
}
