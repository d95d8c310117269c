/**
 * Every booking a router knows — its own and its replicas' — over the load tracker (SPEC
 * §6.6.4): booked, prefill done, freed, or swept when stale or when its replica went silent.
 *
 * Place: `ts/router/kv-router/bookings.ts`.
 * @module
 */

import { LoadTracker } from '../select.js';

/** One booking as the load model holds it. */
export interface BookingEntry {
  /** The router that booked it (`origin/requestId` is unique). */
  readonly origin: string;
  /** The caller's request id. */
  readonly requestId: string;
  /** The worker. */
  readonly workerId: bigint;
  /** Its data-parallel rank. */
  readonly dpRank: number;
  /** The prompt's blocks as sequence hashes. */
  readonly sequenceHashes: BigUint64Array;
  /** Prefill tokens queued while the prefill runs. */
  readonly prefillTokens: number;
  /** Expected output tokens, where the caller said. */
  readonly expectedOutputTokens: number | null;
  /** Booked at (the local clock). */
  readonly bookedAt: number;
  /** Prefill done. */
  prefillDone: boolean;
}

/** The bookings and the load they put on the workers. */
export class Bookings {
  readonly tracker = new LoadTracker();
  readonly #entries = new Map<string, BookingEntry>();

  static key(origin: string, requestId: string): string {
    return `${origin}/${requestId}`;
  }

  /** The booking, if known. */
  get(origin: string, requestId: string): BookingEntry | undefined {
    return this.#entries.get(Bookings.key(origin, requestId));
  }

  /** Every booking. */
  values(): IterableIterator<BookingEntry> {
    return this.#entries.values();
  }

  /** How many bookings there are. */
  get size(): number {
    return this.#entries.size;
  }

  /** Books: the worker's load grows by the request's blocks and prefill tokens. */
  add(entry: BookingEntry): void {
    const key = Bookings.key(entry.origin, entry.requestId);
    this.tracker.addRequest(key, entry.workerId, entry.sequenceHashes, entry.prefillTokens, entry.dpRank);
    this.#entries.set(key, entry);
  }

  /** The prefill is done: its tokens leave the worker's queue. False where unknown or done already. */
  prefillDone(origin: string, requestId: string): boolean {
    const e = this.get(origin, requestId);
    if (e === undefined || e.prefillDone) return false;
    this.tracker.markPrefillDone(Bookings.key(origin, requestId));
    e.prefillDone = true;
    return true;
  }

  /** Frees a booking; false where unknown. */
  free(origin: string, requestId: string): BookingEntry | undefined {
    const key = Bookings.key(origin, requestId);
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    this.tracker.finishRequest(key);
    this.#entries.delete(key);
    return e;
  }

  /** Frees every booking `which` selects; returns them. */
  freeWhere(which: (e: BookingEntry) => boolean): BookingEntry[] {
    const gone: BookingEntry[] = [];
    for (const e of this.#entries.values()) if (which(e)) gone.push(e);
    for (const e of gone) this.free(e.origin, e.requestId);
    return gone;
  }

  /** Forgets a worker's bookings (the worker left). */
  removeWorker(workerId: bigint): BookingEntry[] {
    const gone: BookingEntry[] = [];
    for (const [key, e] of this.#entries) {
      if (e.workerId === workerId) {
        gone.push(e);
        this.#entries.delete(key);
      }
    }
    this.tracker.removeWorker(workerId);
    return gone;
  }
}
