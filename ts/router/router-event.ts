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

/** Where a Dynamo `RouterEvent` stands in its worker's numbering (SPEC §6.5.4). */
export type EventIdStatus =
  | { readonly status: 'ok' }
  | { readonly status: 'duplicate' }
  | { readonly status: 'gap'; readonly from: bigint; readonly to: bigint }
  | { readonly status: 'first'; readonly eventId: bigint };

/** Counters of a {@link RouterEventCursor}. */
export interface EventIdCounters {
  /** Events in order. */
  inOrder: number;
  /** Events whose id was already seen (dropped by the cursor, as Dynamo's per-worker cursor does). */
  duplicates: number;
  /** Gaps seen. */
  gaps: number;
  /** Events missing in those gaps. */
  missingEvents: number;
}

/**
 * Dynamo's per-`(worker, dpRank)` `event_id` cursor over `RouterEvent` streams: each worker
 * numbers its events from 0, +1 per event. `accept` says whether an event is next, a duplicate
 * (to drop) or after a gap `[from, to]` — the range to ask the worker's `LocalKvIndexer` for —
 * and counts them; the caller's `onGap` hears each gap.
 */
export class RouterEventCursor {
  /** What the cursor has seen. */
  readonly counters: EventIdCounters = { inOrder: 0, duplicates: 0, gaps: 0, missingEvents: 0 };
  readonly #last = new Map<string, bigint>();
  readonly #onGap: ((gap: { workerId: bigint; dpRank: number; from: bigint; to: bigint }) => void) | undefined;

  /** A cursor; `onGap` hears each gap (synchronously). */
  constructor(onGap?: (gap: { workerId: bigint; dpRank: number; from: bigint; to: bigint }) => void) {
    this.#onGap = onGap;
  }

  /** Converts one `RouterEvent` (text or parsed) and places its `event_id`; `event` is `undefined` for a duplicate. */
  accept(input: string | object): { event: KvEvent | undefined; id: EventIdStatus } {
    const value: unknown = typeof input === 'string' ? JSON.parse(input.replace(BIG_INTEGER, '$1"$2"')) : input;
    const event = fromRouterEvent(value as object);
    const id = u64(record(record(value, 'RouterEvent').event, 'event').event_id, 'event.event_id');
    const key = `${event.workerId}:${event.dpRank ?? 0}`;
    const last = this.#last.get(key);
    if (last !== undefined && id <= last) {
      this.counters.duplicates += 1;
      return { event: undefined, id: { status: 'duplicate' } };
    }
    this.#last.set(key, id);
    if (last === undefined) return { event, id: { status: 'first', eventId: id } };
    if (id === last + 1n) {
      this.counters.inOrder += 1;
      return { event, id: { status: 'ok' } };
    }
    const gap = { from: last + 1n, to: id - 1n };
    this.counters.gaps += 1;
    this.counters.missingEvents += Number(gap.to - gap.from + 1n);
    try {
      this.#onGap?.({ workerId: BigInt(event.workerId), dpRank: event.dpRank ?? 0, ...gap });
    } catch {
      // The hook's failure must not lose the event.
    }
    return { event, id: { status: 'gap', ...gap } };
  }

  /** Forgets a worker (removed, or re-dumped from its tree: numbering starts over). */
  forget(workerId: bigint | number, dpRank = 0): void {
    this.#last.delete(`${BigInt(workerId)}:${dpRank}`);
  }
}
