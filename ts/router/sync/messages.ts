/**
 * The replica-sync message (SPEC §6.8): Dynamo's event-plane envelope `{publisher_id,
 * sequence, published_at, payload}` around its `ActiveSequenceEvent` (`request_id`, `worker`,
 * `data` = `AddRequest` / `MarkPrefillCompleted` / `Free`, `router_id`, `stride`), as JSON. The
 * library's own codec (the SPEC's choice): the payload is a JSON object rather than an array of
 * its bytes, every u64 is a decimal string (JSON numbers lose them in JavaScript), and two
 * messages Dynamo lacks keep replicas converged: `Hello` (a replica started: peers re-announce
 * their bookings) and `Heartbeat` (a replica is alive while idle).
 *
 * Place: `ts/router/sync/messages.ts`.
 * @module
 */

/** What a replica tells the others. */
export type SyncEvent =
  | {
      readonly kind: 'add';
      readonly requestId: string;
      readonly workerId: bigint;
      readonly dpRank: number;
      /** The prompt's blocks as sequence hashes (Dynamo's `token_sequence`). */
      readonly sequenceHashes: BigUint64Array;
      /** Prefill tokens the booking queues (`prefill_load_hint.initial_effective_prefill_tokens`). */
      readonly prefillTokens: number;
      readonly expectedOutputTokens: number | null;
    }
  | { readonly kind: 'prefillDone'; readonly requestId: string; readonly workerId: bigint; readonly dpRank: number }
  | { readonly kind: 'free'; readonly requestId: string; readonly workerId: bigint; readonly dpRank: number }
  | { readonly kind: 'hello' }
  | { readonly kind: 'heartbeat' };

/** One message: who sent it, its number in that sender's stream, when, and the event. */
export interface SyncEnvelope {
  /** The sending replica's `router_id`. */
  readonly publisherId: bigint;
  /** 1, 2, … per publisher: a skipped number is a lost message. */
  readonly sequence: bigint;
  /** Sender's clock, ms. */
  readonly publishedAt: number;
  /** The event. */
  readonly event: SyncEvent;
}

import { utf8Decode, utf8Encode } from '../../runtime/utf8.js';

/** The message's bytes. */
export function encodeSyncMessage(m: SyncEnvelope): Uint8Array {
  const e = m.event;
  let payload: Record<string, unknown>;
  if (e.kind === 'hello' || e.kind === 'heartbeat') {
    payload = { request_id: '', data: e.kind === 'hello' ? 'Hello' : 'Heartbeat', router_id: String(m.publisherId), stride: 1 };
  } else {
    const data =
      e.kind === 'add'
        ? {
            AddRequest: {
              token_sequence: Array.from(e.sequenceHashes, String),
              track_prefill_tokens: true,
              expected_output_tokens: e.expectedOutputTokens,
              prefill_load_hint: { initial_effective_prefill_tokens: e.prefillTokens, expected_prefill_duration: null },
            },
          }
        : e.kind === 'free'
          ? 'Free'
          : 'MarkPrefillCompleted';
    payload = {
      request_id: e.requestId,
      worker: { worker_id: String(e.workerId), dp_rank: e.dpRank },
      data,
      router_id: String(m.publisherId),
      stride: 1,
    };
  }
  return utf8Encode(
    JSON.stringify({ publisher_id: String(m.publisherId), sequence: String(m.sequence), published_at: m.publishedAt, payload }),
  );
}

function fail(field: string, why: string): never {
  throw new TypeError(`sync message: ${field} ${why}`);
}

function u64Of(value: unknown, field: string): bigint {
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value)) fail(field, 'must be a u64 as a decimal string');
  const v = BigInt(value);
  if (v > 0xffff_ffff_ffff_ffffn) fail(field, 'is beyond u64');
  return v;
}

function objectOf(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(field, 'must be an object');
  return value as Record<string, unknown>;
}

function countOf(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(field, 'must be a finite number >= 0');
  return value;
}

/** Reads a message; a malformed one is a `TypeError` naming the field. */
export function decodeSyncMessage(bytes: Uint8Array): SyncEnvelope {
  let root: unknown;
  try {
    root = JSON.parse(utf8Decode(bytes));
  } catch (cause) {
    throw new TypeError(`sync message: not JSON (${(cause as Error).message})`, { cause });
  }
  const env = objectOf(root, 'envelope');
  const publisherId = u64Of(env.publisher_id, 'publisher_id');
  const sequence = u64Of(env.sequence, 'sequence');
  const publishedAt = countOf(env.published_at, 'published_at');
  const p = objectOf(env.payload, 'payload');
  if (p.data === 'Hello' || p.data === 'Heartbeat') {
    return { publisherId, sequence, publishedAt, event: p.data === 'Hello' ? { kind: 'hello' } : { kind: 'heartbeat' } };
  }
  if (typeof p.request_id !== 'string' || p.request_id.length === 0) fail('payload.request_id', 'must be a non-empty string');
  const requestId = p.request_id;
  const worker = objectOf(p.worker, 'payload.worker');
  const workerId = u64Of(worker.worker_id, 'payload.worker.worker_id');
  const dpRank = worker.dp_rank;
  if (typeof dpRank !== 'number' || !Number.isInteger(dpRank) || dpRank < 0 || dpRank > 0xffff_ffff) {
    fail('payload.worker.dp_rank', 'must be a u32');
  }
  if (p.data === 'Free' || p.data === 'MarkPrefillCompleted') {
    const event: SyncEvent =
      p.data === 'Free' ? { kind: 'free', requestId, workerId, dpRank } : { kind: 'prefillDone', requestId, workerId, dpRank };
    return { publisherId, sequence, publishedAt, event };
  }
  const add = objectOf(objectOf(p.data, 'payload.data').AddRequest, 'payload.data.AddRequest');
  const seq = add.token_sequence;
  if (!Array.isArray(seq)) fail('payload.data.AddRequest.token_sequence', 'must be an Array');
  const sequenceHashes = new BigUint64Array(seq.length);
  seq.forEach((h, i) => (sequenceHashes[i] = u64Of(h, `payload.data.AddRequest.token_sequence[${i}]`)));
  const hint = objectOf(add.prefill_load_hint, 'payload.data.AddRequest.prefill_load_hint');
  const prefillTokens = countOf(
    hint.initial_effective_prefill_tokens,
    'payload.data.AddRequest.prefill_load_hint.initial_effective_prefill_tokens',
  );
  const out = add.expected_output_tokens;
  const expectedOutputTokens = out === null || out === undefined ? null : countOf(out, 'payload.data.AddRequest.expected_output_tokens');
  return {
    publisherId,
    sequence,
    publishedAt,
    event: { kind: 'add', requestId, workerId, dpRank, sequenceHashes, prefillTokens, expectedOutputTokens },
  };
}
