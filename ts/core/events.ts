/**
 * The KV events' shapes (SPEC §6.2): what a tier pool publishes and the router's index applies.
 * They sit below both domains, so that neither imports the other.
 *
 * Place: `ts/core/events.ts`.
 * @module
 */

/** A worker id: a u64, given as a bigint or a safe integer. */
export type WorkerIdLike = bigint | number;
/** A u64 hash, given as a bigint or a safe integer. */
export type HashLike = bigint | number;

/** One block of a `stored` event. */
export interface StoredBlock {
  /** The engine's id of the block (Dynamo's `ExternalSequenceBlockHash`). */
  readonly blockHash: HashLike;
  /** The router's hash of the block's content (Dynamo's `LocalBlockHash`). */
  readonly tokensHash: HashLike;
}

/** A storage tier, as Dynamo maps an engine event's `medium` (`StorageTier::from_kv_medium`). */
export type StorageTier = 'device' | 'host' | 'disk' | 'external';

/** Fields every event carries: the worker and its data-parallel rank (default 0). */
export interface WorkerRef {
  /** The worker's id (u64). */
  readonly workerId: WorkerIdLike;
  /** The worker's data-parallel rank (u32, default 0). */
  readonly dpRank?: number;
  /**
   * The tier the blocks are on (default `'device'`, the index's primary tree). Lower tiers are
   * kept beside it and credited by the newest cost (SPEC §6.6); a `cleared` event without a
   * tier clears every tier.
   */
  readonly tier?: StorageTier;
}

/** Blocks stored by a worker: the first is a child of `parentHash` (the root when absent). */
export interface StoredEvent extends WorkerRef {
  /** Discriminant. */
  readonly type: 'stored';
  /** The worker's hash of the parent block, or `null`/absent for the root. */
  readonly parentHash?: HashLike | null;
  /** The blocks, in order, each a child of the previous. */
  readonly blocks: readonly StoredBlock[];
}

/** Blocks removed by a worker (the worker leaves them and every block below them). */
export interface RemovedEvent extends WorkerRef {
  /** Discriminant. */
  readonly type: 'removed';
  /** The worker's hashes of the removed blocks. */
  readonly blockHashes: readonly HashLike[] | BigUint64Array;
}

/** A worker (this rank) dropped everything. */
export interface ClearedEvent extends WorkerRef {
  /** Discriminant. */
  readonly type: 'cleared';
}

/** A KV event, as Dynamo's `KvCacheEventData` with its worker. */
export type KvEvent = StoredEvent | RemovedEvent | ClearedEvent;
