/**
 * The engines' KV event wire forms (SPEC §6.5.2–§6.5.3) read into one shape: every vLLM
 * generation (positional events g1–g3, tagged-map events g4, map batches g5) and SGLang's
 * (positional, signed 64-bit hashes, no DP rank; map events). Unknown event types and fields are
 * reported to the caller's `note`, never dropped without a word.
 *
 * Place: `ts/router/engine-wire.ts`.
 * @module
 */

const U64 = (1n << 64n) - 1n;

/** An engine's batch, whichever form it came in. */
export interface WireBatch {
  /** The publisher's timestamp (seconds). */
  readonly ts: number;
  /** The batch's data-parallel rank, `null` where it names none. */
  readonly dpRank: number | null;
  /** The events, each still in its wire form. */
  readonly events: readonly unknown[];
}

/** A `BlockStored` event, by field. */
export interface WireStored {
  /** Discriminant. */
  readonly type: 'BlockStored';
  /** The engine's block ids. */
  readonly blockHashes: bigint[];
  /** The engine's id of the parent block, or `null` at the root. */
  readonly parentHash: bigint | null;
  /** Token ids, or (EAGLE) token pairs, as sent. */
  readonly tokenIds: unknown[];
  /** The engine's block size. */
  readonly blockSize: number;
  /** The storage medium (`GPU`, `CPU_PINNED`, …), `null` when absent. */
  readonly medium: string | null;
  /** The LoRA adapter's name. */
  readonly loraName: string | null;
  /** Per block, its extra keys (multimodal ids, cache salt, LoRA name…). */
  readonly extraKeys: unknown;
  /** The KV cache group (hybrid models). */
  readonly groupIdx: number | null;
  /** The group's cache kind (`full_attention`, `sliding_window`, …). */
  readonly specKind: string | null;
  /** Dynamo's `locality` (`LOCAL` / `REMOTE`), `null` when absent. */
  readonly locality: string | null;
  /** Dynamo's `cache_salt` (a router namespace). */
  readonly cacheSalt: string | null;
  /** Dynamo's `is_eagle`. */
  readonly isEagle: boolean | null;
}

/** A `BlockRemoved` event, by field. */
export interface WireRemoved {
  /** Discriminant. */
  readonly type: 'BlockRemoved';
  /** The engine's ids of the removed blocks. */
  readonly blockHashes: bigint[];
  /** The storage medium, `null` when absent. */
  readonly medium: string | null;
  /** The KV cache group. */
  readonly groupIdx: number | null;
  /** The group's cache kind. */
  readonly specKind: string | null;
  /** Dynamo's `locality`. */
  readonly locality: string | null;
}

/** An `AllBlocksCleared` event. */
export interface WireCleared {
  /** Discriminant. */
  readonly type: 'AllBlocksCleared';
}

/** One event read from the wire. */
export type WireEvent = WireStored | WireRemoved | WireCleared;

/** What reading met besides events: an unknown event type or field (by name or position). */
export type WireNote =
  { readonly kind: 'unknownEventType'; readonly name: string } | { readonly kind: 'unknownField'; readonly name: string };

/** A value of the wire that is not what its field takes: the field's path and why. */
export class WireError extends TypeError {
  /** Where: `events[3].block_hashes[2]`. */
  readonly path: string;

  /** An error at `path`. */
  constructor(path: string, why: string) {
    super(`${path} ${why}`);
    this.name = 'WireError';
    this.path = path;
  }
}

const describe = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'an array'
      : v instanceof Uint8Array
        ? 'bytes'
        : typeof v === 'object'
          ? 'a map'
          : `${typeof v} ${String(v)}`;

/** An engine block hash as Dynamo's 64-bit id: an integer (negative ones wrap), or the last 8 bytes of a digest, big-endian. */
export function engineBlockHash(value: unknown, name = 'block hash'): bigint {
  if (typeof value === 'bigint') {
    if (value < -(1n << 63n) || value > U64) throw new WireError(name, `is outside 64 bits: ${value}`);
    return value & U64;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value) & U64;
  if (value instanceof Uint8Array) {
    if (value.length === 0) throw new WireError(name, 'is empty bytes');
    let v = 0n;
    for (const b of value.subarray(Math.max(0, value.length - 8))) v = (v << 8n) | BigInt(b);
    return v;
  }
  throw new WireError(name, `must be an integer or bytes, got ${describe(value)}`);
}

