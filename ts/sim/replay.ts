/**
 * Replaying a request trace through simulated engines behind a routing policy (SPEC §9): the
 * whole loop — engine passes, pools, KV events, the router's index and load model — runs in the
 * core crate; this module checks the options and the trace, sends them across once, drives
 * progress in slices (for progress bars) and decodes the report.
 *
 * Place: `ts/sim/replay.ts`.
 * @module
 */

import { WasmObject } from '../runtime/handle.js';
import { check, exports, inputView, outputU32, ret } from '../runtime/wasm.js';
import { jsonReady } from '../runtime/json.js';
import {
  PreemptionMode,
  SIM_CONFIG_FIELDS,
  SimPolicy,
  TimingModel as TimingModelCode,
  EvictionPolicy as EvictionCode,
} from '../runtime/protocol.generated.js';
import type { TraceRequest } from './trace.js';
import { checkOptions, settingsOf, type ReplayOptions, type ReplaySettings } from './options.js';
import { decodeProgress, decodeReport, decodeRequests, type ReplayProgress, type ReplayReport, type RequestRecord } from './report.js';

/** The result of {@link replayTrace}. */
export interface ReplayResult extends ReplayReport {
  /** The settings used (defaults filled in). */
  readonly settings: ReplaySettings;
  /** Wall-clock seconds of the replay. */
  readonly seconds: number;
  /** Replay speed (trace requests per wall-clock second). */
  readonly requestsPerSecond: number;
  /** One record per request (trace order), when `options.perRequest` is set. */
  readonly perRequest?: RequestRecord[];
}

/** Every request checked before the run, naming the request and the field. */
function checkTrace(trace: readonly TraceRequest[]): void {
  if (!Array.isArray(trace)) throw new TypeError('trace must be an Array of requests (parseTrace reads a JSONL file)');
  const ok = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  trace.forEach((r: TraceRequest, i: number) => {
    if (r === null || typeof r !== 'object') throw new TypeError(`trace[${i}] must be a request object`);
    if (typeof r.timestamp !== 'number' || !Number.isFinite(r.timestamp) || r.timestamp < 0)
      throw new TypeError(`trace[${i}].timestamp must be a number >= 0, got ${String(r.timestamp)}${hint(r)}`);
    for (const field of ['inputLength', 'outputLength'] as const) {
      if (!ok(r[field]) || (r[field] as number) >= 2 ** 32)
        throw new TypeError(`trace[${i}].${field} must be an integer in 0..2^32, got ${String(r[field])}${hint(r)}`);
    }
    if (!Array.isArray(r.hashIds)) throw new TypeError(`trace[${i}].hashIds must be an array of non-negative integers`);
    const bad = r.hashIds.findIndex((h: unknown) => !ok(h) || (h as number) >= 2 ** 32);
    if (bad >= 0) throw new TypeError(`trace[${i}].hashIds[${bad}] must be an integer in 0..2^32, got ${JSON.stringify(r.hashIds[bad])}`);
    if (r.delayMs !== undefined && (typeof r.delayMs !== 'number' || !Number.isFinite(r.delayMs) || r.delayMs < 0))
      throw new TypeError(`trace[${i}].delayMs must be a number >= 0, got ${String(r.delayMs)}`);
  });
}

function hint(r: object): string {
  return 'input_length' in r ? " (the trace's own snake_case fields: read it with parseTrace)" : '';
}

