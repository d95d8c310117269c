//! The simulator's part of the wire contract (SPEC §9): its selectors and the orders of the
//! numbers `kv_sim_*` exchange.
//!
//! Place: `crate/kvbm-sequence-wasm/src/contract/sim.rs`.

use super::Selector;

/// Routing policies of the simulator (SPEC §9.5).
pub const SIM_POLICY: Selector = Selector {
    name: "sim policy",
    values: &[
        "round-robin",
        "random",
        "kv",
        "kv-newest",
        "kv-approx",
        "sglang-cache-aware",
        "llmd",
        "session",
    ],
};

/// Timing models of the simulator (SPEC §9.2).
pub const TIMING_MODEL: Selector = Selector {
    name: "timing model",
    values: &["fixed", "polynomial", "interpolated"],
};

/// Preemption victims (SPEC §9.1).
pub const PREEMPTION_MODE: Selector = Selector {
    name: "preemption mode",
    values: &["lifo", "fifo"],
};

/// The simulator's settings, in the order `kv_sim_new` reads them (one f64 each; see
/// `exports/sim.rs` for the encodings of selectors, flags and absent values).
pub const SIM_CONFIG_FIELDS: &[&str] = &[
    "workers",
    "blockSize",
    "traceBlockSize",
    "g1Blocks",
    "g2Blocks",
    "eviction",
    "maxNumSeqs",
    "maxNumBatchedTokens",
    "enableChunkedPrefill",
    "enablePrefixCaching",
    "preemptionMode",
    "maxModelLen",
    "timing",
    "prefillTokensPerSecond",
    "decodeMsPerToken",
    "speedupRatio",
    "decodeSpeedupRatio",
    "kvBytesPerToken",
    "bandwidthG2ToG1Gbps",
    "router",
    "sessionBase",
    "overlapScoreWeight",
    "temperature",
    "overlapScoreCreditDecay",
    "approxTtlMs",
    "cacheThreshold",
    "balanceAbsThreshold",
    "balanceRelThreshold",
    "llmdPrefixWeight",
    "llmdQueueWeight",
    "llmdKvWeight",
    "seed",
    "arrivalSpeedupRatio",
    "concurrency",
    "sloTtftMs",
    "sloItlMs",
    "sloE2eMs",
];

/// Numbers per trace row in `kv_sim_new`'s input, after the count of rows.
pub const SIM_ROW_FIELDS: &[&str] = &[
    "timestamp",
    "inputLength",
    "outputLength",
    "session",
    "delayMs",
    "hashIds",
];

/// The report's scalar fields, in `kv_sim_report`'s order (f64 each).
pub const SIM_REPORT_FIELDS: &[&str] = &[
    "requests",
    "rejectedRequests",
    "skippedRequests",
    "completedRequests",
    "promptTokens",
    "g1HitTokens",
    "g2HitTokens",
    "computedTokens",
    "outputTokens",
    "onboardedBlocks",
    "offloadedBlocks",
    "g1EvictedBlocks",
    "g2EvictedBlocks",
    "durationMs",
    "requestThroughputRps",
    "outputThroughputTokS",
    "prefixCacheReusedRatio",
    "firstAdmissionPrefixCacheReusedRatio",
];

/// The report's latency summaries, in `kv_sim_report`'s order after the scalars.
pub const SIM_LATENCIES: &[&str] = &["ttftMs", "ttstMs", "tpotMs", "itlMs", "e2eMs"];

/// Fields of one latency summary.
pub const SIM_SUMMARY_FIELDS: &[&str] = &["mean", "min", "max", "p50", "p90", "p99"];

/// Goodput fields (after a presence flag), then the worker count and per worker these.
pub const SIM_GOODPUT_FIELDS: &[&str] = &[
    "completedRequests",
    "requestThroughputRps",
    "outputThroughputTokS",
];

/// Per-worker fields of the report.
pub const SIM_WORKER_FIELDS: &[&str] = &[
    "requests",
    "promptTokens",
    "hitTokens",
    "peakRunning",
    "preemptions",
];

/// Per-request fields of `kv_sim_requests` (NaN where a time does not exist).
pub const SIM_REQUEST_FIELDS: &[&str] = &[
    "arrivalMs",
    "worker",
    "promptTokens",
    "g1HitTokens",
    "g2HitTokens",
    "outputTokens",
    "ttftMs",
    "e2eMs",
    "status",
];

/// Values of a request's `status` in `kv_sim_requests`.
pub const SIM_REQUEST_STATUS: &[&str] = &["completed", "rejected", "skipped", "unfinished"];

/// Fields of `kv_sim_run`'s progress reply.
pub const SIM_PROGRESS_FIELDS: &[&str] = &[
    "finished",
    "total",
    "nowMs",
    "promptTokens",
    "g1HitTokens",
    "g2HitTokens",
];
