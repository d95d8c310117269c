/**
 * vLLM's and SGLang's KV events, as their ZMQ publishers send them, to index events — the job of
 * Dynamo's `KvEventPublisher`. Every wire generation (SPEC §6.5.2–§6.5.3) is read; what cannot be
 * used is counted per kind and reported (SPEC §6.5.5), never dropped without a word; `strict`
 * throws instead. Entry point `kvbm-sequence/vllm` (it brings `@msgpack/msgpack`).
 *
 * Place: `ts/router/vllm.ts`.
 * @module
 */

import { decode } from '@msgpack/msgpack';
import { utf8Decode } from '../runtime/utf8.js';
import { computeBlockHashes, computeSaltHash, jsonReady, type KvEvent, type StorageTier } from 'kvbm-sequence';

export type { StorageTier } from 'kvbm-sequence';
import { readBatch, readEvent, WireError, type WireNote, type WireStored } from './engine-wire.js';

export { engineBlockHash, WireError } from './engine-wire.js';

/** Where the events come from and how the router hashes blocks. */
export interface VllmSource {
  /** The worker that published the batch. */
  readonly workerId: bigint | number;
  /** The router's block size. An engine block size that is a multiple of it is split; any other is a `BlockSizeMismatch`. */
  readonly blockSize: number;
  /** Rank to use when the batch names none (SGLang's older batches; default 0). */
  readonly dpRank?: number;
  /** Throw a {@link DecodeError} at the first thing that cannot be used, instead of counting it. */
  readonly strict?: boolean;
}

/** An index event of a lower tier than the device (the primary index holds device blocks only). */
export type TierEvent = KvEvent & { readonly tier: Exclude<StorageTier, 'device'> };

/** What decoding could not use, by kind (each a number of events unless said otherwise). */
export interface DecodeCounts {
  /** Events of a type that is none of the three, by type. */
  unknownEventTypes: Record<string, number>;
  /** Fields no generation defines, by name (`BlockStored.foo`, `BlockStored[12]`, `batch.x`): occurrences. */
  unknownFields: Record<string, number>;
  /** Stored events whose blocks were dropped: the engine's block size is not the router's nor a multiple of it. */
  blockSizeMismatch: number;
  /** Stored events that repeat a hash within the parent and their blocks (Dynamo drops them). */
  invalidBlockSequence: number;
  /** Events whose `locality` is `REMOTE` or unknown (Dynamo drops them). */
  nonLocalEvents: number;
  /** Events of a non-full-attention group, or of a higher group than the worker's first (hybrid models). */
  filteredGroupEvents: number;
  /** Stored events whose token ids are too few for their blocks: the blocks past them are dropped. */
  shortTokenEvents: number;
  /** Events with a `medium` no tier mapping knows, by medium. */
  unknownMediums: Record<string, number>;
  /** Events whose fields are not what they take (skipped; `strict` throws). */
  malformedEvents: number;
}

/** A warning a caller may subscribe to: given once per source and kind (and name). */
export type DecodeWarning =
  | {
      readonly kind: 'BlockSizeMismatch';
      readonly workerId: bigint | number;
      readonly dpRank: number;
      readonly engineBlockSize: number;
      readonly routerBlockSize: number;
    }
  | {
      readonly kind: 'UnknownEventType' | 'UnknownField' | 'UnknownMedium';
      readonly workerId: bigint | number;
      readonly dpRank: number;
      readonly name: string;
    }
  | { readonly kind: 'MalformedEvent'; readonly workerId: bigint | number; readonly dpRank: number; readonly message: string };

/** Thrown by a `strict` decoder: what could not be used, with the warning's fields. */
export class DecodeError extends TypeError {
  /** What it is. */
  readonly warning: DecodeWarning;

  /** An error for `warning`. */
  constructor(message: string, warning: DecodeWarning) {
    super(message);
    this.name = 'DecodeError';
    this.warning = warning;
  }
}

