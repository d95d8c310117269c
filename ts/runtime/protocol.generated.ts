// GENERATED from crate/kvbm-sequence-wasm/src/contract.rs by `kvbm-protocol` (run by
// scripts/build.sh). Do not edit: change the contract; a test fails when this is stale.
/**
 * The wire contract between the WebAssembly module and the facade: statuses and their
 * error fields, return-area words, limits, selector values, snapshot header, event tags,
 * dump width, and every export's name and parameters.
 * @module
 */

/** Status codes every export returns (0 = success). */
export const Status = {
  Ok: 0,
  OrderingViolation: 1,
  PositionMismatch: 2,
  DuplicateBlockId: 3,
  TokenExtension: 4,
  PositionOverflow: 5,
  InvalidBlockSize: 6,
  OutOfMemory: 7,
  InvalidLineageHash: 8,
  InvalidHandle: 9,
  WrongHandleKind: 10,
  InvalidArgument: 11,
  Busy: 12,
  PoolExhausted: 13,
  UnknownBlockId: 14,
  InvalidBlockState: 15,
  BindingMismatch: 16,
  LengthMismatch: 17,
  InvalidSnapshot: 18,
  UnknownWorker: 19,
} as const;
/** A status code. */
export type Status = (typeof Status)[keyof typeof Status];

/** Which JavaScript error a status becomes. */
export type ErrorClass = 'none' | 'kvbm' | 'range' | 'type' | 'plain';
/** One error field in the return area: one word, two words (low, high), or a name by index. */
export type FieldLayout =
  | { readonly name: string; readonly type: 'u32' | 'u64' }
  | { readonly name: string; readonly type: 'name'; readonly names: readonly string[] };
/** A status: its name, its error class, its fields in return-area order from word 0. */
export interface StatusInfo {
  /** The status's name (the error's `kind` for class `kvbm`). */
  readonly name: string;
  /** Which JavaScript error it becomes. */
  readonly class: ErrorClass;
  /** Its fields, in return-area order. */
  readonly fields: readonly FieldLayout[];
}
/** Every status, by code. */
export const STATUS_INFO: readonly StatusInfo[] = [
  { name: 'Ok', class: 'none', fields: [] },
  { name: 'OrderingViolation', class: 'kvbm', fields: [{ name: 'knownId', type: 'u32' }, { name: 'newId', type: 'u32' }, { name: 'knownIndex', type: 'u32' }, { name: 'firstNewIndex', type: 'u32' }] },
  { name: 'PositionMismatch', class: 'kvbm', fields: [{ name: 'expected', type: 'u32' }, { name: 'actual', type: 'u32' }, { name: 'blockId', type: 'u32' }] },
  { name: 'DuplicateBlockId', class: 'kvbm', fields: [{ name: 'blockId', type: 'u32' }] },
  { name: 'TokenExtension', class: 'kvbm', fields: [{ name: 'reason', type: 'name', names: ['Full', 'Incomplete', 'Empty', 'InsufficientTokens'] }] },
  { name: 'PositionOverflow', class: 'range', fields: [{ name: 'position', type: 'u64' }] },
  { name: 'InvalidBlockSize', class: 'range', fields: [] },
  { name: 'OutOfMemory', class: 'range', fields: [{ name: 'requested', type: 'u32' }] },
  { name: 'InvalidLineageHash', class: 'range', fields: [{ name: 'rawLow', type: 'u64' }, { name: 'rawHigh', type: 'u64' }] },
  { name: 'InvalidHandle', class: 'type', fields: [] },
  { name: 'WrongHandleKind', class: 'type', fields: [] },
  { name: 'InvalidArgument', class: 'range', fields: [] },
  { name: 'Busy', class: 'plain', fields: [] },
  { name: 'PoolExhausted', class: 'kvbm', fields: [{ name: 'requested', type: 'u32' }, { name: 'available', type: 'u32' }] },
  { name: 'UnknownBlockId', class: 'kvbm', fields: [{ name: 'blockId', type: 'u32' }] },
  { name: 'InvalidBlockState', class: 'kvbm', fields: [{ name: 'blockId', type: 'u32' }, { name: 'state', type: 'name', names: ['free', 'active', 'inactive', 'registered'] }, { name: 'operation', type: 'name', names: ['release', 'register'] }] },
  { name: 'BindingMismatch', class: 'kvbm', fields: [{ name: 'expectedBlockSize', type: 'u32' }, { name: 'expectedSaltHash', type: 'u64' }, { name: 'blockSize', type: 'u32' }, { name: 'saltHash', type: 'u64' }] },
  { name: 'LengthMismatch', class: 'range', fields: [{ name: 'ids', type: 'u32' }, { name: 'blocks', type: 'u32' }] },
  { name: 'InvalidSnapshot', class: 'type', fields: [] },
  { name: 'UnknownWorker', class: 'kvbm', fields: [{ name: 'workerId', type: 'u64' }, { name: 'dpRank', type: 'u32' }] },
];
/** The statuses that become the library's own error class: its `kind`s. */
export type KvbmErrorKind = 'OrderingViolation' | 'PositionMismatch' | 'DuplicateBlockId' | 'TokenExtension' | 'PoolExhausted' | 'UnknownBlockId' | 'InvalidBlockState' | 'BindingMismatch' | 'UnknownWorker';

