/**
 * One routing decision in one call into WebAssembly (`kv_router_decide`, SPEC §6.6): the
 * router's indexes and load model by handle, the prompt's hashes and the eligible workers in;
 * per worker its overlap, load and cost, and the chosen position out. No per-worker objects
 * or string keys are made on the way.
 *
 * Place: `ts/router/kv-router/decide.ts`.
 * @module
 */

import { COST_PARAM_WORDS, DECIDE_CANDIDATE_FIELDS, DECIDE_SOURCES, DECIDE_WORKER_WORDS, Flag } from '../../runtime/protocol.generated.js';
import { check, exports, inputView, memoryWords, outputAt, ret } from '../../runtime/wasm.js';
import { f64FromWords } from '../../runtime/words.js';
import { putCostParams, type CostParams } from '../cost.js';
import type { KvIndex } from '../kv-index.js';
import type { LoadTracker } from '../select.js';

/** f64 values per worker in {@link DecisionValues.values}. */
export const FIELDS = DECIDE_CANDIDATE_FIELDS.length;
/** Positions of the fields in a worker's run of {@link DecisionValues.values}. */
export const Field = Object.fromEntries(DECIDE_CANDIDATE_FIELDS.map((f, i) => [f, i])) as {
  readonly [K in (typeof DECIDE_CANDIDATE_FIELDS)[number]]: number;
};

/** What the router decides from besides the request. */
export interface DecisionSources {
  /** The workers' caches (with its lower-tier trees). */
  readonly device: KvIndex;
  /** Recently routed prompts, where the router predicts. */
  readonly predicted: KvIndex | undefined;
  /** The bookings' load. */
  readonly load: LoadTracker;
}

/**
 * A decision's numbers, read in place from the module's output (valid until the next call into
 * it): per eligible worker {@link FIELDS} values, and the chosen position (-1: none).
 */
export interface DecisionValues {
  /** Worker `i`'s field `f` (a {@link Field} position). */
  value(i: number, field: number): number;
  /** The chosen worker's position among the eligible ones, or -1 without any. */
  readonly chosen: number;
}

/** The request and how to choose. */
export interface DecisionRequest {
  /** Local block hashes of the prompt. */
  readonly local: BigUint64Array;
  /** The same blocks as chained sequence hashes. */
  readonly sequence: BigUint64Array;
  /** Eligible workers, {@link DECIDE_WORKER_WORDS} words each (id low, id high, dp rank). */
  readonly workers: Uint32Array;
  /** Input length in tokens. */
  readonly isl: number;
  /** The cost's parameters. */
  readonly params: CostParams;
  /** 0: the cheapest; > 0: softmax sampling. */
  readonly temperature: number;
  /** Uniform in [0, 1): breaks ties or samples. */
  readonly draw: number;
  /** The clock, for approximate indexes; NaN where none needs it. */
  readonly now: number;
  /** Ties go to the smallest tree first (the classic cost). */
  readonly tieByTreeSize: boolean;
}

/** Runs one decision in WebAssembly. */
export function decideInWasm(sources: DecisionSources, r: DecisionRequest): DecisionValues {
  const handles = [
    ...sources.device.decisionHandles(),
    ...(sources.predicted?.decisionHandles().slice(0, 2) ?? [0, 0]),
    ...sources.load.handle(),
  ];
  const n = r.local.length;
  const head = handles.length + COST_PARAM_WORDS + 2;
  if (handles.length !== 2 * DECIDE_SOURCES.length) throw new Error('kv_router_decide: the sources do not match the contract');
  const words = head + 4 * n + r.workers.length;
  const input = inputView(words);
  input.set(handles);
  putCostParams(input, handles.length, r.params);
  input[head - 2] = n;
  input[head - 1] = r.workers.length / DECIDE_WORKER_WORDS;
  input.set(new Uint32Array(r.local.buffer, r.local.byteOffset, 2 * n), head);
  input.set(new Uint32Array(r.sequence.buffer, r.sequence.byteOffset, 2 * n), head + 2 * n);
  input.set(r.workers, head + 4 * n);
  check(exports().kv_router_decide(words, r.isl, r.temperature, r.draw, r.now, r.tieByTreeSize ? Flag.true : Flag.false));
  const chosen = ret(0) === 1 ? ret(1) : -1;
  const at = outputAt();
  const memory = memoryWords();
  return { value: (i, field) => f64FromWords(memory, at + 2 * (i * FIELDS + field)), chosen };
}