/** A decoded `KVEventBatch`. */
export interface VllmBatch {
  /** The publisher's timestamp (seconds). */
  readonly ts: number;
  /** The batch's data-parallel rank (or the source's). */
  readonly dpRank: number;
  /** The device-tier events, for the index. */
  readonly events: KvEvent[];
  /** Events of lower tiers (host, disk, external), each with its tier. */
  readonly tierEvents: TierEvent[];
  /** Events that were not used: the number of them (unknown types, dropped ones). */
  readonly skipped: number;
  /** What this batch held that could not be used, by kind. */
  readonly counts: DecodeCounts;
  /** Warnings raised by this batch (each only the first time for its source). */
  readonly warnings: DecodeWarning[];
}

/** A decoded ZMQ multipart message: `[topic, sequence (8 bytes, big-endian), payload]`. */
export interface VllmMessage extends VllmBatch {
  /** The topic frame as text. */
  readonly topic: string;
  /** The publisher's sequence number. */
  readonly seq: bigint;
}

/** Empty counts. */
function emptyCounts(): DecodeCounts {
  return {
    unknownEventTypes: {},
    unknownFields: {},
    blockSizeMismatch: 0,
    invalidBlockSequence: 0,
    nonLocalEvents: 0,
    filteredGroupEvents: 0,
    shortTokenEvents: 0,
    unknownMediums: {},
    malformedEvents: 0,
  };
}

/** Adds `b` into `a`. */
function addCounts(a: DecodeCounts, b: DecodeCounts): void {
  for (const key of ['unknownEventTypes', 'unknownFields', 'unknownMediums'] as const) {
    for (const [k, v] of Object.entries(b[key])) a[key][k] = (a[key][k] ?? 0) + v;
  }
  for (const key of [
    'blockSizeMismatch',
    'invalidBlockSequence',
    'nonLocalEvents',
    'filteredGroupEvents',
    'shortTokenEvents',
    'malformedEvents',
  ] as const) {
    a[key] += b[key];
  }
}

const TIERS: Record<string, StorageTier> = {
  GPU: 'device',
  DEVICE: 'device',
  CPU: 'host',
  CPU_PINNED: 'host',
  CPU_TIER1: 'host',
  CPU_TIER2: 'disk',
  DISK: 'disk',
  NVME: 'disk',
  STORAGE: 'disk',
  EXTERNAL: 'external',
  NETWORK: 'external',
  REMOTE: 'external',
  SHARED: 'external',
};

const HEX64 = /^[0-9a-fA-F]{64}$/;
const SALT_KEY = 'dynamo-cache-salt:';

/**
 * What `extra_keys` say for the router's hash (Dynamo's conventions reading vLLM events): per
 * block its multimodal hashes — a 64-hex identifier (alone, or first in an `(identifier, offset)`
 * pair) gives its first 16 digits, another identifier of a pair its XXH3-64 — and the namespace a `dynamo-cache-salt:<ns>` key in block 0 names.
 * A 64-hex LoRA name repeated in the keys is the adapter, not a multimodal hash.
 */
function extraKeysOf(
  extraKeys: unknown,
  loraName: string | null,
): { mm: Array<bigint[] | null> | undefined; namespace: string | undefined } {
  if (!Array.isArray(extraKeys)) return { mm: undefined, namespace: undefined };
  let namespace: string | undefined;
  const mm = extraKeys.map((keys: unknown, block: number) => {
    if (!Array.isArray(keys)) return null;
    const found: bigint[] = [];
    for (const k of keys) {
      const id = typeof k === 'string' ? k : Array.isArray(k) && typeof k[0] === 'string' ? k[0] : undefined;
      if (id === undefined || id === loraName) continue;
      if (id.startsWith(SALT_KEY)) {
        if (block === 0) namespace = id.slice(SALT_KEY.length);
        continue;
      }
      if (HEX64.test(id)) found.push(BigInt(`0x${id.slice(0, 16)}`));
      else if (Array.isArray(k)) found.push(xxh3Text(id));
    }
    return found.length > 0 ? found : null;
  });
  return { mm: mm.some((x) => x !== null) ? mm : undefined, namespace };
}

