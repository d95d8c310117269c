/**
 * The one object a gateway holds (SPEC §6.6–§6.8): its workers, the index the engines' events
 * feed, the load model of every booking, the policy; `route()` chooses a worker and books it in
 * one synchronous step, so no other request can decide on the load in between.
 *
 * Place: `ts/router/kv-router/router.ts`.
 * @module
 */

import { computeBlockHashes } from '../../core/hash.js';
import { chainLocal } from '../cost.js';
import { KvIndex, type EventCounts, type HashLike, type KvEvent, type WorkerIdLike } from '../kv-index.js';
import { seededRandom } from '../select.js';
import { bigU64 as idOf, u64 } from '../../runtime/validate.js';
import { jsonReady } from '../../runtime/json.js';
import { Bookings, type BookingEntry } from './bookings.js';
import { decideInWasm, Field } from './decide.js';
import { numberOption, resolveOptions, type KvRouterOptions, type ResolvedOptions } from './options.js';
import { DeferralQueue } from './queue.js';
import { ReplicaLink } from './replica.js';
import { Sessions, sessionIdOf } from './sessions.js';
import {
  RouterBusy,
  type Booking,
  type CandidateCost,
  type Decision,
  type Refusal,
  type RefusalReason,
  type RouteRequest,
  type RouterStats,
  type WorkerOptions,
  type WorkerView,
} from './types.js';

interface Worker {
  readonly workerId: bigint;
  readonly dpRank: number;
  /** The id's low and high words and the rank, as `kv_router_decide` reads a worker. */
  readonly words: readonly [number, number, number];
  healthy: boolean;
  totalKvBlocks: number | undefined;
  maxNumBatchedTokens: number | undefined;
}

interface Prepared {
  readonly local: BigUint64Array;
  readonly sequence: BigUint64Array;
  readonly isl: number;
  readonly requestId: string | undefined;
  readonly sessionId: string | undefined;
  readonly pin: { readonly workerId: bigint; readonly dpRank: number } | undefined;
  readonly priority: number;
  readonly strictPriority: number;
  readonly expectedOutputTokens: number | null;
}

interface Waiting {
  readonly request: Prepared;
  readonly resolve: (b: Booking) => void;
  readonly reject: (e: unknown) => void;
}

const key = (workerId: bigint, dpRank: number): string => `${workerId}:${dpRank}`;

/**
 * A KV-aware router: `route()` picks the worker whose cache and load make the request cheapest
 * (Dynamo's cost) and books it; `prefillDone()` and `free()` follow the request; engine events
 * (`applyEvents`, or a `VllmStream` with the router as its sink) keep the index current.
 */
export class KvRouter {
  readonly #o: ResolvedOptions;
  readonly #index: KvIndex;
  readonly #predictions: KvIndex | undefined;
  readonly #bookings = new Bookings();
  readonly #workers = new Map<string, Worker>();
  readonly #sessions: Sessions | undefined;
  readonly #queue: DeferralQueue<Waiting>;
  readonly #pending = new Set<string>();
  readonly #random: () => number;
  readonly #link: ReplicaLink | undefined;
  readonly #origin: string;
  /** The healthy workers in the order added, and their words for a decision; remade after a change. */
  #healthy: { readonly list: readonly Worker[]; readonly words: Uint32Array } | undefined;
  #roundRobin = 0;
  #nextId = 0;
  #nextSweep = -Infinity;
  #closed = false;
  #draining = false;
  #booked = 0;
  #expired = 0;
  readonly #refused: Record<RefusalReason, number> = { noWorkers: 0, allOverloaded: 0, pinnedOverloaded: 0, queueFull: 0 };

