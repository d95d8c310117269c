/**
 * vLLM's KV events (`vllm.distributed.kv_events`), as its ZMQ publisher sends them, to index
 * events — the job of Dynamo's `KvEventPublisher` for vLLM. Entry point `kvbm-sequence/vllm`
 * (it brings `@msgpack/msgpack`).
 *
 * Place: `ts/router/vllm.ts`.
 * @module
 */

import { decode } from '@msgpack/msgpack';
import { utf8Decode } from '../runtime/utf8.js';
import { computeBlockHashes, computeSaltHash, jsonReady, type KvEvent, type StoredBlock } from 'kvbm-sequence';

/** Where the events come from and how the router hashes blocks. */
export interface VllmSource {
  /** The worker that published the batch. */
  readonly workerId: bigint | number;
  /** The router's block size (the engine's `block_size`; larger event blocks that are a multiple are split). */
  readonly blockSize: number;
  /** Rank to use when the batch names none (default 0). */
  readonly dpRank?: number;
}

/** A decoded `KVEventBatch`. */
export interface VllmBatch {
  /** The publisher's timestamp (seconds). */
  readonly ts: number;
  /** The batch's data-parallel rank (or the source's). */
  readonly dpRank: number;
  /** The batch's events as index events. */
  readonly events: KvEvent[];
  /** Events of kinds this decoder does not know, skipped. */
  readonly skipped: number;
}

/** A decoded ZMQ multipart message: `[topic, sequence (8 bytes, big-endian), payload]`. */
export interface VllmMessage extends VllmBatch {
  /** The topic frame as text. */
  readonly topic: string;
  /** The publisher's sequence number. */
  readonly seq: bigint;
}

const U64 = (1n << 64n) - 1n;

/** An engine block hash as Dynamo's 64-bit id: an integer (negative ones wrap), or the last 8 bytes of a digest, big-endian. */
export function engineBlockHash(value: unknown, name = 'block hash'): bigint {
  if (typeof value === 'bigint') return value & U64;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value) & U64;
  if (value instanceof Uint8Array) {
    let v = 0n;
    for (const b of value.subarray(Math.max(0, value.length - 8))) v = (v << 8n) | BigInt(b);
    return v;
  }
  throw new TypeError(`${name} must be an integer or bytes, got ${typeof value}`);
}

function int(value: unknown, name: string): number {
  const v = typeof value === 'bigint' ? Number(value) : value;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new TypeError(`${name} must be a non-negative integer`);
  return v;
}

/** vLLM's multimodal identifiers in `extra_keys`: 64-hex-digit digests, the first 16 digits as the mm hash. */
function mmHashesOf(extraKeys: unknown): Array<bigint[] | null> | undefined {
  if (!Array.isArray(extraKeys)) return undefined;
  const out = extraKeys.map((keys: unknown) => {
    if (!Array.isArray(keys)) return null;
    const found: bigint[] = [];
    for (const k of keys) {
      const text = typeof k === 'string' ? k : Array.isArray(k) && typeof k[0] === 'string' ? k[0] : undefined;
      if (text !== undefined && /^[0-9a-fA-F]{64}$/.test(text)) found.push(BigInt(`0x${text.slice(0, 16)}`));
    }
    return found.length > 0 ? found : null;
  });
  return out.some((x) => x !== null) ? out : undefined;
}

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