function hashes(value: unknown, path: string): bigint[] {
  if (!Array.isArray(value)) throw new WireError(path, `must be an array of hashes, got ${describe(value)}`);
  const out = new Array<bigint>(value.length);
  for (let i = 0; i < value.length; i++) {
    const h: unknown = value[i];
    // The common case (an integer msgpack decoded as a bigint) without building the field's name.
    out[i] = typeof h === 'bigint' && h >= 0n && h <= U64 ? h : engineBlockHash(h, `${path}[${i}]`);
  }
  return out;
}

/** A non-negative safe integer (msgpack ints may come as bigints). */
export function wireInt(value: unknown, path: string): number {
  const v = typeof value === 'bigint' && value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new WireError(path, `must be a non-negative integer, got ${describe(value)}`);
  return v;
}

// Field names are built only when a value is refused: `where` gives them.
const optInt = (v: unknown, where: () => string): number | null =>
  v === null || v === undefined ? null : typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : wireInt(v, where());

function optString(v: unknown, where: () => string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new WireError(where(), `must be a string or nil, got ${describe(v)}`);
  return v;
}

function optBool(v: unknown, where: () => string): boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'boolean') throw new WireError(where(), `must be a boolean or nil, got ${describe(v)}`);
  return v;
}

function tokenList(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new WireError(path, `must be an array of token ids, got ${describe(v)}`);
  return v;
}

/** Reads a batch: `[ts, events]`, `[ts, events, dp_rank]` or `{ts, events, data_parallel_rank}`. */
export function readBatch(value: unknown, note: (n: WireNote) => void): WireBatch {
  if (Array.isArray(value)) {
    if (value.length < 2 || !Array.isArray(value[1])) throw new WireError('batch', 'must be [ts, events, data_parallel_rank?]');
    for (let i = 3; i < value.length; i++) note({ kind: 'unknownField', name: `batch[${i}]` });
    return { ts: Number(value[0]), events: value[1], dpRank: optInt(value[2], () => 'batch.data_parallel_rank') };
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const map = value as Record<string, unknown>;
    if (!Array.isArray(map.events)) throw new WireError('batch.events', `must be an array, got ${describe(map.events)}`);
    for (const key of Object.keys(map))
      if (key !== 'ts' && key !== 'events' && key !== 'data_parallel_rank') note({ kind: 'unknownField', name: `batch.${key}` });
    return { ts: Number(map.ts ?? 0), events: map.events, dpRank: optInt(map.data_parallel_rank, () => 'batch.data_parallel_rank') };
  }
  throw new WireError('batch', `must be an array or a map, got ${describe(value)}`);
}

const STORED_KEYS = new Set([
  'type',
  'block_hashes',
  'parent_block_hash',
  'token_ids',
  'block_size',
  'lora_id',
  'medium',
  'lora_name',
  'extra_keys',
  'group_idx',
  'kv_cache_spec_kind',
  'kv_cache_spec_sliding_window',
  'block_mm_infos',
  'locality',
  'source_kind',
  'cache_salt',
  'is_eagle',
]);
const CLEARED_KEYS = new Set(['type']);
const REMOVED_KEYS = new Set(['type', 'block_hashes', 'medium', 'group_idx', 'kv_cache_spec_kind', 'locality', 'source_kind']);