  /** A router with no workers yet. */
  constructor(options: KvRouterOptions) {
    this.#o = resolveOptions(options);
    const o = this.#o;
    this.#random = o.seed === undefined ? Math.random : seededRandom(o.seed);
    this.#index = o.mode === 'approximate' ? new KvIndex({ mode: 'approximate', ttlMs: o.approximateTtlMs }) : new KvIndex();
    this.#predictions = o.predictedTtlMs > 0 ? new KvIndex({ mode: 'approximate', ttlMs: o.predictedTtlMs }) : undefined;
    this.#sessions = o.affinity === undefined ? undefined : new Sessions(o.affinity.ttlMs);
    this.#queue = new DeferralQueue(o.queuePolicy);
    const sync = o.sync;
    const routerId =
      sync?.routerId === undefined ? BigInt(Math.floor(Math.random() * 2 ** 53)) : idOf(sync.routerId, 'options.sync.routerId');
    this.#origin = String(routerId);
    if (sync !== undefined) {
      const peerTtlMs = sync.peerTtlMs ?? 30_000;
      this.#link = new ReplicaLink(
        sync.transport,
        routerId,
        this.#bookings,
        {
          now: () => o.clock(),
          hasWorker: (id, dp) => this.#workers.has(key(id, dp)),
          capacityFreed: () => this.#drain(),
        },
        { peerTtlMs, heartbeatMs: sync.heartbeatMs ?? peerTtlMs / 3 },
      );
    }
  }

  /** This router's replica id (`router_id`). */
  get routerId(): bigint {
    return BigInt(this.#origin);
  }

  /** The index of the workers' caches (feed it through {@link applyEvents} or directly). */
  get index(): KvIndex {
    return this.#index;
  }

  // ---- workers -------------------------------------------------------------------------

  /** Adds a worker (a data-parallel rank of one); a known one only has its figures updated. */
  addWorker(workerId: WorkerIdLike, options: WorkerOptions = {}): void {
    const id = idOf(workerId, 'workerId');
    if (options === null || typeof options !== 'object')
      throw new TypeError('options must be { dpRank?, totalKvBlocks?, maxNumBatchedTokens? }');
    const dpRank = numberOption(options.dpRank, 'options.dpRank', 0, 0, 0xffff_ffff);
    if (!Number.isInteger(dpRank)) throw new RangeError('options.dpRank must be an integer');
    const total = options.totalKvBlocks === undefined ? undefined : numberOption(options.totalKvBlocks, 'options.totalKvBlocks', 0, 1);
    const batched =
      options.maxNumBatchedTokens === undefined
        ? undefined
        : numberOption(options.maxNumBatchedTokens, 'options.maxNumBatchedTokens', 0, 1);
    const known = this.#workers.get(key(id, dpRank));
    if (known !== undefined) {
      known.totalKvBlocks = total ?? known.totalKvBlocks;
      known.maxNumBatchedTokens = batched ?? known.maxNumBatchedTokens;
      return;
    }
    this.#bookings.tracker.addWorker(id, dpRank);
    const [lo, hi] = u64(id, 'workerId');
    this.#workers.set(key(id, dpRank), {
      workerId: id,
      dpRank,
      words: [lo, hi, dpRank],
      healthy: true,
      totalKvBlocks: total,
      maxNumBatchedTokens: batched,
    });
    this.#healthy = undefined;
    this.#drain();
  }

  /** Removes a worker (every rank): its cache entries, bookings, predictions and session bindings go. */
  removeWorker(workerId: WorkerIdLike): void {
    const id = idOf(workerId, 'workerId');
    for (const [k, w] of this.#workers) if (w.workerId === id) this.#workers.delete(k);
    this.#healthy = undefined;
    this.#bookings.removeWorker(id);
    this.#index.removeWorker(id);
    this.#predictions?.removeWorker(id);
    this.#sessions?.removeWorker(id);
  }

  /** Takes a worker (every rank) out of the candidates, e.g. after a failed connection; its bookings stay. */
  markUnhealthy(workerId: WorkerIdLike): void {
    this.#setHealth(idOf(workerId, 'workerId'), false);
  }

  /** Makes a worker a candidate again. */
  markHealthy(workerId: WorkerIdLike): void {
    this.#setHealth(idOf(workerId, 'workerId'), true);
    this.#drain();
  }

  #setHealth(id: bigint, healthy: boolean): void {
    let found = false;
    for (const w of this.#workers.values()) {
      if (w.workerId === id) {
        w.healthy = healthy;
        found = true;
      }
    }
    if (!found) throw new RangeError(`unknown worker ${id}: add it with addWorker first`);
    this.#healthy = undefined;
  }

  /** The healthy workers and their decision words (kept until the workers change). */
  #healthyWorkers(): { readonly list: readonly Worker[]; readonly words: Uint32Array } {
    if (this.#healthy === undefined) {
      const list = [...this.#workers.values()].filter((w) => w.healthy);
      this.#healthy = { list, words: wordsOf(list) };
    }
    return this.#healthy;
  }

  /** Every worker with its load, in the order added. */
  workers(): WorkerView[] {
    const loads = this.#bookings.tracker.potentialLoads(new BigUint64Array(0));
    const cached = new Map(this.#index.treeSizes().map((t) => [key(t.workerId, t.dpRank), t.blocks]));
    const counts = new Map<string, number>();
    for (const b of this.#bookings.values()) counts.set(key(b.workerId, b.dpRank), (counts.get(key(b.workerId, b.dpRank)) ?? 0) + 1);
    return jsonReady(
      loads.map((l) => {
        const k = key(l.workerId, l.dpRank);
        return {
          workerId: l.workerId,
          dpRank: l.dpRank,
          healthy: this.#workers.get(k)?.healthy ?? false,
          activeBlocks: l.activeBlocks,
          prefillTokens: l.prefillTokens,
          bookings: counts.get(k) ?? 0,
          cachedBlocks: cached.get(k) ?? 0,
        };
      }),
    );
  }

  // ---- the index ------------------------------------------------------------------------

  /** Applies engine events to the index (a `VllmStream` sink); results counted per kind. */
  applyEvents(events: readonly KvEvent[]): EventCounts {
    return this.#index.applyEvents(events);
  }

  // ---- decisions ------------------------------------------------------------------------

  /**
   * Chooses a worker and books the request on it, atomically. Rejects with {@link RouterBusy}
   * when no worker can take it — or, with `whenBusy: 'defer'`, waits in the queue until a
   * booking frees capacity.
   */
  route(request: RouteRequest): Promise<Booking> {
    try {
      const p = this.#prepare(request);
      const result = this.#attempt(p);
      if (!result.refused) return Promise.resolve(result);
      if (result.reason !== 'allOverloaded' || this.#o.whenBusy !== 'defer') return Promise.reject(this.#busyError(result));
      const limit = this.#o.queueLimit ?? 1_000 * Math.max(this.#workers.size, 1);
      if (this.#queue.size >= limit) {
        return Promise.reject(
          this.#busyError(this.#refuse('queueFull', `the deferral queue holds ${this.#queue.size} requests (limit ${limit})`)),
        );
      }
      return new Promise<Booking>((resolve, reject) => {
        const item: Waiting = { request: { ...p, local: p.local.slice() }, resolve, reject };
        if (p.requestId !== undefined) this.#pending.add(p.requestId);
        this.#queue.push({ item, strictPriority: p.strictPriority, priority: p.priority, isl: p.isl, arrivedAt: this.#o.clock() });
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** {@link route} without waiting: the booking, or the refusal as a value. */
  tryRoute(request: RouteRequest): Booking | Refusal {
    const result = this.#attempt(this.#prepare(request));
    if (result.refused) this.#refused[result.reason]++;
    return result;
  }

  /** The decision {@link route} would make now, without booking anything. */
  probe(request: RouteRequest): Decision | Refusal {
    const p = this.#prepare(request);
    return this.#decide(p, this.#o.clock());
  }

  /** The request's first token came: its prefill tokens leave the worker's queue. */
  prefillDone(requestId: string): void {
    const e = this.#own(requestId);
    if (this.#bookings.prefillDone(this.#origin, requestId)) {
      this.#link?.lifecycle('prefillDone', e);
      this.#drain();
    }
  }

  /** The request ended (finished, cancelled, failed): its load leaves the worker. */
  free(requestId: string): void {
    const e = this.#own(requestId);
    this.#bookings.free(this.#origin, requestId);
    this.#link?.lifecycle('free', e);
    if (e.sessionId !== undefined) this.#sessions?.release(e.sessionId, this.#o.clock());
    this.#drain();
  }

  /** Frees bookings older than `bookingTtlMs` and those of silent replicas; returns how many of this router's expired. */
  sweep(): number {
    const now = this.#o.clock();
    this.#nextSweep = now + Math.min(1_000, this.#o.bookingTtlMs / 10);
    const stale = this.#bookings.freeWhere((e) => now - e.bookedAt > this.#o.bookingTtlMs);
    let mine = 0;
    for (const e of stale) {
      if (e.origin !== this.#origin) continue;
      mine++;
      this.#link?.lifecycle('free', e);
      if ((e as Own).sessionId !== undefined) this.#sessions?.release((e as Own).sessionId as string, now);
    }
    this.#expired += mine;
    this.#link?.sweep(now);
    if (stale.length > 0) this.#drain();
    return mine;
  }

  /** Tells the replicas this router is alive (a timer does so every `sync.heartbeatMs`). */
  heartbeat(): void {
    this.#link?.heartbeat();
  }

  /** Counters for dashboards and metrics. */
  get stats(): RouterStats {
    const l = this.#link;
    return {
      booked: this.#booked,
      refused: { ...this.#refused },
      expired: this.#expired,
      queued: this.#queue.size,
      running: this.#bookings.size,
      sync: {
        applied: l?.applied ?? 0,
        gaps: l?.gaps ?? 0,
        rejected: l?.rejected ?? 0,
        ignored: l?.ignored ?? 0,
        peersExpired: l?.peersExpired ?? 0,
      },
    };
  }

  /** Stops replica sync, refuses what waits in the queue and frees the WebAssembly objects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const d of this.#queue.drain()) d.item.reject(new Error('the router was closed'));
    await this.#link?.close();
    this.#index.free();
    this.#predictions?.free();
    this.#bookings.tracker.free();
  }

  // ---- internals ------------------------------------------------------------------------

  #own(requestId: string): Own {
    if (typeof requestId !== 'string') throw new TypeError('requestId must be a string');
    const e = this.#bookings.get(this.#origin, requestId);
    if (e === undefined) throw new RangeError(`no booking ${requestId}: never booked, freed already, or expired`);
    return e as Own;
  }

  #prepare(r: RouteRequest): Prepared {
    if (this.#closed) throw new Error('the router was closed');
    if (r === null || typeof r !== 'object') throw new TypeError('request must be { tokens } or { blockHashes }');
    const bs = this.#o.blockSize;
    let local: BigUint64Array;
    let isl: number;
    if (r.tokens !== undefined) {
      if (r.blockHashes !== undefined) throw new TypeError('request: give tokens or blockHashes, not both');
      local = computeBlockHashes(r.tokens, bs, this.#o.saltHash);
      isl = numberOption(r.isl, 'request.isl', r.tokens.length);
    } else if (r.blockHashes !== undefined) {
      // The caller's array is read before route() returns or copied when the request waits.
      local =
        r.blockHashes instanceof BigUint64Array
          ? r.blockHashes
          : BigUint64Array.from(r.blockHashes as HashLike[], (h, i) => idOf(h, `request.blockHashes[${i}]`));
      isl = numberOption(r.isl, 'request.isl', local.length * bs);
    } else {
      throw new TypeError('request must have tokens (token ids) or blockHashes (local block hashes)');
    }
    const requestId = r.requestId;
    if (requestId !== undefined) {
      if (typeof requestId !== 'string' || requestId.length === 0) throw new TypeError('request.requestId must be a non-empty string');
      if (this.#bookings.get(this.#origin, requestId) !== undefined || this.#pending.has(requestId)) {
        throw new RangeError(`request ${requestId} is booked already`);
      }
    }
    const pin =
      r.workerId === undefined
        ? undefined
        : { workerId: idOf(r.workerId, 'request.workerId'), dpRank: numberOption(r.dpRank, 'request.dpRank', 0, 0, 0xffff_ffff) };
    if (pin !== undefined && !this.#workers.has(key(pin.workerId, pin.dpRank)))
      throw new RangeError(`request.workerId: unknown worker ${pin.workerId}`);
    const expected = r.expectedOutputTokens === undefined ? null : numberOption(r.expectedOutputTokens, 'request.expectedOutputTokens', 0);
    return {
      local,
      sequence: chainLocal(local),
      isl,
      requestId,
      sessionId: sessionIdOf(r.sessionId, 'request.sessionId'),
      pin,
      priority: numberOption(r.priority, 'request.priority', 0, -Infinity),
      strictPriority: numberOption(r.strictPriority, 'request.strictPriority', 0, -Infinity),
      expectedOutputTokens: expected,
    };
  }

  #refuse(reason: RefusalReason, message: string): Refusal {
    return { refused: true, reason, retryAfterMs: this.#o.retryAfterMs, message };
  }

  #busyError(refusal: Refusal): RouterBusy {
    this.#refused[refusal.reason]++;
    return new RouterBusy(refusal);
  }

  #busy(w: Worker, load: { activeBlocks: number; prefillTokens: number } | undefined): boolean {
    const b = this.#o.busy;
    if (load === undefined) return false;
    if (b.activeDecodeBlocks !== undefined && w.totalKvBlocks !== undefined && load.activeBlocks / w.totalKvBlocks > b.activeDecodeBlocks)
      return true;
    if (b.activePrefillTokens !== undefined && load.prefillTokens > b.activePrefillTokens) return true;
    return (
      b.activePrefillTokensFrac !== undefined &&
      w.maxNumBatchedTokens !== undefined &&
      load.prefillTokens > b.activePrefillTokensFrac * w.maxNumBatchedTokens
    );
  }

  #decide(p: Prepared, now: number): Decision | Refusal {
    if (now >= this.#nextSweep) this.sweep();
    const { list: healthy, words: healthyWords } = this.#healthyWorkers();
    if (healthy.length === 0) return this.#refuse('noWorkers', 'no healthy worker to route to');
    const b = this.#o.busy;
    const thresholds = b.activeDecodeBlocks !== undefined || b.activePrefillTokens !== undefined || b.activePrefillTokensFrac !== undefined;
    const current = thresholds
      ? new Map(this.#bookings.tracker.potentialLoads(new BigUint64Array(0)).map((l) => [key(l.workerId, l.dpRank), l]))
      : undefined;
    const isBusy = (w: Worker) => current !== undefined && this.#busy(w, current.get(key(w.workerId, w.dpRank)));

    let pinned: Worker | undefined;
    let hardPin = false;
    if (p.pin !== undefined) {
      pinned = this.#workers.get(key(p.pin.workerId, p.pin.dpRank));
      hardPin = true;
    } else if (p.sessionId !== undefined && this.#sessions !== undefined) {
      const bound = this.#sessions.get(p.sessionId, now);
      if (bound !== undefined) {
        const w = this.#workers.get(key(bound.workerId, bound.dpRank));
        if (w === undefined || !w.healthy) this.#sessions.invalidate(p.sessionId);
        else {
          pinned = w;
          hardPin = this.#o.affinity?.mode === 'hard';
        }
      }
    }
    if (pinned !== undefined && isBusy(pinned)) {
      if (hardPin)
        return this.#refuse(
          'pinnedOverloaded',
          `worker ${pinned.workerId} (dp rank ${pinned.dpRank}), where the request is pinned, is busy`,
        );
      pinned = undefined;
    }
    if (pinned !== undefined) return this.#score(p, [pinned], wordsOf([pinned]), now);
    if (current === undefined) return this.#score(p, healthy, healthyWords, now);
    const eligible = healthy.filter((w) => !isBusy(w));
    if (eligible.length === 0) return this.#refuse('allOverloaded', `all ${healthy.length} healthy workers are busy`);
    return this.#score(p, eligible, wordsOf(eligible), now);
  }

  #score(p: Prepared, eligible: readonly Worker[], words: Uint32Array, now: number): Decision {
    const o = this.#o;
    const { value, chosen: byCost } = decideInWasm(
      { device: this.#index, predicted: this.#predictions, load: this.#bookings.tracker },
      {
        local: p.local,
        sequence: p.sequence,
        workers: words,
        isl: p.isl,
        params: o.cost,
        temperature: o.temperature,
        draw: this.#random(),
        now,
        tieByTreeSize: o.costModel === 'classic',
      },
    );
    let chosen = byCost;
    if (o.policy === 'round-robin') chosen = this.#roundRobin++ % eligible.length;
    else if (o.policy === 'random') chosen = Math.floor(this.#random() * eligible.length);
    // Predicted blocks count as device blocks where they reach further (SPEC §6.7.2).
    const overlap = (i: number) => Math.max(value(i, Field.device), value(i, Field.predicted));
    const costs = new Array<CandidateCost>(eligible.length);
    for (let i = 0; i < eligible.length; i++) {
      const x = eligible[i] as Worker;
      costs[i] = { workerId: x.workerId, dpRank: x.dpRank, cost: value(i, Field.cost), overlapBlocks: overlap(i) };
    }
    const w = eligible[chosen] as Worker;
    return {
      refused: false,
      workerId: w.workerId,
      dpRank: w.dpRank,
      overlapBlocks: overlap(chosen),
      tiers: {
        device: value(chosen, Field.device),
        host: value(chosen, Field.host),
        disk: value(chosen, Field.disk),
        predicted: value(chosen, Field.predicted),
      },
      cost: value(chosen, Field.cost),
      costs,
      isl: p.isl,
      prefillTokens: Math.max(0, p.isl - overlap(chosen) * o.blockSize),
    };
  }

  #attempt(p: Prepared): Booking | Refusal {
    const now = this.#o.clock();
    const d = this.#decide(p, now);
    if (d.refused) return d;
    return this.#book(p, d, now);
  }

  #book(p: Prepared, d: Decision, now: number): Booking {
    const requestId = p.requestId ?? `${this.#origin}-${this.#nextId++}`;
    const entry: Own = {
      origin: this.#origin,
      requestId,
      workerId: d.workerId,
      dpRank: d.dpRank,
      sequenceHashes: p.sequence,
      prefillTokens: d.prefillTokens,
      expectedOutputTokens: p.expectedOutputTokens,
      bookedAt: now,
      prefillDone: false,
      sessionId: p.sessionId,
    };
    this.#bookings.add(entry);
    this.#booked++;
    const o = this.#o;
    this.#predictions?.record(d.workerId, p.local, { dpRank: d.dpRank, now });
    if (o.mode === 'approximate') {
      this.#index.record(d.workerId, p.local, { dpRank: d.dpRank, now });
      if (this.#index.size > o.maxTreeSize) this.#index.prune(Math.floor(o.maxTreeSize * o.pruneTargetRatio));
    }
    if (p.sessionId !== undefined) this.#sessions?.bind(p.sessionId, d.workerId, d.dpRank, now);
    this.#link?.add(entry);
    // The decision was made for this booking alone: it becomes the booking.
    return jsonReady(Object.assign(d, { requestId, sessionId: p.sessionId, bookedAt: now }));
  }

  /** Releases deferred requests while some worker can take them. */
  #drain(): void {
    if (this.#draining) return; // a sweep inside a decision of the loop below
    this.#draining = true;
    try {
      this.#drainQueue();
    } finally {
      this.#draining = false;
    }
  }

  #drainQueue(): void {
    for (let next = this.#queue.peek(); next !== undefined && !this.#closed; next = this.#queue.peek()) {
      const { request, resolve, reject } = next.item;
      if (request.requestId !== undefined) this.#pending.delete(request.requestId);
      let result: Booking | Refusal;
      try {
        result = this.#attempt(request);
      } catch (e) {
        this.#queue.remove(next);
        reject(e);
        continue;
      }
      if (result.refused && result.reason === 'allOverloaded') {
        if (request.requestId !== undefined) this.#pending.add(request.requestId);
        return;
      }
      this.#queue.remove(next);
      if (result.refused) reject(this.#busyError(result));
      else resolve(result);
    }
  }
}

/** Workers as `kv_router_decide` reads them: id low, id high, dp rank each. */
function wordsOf(workers: readonly Worker[]): Uint32Array {
  const out = new Uint32Array(workers.length * 3);
  workers.forEach((w, i) => out.set(w.words, 3 * i));
  return out;
}

/** This router's own bookings also remember their session. */
interface Own extends BookingEntry {
  readonly sessionId: string | undefined;
}