/** Words in the return area. */
export const RET_WORDS = 16;
/** Return-area word holding the output buffer's address. */
export const RET_OUT_PTR = 14;
/** Return-area word holding the output's byte length. */
export const RET_OUT_LEN = 15;
/** Most words the input buffer takes. */
export const MAX_INPUT_WORDS = 268435456;
/** An `end` argument standing for the end of a sequence. */
export const TO_END = 0xffffffff;
/** Block positions are below this. */
export const POSITION_LIMIT = 16777216;
/** A count word standing for null. */
export const NULL_COUNT = 0xffffffff;
/** Words per index dump entry. */
export const DUMP_WORDS = 12;
/** Words of the cost parameters (`kv_router_decide`). */
export const COST_PARAM_WORDS = 14;
/** Words per eligible worker (`kv_router_decide`). */
export const DECIDE_WORKER_WORDS = 3;
/** First word of every snapshot ("KVSN"). */
export const SNAPSHOT_MAGIC = 0x4e53564b;
/** The snapshot format version. */
export const SNAPSHOT_VERSION = 1;
/** What a snapshot holds (its third word). */
export const SnapshotKind = {
  Sequence: 1,
  Assignments: 2,
  Pool: 3,
  Index: 4,
} as const;
/** Handles at the head of `kv_router_decide`'s input, in order. */
export const DECIDE_SOURCES = ['device', 'host', 'disk', 'external', 'predicted', 'load'] as const;
/** f64 values per eligible worker in `kv_router_decide`'s output. */
export const DECIDE_CANDIDATE_FIELDS = ['device', 'host', 'disk', 'predicted', 'treeSize', 'prefillTokens', 'decodeBlocks', 'cost'] as const;
/** Simulator settings, in `kv_sim_new`'s order. */
export const SIM_CONFIG_FIELDS = ['workers', 'blockSize', 'traceBlockSize', 'g1Blocks', 'g2Blocks', 'eviction', 'maxNumSeqs', 'maxNumBatchedTokens', 'enableChunkedPrefill', 'enablePrefixCaching', 'preemptionMode', 'maxModelLen', 'timing', 'prefillTokensPerSecond', 'decodeMsPerToken', 'speedupRatio', 'decodeSpeedupRatio', 'kvBytesPerToken', 'bandwidthG2ToG1Gbps', 'router', 'sessionBase', 'overlapScoreWeight', 'temperature', 'overlapScoreCreditDecay', 'approxTtlMs', 'cacheThreshold', 'balanceAbsThreshold', 'balanceRelThreshold', 'llmdPrefixWeight', 'llmdQueueWeight', 'llmdKvWeight', 'seed', 'arrivalSpeedupRatio', 'concurrency', 'sloTtftMs', 'sloItlMs', 'sloE2eMs'] as const;
/** Numbers per trace row in `kv_sim_new`. */
export const SIM_ROW_FIELDS = ['timestamp', 'inputLength', 'outputLength', 'session', 'delayMs', 'hashIds'] as const;
/** Report scalars, in `kv_sim_report`'s order. */
export const SIM_REPORT_FIELDS = ['requests', 'rejectedRequests', 'skippedRequests', 'completedRequests', 'promptTokens', 'g1HitTokens', 'g2HitTokens', 'computedTokens', 'outputTokens', 'onboardedBlocks', 'offloadedBlocks', 'g1EvictedBlocks', 'g2EvictedBlocks', 'durationMs', 'requestThroughputRps', 'outputThroughputTokS', 'prefixCacheReusedRatio', 'firstAdmissionPrefixCacheReusedRatio'] as const;
/** Report latency summaries, after the scalars. */
export const SIM_LATENCIES = ['ttftMs', 'ttstMs', 'tpotMs', 'itlMs', 'e2eMs'] as const;
/** Fields of one latency summary. */
export const SIM_SUMMARY_FIELDS = ['mean', 'min', 'max', 'p50', 'p90', 'p99'] as const;
/** Goodput fields, after a presence flag. */
export const SIM_GOODPUT_FIELDS = ['completedRequests', 'requestThroughputRps', 'outputThroughputTokS'] as const;
/** Per-worker report fields. */
export const SIM_WORKER_FIELDS = ['requests', 'promptTokens', 'hitTokens', 'peakRunning', 'preemptions'] as const;
/** Per-request fields of `kv_sim_requests`. */
export const SIM_REQUEST_FIELDS = ['arrivalMs', 'worker', 'promptTokens', 'g1HitTokens', 'g2HitTokens', 'outputTokens', 'ttftMs', 'e2eMs', 'status'] as const;
/** Request statuses, by code. */
export const SIM_REQUEST_STATUS = ['completed', 'rejected', 'skipped', 'unfinished'] as const;
/** Fields of `kv_sim_run`'s progress. */
export const SIM_PROGRESS_FIELDS = ['finished', 'total', 'nowMs', 'promptTokens', 'g1HitTokens', 'g2HitTokens'] as const;
/** `TokenExtension` reasons, by code. */
export const TOKEN_REASONS = ['Full', 'Incomplete', 'Empty', 'InsufficientTokens'] as const;
/** Pool block states, by code. */
export const BLOCK_STATES = ['free', 'active', 'inactive', 'registered'] as const;
/** Operations `InvalidBlockState` names, by code. */
export const OPERATIONS = ['release', 'register'] as const;
/** Results of `kv_index_apply`, one per event, by code. */
export const EVENT_RESULTS = ['ok', 'duplicate', 'ParentBlockNotFound', 'InvalidBlockSequence', 'BlockNotFound'] as const;
/** Values of the sim policy selector; any other value is refused (`unknown sim policy …`). */
export const SimPolicy = { 'round-robin': 0, random: 1, kv: 2, 'kv-newest': 3, 'kv-approx': 4, 'sglang-cache-aware': 5, llmd: 6, session: 7 } as const;
/** Values of the timing model selector; any other value is refused (`unknown timing model …`). */
export const TimingModel = { fixed: 0, polynomial: 1, interpolated: 2 } as const;
/** Values of the preemption mode selector; any other value is refused (`unknown preemption mode …`). */
export const PreemptionMode = { lifo: 0, fifo: 1 } as const;
/** Values of the eviction policy selector; any other value is refused (`unknown eviction policy …`). */
export const EvictionPolicy = { lru: 0, fifo: 1 } as const;
/** Values of the engine profile selector; any other value is refused (`unknown engine profile …`). */
export const EngineProfile = { 'vllm-sha256-cbor': 0, 'vllm-xxhash-cbor': 1, sglang: 2, 'llm-d': 3, 'vllm-sha256': 4, 'vllm-xxhash': 5 } as const;
/** Values of the event kind selector; any other value is refused (`unknown event kind …`). */
export const EventKind = { stored: 0, removed: 1, cleared: 2 } as const;
/** Values of the extra key kind selector; any other value is refused (`unknown extra key kind …`). */
export const ExtraKeyKind = { uint: 0, text: 1, int: 2, tuple: 3 } as const;
/** Values of the flag selector; any other value is refused (`unknown flag …`). */
export const Flag = { false: 0, true: 1 } as const;
/** Values of the pool event tag selector; any other value is refused (`unknown pool event tag …`). */
export const PoolEventTag = { stored: 0, removed: 1 } as const;