/** XXH3-64 (seed 0) of a string's UTF-8: `computeSaltHash` with only a LoRA name is 1337 + it. */
function xxh3Text(text: string): bigint {
  return (computeSaltHash({ lora: text }) - 1337n) & ((1n << 64n) - 1n);
}

/** Where {@link VllmDecoder} puts one batch's results. */
interface EventSink {
  readonly counts: DecodeCounts;
  readonly note: (n: WireNote) => void;
  readonly warn: (w: DecodeWarning, key: string) => void;
  readonly events: KvEvent[];
  readonly tierEvents: TierEvent[];
  readonly skip: () => void;
}

/** A stateful decoder of one source: counts accumulate, warnings are given once. */
export class VllmDecoder {
  /** Everything not used so far, by kind. */
  readonly counts: DecodeCounts = emptyCounts();
  readonly #source: VllmSource;
  readonly #warned = new Set<string>();
  readonly #firstGroup = new Map<number, number>();
  readonly #salts = new Map<string, bigint>();
  #pending: Array<{ blocks: Array<{ tokensHash: bigint }>; tokens: Uint32Array; salt: bigint }> = [];
  readonly #onWarning: ((w: DecodeWarning) => void) | undefined;

  /** A decoder for `source`; `onWarning` hears each warning once. */
  constructor(source: VllmSource, onWarning?: (w: DecodeWarning) => void) {
    if (source === null || typeof source !== 'object') throw new TypeError('source must be { workerId, blockSize }');
    if (!Number.isInteger(source.blockSize) || source.blockSize < 1) throw new RangeError('source.blockSize must be an integer >= 1');
    if (typeof source.workerId !== 'bigint' && !Number.isSafeInteger(source.workerId))
      throw new TypeError('source.workerId must be a bigint or a safe integer');
    if (source.dpRank !== undefined && (!Number.isInteger(source.dpRank) || source.dpRank < 0))
      throw new RangeError('source.dpRank must be an integer >= 0');
    this.#source = source;
    this.#onWarning = onWarning;
  }

