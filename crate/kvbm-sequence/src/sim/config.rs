//! The simulation's settings (SPEC §9.1 engine, §9.2 timing, §9.4 arrivals, §9.5 policy), with
//! the SPEC's defaults, checked before a run starts.
//!
//! Place: `crate/kvbm-sequence/src/sim/config.rs`.

use super::timing::TimingModel;
use crate::error::{Error, Result};
use crate::tiers::pool::EvictionPolicy;

/// Which request a failed G1 allocation preempts (SPEC §9.1 "Preemption").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preemption {
    /// The newest running request (vLLM v1's default).
    Lifo,
    /// The oldest running request.
    Fifo,
}

/// The routing policy (SPEC §9.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// Worker `k mod |W|` for the k-th request.
    RoundRobin,
    /// Uniform, seeded.
    Random,
    /// Dynamo's classic KV cost over an index fed by the workers' G1 events.
    Kv,
    /// Dynamo's newest cost (SPEC §6.6.1) over the same index.
    KvNewest,
    /// Dynamo without events: the router records its own choices, expiring after a TTL.
    KvApprox,
    /// SGLang's cache-aware policy with balance thresholds.
    SglangCacheAware,
    /// llm-d's weighted scorers (prefix, queue, KV utilisation).
    Llmd,
    /// Hard session affinity over a base policy.
    Session,
}

impl PolicyKind {
    /// Every policy, in the order of the wire contract's `sim policy` selector.
    pub const ALL: [PolicyKind; 8] = [
        PolicyKind::RoundRobin,
        PolicyKind::Random,
        PolicyKind::Kv,
        PolicyKind::KvNewest,
        PolicyKind::KvApprox,
        PolicyKind::SglangCacheAware,
        PolicyKind::Llmd,
        PolicyKind::Session,
    ];
}

/// Every setting of a simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    /// Workers (≥ 1).
    pub workers: u32,
    /// Engine tokens per block (≥ 1).
    pub block_size: u32,
    /// Tokens per trace hash id (≥ 1; 512 for Mooncake).
    pub trace_block_size: u32,
    /// G1 blocks per worker.
    pub g1_blocks: u32,
    /// G2 blocks per worker, if there is a host tier.
    pub g2_blocks: Option<u32>,
    /// Eviction order of both tiers.
    pub eviction: EvictionPolicy,
    /// Running-list cap per worker.
    pub max_num_seqs: u32,
    /// Token budget of a pass.
    pub max_num_batched_tokens: u32,
    /// Whether a prompt may be cut into chunks across passes.
    pub enable_chunked_prefill: bool,
    /// Whether prompts hit cached blocks at admission.
    pub enable_prefix_caching: bool,
    /// Preemption victim.
    pub preemption: Preemption,
    /// Longest sequence a worker admits (tokens), if any.
    pub max_model_len: Option<u32>,
    /// How long a pass takes.
    pub timing: TimingModel,
    /// Prefill time divisor (≤ 0: unscaled).
    pub speedup_ratio: f64,
    /// Extra decode time divisor (≤ 0: unscaled).
    pub decode_speedup_ratio: f64,
    /// KV bytes per token; 0 makes transfers instantaneous.
    pub kv_bytes_per_token: f64,
    /// G2 → G1 bandwidth, GB/s.
    pub g2_to_g1_gbps: f64,
    /// The routing policy.
    pub policy: PolicyKind,
    /// With [`PolicyKind::Session`]: the policy for a session's first request.
    pub session_base: PolicyKind,
    /// Weight of the prefill blocks in the KV cost (`overlap_score_weight`).
    pub overlap_score_weight: f64,
    /// Softmax temperature of the KV choice (0 = argmin).
    pub temperature: f64,
    /// Newest cost: `overlap_score_credit_decay`.
    pub overlap_score_credit_decay: f64,
    /// Approximate KV: how long a recorded block counts as cached (ms).
    pub approx_ttl_ms: f64,
    /// SGLang: match rate above which the cache decides.
    pub cache_threshold: f64,
    /// SGLang: absolute load gap that counts as imbalanced.
    pub balance_abs: f64,
    /// SGLang: relative load gap that counts as imbalanced.
    pub balance_rel: f64,
    /// llm-d: weights of the prefix, queue and KV-utilisation scorers.
    pub llmd_weights: [f64; 3],
    /// Seed of every random choice.
    pub seed: u64,
    /// Arrival divisor (≥ 0; 0 or 1 = as recorded).
    pub arrival_speedup_ratio: f64,
    /// Closed loop: at most this many requests in flight (0 = open loop by timestamps).
    pub concurrency: u32,
    /// Goodput SLOs (ms): TTFT, mean ITL, E2E; `None` where unset.
    pub slo_ms: [Option<f64>; 3],
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            workers: 4,
            block_size: 16,
            trace_block_size: 512,
            g1_blocks: 1_000_000 / 16,
            g2_blocks: Some(4_000_000 / 16),
            eviction: EvictionPolicy::Lru,
            max_num_seqs: 256,
            max_num_batched_tokens: 8192,
            enable_chunked_prefill: true,
            enable_prefix_caching: true,
            preemption: Preemption::Lifo,
            max_model_len: None,
            timing: TimingModel::Fixed {
                prefill_tokens_per_second: 10_000.0,
                decode_ms_per_token: 20.0,
            },
            speedup_ratio: 1.0,
            decode_speedup_ratio: 1.0,
            kv_bytes_per_token: 0.0,
            g2_to_g1_gbps: 14.0,
            policy: PolicyKind::Kv,
            session_base: PolicyKind::Kv,
            overlap_score_weight: 1.0,
            temperature: 0.0,
            overlap_score_credit_decay: 0.0,
            approx_ttl_ms: 120_000.0,
            cache_threshold: 0.3,
            balance_abs: 64.0,
            balance_rel: 1.5,
            llmd_weights: [2.0, 1.0, 1.0],
            seed: 0,
            arrival_speedup_ratio: 1.0,
            concurrency: 0,
            slo_ms: [None; 3],
        }
    }
}

