/**
 * What a replay reports (SPEC §9.3) and how it is read off the module's reply: totals, latency
 * summaries, goodput, per-worker load, per-request records, progress; and the DynoSim-shaped
 * keys of {@link toDynoSimJson}.
 *
 * Place: `ts/sim/report.ts`.
 * @module
 */

import {
  SIM_GOODPUT_FIELDS,
  SIM_LATENCIES,
  SIM_PROGRESS_FIELDS,
  SIM_REPORT_FIELDS,
  SIM_REQUEST_FIELDS,
  SIM_REQUEST_STATUS,
  SIM_SUMMARY_FIELDS,
  SIM_WORKER_FIELDS,
} from '../runtime/protocol.generated.js';

/** A distribution's summary, ms (percentiles by DynoSim's rank rule). */
export interface LatencySummary {
  /** Mean. */
  readonly mean: number;
  /** Smallest. */
  readonly min: number;
  /** Largest. */
  readonly max: number;
  /** Median. */
  readonly p50: number;
  /** 90th percentile. */
  readonly p90: number;
  /** 99th percentile. */
  readonly p99: number;
}

/** A worker's share of a replay. */
export interface WorkerLoad {
  /** The worker. */
  readonly workerId: number;
  /** Requests routed to it. */
  readonly requests: number;
  /** Their prompt tokens. */
  readonly promptTokens: number;
  /** Of which hit in G1 or G2 (completed requests). */
  readonly hitTokens: number;
  /** Most requests it ran at once. */
  readonly peakRunning: number;
  /** Requests it preempted. */
  readonly preemptions: number;
}

/** Goodput at the given SLOs. */
export interface Goodput {
  /** Completed requests meeting every SLO. */
  readonly completedRequests: number;
  /** Those per second. */
  readonly requestThroughputRps: number;
  /** Their output tokens per second. */
  readonly outputThroughputTokS: number;
}

/** The report of a replay (token counts over completed requests). */
export interface ReplayReport {
  /** Requests in the trace. */
  readonly requests: number;
  /** Refused by their worker (longer than G1 or `maxModelLen`). */
  readonly rejectedRequests: number;
  /** Not replayed: an empty prompt, or prompt + output past 2^24 blocks. */
  readonly skippedRequests: number;
  /** Completed. */
  readonly completedRequests: number;
  /** Prompt tokens. */
  readonly promptTokens: number;
  /** Prompt tokens found in G1 at admission. */
  readonly g1HitTokens: number;
  /** Prompt tokens onboarded from G2. */
  readonly g2HitTokens: number;
  /** Prompt tokens computed. */
  readonly computedTokens: number;
  /** Output tokens. */
  readonly outputTokens: number;
  /** Blocks onboarded G2 → G1. */
  readonly onboardedBlocks: number;
  /** Blocks offloaded G1 → G2. */
  readonly offloadedBlocks: number;
  /** Blocks evicted from G1. */
  readonly g1EvictedBlocks: number;
  /** Blocks evicted from G2. */
  readonly g2EvictedBlocks: number;
  /** Blocks evicted, both tiers. */
  readonly evictedBlocks: number;
  /** Latest completion, ms after the first arrival. */
  readonly durationMs: number;
  /** Completed requests per second. */
  readonly requestThroughputRps: number;
  /** Output tokens per second. */
  readonly outputThroughputTokS: number;
  /** (G1 + G2 hits) / prompt tokens; a re-admitted request counts its largest hit. */
  readonly prefixCacheReusedRatio: number;
  /** The same at each request's first admission. */
  readonly firstAdmissionPrefixCacheReusedRatio: number;
  /** Time to first token. */
  readonly ttftMs: LatencySummary;
  /** Time from first to second token. */
  readonly ttstMs: LatencySummary;
  /** Per-request mean time per output token after the first (AIPerf's ITL). */
  readonly tpotMs: LatencySummary;
  /** Every gap between tokens, pooled (DynoSim's ITL). */
  readonly itlMs: LatencySummary;
  /** End-to-end time. */
  readonly e2eMs: LatencySummary;
  /** Goodput, when `slo` was given. */
  readonly goodput?: Goodput;
  /** Per worker. */
  readonly perWorker: WorkerLoad[];
}

/** Where a replay is (for progress bars and live charts). */
export interface ReplayProgress {
  /** Requests finished (completed, refused or skipped). */
  readonly done: number;
  /** Requests in all. */
  readonly total: number;
  /** The simulated clock, ms. */
  readonly timeMs: number;
  /** Prompt and hit tokens of the requests completed so far. */
  readonly totals: { readonly promptTokens: number; readonly g1HitTokens: number; readonly g2HitTokens: number };
  /** Per worker, requests running now. */
  readonly running: readonly number[];
}

/** One request of a replay (times in ms; `null` where the request has none). */
export interface RequestRecord {
  /** Arrival (closed loop: dispatch). */
  readonly arrivalMs: number;
  /** The worker it went to (`null` when skipped). */
  readonly worker: number | null;
  /** Prompt tokens. */
  readonly promptTokens: number;
  /** Hit in G1. */
  readonly g1HitTokens: number;
  /** Onboarded from G2. */
  readonly g2HitTokens: number;
  /** Tokens emitted. */
  readonly outputTokens: number;
  /** Time to first token. */
  readonly ttftMs: number | null;
  /** End-to-end time. */
  readonly e2eMs: number | null;
  /** What became of it. */
  readonly status: (typeof SIM_REQUEST_STATUS)[number];
}