  /** Decodes one msgpack `KVEventBatch` payload (any generation). */
  decode(payload: Uint8Array): VllmBatch {
    if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array');
    let raw: unknown;
    try {
      raw = decode(payload, { useBigInt64: true });
    } catch (e) {
      throw new TypeError(`payload is not a msgpack KVEventBatch: ${(e as Error).message}`, { cause: e });
    }
    this.#pending = [];
    const counts = emptyCounts();
    const warnings: DecodeWarning[] = [];
    const source = this.#source;
    let dpRank = source.dpRank ?? 0;
    const warn = (w: DecodeWarning, key: string): void => {
      if (source.strict) throw new DecodeError(messageOf(w), w);
      if (this.#warned.has(key)) return;
      this.#warned.add(key);
      warnings.push(w);
      this.#onWarning?.(w);
    };
    const note = (n: WireNote): void => {
      const w = {
        kind: n.kind === 'unknownEventType' ? ('UnknownEventType' as const) : ('UnknownField' as const),
        workerId: source.workerId,
        dpRank,
        name: n.name,
      };
      const bucket = n.kind === 'unknownEventType' ? counts.unknownEventTypes : counts.unknownFields;
      bucket[n.name] = (bucket[n.name] ?? 0) + 1;
      warn(w, `${w.kind}:${dpRank}:${n.name}`);
    };
    const batch = readBatch(raw, note);
    dpRank = batch.dpRank ?? dpRank;
    const events: KvEvent[] = [];
    const tierEvents: TierEvent[] = [];
    let skipped = 0;
    const malformed = (e: unknown): void => {
      if (!(e instanceof WireError) || source.strict) throw e;
      counts.malformedEvents += 1;
      skipped += 1;
      warn({ kind: 'MalformedEvent', workerId: source.workerId, dpRank, message: e.message }, `MalformedEvent:${dpRank}`);
    };
    const sink: EventSink = { counts, note, warn, events, tierEvents, skip: () => (skipped += 1) };
    batch.events.forEach((value, i) => {
      try {
        this.#event(value, `events[${i}]`, dpRank, sink);
      } catch (e) {
        malformed(e);
      }
    });
    this.#hashPending();
    addCounts(this.counts, counts);
    return jsonReady({ ts: batch.ts, dpRank, events: jsonReady(events), tierEvents: jsonReady(tierEvents), skipped, counts, warnings });
  }

  /** One event: into the device events or the tier events, or skipped with a count. */
  #event(value: unknown, path: string, dpRank: number, out: EventSink): void {
    const { counts, note, warn, events, tierEvents } = out;
    const source = this.#source;
    const wire = readEvent(value, path, note);
    if (wire === undefined) {
      out.skip();
      return;
    }
    if (wire.type === 'AllBlocksCleared') {
      events.push({ type: 'cleared', workerId: source.workerId, dpRank });
      return;
    }
    if (wire.locality !== null && wire.locality !== 'LOCAL') {
      counts.nonLocalEvents += 1;
      out.skip();
      return;
    }
    if (!this.#inFirstGroup(dpRank, wire.groupIdx, wire.specKind)) {
      counts.filteredGroupEvents += 1;
      out.skip();
      return;
    }
    const tier = wire.medium === null ? 'device' : TIERS[wire.medium.toUpperCase()];
    if (tier === undefined) {
      const m = wire.medium as string;
      counts.unknownMediums[m] = (counts.unknownMediums[m] ?? 0) + 1;
      out.skip();
      warn({ kind: 'UnknownMedium', workerId: source.workerId, dpRank, name: m }, `UnknownMedium:${dpRank}:${m}`);
      return;
    }
    let event: KvEvent | undefined;
    if (wire.type === 'BlockRemoved') event = { type: 'removed', workerId: source.workerId, dpRank, blockHashes: wire.blockHashes };
    else event = this.#stored(wire, dpRank, counts, warn, path);
    if (event === undefined) {
      out.skip();
      return;
    }
    if (tier === 'device') events.push(event);
    else tierEvents.push({ ...event, tier });
  }

