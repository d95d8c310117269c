/**
 * What a gateway hands {@link KvRouter} and gets back: the request, the decision, the booking,
 * the typed refusal and the router's views of its workers.
 *
 * Place: `ts/router/kv-router/types.ts`.
 * @module
 */

import type { HashLike, WorkerIdLike } from '../kv-index.js';

/** A request to place. Give `tokens`, or the prompt's local block hashes (`blockHashes`). */
export interface RouteRequest {
  /** The prompt's token ids. */
  readonly tokens?: readonly number[] | Uint32Array;
  /** Or its local block hashes (`computeBlockHashes(tokens, blockSize, saltHash)`). */
  readonly blockHashes?: readonly HashLike[] | BigUint64Array;
  /** Input length in tokens (default: `tokens.length`, or blocks × block size). */
  readonly isl?: number;
  /** The caller's id (default: one the router makes up). Unique among running bookings. */
  readonly requestId?: string;
  /** Session id (Dynamo's `X-Dynamo-Session-ID`), for affinity. */
  readonly sessionId?: string;
  /** Seconds the request may jump in the deferral queue (`nvext.agent_hints.priority`). */
  readonly priority?: number;
  /** Queue tier, higher first (`nvext.agent_hints.strict_priority`). */
  readonly strictPriority?: number;
  /** Expected output tokens (`expected_output_tokens`), passed to replicas. */
  readonly expectedOutputTokens?: number;
  /** Pins the request to this worker (Dynamo's direct routing): no scoring, no fallback. */
  readonly workerId?: WorkerIdLike;
  /** The pinned worker's data-parallel rank (default 0). */
  readonly dpRank?: number;
}

/** A candidate's cost in a decision. */
export interface CandidateCost {
  /** The worker. */
  readonly workerId: bigint;
  /** Its data-parallel rank. */
  readonly dpRank: number;
  /** Its cost (lower is better). */
  readonly cost: number;
  /** Leading prompt blocks cached on it (device, or predicted where larger). */
  readonly overlapBlocks: number;
}

/** Matched blocks per tier (SPEC §6.6.1's overlap extensions). */
export interface TierBlocks {
  /** Leading blocks on the device (exact events). */
  readonly device: number;
  /** Further leading blocks on the host tier. */
  readonly host: number;
  /** Further leading blocks on disk and external tiers. */
  readonly disk: number;
  /** Leading blocks predicted by recent bookings (SPEC §6.7.2). */
  readonly predicted: number;
}

/** Where a request goes and why. */
export interface Decision {
  /** Discriminant against {@link Refusal}. */
  readonly refused: false;
  /** The chosen worker. */
  readonly workerId: bigint;
  /** Its data-parallel rank. */
  readonly dpRank: number;
  /** Leading prompt blocks it has cached: `max(device, predicted)`. */
  readonly overlapBlocks: number;
  /** The same by tier. */
  readonly tiers: TierBlocks;
  /** Its cost. */
  readonly cost: number;
  /** Every eligible candidate's cost, in the order workers were added. */
  readonly costs: CandidateCost[];
  /** Input length in tokens. */
  readonly isl: number;
  /** Tokens the worker must prefill: `isl − overlapBlocks × blockSize` (at least 0). */
  readonly prefillTokens: number;
}

/** A booked decision: the worker carries the request's load until {@link KvRouter.free}. */
export interface Booking extends Decision {
  /** The request's id (the caller's, or made up). */
  readonly requestId: string;
  /** Its session, where given. */
  readonly sessionId: string | undefined;
  /** When it was booked (router clock, ms). */
  readonly bookedAt: number;
}

/** Why the router did not place a request. */
export type RefusalReason = 'noWorkers' | 'allOverloaded' | 'pinnedOverloaded' | 'queueFull';

/** A typed refusal (DEP-0017): nothing was booked. */
export interface Refusal {
  /** Discriminant against {@link Decision}. */
  readonly refused: true;
  /** Why. */
  readonly reason: RefusalReason;
  /** When to try again (ms). */
  readonly retryAfterMs: number;
  /** In words. */
  readonly message: string;
}

/** The error {@link KvRouter.route} rejects with when it refuses. */
export class RouterBusy extends Error {
  /** Why. */
  readonly reason: RefusalReason;
  /** When to try again (ms); an HTTP gateway sends it as `Retry-After`. */
  readonly retryAfterMs: number;

  constructor(refusal: Refusal) {
    super(refusal.message);
    this.name = 'RouterBusy';
    this.reason = refusal.reason;
    this.retryAfterMs = refusal.retryAfterMs;
  }
}

/** What a worker reports about itself, for busy thresholds. */
export interface WorkerOptions {
  /** Its data-parallel rank (default 0). */
  readonly dpRank?: number;
  /** KV blocks it has on the device (`total_kv_blocks`), for `busy.activeDecodeBlocks`. */
  readonly totalKvBlocks?: number;
  /** Its `max_num_batched_tokens`, for `busy.activePrefillTokensFrac`. */
  readonly maxNumBatchedTokens?: number;
}

/** One worker as the router sees it. */
export interface WorkerView {
  /** The worker. */
  readonly workerId: bigint;
  /** Its data-parallel rank. */
  readonly dpRank: number;
  /** A candidate (not marked unhealthy). */
  readonly healthy: boolean;
  /** Distinct blocks its bookings hold (any router's). */
  readonly activeBlocks: number;
  /** Prefill tokens queued on it. */
  readonly prefillTokens: number;
  /** Bookings on it (any router's). */
  readonly bookings: number;
  /** Blocks the index holds for it. */
  readonly cachedBlocks: number;
}

/** Counters for dashboards and metrics. */
export interface RouterStats {
  /** Bookings made by this router. */
  readonly booked: number;
  /** Refusals, by reason. */
  readonly refused: Readonly<Record<RefusalReason, number>>;
  /** Bookings freed because nobody freed them within `bookingTtlMs`. */
  readonly expired: number;
  /** Requests waiting in the deferral queue. */
  readonly queued: number;
  /** Bookings running (this router's and its replicas'). */
  readonly running: number;
  /** Replica sync: messages applied, lost (sequence gaps), refused (malformed, unknown worker), ignored (unknown request), peers dropped for silence. */
  readonly sync: {
    readonly applied: number;
    readonly gaps: number;
    readonly rejected: number;
    readonly ignored: number;
    readonly peersExpired: number;
  };
}
