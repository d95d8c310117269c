/**
 * A router's link to its replicas (SPEC §6.8): publishes its bookings' lifecycle, applies the
 * others' to the shared load model with the local receive time, ignores its own, counts lost
 * and unusable messages, re-announces its bookings when a replica starts (so a late replica
 * converges) and drops the bookings of a replica silent for `peerTtlMs`.
 *
 * Place: `ts/router/kv-router/replica.ts`.
 * @module
 */

import { decodeSyncMessage, encodeSyncMessage, type SyncEvent } from '../sync/messages.js';
import type { SyncTransport } from '../sync/transport.js';
import type { BookingEntry, Bookings } from './bookings.js';

/** What the link needs from its router. */
export interface ReplicaHost {
  /** The router's clock. */
  now(): number;
  /** Whether the router knows this worker. */
  hasWorker(workerId: bigint, dpRank: number): boolean;
  /** A peer's booking ended or freed capacity: deferred requests may go. */
  capacityFreed(): void;
}

interface Peer {
  lastSeq: bigint;
  lastSeen: number;
}

/** The link. */
export class ReplicaLink {
  readonly routerId: bigint;
  readonly origin: string;
  readonly #transport: SyncTransport;
  readonly #bookings: Bookings;
  readonly #host: ReplicaHost;
  readonly #peerTtlMs: number;
  readonly #peers = new Map<bigint, Peer>();
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  #sequence = 0n;
  #closed = false;
  applied = 0;
  gaps = 0;
  rejected = 0;
  ignored = 0;
  peersExpired = 0;

  constructor(
    transport: SyncTransport,
    routerId: bigint,
    bookings: Bookings,
    host: ReplicaHost,
    timing: { peerTtlMs: number; heartbeatMs: number },
  ) {
    this.routerId = routerId;
    this.origin = String(routerId);
    this.#transport = transport;
    this.#bookings = bookings;
    this.#host = host;
    this.#peerTtlMs = timing.peerTtlMs;
    transport.subscribe((m) => this.#receive(m));
    this.#publish({ kind: 'hello' });
    if (timing.heartbeatMs > 0) {
      this.#timer = setInterval(() => this.heartbeat(), timing.heartbeatMs);
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  /** Tells the replicas about one of this router's bookings. */
  add(e: BookingEntry): void {
    this.#publish({
      kind: 'add',
      requestId: e.requestId,
      workerId: e.workerId,
      dpRank: e.dpRank,
      sequenceHashes: e.sequenceHashes,
      prefillTokens: e.prefillTokens,
      expectedOutputTokens: e.expectedOutputTokens,
    });
  }

  /** Tells the replicas a booking's prefill is done or that it ended. */
  lifecycle(kind: 'prefillDone' | 'free', e: BookingEntry): void {
    const { requestId, workerId, dpRank } = e;
    this.#publish(kind === 'free' ? { kind, requestId, workerId, dpRank } : { kind, requestId, workerId, dpRank });
  }

  /** Says this replica is alive. */
  heartbeat(): void {
    this.#publish({ kind: 'heartbeat' });
  }

  /** Drops the bookings of replicas silent for longer than `peerTtlMs`. */
  sweep(now: number): void {
    for (const [id, peer] of this.#peers) {
      if (now - peer.lastSeen > this.#peerTtlMs) {
        this.#peers.delete(id);
        this.peersExpired++;
        const origin = String(id);
        if (this.#bookings.freeWhere((e) => e.origin === origin).length > 0) this.#host.capacityFreed();
      }
    }
  }

  /** Stops publishing and hearing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#transport.close();
  }

  #publish(event: SyncEvent): void {
    if (this.#closed) return;
    this.#sequence++;
    this.#transport.publish(
      encodeSyncMessage({ publisherId: this.routerId, sequence: this.#sequence, publishedAt: this.#host.now(), event }),
    );
  }

  #receive(bytes: Uint8Array): void {
    if (this.#closed) return;
    let m;
    try {
      m = decodeSyncMessage(bytes);
    } catch {
      this.rejected++;
      return;
    }
    if (m.publisherId === this.routerId) return;
    const now = this.#host.now();
    let peer = this.#peers.get(m.publisherId);
    if (peer === undefined) {
      peer = { lastSeq: 0n, lastSeen: now };
      this.#peers.set(m.publisherId, peer);
    }
    if (m.sequence > peer.lastSeq + 1n && peer.lastSeq !== 0n) this.gaps += Number(m.sequence - peer.lastSeq - 1n);
    peer.lastSeq = m.sequence;
    peer.lastSeen = now;
    this.#apply(m.event, String(m.publisherId), now);
  }

  #apply(e: SyncEvent, origin: string, now: number): void {
    if (e.kind === 'heartbeat') return;
    if (e.kind === 'hello') {
      // A replica (re)started with no state: announce every booking of ours.
      for (const b of this.#bookings.values()) {
        if (b.origin !== this.origin) continue;
        this.add(b);
        if (b.prefillDone) this.lifecycle('prefillDone', b);
      }
      return;
    }
    if (e.kind === 'add') {
      if (!this.#host.hasWorker(e.workerId, e.dpRank)) {
        this.rejected++;
        return;
      }
      if (this.#bookings.get(origin, e.requestId) !== undefined) return; // a re-announcement
      this.#bookings.add({ ...e, origin, bookedAt: now, prefillDone: false });
      this.applied++;
      return;
    }
    const done =
      e.kind === 'free' ? this.#bookings.free(origin, e.requestId) !== undefined : this.#bookings.prefillDone(origin, e.requestId);
    if (!done) {
      this.ignored++;
      return;
    }
    this.applied++;
    this.#host.capacityFreed();
  }
}