/** Every export's parameters, by name (the arity is the list's length). */
export const EXPORTS = {
  kv_ret_ptr: [],
  kv_input: ['words'],
  kv_shrink_buffers: [],
  kv_live_objects: [],
  kv_reserve: ['mib'],
  kv_free: ['index', 'generation'],
  kv_block_hashes: ['len', 'blockSize', 'saltLo', 'saltHi'],
  kv_sequence_hashes: ['len', 'blockSize', 'saltLo', 'saltHi'],
  kv_salt_hash: ['saltLen', 'loraLen'],
  kv_lineage_new: ['curLo', 'curHi', 'parLo', 'parHi', 'posLo', 'posHi'],
  kv_lineage_parts: ['w0', 'w1', 'w2', 'w3'],
  kv_lineage_to_string: ['w0', 'w1', 'w2', 'w3'],
  kv_lineage_cmp: ['a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'b2', 'b3'],
  kv_seq_new: ['len', 'blockSize', 'saltLo', 'saltHi'],
  kv_seq_info: ['index', 'generation'],
  kv_seq_extend: ['index', 'generation', 'len'],
  kv_seq_append: ['index', 'generation', 'token'],
  kv_seq_truncate: ['index', 'generation', 'len'],
  kv_seq_unwind: ['index', 'generation', 'count'],
  kv_seq_pop: ['index', 'generation'],
  kv_seq_block_hashes: ['index', 'generation', 'start', 'end'],
  kv_seq_sequence_hashes: ['index', 'generation', 'start', 'end'],
  kv_seq_lineage_hashes: ['index', 'generation', 'start', 'end'],
  kv_seq_block: ['index', 'generation', 'i'],
  kv_seq_partial: ['index', 'generation'],
  kv_asg_new: ['offset'],
  kv_asg_info: ['index', 'generation'],
  kv_asg_truncate_from: ['index', 'generation', 'position'],
  kv_asg_layout: ['index', 'generation'],
  kv_asg_assigned_ids: ['index', 'generation'],
  kv_asg_staged_ids: ['index', 'generation'],
  kv_asg_unassigned_ids: ['index', 'generation'],
  kv_asg_assigned_pairs: ['index', 'generation'],
  kv_asg_staged_pairs: ['index', 'generation'],
  kv_asg_extend_ids: ['index', 'generation', 'len'],
  kv_asg_extend_assigned: ['index', 'generation', 'count'],
  kv_asg_stage: ['index', 'generation', 'seqIndex', 'seqGeneration', 'start', 'end'],
  kv_asg_assign: ['index', 'generation', 'seqIndex', 'seqGeneration', 'start', 'end'],
  kv_asg_commit: ['index', 'generation'],
  kv_asg_take_staged: ['index', 'generation'],
  kv_asg_clear: ['index', 'generation'],
  kv_zip_assigned: ['aIndex', 'aGeneration', 'bIndex', 'bGeneration'],
  kv_zip_assigned_pending: ['aIndex', 'aGeneration', 'bIndex', 'bGeneration'],
  kv_router_hashes: ['len', 'blockSize', 'seedLo', 'seedHi', 'eagle', 'mmLen'],
  kv_router_sequence_hashes: ['len', 'blockSize', 'seedLo', 'seedHi', 'eagle', 'mmLen'],
  kv_chain_local_hashes: ['len'],
  kv_engine_hashes: ['profile', 'len', 'blockSize', 'seedLen', 'modelLen', 'parentLen', 'extraLen'],
  kv_index_new: [],
  kv_index_new_approximate: ['ttl'],
  kv_index_apply: ['index', 'generation', 'len'],
  kv_index_find: ['index', 'generation', 'len', 'earlyExit', 'now'],
  kv_index_record: ['index', 'generation', 'idLo', 'idHi', 'dpRank', 'len', 'now'],
  kv_index_advance: ['index', 'generation', 'now'],
  kv_sim_new: ['len'],
  kv_sim_run: ['index', 'generation', 'budget'],
  kv_sim_report: ['index', 'generation'],
  kv_sim_requests: ['index', 'generation'],
  kv_index_prune: ['index', 'generation', 'target'],
  kv_index_remove_worker: ['index', 'generation', 'lo', 'hi'],
  kv_index_clear: ['index', 'generation'],
  kv_index_info: ['index', 'generation'],
  kv_index_tree_sizes: ['index', 'generation'],
  kv_index_dump: ['index', 'generation'],
  kv_index_load: ['index', 'generation', 'count'],
  kv_load_new: [],
  kv_load_add_worker: ['index', 'generation', 'lo', 'hi', 'dpRank'],
  kv_load_remove_worker: ['index', 'generation', 'lo', 'hi'],
  kv_load_add_request: ['index', 'generation', 'request', 'lo', 'hi', 'dpRank', 'len', 'prefill'],
  kv_load_prefill_done: ['index', 'generation', 'request'],
  kv_load_free: ['index', 'generation', 'request'],
  kv_load_potential: ['index', 'generation', 'len', 'chained'],
  kv_router_decide: ['len', 'isl', 'temperature', 'draw', 'now', 'tieByTreeSize'],
  kv_pool_new: ['capacity', 'blockSize', 'saltLo', 'saltHi', 'policy'],
  kv_pool_with_ids: ['count', 'blockSize', 'saltLo', 'saltHi', 'policy'],
  kv_pool_info: ['index', 'generation'],
  kv_pool_match: ['index', 'generation', 'seqIndex', 'seqGeneration', 'from'],
  kv_pool_match_hashes: ['index', 'generation', 'count'],
  kv_pool_missing: ['index', 'generation', 'seqIndex', 'seqGeneration', 'from', 'to'],
  kv_pool_allocate: ['index', 'generation', 'n'],
  kv_pool_register: ['index', 'generation', 'seqIndex', 'seqGeneration', 'len', 'start'],
  kv_pool_release: ['index', 'generation', 'len'],
  kv_pool_events: ['index', 'generation'],
  kv_pool_record: ['index', 'generation', 'id'],
  kv_pool_records: ['index', 'generation'],
  kv_pool_lookup: ['index', 'generation', 'w0', 'w1', 'w2', 'w3'],
  kv_snapshot: ['index', 'generation'],
  kv_restore: ['len'],
} as const;

/** The raw exports of the module (all parameters are numbers; `ttl`/`now` are f64). */
export interface RawExports {
  /** The module's linear memory. */
  readonly memory: { readonly buffer: ArrayBuffer };
  /** `kv_ret_ptr`. */
  kv_ret_ptr(): number;
  /** `kv_input`. */
  kv_input(words: number): number;
  /** `kv_shrink_buffers`. */
  kv_shrink_buffers(): number;
  /** `kv_live_objects`. */
  kv_live_objects(): number;
  /** `kv_reserve`. */
  kv_reserve(mib: number): number;
  /** `kv_free`. */
  kv_free(index: number, generation: number): number;
  /** `kv_block_hashes`. */
  kv_block_hashes(len: number, blockSize: number, saltLo: number, saltHi: number): number;
  /** `kv_sequence_hashes`. */
  kv_sequence_hashes(len: number, blockSize: number, saltLo: number, saltHi: number): number;
  /** `kv_salt_hash`. */
  kv_salt_hash(saltLen: number, loraLen: number): number;
  /** `kv_lineage_new`. */
  kv_lineage_new(curLo: number, curHi: number, parLo: number, parHi: number, posLo: number, posHi: number): number;
  /** `kv_lineage_parts`. */
  kv_lineage_parts(w0: number, w1: number, w2: number, w3: number): number;
  /** `kv_lineage_to_string`. */
  kv_lineage_to_string(w0: number, w1: number, w2: number, w3: number): number;
  /** `kv_lineage_cmp`. */
  kv_lineage_cmp(a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, b2: number, b3: number): number;
  /** `kv_seq_new`. */
  kv_seq_new(len: number, blockSize: number, saltLo: number, saltHi: number): number;
  /** `kv_seq_info`. */
  kv_seq_info(index: number, generation: number): number;
  /** `kv_seq_extend`. */
  kv_seq_extend(index: number, generation: number, len: number): number;
  /** `kv_seq_append`. */
  kv_seq_append(index: number, generation: number, token: number): number;
  /** `kv_seq_truncate`. */
  kv_seq_truncate(index: number, generation: number, len: number): number;
  /** `kv_seq_unwind`. */
  kv_seq_unwind(index: number, generation: number, count: number): number;
  /** `kv_seq_pop`. */
  kv_seq_pop(index: number, generation: number): number;
  /** `kv_seq_block_hashes`. */
  kv_seq_block_hashes(index: number, generation: number, start: number, end: number): number;
  /** `kv_seq_sequence_hashes`. */
  kv_seq_sequence_hashes(index: number, generation: number, start: number, end: number): number;
  /** `kv_seq_lineage_hashes`. */
  kv_seq_lineage_hashes(index: number, generation: number, start: number, end: number): number;
  /** `kv_seq_block`. */
  kv_seq_block(index: number, generation: number, i: number): number;
  /** `kv_seq_partial`. */
  kv_seq_partial(index: number, generation: number): number;
  /** `kv_asg_new`. */
  kv_asg_new(offset: number): number;
  /** `kv_asg_info`. */
  kv_asg_info(index: number, generation: number): number;
  /** `kv_asg_truncate_from`. */
  kv_asg_truncate_from(index: number, generation: number, position: number): number;
  /** `kv_asg_layout`. */
  kv_asg_layout(index: number, generation: number): number;
  /** `kv_asg_assigned_ids`. */
  kv_asg_assigned_ids(index: number, generation: number): number;
  /** `kv_asg_staged_ids`. */
  kv_asg_staged_ids(index: number, generation: number): number;
  /** `kv_asg_unassigned_ids`. */
  kv_asg_unassigned_ids(index: number, generation: number): number;
  /** `kv_asg_assigned_pairs`. */
  kv_asg_assigned_pairs(index: number, generation: number): number;
  /** `kv_asg_staged_pairs`. */
  kv_asg_staged_pairs(index: number, generation: number): number;
  /** `kv_asg_extend_ids`. */
  kv_asg_extend_ids(index: number, generation: number, len: number): number;
  /** `kv_asg_extend_assigned`. */
  kv_asg_extend_assigned(index: number, generation: number, count: number): number;
  /** `kv_asg_stage`. */
  kv_asg_stage(index: number, generation: number, seqIndex: number, seqGeneration: number, start: number, end: number): number;
  /** `kv_asg_assign`. */
  kv_asg_assign(index: number, generation: number, seqIndex: number, seqGeneration: number, start: number, end: number): number;
  /** `kv_asg_commit`. */
  kv_asg_commit(index: number, generation: number): number;
  /** `kv_asg_take_staged`. */
  kv_asg_take_staged(index: number, generation: number): number;
  /** `kv_asg_clear`. */
  kv_asg_clear(index: number, generation: number): number;
  /** `kv_zip_assigned`. */
  kv_zip_assigned(aIndex: number, aGeneration: number, bIndex: number, bGeneration: number): number;
  /** `kv_zip_assigned_pending`. */
  kv_zip_assigned_pending(aIndex: number, aGeneration: number, bIndex: number, bGeneration: number): number;
  /** `kv_router_hashes`. */
  kv_router_hashes(len: number, blockSize: number, seedLo: number, seedHi: number, eagle: number, mmLen: number): number;
  /** `kv_router_sequence_hashes`. */
  kv_router_sequence_hashes(len: number, blockSize: number, seedLo: number, seedHi: number, eagle: number, mmLen: number): number;
  /** `kv_chain_local_hashes`. */
  kv_chain_local_hashes(len: number): number;
  /** `kv_engine_hashes`. */
  kv_engine_hashes(profile: number, len: number, blockSize: number, seedLen: number, modelLen: number, parentLen: number, extraLen: number): number;
  /** `kv_index_new`. */
  kv_index_new(): number;
  /** `kv_index_new_approximate`. */
  kv_index_new_approximate(ttl: number): number;
  /** `kv_index_apply`. */
  kv_index_apply(index: number, generation: number, len: number): number;
  /** `kv_index_find`. */
  kv_index_find(index: number, generation: number, len: number, earlyExit: number, now: number): number;
  /** `kv_index_record`. */
  kv_index_record(index: number, generation: number, idLo: number, idHi: number, dpRank: number, len: number, now: number): number;
  /** `kv_index_advance`. */
  kv_index_advance(index: number, generation: number, now: number): number;
  /** `kv_sim_new`. */
  kv_sim_new(len: number): number;
  /** `kv_sim_run`. */
  kv_sim_run(index: number, generation: number, budget: number): number;
  /** `kv_sim_report`. */
  kv_sim_report(index: number, generation: number): number;
  /** `kv_sim_requests`. */
  kv_sim_requests(index: number, generation: number): number;
  /** `kv_index_prune`. */
  kv_index_prune(index: number, generation: number, target: number): number;
  /** `kv_index_remove_worker`. */
  kv_index_remove_worker(index: number, generation: number, lo: number, hi: number): number;
  /** `kv_index_clear`. */
  kv_index_clear(index: number, generation: number): number;
  /** `kv_index_info`. */
  kv_index_info(index: number, generation: number): number;
  /** `kv_index_tree_sizes`. */
  kv_index_tree_sizes(index: number, generation: number): number;
  /** `kv_index_dump`. */
  kv_index_dump(index: number, generation: number): number;
  /** `kv_index_load`. */
  kv_index_load(index: number, generation: number, count: number): number;
  /** `kv_load_new`. */
  kv_load_new(): number;
  /** `kv_load_add_worker`. */
  kv_load_add_worker(index: number, generation: number, lo: number, hi: number, dpRank: number): number;
  /** `kv_load_remove_worker`. */
  kv_load_remove_worker(index: number, generation: number, lo: number, hi: number): number;
  /** `kv_load_add_request`. */
  kv_load_add_request(index: number, generation: number, request: number, lo: number, hi: number, dpRank: number, len: number, prefill: number): number;
  /** `kv_load_prefill_done`. */
  kv_load_prefill_done(index: number, generation: number, request: number): number;
  /** `kv_load_free`. */
  kv_load_free(index: number, generation: number, request: number): number;
  /** `kv_load_potential`. */
  kv_load_potential(index: number, generation: number, len: number, chained: number): number;
  /** `kv_router_decide`. */
  kv_router_decide(len: number, isl: number, temperature: number, draw: number, now: number, tieByTreeSize: number): number;
  /** `kv_pool_new`. */
  kv_pool_new(capacity: number, blockSize: number, saltLo: number, saltHi: number, policy: number): number;
  /** `kv_pool_with_ids`. */
  kv_pool_with_ids(count: number, blockSize: number, saltLo: number, saltHi: number, policy: number): number;
  /** `kv_pool_info`. */
  kv_pool_info(index: number, generation: number): number;
  /** `kv_pool_match`. */
  kv_pool_match(index: number, generation: number, seqIndex: number, seqGeneration: number, from: number): number;
  /** `kv_pool_match_hashes`. */
  kv_pool_match_hashes(index: number, generation: number, count: number): number;
  /** `kv_pool_missing`. */
  kv_pool_missing(index: number, generation: number, seqIndex: number, seqGeneration: number, from: number, to: number): number;
  /** `kv_pool_allocate`. */
  kv_pool_allocate(index: number, generation: number, n: number): number;
  /** `kv_pool_register`. */
  kv_pool_register(index: number, generation: number, seqIndex: number, seqGeneration: number, len: number, start: number): number;
  /** `kv_pool_release`. */
  kv_pool_release(index: number, generation: number, len: number): number;
  /** `kv_pool_events`. */
  kv_pool_events(index: number, generation: number): number;
  /** `kv_pool_record`. */
  kv_pool_record(index: number, generation: number, id: number): number;
  /** `kv_pool_records`. */
  kv_pool_records(index: number, generation: number): number;
  /** `kv_pool_lookup`. */
  kv_pool_lookup(index: number, generation: number, w0: number, w1: number, w2: number, w3: number): number;
  /** `kv_snapshot`. */
  kv_snapshot(index: number, generation: number): number;
  /** `kv_restore`. */
  kv_restore(len: number): number;
}