/** Reads `fields` off `v` from `at`. */
function take<K extends string>(v: Float64Array, at: number, fields: readonly K[]): Record<K, number> {
  const out = {} as Record<K, number>;
  fields.forEach((f, i) => (out[f] = v[at + i] as number));
  return out;
}

/** Decodes `kv_sim_report`'s numbers. */
export function decodeReport(v: Float64Array): ReplayReport {
  let at = 0;
  const scalars = take(v, at, SIM_REPORT_FIELDS);
  at += SIM_REPORT_FIELDS.length;
  const latencies = {} as Record<(typeof SIM_LATENCIES)[number], LatencySummary>;
  for (const name of SIM_LATENCIES) {
    latencies[name] = take(v, at, SIM_SUMMARY_FIELDS);
    at += SIM_SUMMARY_FIELDS.length;
  }
  const hasGoodput = v[at++] === 1;
  const goodput = take(v, at, SIM_GOODPUT_FIELDS);
  at += SIM_GOODPUT_FIELDS.length;
  const workers = v[at++] as number;
  const perWorker: WorkerLoad[] = [];
  for (let w = 0; w < workers; w++) {
    perWorker.push({ workerId: w, ...take(v, at, SIM_WORKER_FIELDS) });
    at += SIM_WORKER_FIELDS.length;
  }
  return {
    ...scalars,
    evictedBlocks: scalars.g1EvictedBlocks + scalars.g2EvictedBlocks,
    ...latencies,
    ...(hasGoodput ? { goodput } : {}),
    perWorker,
  };
}

/** Decodes `kv_sim_run`'s progress. */
export function decodeProgress(v: Float64Array): ReplayProgress {
  const p = take(v, 0, SIM_PROGRESS_FIELDS);
  return {
    done: p.finished,
    total: p.total,
    timeMs: p.nowMs,
    totals: { promptTokens: p.promptTokens, g1HitTokens: p.g1HitTokens, g2HitTokens: p.g2HitTokens },
    running: Array.from(v.subarray(SIM_PROGRESS_FIELDS.length)),
  };
}

/** Decodes `kv_sim_requests`'s records. */
export function decodeRequests(v: Float64Array): RequestRecord[] {
  const n = SIM_REQUEST_FIELDS.length;
  const out: RequestRecord[] = [];
  for (let at = 0; at + n <= v.length; at += n) {
    const r = take(v, at, SIM_REQUEST_FIELDS);
    const orNull = (x: number) => (Number.isNaN(x) ? null : x);
    out.push({
      ...r,
      worker: orNull(r.worker),
      ttftMs: orNull(r.ttftMs),
      e2eMs: orNull(r.e2eMs),
      status: SIM_REQUEST_STATUS[r.status] ?? 'unfinished',
    });
  }
  return out;
}

const STEMS: Record<string, string> = { ttftMs: 'ttft', ttstMs: 'ttst', tpotMs: 'tpot', itlMs: 'itl', e2eMs: 'e2e_latency' };

/**
 * The report under DynoSim's snake_case keys (`{stat}_{stem}_ms`, `duration_ms`,
 * `request_throughput_rps`, `prefix_cache_reused_ratio`, `goodput_*`…), so that a DynoSim
 * report and ours can be compared key by key.
 */
export function toDynoSimJson(r: ReplayReport): Record<string, number> {
  const out: Record<string, number> = {
    completed_requests: r.completedRequests,
    total_input_tokens: r.promptTokens,
    total_output_tokens: r.outputTokens,
    duration_ms: r.durationMs,
    request_throughput_rps: r.requestThroughputRps,
    output_throughput_tok_s: r.outputThroughputTokS,
    input_throughput_tok_s: r.durationMs > 0 ? r.promptTokens / (r.durationMs / 1000) : 0,
    total_throughput_tok_s: r.durationMs > 0 ? (r.promptTokens + r.outputTokens) / (r.durationMs / 1000) : 0,
    prefix_cache_reused_ratio: r.prefixCacheReusedRatio,
    first_admission_prefix_cache_reused_ratio: r.firstAdmissionPrefixCacheReusedRatio,
  };
  for (const [field, stem] of Object.entries(STEMS)) {
    const s = r[field as keyof typeof STEMS & keyof ReplayReport] as LatencySummary;
    out[`mean_${stem}_ms`] = s.mean;
    out[`min_${stem}_ms`] = s.min;
    out[`max_${stem}_ms`] = s.max;
    out[`median_${stem}_ms`] = s.p50;
    out[`p90_${stem}_ms`] = s.p90;
    out[`p99_${stem}_ms`] = s.p99;
  }
  if (r.goodput) {
    out.goodput_completed_requests = r.goodput.completedRequests;
    out.goodput_request_throughput_rps = r.goodput.requestThroughputRps;
    out.goodput_output_throughput_tok_s = r.goodput.outputThroughputTokS;
  }
  return out;
}
