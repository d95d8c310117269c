/**
 * The deferral queue (SPEC §6.6.3): requests held while every candidate is busy, released in
 * order of `(strictPriority, policy key)` — higher first — when a booking frees capacity.
 * `fcfs`: `priority − arrival` (seconds); `wspt`: `(1 + priority) / isl`; `lcfs`: `priority +
 * arrival`. Equal keys keep arrival order.
 *
 * Place: `ts/router/kv-router/queue.ts`.
 * @module
 */

import type { QueuePolicy } from './options.js';

/** One held request. */
export interface Deferred<T> {
  /** What the router needs to decide it again. */
  readonly item: T;
  /** Higher tiers first. */
  readonly strictPriority: number;
  /** Seconds of queue jump (Dynamo's `priority_jump`). */
  readonly priority: number;
  /** Its input length in tokens. */
  readonly isl: number;
  /** When it arrived (ms). */
  readonly arrivedAt: number;
}

/** The queue. */
export class DeferralQueue<T> {
  readonly #policy: QueuePolicy;
  readonly #items: Array<Deferred<T> & { readonly order: number }> = [];
  #order = 0;

  constructor(policy: QueuePolicy) {
    this.#policy = policy;
  }

  #key(d: Deferred<T>): number {
    const arrival = d.arrivedAt / 1000;
    if (this.#policy === 'wspt') return (1 + d.priority) / Math.max(d.isl, 1);
    if (this.#policy === 'lcfs') return d.priority + arrival;
    return d.priority - arrival;
  }

  /** Held requests. */
  get size(): number {
    return this.#items.length;
  }

  /** Holds a request. */
  push(d: Deferred<T>): void {
    this.#items.push({ ...d, order: this.#order++ });
  }

  /** The request to release next, without removing it. */
  peek(): Deferred<T> | undefined {
    let best: (Deferred<T> & { readonly order: number }) | undefined;
    let bestKey = -Infinity;
    for (const d of this.#items) {
      const k = this.#key(d);
      if (
        best === undefined ||
        d.strictPriority > best.strictPriority ||
        (d.strictPriority === best.strictPriority && (k > bestKey || (k === bestKey && d.order < best.order)))
      ) {
        best = d;
        bestKey = k;
      }
    }
    return best;
  }

  /** Removes a held request. */
  remove(d: Deferred<T>): void {
    const i = this.#items.findIndex((x) => x.item === d.item);
    if (i >= 0) this.#items.splice(i, 1);
  }

  /** Removes and returns everything held. */
  drain(): Array<Deferred<T>> {
    return this.#items.splice(0);
  }
}