function stored(fields: unknown[], source: VllmSource, dpRank: number): KvEvent | undefined {
  const hashes = (Array.isArray(fields[1]) ? fields[1] : []).map((h: unknown) => engineBlockHash(h));
  const parent = fields[2] === null || fields[2] === undefined ? null : engineBlockHash(fields[2], 'parent_block_hash');
  const raw = Array.isArray(fields[3]) ? fields[3] : [];
  const eventBlockSize = int(fields[4], 'block_size');
  const lora = typeof fields[7] === 'string' ? fields[7] : undefined;
  // EAGLE engines send (token, next token) pairs: the tokens are the firsts, then the last second.
  const eagle = raw.length > 0 && Array.isArray(raw[0]);
  const tokens: number[] = eagle ? raw.map((p: unknown) => int((p as unknown[])[0], 'token')) : raw.map((t: unknown) => int(t, 'token'));
  if (eagle) tokens.push(int((raw[raw.length - 1] as unknown[])[1], 'token'));
  const mm = mmHashesOf(fields[8]);
  const bs = source.blockSize;
  const salt = computeSaltHash({ lora });
  const blocks: StoredBlock[] = [];
  let offset = 0;
  // An event block is one router block, or (not EAGLE) a multiple of it split in pieces; other
  // sizes stop the event.
  const pieces = eventBlockSize === bs ? 1 : eventBlockSize % bs === 0 && !eagle ? eventBlockSize / bs : 0;
  for (let k = 0; k < hashes.length; k++) {
    if (pieces === 0 || offset + eventBlockSize + (eagle ? 1 : 0) > tokens.length) break;
    for (let p = 0; p < pieces; p++) {
      const start = offset + p * bs;
      const window = tokens.slice(start, start + bs + (eagle ? 1 : 0));
      const mmHashes = mm?.[k] ? [mm[k]] : undefined;
      const [tokensHash] = computeBlockHashes(window, bs, salt, { eagle, mmHashes });
      const blockHash = p + 1 === pieces ? (hashes[k] as bigint) : splitHash(hashes[k] as bigint, p, pieces);
      blocks.push({ blockHash, tokensHash: tokensHash as bigint });
    }
    offset += eventBlockSize;
  }
  return { type: 'stored', workerId: source.workerId, dpRank, parentHash: parent, blocks };
}

/**
 * Decodes one msgpack `KVEventBatch` — `[ts, [events…], data_parallel_rank]`, each event a
 * tagged array (`["BlockStored", block_hashes, parent_block_hash, token_ids, block_size,
 * lora_id, medium, lora_name, extra_keys, …]`, `["BlockRemoved", block_hashes, medium, …]`,
 * `["AllBlocksCleared", …]`) — into index events. Local hashes are recomputed from the token ids
 * as Dynamo's router does (salt from `lora_name`, multimodal hashes from `extra_keys`, EAGLE
 * token pairs). A stored event that repeats a hash (or its parent) comes out as one the index
 * refuses as `InvalidBlockSequence`, as Dynamo drops it.
 */
export function decodeVllmBatch(payload: Uint8Array, source: VllmSource): VllmBatch {
  if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array');
  if (source === null || typeof source !== 'object') throw new TypeError('source must be { workerId, blockSize }');
  if (!Number.isInteger(source.blockSize) || source.blockSize < 1) throw new RangeError('source.blockSize must be an integer >= 1');
  const batch: unknown = decode(payload, { useBigInt64: true });
  if (!Array.isArray(batch) || !Array.isArray(batch[1])) throw new TypeError('payload is not a vLLM KVEventBatch ([ts, events, dp_rank])');
  const ts = Number(batch[0]);
  const dpRank = batch[2] === null || batch[2] === undefined ? (source.dpRank ?? 0) : int(batch[2], 'data_parallel_rank');
  const events: KvEvent[] = [];
  let skipped = 0;
  for (const e of batch[1] as unknown[]) {
    if (!Array.isArray(e)) {
      skipped += 1;
      continue;
    }
    if (e[0] === 'BlockStored') {
      const ev = stored(e, source, dpRank);
      if (ev) events.push(ev);
    } else if (e[0] === 'BlockRemoved') {
      const hashes = (Array.isArray(e[1]) ? e[1] : []).map((h: unknown) => engineBlockHash(h));
      events.push({ type: 'removed', workerId: source.workerId, dpRank, blockHashes: hashes });
    } else if (e[0] === 'AllBlocksCleared') {
      events.push({ type: 'cleared', workerId: source.workerId, dpRank });
    } else {
      skipped += 1;
    }
  }
  return jsonReady({ ts, dpRank, events: jsonReady(events), skipped });
}

/** Decodes a ZMQ multipart message from vLLM's publisher: `[topic, seq, payload]`. */
export function decodeVllmMessage(frames: readonly Uint8Array[], source: VllmSource): VllmMessage {
  if (!Array.isArray(frames) || frames.length !== 3) throw new TypeError('frames must be [topic, seq, payload]');
  const [topic, seq, payload] = frames as [Uint8Array, Uint8Array, Uint8Array];
  if (!(seq instanceof Uint8Array) || seq.length !== 8) throw new TypeError('the sequence frame must be 8 bytes');
  let n = 0n;
  for (const b of seq) n = (n << 8n) | BigInt(b);
  return jsonReady({ topic: utf8Decode(topic), seq: n, ...decodeVllmBatch(payload, source) });
}