/** The settings as the contract's f64 list, the timing table, then the trace. */
function encode(s: ReplaySettings, trace: readonly TraceRequest[]): Float64Array {
  const table = typeof s.timing === 'object' ? s.timing : undefined;
  const values: Record<(typeof SIM_CONFIG_FIELDS)[number], number> = {
    workers: s.workers,
    blockSize: s.blockSize,
    traceBlockSize: s.traceBlockSize,
    g1Blocks: s.g1Blocks,
    g2Blocks: s.g2Blocks ?? -1,
    eviction: EvictionCode[s.eviction],
    maxNumSeqs: s.maxNumSeqs,
    maxNumBatchedTokens: s.maxNumBatchedTokens,
    enableChunkedPrefill: s.enableChunkedPrefill ? 1 : 0,
    enablePrefixCaching: s.enablePrefixCaching ? 1 : 0,
    preemptionMode: PreemptionMode[s.preemptionMode],
    maxModelLen: s.maxModelLen ?? -1,
    timing: table ? TimingModelCode.interpolated : TimingModelCode[s.timing as 'fixed' | 'polynomial'],
    prefillTokensPerSecond: s.prefillTokensPerSecond,
    decodeMsPerToken: s.decodeMsPerToken,
    speedupRatio: s.speedupRatio,
    decodeSpeedupRatio: s.decodeSpeedupRatio,
    kvBytesPerToken: s.kvBytesPerToken,
    bandwidthG2ToG1Gbps: s.bandwidthG2ToG1Gbps,
    router: SimPolicy[s.router],
    sessionBase: SimPolicy[s.sessionBase],
    overlapScoreWeight: s.overlapScoreWeight,
    temperature: s.temperature,
    overlapScoreCreditDecay: s.overlapScoreCreditDecay,
    approxTtlMs: s.approxTtlMs,
    cacheThreshold: s.cacheThreshold,
    balanceAbsThreshold: s.balanceAbsThreshold,
    balanceRelThreshold: s.balanceRelThreshold,
    llmdPrefixWeight: s.llmdWeights[0],
    llmdQueueWeight: s.llmdWeights[1],
    llmdKvWeight: s.llmdWeights[2],
    seed: s.seed,
    arrivalSpeedupRatio: s.arrivalSpeedupRatio,
    concurrency: s.concurrency,
    sloTtftMs: s.slo.ttftMs ?? Number.NaN,
    sloItlMs: s.slo.itlMs ?? Number.NaN,
    sloE2eMs: s.slo.e2eMs ?? Number.NaN,
  };
  const out: number[] = SIM_CONFIG_FIELDS.map((f) => values[f]);
  if (table) {
    for (const axis of [table.prefill_isl, table.prefill_ttft_ms, table.decode_active_kv_tokens, table.decode_context_length])
      out.push(axis.length, ...axis);
    const flat = table.decode_itl.flat();
    out.push(flat.length, ...flat);
  }
  const sessions = new Map<string | number, number>();
  out.push(trace.length);
  for (const r of trace) {
    let session = -1;
    if (r.sessionId !== undefined) {
      session = sessions.get(r.sessionId) ?? sessions.size;
      sessions.set(r.sessionId, session);
    }
    out.push(r.timestamp, r.inputLength, r.outputLength, session, r.delayMs ?? Number.NaN, r.hashIds.length);
  }
  const numbers = new Float64Array(out.length + trace.reduce((n, r) => n + r.hashIds.length, 0));
  numbers.set(out);
  let at = out.length;
  for (const r of trace) for (const id of r.hashIds) numbers[at++] = id;
  return numbers;
}

/** A simulation inside the module (freed by {@link replayTrace} when it ends). */
class Simulation extends WasmObject {
  constructor(numbers: Float64Array) {
    super();
    const words = new Uint32Array(numbers.buffer, numbers.byteOffset, numbers.length * 2);
    inputView(words.length).set(words);
    check(exports().kv_sim_new(words.length));
    this.adoptHandle(ret(0), ret(1));
  }

  /** Runs until `budget` more requests finished; `true` when the trace is done. */
  run(budget: number): { done: boolean; progress: ReplayProgress } {
    check(exports().kv_sim_run(this.index, this.generation, budget));
    const done = ret(0) === 1;
    return { done, progress: decodeProgress(f64s()) };
  }

  report(): ReplayReport {
    check(exports().kv_sim_report(this.index, this.generation));
    return decodeReport(f64s());
  }

  requests(): RequestRecord[] {
    check(exports().kv_sim_requests(this.index, this.generation));
    return decodeRequests(f64s());
  }
}

function f64s(): Float64Array {
  const words = outputU32();
  return new Float64Array(words.buffer, words.byteOffset, words.length / 2);
}

/**
 * Replays `trace` through simulated engines (SPEC §9): every option and request is checked
 * before the run (an error names it), then the run goes in slices of `progressEvery` finished
 * requests, calling `onProgress` after each. The same options and seed give the same report.
 */
export function replayTrace(trace: readonly TraceRequest[], options: ReplayOptions = {}): ReplayResult {
  checkOptions(options);
  const requests = options.limit === undefined ? trace : trace.slice(0, options.limit);
  checkTrace(requests);
  const settings = settingsOf(options, requests);
  const started = performance.now();
  const sim = new Simulation(encode(settings, requests));
  try {
    const every = options.progressEvery ?? 100;
    for (;;) {
      const { done, progress } = sim.run(every);
      options.onProgress?.(progress);
      if (done) break;
    }
    const report = sim.report();
    const perRequest = options.perRequest === true ? sim.requests() : undefined;
    const seconds = (performance.now() - started) / 1000;
    return jsonReady({
      ...report,
      settings,
      seconds,
      requestsPerSecond: requests.length / seconds,
      ...(perRequest ? { perRequest } : {}),
    });
  } finally {
    sim.free();
  }
}
