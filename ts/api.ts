/**
 * The public API, shared by the Node and browser entries.
 *
 * Place: `ts/api.ts`.
 * @module
 */

export { ExternalBlockAssignments, type BlockAssignment } from './core/assignments.js';
export { BlockSequence, BlockSequenceSlice, type BlockInfo, type BlocksLike, type Range } from './core/block-sequence.js';
export {
  BlockSequenceError,
  type BlockSequenceErrorConstructor,
  type BlockSequenceErrorFields,
  type BlockSequenceErrorFieldsByKind,
  type BlockSequenceErrorKind,
  type TokenExtensionReason,
} from './runtime/errors.js';
export { computeBlockHashes, computeSaltHash, computeSequenceHashes } from './core/hash.js';
export { zipAssigned, zipAssignedPending, type Plan } from './core/plan.js';
export { SequenceHash } from './core/sequence-hash.js';
export { init, initSync, memoryStats, reserve, type InitInput, type MemoryStats } from './runtime/init.js';
export {
  KvIndex,
  type ClearedEvent,
  type DumpedEvent,
  type EventCounts,
  type EventResult,
  type FindMatchesOptions,
  type HashLike,
  type KvEvent,
  type KvIndexOptions,
  type MatchResult,
  type StorageTier,
  type TierOverlap,
  type RemovedEvent,
  type StoredBlock,
  type StoredEvent,
  type TreeSize,
  type WorkerIdLike,
  type WorkerRef,
  type WorkerScore,
} from './router/kv-index.js';
export {
  LoadTracker,
  seededRandom,
  selectWorker,
  type SelectOptions,
  type Selection,
  type WorkerCost,
  type WorkerLoad,
} from './router/select.js';
export { KvRouter } from './router/kv-router/router.js';
export {
  RouterBusy,
  type Booking,
  type CandidateCost,
  type Decision,
  type Refusal,
  type RefusalReason,
  type RouteRequest,
  type RouterStats,
  type TierBlocks,
  type WorkerOptions,
  type WorkerView,
} from './router/kv-router/types.js';
export type {
  AffinityOptions,
  BusyThresholds,
  CostModel,
  KvRouterOptions,
  QueuePolicy,
  RoutingPolicy,
  SyncOptions,
} from './router/kv-router/options.js';
export { InProcessSyncBus, type SyncTransport } from './router/sync/transport.js';
export { decodeSyncMessage, encodeSyncMessage, type SyncEnvelope, type SyncEvent } from './router/sync/messages.js';
export { chainBlockHashes } from './router/cost.js';
export { fromRouterEvent, RouterEventCursor, type EventIdCounters, type EventIdStatus } from './router/router-event.js';
export type { RouterHashOptions, SaltOptions } from './core/hash.js';
export { computeEngineHashes, type EngineHashOptions, type EngineHashes, type EngineProfile, type ExtraKey } from './router/profiles.js';
export { TierPool, type BlockState, type EvictionPolicy, type PoolBlock, type TierPoolOptions } from './tiers/pool.js';
export type { StageOptions } from './core/assignments.js';
export { SimulatedWorker, type RequestFigures, type SimulatedWorkerOptions } from './sim/worker.js';
export { TRACE_BLOCK_TOKENS, outputTokens, parseTrace, promptTokens, type ParseTraceOptions, type TraceRequest } from './sim/trace.js';
export { replayTrace, type ReplayResult } from './sim/replay.js';
export { formatTrace, syntheticTrace, type SyntheticOptions } from './sim/synthetic.js';
export {
  REPLAY_POLICIES,
  kvBytesPerToken,
  parseTimingTable,
  type ReplayOptions,
  type ReplayPolicy,
  type ReplaySettings,
  type ReplaySlo,
  type TimingTable,
} from './sim/options.js';
export {
  toDynoSimJson,
  type Goodput,
  type LatencySummary,
  type ReplayProgress,
  type ReplayReport,
  type RequestRecord,
  type WorkerLoad as ReplayWorkerLoad,
} from './sim/report.js';
export { HashArray, hashesFromHex, hashesFromStrings, hashesToHex, hashesToStrings, jsonReady, toJSONValue } from './runtime/json.js';
