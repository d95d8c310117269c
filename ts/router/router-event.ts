/**
 * Dynamo's own `RouterEvent` (JSON, as its workers publish it) to index events.
 *
 * Place: `ts/router/router-event.ts`.
 * @module
 */

import type { KvEvent } from './kv-index.js';
import { jsonReady } from '../runtime/json.js';

/** Integers of 16 digits or more in value position, quoted so that `JSON.parse` keeps them exact. */
const BIG_INTEGER = /([:,[]\s*)(-?\d{16,})(?=\s*[,\]}])/g;

function big(value: unknown, name: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new TypeError(`${name} must be an integer, got ${JSON.stringify(value)}`);
}

function u64(value: unknown, name: string): bigint {
  const v = big(value, name);
  if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new RangeError(`${name} must be a u64, got ${v}`);
  return v;
}

function record(value: unknown, name: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Converts one Dynamo `RouterEvent` — `{ worker_id, event: { event_id, data, dp_rank } }` with
 * `data` one of `{ stored: { parent_hash, blocks: [{ block_hash, tokens_hash }] } }`,
 * `{ removed: { block_hashes } }` or `"cleared"` — given as text or as a parsed object.
 * Text is parsed with its large integers kept exact.
 */
export function fromRouterEvent(input: string | object): KvEvent {
  return jsonReady(convert(input));
}

function convert(input: string | object): KvEvent {
  const value: unknown = typeof input === 'string' ? JSON.parse(input.replace(BIG_INTEGER, '$1"$2"')) : input;
  const root = record(value, 'RouterEvent');
  const workerId = u64(root.worker_id, 'worker_id');
  const event = record(root.event, 'event');
  const dp = event.dp_rank === undefined ? 0 : Number(u64(event.dp_rank, 'event.dp_rank'));
  if (dp > 0xffff_ffff) throw new RangeError('event.dp_rank must be a u32');
  const data = event.data;
  if (data === 'cleared') return { type: 'cleared', workerId, dpRank: dp };
  const d = record(data, 'event.data');
  if ('stored' in d) {
    const s = record(d.stored, 'event.data.stored');
    if (!Array.isArray(s.blocks)) throw new TypeError('event.data.stored.blocks must be an Array');
    return {
      type: 'stored',
      workerId,
      dpRank: dp,
      parentHash: s.parent_hash === null || s.parent_hash === undefined ? null : u64(s.parent_hash, 'parent_hash'),
      blocks: s.blocks.map((b: unknown, i: number) => {
        const block = record(b, `blocks[${i}]`);
        return {
          blockHash: u64(block.block_hash, `blocks[${i}].block_hash`),
          tokensHash: u64(block.tokens_hash, `blocks[${i}].tokens_hash`),
        };
      }),
    };
  }
  if ('removed' in d) {
    const r = record(d.removed, 'event.data.removed');
    if (!Array.isArray(r.block_hashes)) throw new TypeError('event.data.removed.block_hashes must be an Array');
    return {
      type: 'removed',
      workerId,
      dpRank: dp,
      blockHashes: r.block_hashes.map((h: unknown, i: number) => u64(h, `block_hashes[${i}]`)),
    };
  }
  throw new TypeError("event.data must be { stored }, { removed } or 'cleared'");
}
