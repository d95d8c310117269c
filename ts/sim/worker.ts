/**
 * A simulated engine worker doing what KVBM's connector does (SPEC §8): a device tier G1 and
 * optionally a host tier G2, each a {@link TierPool}; per request, match the prompt in G1, then
 * in G2 past G1's match (onboarding), allocate, "compute", register, offload newly registered
 * blocks to G2 (write-through), decode, and release at the end.
 *
 * Place: `ts/sim/worker.ts`.
 * @module
 */

import { ExternalBlockAssignments } from '../core/assignments.js';
import { BlockSequence } from '../core/block-sequence.js';
import { BlockSequenceError } from '../runtime/errors.js';
import type { KvEvent } from '../router/kv-index.js';
import { zipAssignedPending } from '../core/plan.js';
import { TierPool, type EvictionPolicy } from '../tiers/pool.js';

/** Options of {@link SimulatedWorker}. */
export interface SimulatedWorkerOptions {
  /** The worker's id (its events carry it). */
  readonly workerId: number;
  /** Tokens per block. */
  readonly blockSize: number;
  /** The salt of its sequences (default `1337n`, so that its events key a router's index). */
  readonly saltHash?: bigint;
  /** Device-tier blocks. */
  readonly g1Blocks: number;
  /** Host-tier blocks, or `null`/absent for no host tier. */
  readonly g2Blocks?: number | null;
  /** Eviction order of both tiers (default `'lru'`). */
  readonly eviction?: EvictionPolicy;
}

/** What one request did. */
export interface RequestFigures {
  /** Prompt tokens. */
  readonly promptTokens: number;
  /** Prompt tokens found in G1. */
  readonly g1HitTokens: number;
  /** Prompt tokens onboarded from G2. */
  readonly g2HitTokens: number;
  /** Prompt tokens computed (the rest). */
  readonly computedTokens: number;
  /** Blocks copied G2 → G1 (the onboarding plan's length). */
  readonly onboardedBlocks: number;
  /** Blocks written to G2. */
  readonly offloadedBlocks: number;
  /** Whether G1 could not hold the request even after eviction (nothing was computed). */
  readonly rejected: boolean;
}

interface Held {
  readonly g1: number[];
  readonly g2: number[];
}

function isExhausted(e: unknown): boolean {
  return e instanceof BlockSequenceError && e.kind === 'PoolExhausted';
}

/** One engine worker with a G1 (and optionally a G2) pool. */
export class SimulatedWorker {
  /** The worker's id. */
  readonly workerId: number;
  /** Tokens per block. */
  readonly blockSize: number;
  /** The salt of its sequences. */
  readonly saltHash: bigint;
  /** The device tier. */
  readonly g1: TierPool;
  /** The host tier, if any. */
  readonly g2: TierPool | undefined;
  readonly #running = new Map<string, Held>();

  /** A worker with empty tiers. */
  constructor(options: SimulatedWorkerOptions) {
    this.workerId = options.workerId;
    this.blockSize = options.blockSize;
    this.saltHash = options.saltHash ?? 1337n;
    const common = { blockSize: this.blockSize, saltHash: this.saltHash, eviction: options.eviction ?? 'lru', workerId: options.workerId };
    this.g1 = new TierPool({ capacity: options.g1Blocks, ...common });
    this.g2 =
      options.g2Blocks === null || options.g2Blocks === undefined ? undefined : new TierPool({ capacity: options.g2Blocks, ...common });
  }

  /** Requests admitted and not finished. */
  get runningRequests(): number {
    return this.#running.size;
  }