/// `InvalidParameter` naming `name` unless `ok`.
pub(crate) fn require(ok: bool, name: &'static str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidParameter { name })
    }
}

fn at_least(v: f64, min: f64, name: &'static str) -> Result<()> {
    require(v.is_finite() && v >= min, name)
}

impl SimConfig {
    /// Checks every setting; the error names the first one out of its range.
    pub fn validate(&self) -> Result<()> {
        require(self.workers >= 1 && self.workers <= 4096, "workers")?;
        require(self.block_size >= 1, "blockSize")?;
        require(self.trace_block_size >= 1, "traceBlockSize")?;
        require(self.max_num_seqs >= 1, "maxNumSeqs")?;
        require(self.max_num_batched_tokens >= 1, "maxNumBatchedTokens")?;
        require(self.max_model_len != Some(0), "maxModelLen")?;
        self.timing.validate()?;
        require(self.speedup_ratio.is_finite(), "speedupRatio")?;
        require(self.decode_speedup_ratio.is_finite(), "decodeSpeedupRatio")?;
        at_least(self.kv_bytes_per_token, 0.0, "kvBytesPerToken")?;
        require(
            self.g2_to_g1_gbps.is_finite() && self.g2_to_g1_gbps > 0.0,
            "bandwidthG2ToG1Gbps",
        )?;
        require(self.session_base != PolicyKind::Session, "sessionBase")?;
        at_least(self.overlap_score_weight, 0.0, "overlapScoreWeight")?;
        at_least(self.temperature, 0.0, "temperature")?;
        at_least(
            self.overlap_score_credit_decay,
            0.0,
            "overlapScoreCreditDecay",
        )?;
        require(
            self.approx_ttl_ms > 0.0 && !self.approx_ttl_ms.is_nan(),
            "approxTtlMs",
        )?;
        at_least(self.cache_threshold, 0.0, "cacheThreshold")?;
        at_least(self.balance_abs, 0.0, "balanceAbsThreshold")?;
        at_least(self.balance_rel, 0.0, "balanceRelThreshold")?;
        for w in self.llmd_weights {
            at_least(w, 0.0, "llmdWeights")?;
        }
        at_least(self.arrival_speedup_ratio, 0.0, "arrivalSpeedupRatio")?;
        for slo in self.slo_ms.iter().flatten() {
            at_least(*slo, 0.0, "slo")?;
        }
        Ok(())
    }
}