function fromMap(map: Record<string, unknown>, path: string, note: (n: WireNote) => void): WireEvent | undefined {
  const type = map.type;
  const known =
    type === 'BlockStored' ? STORED_KEYS : type === 'BlockRemoved' ? REMOVED_KEYS : type === 'AllBlocksCleared' ? CLEARED_KEYS : undefined;
  if (known === undefined) {
    note({ kind: 'unknownEventType', name: typeof type === 'string' ? type : describe(type) });
    return undefined;
  }
  for (const key of Object.keys(map)) if (!known.has(key)) note({ kind: 'unknownField', name: `${type as string}.${key}` });
  if (type === 'AllBlocksCleared') return { type };
  const common = {
    blockHashes: hashes(map.block_hashes, `${path}.block_hashes`),
    medium: optString(map.medium, () => `${path}.medium`),
    groupIdx: optInt(map.group_idx, () => `${path}.group_idx`),
    specKind: optString(map.kv_cache_spec_kind, () => `${path}.kv_cache_spec_kind`),
    locality: optString(map.locality, () => `${path}.locality`),
  };
  if (type === 'BlockRemoved') return { type, ...common };
  return {
    type: 'BlockStored',
    ...common,
    parentHash:
      map.parent_block_hash === null || map.parent_block_hash === undefined
        ? null
        : engineBlockHash(map.parent_block_hash, `${path}.parent_block_hash`),
    tokenIds: tokenList(map.token_ids, `${path}.token_ids`),
    blockSize: wireInt(map.block_size, `${path}.block_size`),
    loraName: optString(map.lora_name, () => `${path}.lora_name`),
    extraKeys: map.extra_keys ?? null,
    cacheSalt: optString(map.cache_salt, () => `${path}.cache_salt`),
    isEagle: optBool(map.is_eagle, () => `${path}.is_eagle`),
  };
}

/**
 * The positional tail after the fixed prefix: values told apart by type, in order (Dynamo's
 * parser): an array is `block_mm_infos`, a string the cache kind, integers `group_idx` then the
 * sliding window. Anything else, or more than these, is an unknown field.
 */
function positionalTail(
  tail: unknown[],
  start: number,
  type: string,
  note: (n: WireNote) => void,
): { groupIdx: number | null; specKind: string | null } {
  let groupIdx: number | null = null;
  let specKind: string | null = null;
  let ints = 0;
  tail.forEach((v, i) => {
    if (v === null || v === undefined || Array.isArray(v)) return;
    if (typeof v === 'string' && specKind === null) specKind = v;
    else if ((typeof v === 'number' || typeof v === 'bigint') && ints < 2) {
      if (ints === 0) groupIdx = wireInt(v, `${type}[${start + i}]`);
      ints += 1;
    } else note({ kind: 'unknownField', name: `${type}[${start + i}]` });
  });
  return { groupIdx, specKind };
}

function fromArray(e: unknown[], path: string, note: (n: WireNote) => void): WireEvent | undefined {
  const type = e[0];
  if (type === 'AllBlocksCleared') {
    for (let i = 1; i < e.length; i++) note({ kind: 'unknownField', name: `AllBlocksCleared[${i}]` });
    return { type };
  }
  if (type === 'BlockRemoved') {
    return {
      type,
      blockHashes: hashes(e[1], `${path}[1] (block_hashes)`),
      medium: optString(e[2], () => `${path}[2] (medium)`),
      ...positionalTail(e.slice(3), 3, type, note),
      locality: null,
    };
  }
  if (type === 'BlockStored') {
    return {
      type,
      blockHashes: hashes(e[1], `${path}[1] (block_hashes)`),
      parentHash: e[2] === null || e[2] === undefined ? null : engineBlockHash(e[2], `${path}[2] (parent_block_hash)`),
      tokenIds: tokenList(e[3], `${path}[3] (token_ids)`),
      blockSize: wireInt(e[4], `${path}[4] (block_size)`),
      medium: optString(e[6], () => `${path}[6] (medium)`),
      loraName: optString(e[7], () => `${path}[7] (lora_name)`),
      extraKeys: e[8] ?? null,
      ...positionalTail(e.slice(9), 9, type, note),
      locality: null,
      cacheSalt: null,
      isEagle: null,
    };
  }
  note({ kind: 'unknownEventType', name: typeof type === 'string' ? type : describe(type) });
  return undefined;
}

/**
 * Reads one event in either form (a tagged array or a map with `type`); `undefined` for an event
 * of an unknown type (noted). Throws {@link WireError} for a known event whose fields are not
 * what they take.
 */
export function readEvent(value: unknown, path: string, note: (n: WireNote) => void): WireEvent | undefined {
  if (Array.isArray(value)) return fromArray(value, path, note);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array))
    return fromMap(value as Record<string, unknown>, path, note);
  throw new WireError(path, `must be an event (an array or a map), got ${describe(value)}`);
}