  /**
   * Admits a request: its prompt's blocks are matched, onboarded, computed and registered at
   * once, then `output` is decoded token by token; the request holds its blocks until
   * {@link SimulatedWorker.finish}. A request G1 cannot hold is rejected (and holds nothing).
   */
  admit(requestId: string, prompt: Uint32Array | readonly number[], output: Uint32Array | readonly number[] = []): RequestFigures {
    if (this.#running.has(requestId)) throw new RangeError(`request ${requestId} is already running on worker ${this.workerId}`);
    const bs = this.blockSize;
    const seq = new BlockSequence(prompt, bs, this.saltHash);
    const g1 = this.g1;
    const g2 = this.g2;
    const held: Held = { g1: [], g2: [] };
    try {
      const n = seq.blockCount;
      // 1. Device hits; 2. host hits past them.
      const g1Hit = g1.match(seq);
      const h1 = g1Hit.length;
      const g2Hit = g2 ? g2.match(seq, h1) : new Uint32Array(0);
      const h2 = h1 + g2Hit.length;
      let fresh: Uint32Array;
      try {
        // Onboarded blocks, computed blocks, and one for the partial block / decode.
        fresh = g1.allocate(h2 - h1 + (n - h2) + 1);
      } catch (e) {
        if (!isExhausted(e)) throw e;
        g1.release(g1Hit);
        g2?.release(g2Hit);
        return {
          promptTokens: seq.totalTokens,
          g1HitTokens: 0,
          g2HitTokens: 0,
          computedTokens: 0,
          onboardedBlocks: 0,
          offloadedBlocks: 0,
          rejected: true,
        };
      }
      held.g1.push(...g1Hit);
      // 2. Onboarding: the plan copies G2's blocks into the new G1 ids (SPEC §4).
      const onboardIds = fresh.subarray(0, h2 - h1);
      let onboarded = 0;
      if (g2 && h2 > h1) {
        const g1Record = new ExternalBlockAssignments(0);
        const g2Record = new ExternalBlockAssignments(h1);
        try {
          g1Record.extendBlockIds(g1Hit);
          g1Record.assignPending(seq);
          g2Record.extendBlockIds(g2Hit);
          g2Record.assignPending(seq);
          g1Record.extendBlockIds([...g1Hit, ...onboardIds]);
          onboarded = zipAssignedPending(g2Record, g1Record).positions.length;
          g1Record.assignPending(seq); // after the (simulated) copy
        } finally {
          g1Record.free();
          g2Record.free();
        }
        held.g1.push(...g1.register(onboardIds, seq, h1));
        g2.release(g2Hit);
      }
      // 3. Compute the rest and register it; the last id takes the partial block.
      const computeIds = fresh.subarray(h2 - h1, h2 - h1 + (n - h2));
      held.g1.push(...g1.register(computeIds, seq, h2));
      let partial = fresh[fresh.length - 1] as number;
      // 4. Write-through offload of what G1 registered and G2 does not hold.
      const offloadedPrompt = this.#offload(seq, h1, n, held);
      // 5. Decode: each block that fills is registered in G1 and offloaded.
      let offloadedDecode = 0;
      let decoding = true;
      for (const token of output) {
        const done = seq.appendToken(token);
        if (done === undefined || !decoding) continue;
        held.g1.push(...g1.register([partial], seq, done));
        offloadedDecode += this.#offload(seq, done, done + 1, held);
        try {
          partial = g1.allocate(1)[0] as number;
        } catch (e) {
          if (!isExhausted(e)) throw e;
          decoding = false; // out of device memory: the rest of the output is not cached
        }
      }
      if (decoding) held.g1.push(partial);
      this.#running.set(requestId, held);
      const g1HitTokens = h1 * bs;
      const g2HitTokens = (h2 - h1) * bs;
      return {
        promptTokens: prompt.length,
        g1HitTokens,
        g2HitTokens,
        computedTokens: prompt.length - g1HitTokens - g2HitTokens,
        onboardedBlocks: onboarded,
        offloadedBlocks: offloadedPrompt + offloadedDecode,
        rejected: false,
      };
    } finally {
      seq.free();
    }
  }

  /** Writes blocks `from .. to` that G2 does not hold to G2 (as many as it can take). */
  #offload(seq: BlockSequence, from: number, to: number, held: Held): number {
    const g2 = this.g2;
    if (!g2 || to <= from) return 0;
    const missing = g2.missing(seq, from, to);
    let written = 0;
    // Register runs of consecutive positions, as many as G2 has room for.
    for (let k = 0; k < missing.length;) {
      let end = k + 1;
      while (end < missing.length && missing[end] === (missing[end - 1] as number) + 1) end++;
      const room = Math.min(end - k, g2.freeCount + g2.inactiveCount);
      if (room === 0) break;
      held.g2.push(...g2.register(g2.allocate(room), seq, missing[k] as number));
      written += room;
      k = end;
    }
    return written;
  }

  /** Ends a request: it releases its ids in both tiers (registered blocks become inactive). */
  finish(requestId: string): void {
    const held = this.#running.get(requestId);
    if (held === undefined) throw new RangeError(`no running request ${requestId} on worker ${this.workerId}`);
    this.#running.delete(requestId);
    this.g1.release(held.g1);
    this.g2?.release(held.g2);
  }

  /** The device tier's KV events since the last call (what the worker publishes to a router). */
  takeEvents(): KvEvent[] {
    this.g2?.clearEvents();
    return this.g1.takeEvents();
  }

  /** Drops both tiers' queued events (a worker no router listens to). */
  clearEvents(): void {
    this.g2?.clearEvents();
    this.g1.clearEvents();
  }

  /** Frees both pools. */
  free(): void {
    this.g1.free();
    this.g2?.free();
  }
}