  /** The local hashes of every plain stored block of the batch: one call per salt. */
  #hashPending(): void {
    const pending = this.#pending;
    this.#pending = [];
    const bs = this.#source.blockSize;
    const bySalt = new Map<bigint, typeof pending>();
    for (const p of pending) {
      const group = bySalt.get(p.salt);
      if (group === undefined) bySalt.set(p.salt, [p]);
      else group.push(p);
    }
    for (const [salt, group] of bySalt) {
      const all = new Uint32Array(group.reduce((n, p) => n + p.tokens.length, 0));
      let at = 0;
      for (const p of group) {
        all.set(p.tokens, at);
        at += p.tokens.length;
      }
      const local = computeBlockHashes(all, bs, salt);
      let j = 0;
      for (const p of group) for (const b of p.blocks) b.tokensHash = local[j++] as bigint;
    }
  }

  /** Dynamo's router salt of a LoRA name and a cache namespace, computed once per pair. */
  #salt(lora: string | null, namespace: string | undefined): bigint {
    const key = `${lora ?? ''}\u0000${namespace ?? ''}`;
    let salt = this.#salts.get(key);
    if (salt === undefined) {
      salt = computeSaltHash({ lora: lora ?? undefined, salt: namespace });
      this.#salts.set(key, salt);
    }
    return salt;
  }

  /** Hybrid models: only full-attention groups, and only the first such group a rank sends. */
  #inFirstGroup(dpRank: number, groupIdx: number | null, kind: string | null): boolean {
    if (kind !== null && kind !== 'full_attention') return false;
    if (groupIdx === null) return true;
    const first = this.#firstGroup.get(dpRank);
    if (first === undefined || groupIdx < first) {
      this.#firstGroup.set(dpRank, groupIdx);
      return true;
    }
    return groupIdx === first;
  }

  #stored(
    wire: WireStored,
    dpRank: number,
    counts: DecodeCounts,
    warn: (w: DecodeWarning, key: string) => void,
    path: string,
  ): KvEvent | undefined {
    const { workerId } = this.#source;
    const bs = this.#source.blockSize;
    const ids = wire.parentHash === null ? wire.blockHashes : [wire.parentHash, ...wire.blockHashes];
    if (new Set(ids).size !== ids.length) {
      counts.invalidBlockSequence += 1;
      return undefined;
    }
    const raw = wire.tokenIds;
    // EAGLE engines send (token, next token) pairs: the tokens are the firsts, then the last second.
    const pairs = raw.length > 0 && Array.isArray(raw[0]);
    const eagle = wire.isEagle ?? pairs;
    const tokens = tokenArray(raw, pairs, path);
    const engineBs = wire.blockSize;
    const pieces = engineBs === bs ? 1 : engineBs % bs === 0 && !eagle ? engineBs / bs : 0;
    if (pieces === 0) {
      counts.blockSizeMismatch += 1;
      warn(
        { kind: 'BlockSizeMismatch', workerId, dpRank, engineBlockSize: engineBs, routerBlockSize: bs },
        `BlockSizeMismatch:${dpRank}:${engineBs}`,
      );
      return undefined;
    }
    const extra = eagle ? 1 : 0;
    const usable = Math.min(wire.blockHashes.length, Math.max(0, Math.floor((tokens.length - extra) / engineBs)));
    if (usable < wire.blockHashes.length) counts.shortTokenEvents += 1;
    const { mm, namespace } = extraKeysOf(wire.extraKeys, wire.loraName);
    const salt = this.#salt(wire.loraName, wire.cacheSalt ?? namespace);
    // One call for the whole event: the router blocks are consecutive windows of its tokens.
    const blocks: Array<{ blockHash: bigint; tokensHash: bigint }> = new Array(usable * pieces);
    for (let k = 0; k < usable; k++) {
      const id = wire.blockHashes[k] as bigint;
      for (let p = 0; p < pieces; p++)
        blocks[k * pieces + p] = { blockHash: p + 1 === pieces ? id : splitHash(id, p, pieces), tokensHash: 0n };
    }
    const window = tokens.subarray(0, usable * engineBs + extra);
    if (eagle || mm !== undefined) {
      // Windows of bs + 1, or blocks with multimodal hashes: hashed on their own.
      const mmHashes = mm === undefined ? undefined : Array.from({ length: blocks.length }, (_, j) => mm[Math.floor(j / pieces)] ?? null);
      const local = computeBlockHashes(window, bs, salt, { eagle, mmHashes });
      blocks.forEach((b, j) => (b.tokensHash = local[j] as bigint));
    } else {
      // Plain blocks are consecutive windows of bs tokens: the whole batch is hashed in one call per salt.
      this.#pending.push({ blocks, tokens: window, salt });
    }
    return { type: 'stored', workerId, dpRank, parentHash: wire.parentHash, blocks };
  }
}

/**
 * Token ids as u32 words; EAGLE pairs give their firsts, then the last pair's second. A value
 * that is not a u32 token id is a {@link WireError} naming its place.
 */
