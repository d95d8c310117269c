/**
 * Session affinity (SPEC §6.7.1): a session is bound to the worker its first booking went to;
 * the binding lives while the session has requests running and for `ttlMs` of idleness after.
 * At most 65 536 sessions (the oldest idle binding makes room); ids of at most 256 bytes.
 *
 * Place: `ts/router/kv-router/sessions.ts`.
 * @module
 */

import { utf8Encode } from '../../runtime/utf8.js';

/** A session's binding. */
export interface SessionBinding {
  /** The worker. */
  workerId: bigint;
  /** Its data-parallel rank. */
  dpRank: number;
  /** Requests of the session running now. */
  active: number;
  /** When the session last went idle (or was bound). */
  idleSince: number;
}

/** Dynamo's limits. */
export const MAX_SESSIONS = 65_536;
const MAX_ID_BYTES = 256;

/** Checks a session id: a non-empty string of at most 256 UTF-8 bytes. */
export function sessionIdOf(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${name} must be a non-empty string`);
  if (utf8Encode(value).length > MAX_ID_BYTES) throw new RangeError(`${name} must be at most ${MAX_ID_BYTES} bytes`);
  return value;
}

/** The bindings. */
export class Sessions {
  readonly #bindings = new Map<string, SessionBinding>();
  readonly #ttlMs: number;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  /** The live binding of a session (an idle one past its TTL is dropped). */
  get(sessionId: string, now: number): SessionBinding | undefined {
    const b = this.#bindings.get(sessionId);
    if (b !== undefined && b.active === 0 && now - b.idleSince > this.#ttlMs) {
      this.#bindings.delete(sessionId);
      return undefined;
    }
    return b;
  }

  /** Binds (or rebinds) a session to a worker and counts one running request. */
  bind(sessionId: string, workerId: bigint, dpRank: number, now: number): void {
    const b = this.get(sessionId, now);
    if (b !== undefined) {
      b.workerId = workerId;
      b.dpRank = dpRank;
      b.active++;
      return;
    }
    if (this.#bindings.size >= MAX_SESSIONS) this.#evictOne(now);
    this.#bindings.set(sessionId, { workerId, dpRank, active: 1, idleSince: now });
  }

  /** A request of the session ended: the idle timer restarts when none runs. */
  release(sessionId: string, now: number): void {
    const b = this.#bindings.get(sessionId);
    if (b === undefined) return;
    b.active = Math.max(0, b.active - 1);
    if (b.active === 0) b.idleSince = now;
  }

  /** Drops a binding (its worker is gone or failed). */
  invalidate(sessionId: string): void {
    this.#bindings.delete(sessionId);
  }

  /** Drops every binding to a worker. */
  removeWorker(workerId: bigint): void {
    for (const [id, b] of this.#bindings) if (b.workerId === workerId) this.#bindings.delete(id);
  }

  /** Live bindings. */
  get size(): number {
    return this.#bindings.size;
  }

  /** Drops expired bindings, else the longest idle one. */
  #evictOne(now: number): void {
    let oldest: string | undefined;
    let since = Infinity;
    for (const [id, b] of this.#bindings) {
      if (b.active === 0 && now - b.idleSince > this.#ttlMs) this.#bindings.delete(id);
      else if (b.active === 0 && b.idleSince < since) {
        since = b.idleSince;
        oldest = id;
      }
    }
    if (this.#bindings.size >= MAX_SESSIONS && oldest !== undefined) this.#bindings.delete(oldest);
    if (this.#bindings.size >= MAX_SESSIONS) throw new RangeError(`more than ${MAX_SESSIONS} sessions have requests running`);
  }
}