function tokenArray(raw: unknown[], pairs: boolean, path: string): Uint32Array {
  const n = raw.length;
  const out = new Uint32Array(pairs && n > 0 ? n + 1 : n);
  const token = (v: unknown, where: string): number => {
    if (typeof v === 'number' && v >>> 0 === v) return v;
    if (typeof v === 'bigint' && v >= 0n && v <= 0xffff_ffffn) return Number(v);
    throw new WireError(`${path}.token_ids${where}`, `must be a u32 token id, got ${typeof v} ${String(v)}`);
  };
  for (let i = 0; i < n; i++) {
    const v = raw[i];
    if (!pairs) {
      out[i] = typeof v === 'number' && v >>> 0 === v ? v : token(v, `[${i}]`);
      continue;
    }
    if (!Array.isArray(v) || v.length < 2) throw new WireError(`${path}.token_ids[${i}]`, 'must be a (token, next token) pair');
    out[i] = token(v[0], `[${i}][0]`);
    if (i === n - 1) out[n] = token(v[1], `[${i}][1]`);
  }
  return out;
}

function messageOf(w: DecodeWarning): string {
  switch (w.kind) {
    case 'BlockSizeMismatch':
      return `BlockSizeMismatch: worker ${w.workerId} (rank ${w.dpRank}) sends blocks of ${w.engineBlockSize} tokens; the router's block size ${w.routerBlockSize} neither equals nor divides it, so its stored blocks are dropped`;
    case 'MalformedEvent':
      return `MalformedEvent: ${w.message}`;
    default:
      return `${w.kind}: ${w.name} (worker ${w.workerId}, rank ${w.dpRank})`;
  }
}

const U64 = (1n << 64n) - 1n;

/** Splits an event block of `k × blockSize` tokens: inner pieces get ids mixed from the block's (the last keeps it). */
function splitHash(last: bigint, index: number, count: number): bigint {
  let x =
    last ^ 0x4459_4e41_4d4f_4b56n ^ ((BigInt(index) * 0x9e37_79b9_7f4a_7c15n) & U64) ^ ((BigInt(count) * 0xbf58_476d_1ce4_e5b9n) & U64);
  x ^= x >> 30n;
  x = (x * 0xbf58_476d_1ce4_e5b9n) & U64;
  x ^= x >> 27n;
  x = (x * 0x94d0_49bb_1331_11ebn) & U64;
  x ^= x >> 31n;
  return x === last ? x ^ 0x517c_c1b7_2722_0a95n : x;
}

/**
 * Decodes one msgpack `KVEventBatch` of any generation — array or map batch, tagged-array or
 * tagged-map events — into index events, recomputing local hashes from the token ids as
 * Dynamo's router does (salt from `lora_name` and the cache namespace, multimodal hashes from
 * `extra_keys`, EAGLE token pairs). Counts and warnings are this batch's; a {@link VllmDecoder}
 * keeps them across batches and warns once.
 */
export function decodeVllmBatch(payload: Uint8Array, source: VllmSource): VllmBatch {
  return new VllmDecoder(source).decode(payload);
}

/** The 8-byte big-endian sequence number of a ZMQ message. */
export function sequenceOf(frame: unknown): bigint {
  if (!(frame instanceof Uint8Array) || frame.length !== 8) throw new TypeError('the sequence frame must be 8 bytes');
  let n = 0n;
  for (const b of frame) n = (n << 8n) | BigInt(b);
  return n;
}

/** Decodes a ZMQ multipart message from vLLM's publisher: `[topic, seq, payload]`. */
export function decodeVllmMessage(frames: readonly Uint8Array[], source: VllmSource): VllmMessage {
  if (!Array.isArray(frames) || frames.length !== 3) throw new TypeError('frames must be [topic, seq, payload]');
  const [topic, seq, payload] = frames as [Uint8Array, Uint8Array, Uint8Array];
  if (!(topic instanceof Uint8Array)) throw new TypeError('the topic frame must be bytes');
  return jsonReady({ topic: utf8Decode(topic), seq: sequenceOf(seq), ...decodeVllmBatch(payload, source) });
}
