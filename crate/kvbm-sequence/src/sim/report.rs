//! What a simulation measured (SPEC §9.3): per-request times and hits, latency summaries with
//! DynoSim's percentile rule, throughput, prefix reuse and goodput.
//!
//! Place: `crate/kvbm-sequence/src/sim/report.rs`.

/// One request's record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestStats {
    /// Arrival (or dispatch, in closed loop), ms.
    pub arrival: f64,
    /// The worker it was routed to (`u32::MAX` until routed).
    pub worker: u32,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Output tokens asked for.
    pub output_tokens: u64,
    /// Prompt tokens hit in G1 at the admission with the largest hit.
    pub g1_hit: u64,
    /// Prompt tokens onboarded from G2 at that admission.
    pub g2_hit: u64,
    /// The hit of the first admission (G1 + G2), if admitted.
    pub first_hit: Option<u64>,
    /// Times admitted (more than once after preemption).
    pub admissions: u32,
    /// Refused by its worker (too long for G1 or `maxModelLen`).
    pub rejected: bool,
    /// Not simulated: its positions reach 2^24 blocks, or its prompt is empty.
    pub skipped: bool,
    /// Token stamps: first, second, last; and how many.
    pub first_token: Option<f64>,
    /// See `first_token`.
    pub second_token: Option<f64>,
    /// See `first_token`.
    pub last_token: Option<f64>,
    /// Tokens emitted.
    pub tokens: u64,
    /// Completion time.
    pub completed_at: Option<f64>,
}

impl RequestStats {
    /// Records an admission's hit (the largest hit is kept).
    pub fn admitted(&mut self, g1: u64, g2: u64) {
        if self.first_hit.is_none() {
            self.first_hit = Some(g1 + g2);
        }
        if self.admissions == 0 || g1 + g2 > self.g1_hit + self.g2_hit {
            self.g1_hit = g1;
            self.g2_hit = g2;
        }
        self.admissions += 1;
    }

    /// Records a token at `at`; returns the gap from the previous token.
    pub fn token(&mut self, at: f64) -> Option<f64> {
        let gap = self.last_token.map(|t| at - t);
        if self.first_token.is_none() {
            self.first_token = Some(at);
        } else if self.second_token.is_none() {
            self.second_token = Some(at);
        }
        self.last_token = Some(at);
        self.tokens += 1;
        gap
    }

    /// Whether it completed (admitted, not refused).
    pub fn completed(&self) -> bool {
        self.completed_at.is_some() && !self.rejected && !self.skipped
    }

    /// Time to first token (the completion time for a request without output).
    pub fn ttft(&self) -> Option<f64> {
        self.first_token
            .or(self.completed_at)
            .map(|t| t - self.arrival)
    }

    /// End-to-end time.
    pub fn e2e(&self) -> Option<f64> {
        self.completed_at.map(|t| t - self.arrival)
    }

    /// Mean time per output token after the first (k ≥ 2).
    pub fn tpot(&self) -> Option<f64> {
        match (self.first_token, self.last_token) {
            (Some(a), Some(b)) if self.tokens >= 2 => Some((b - a) / (self.tokens - 1) as f64),
            _ => None,
        }
    }
}

/// A distribution's summary (ms).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LatencySummary {
    /// Mean.
    pub mean: f64,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
    /// Median (rank rule of DynoSim).
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
}

impl LatencySummary {
    /// Summarises `values` (sorted in place); all 0 when empty.
    pub fn of(values: &mut [f64]) -> Self {
        if values.is_empty() {
            return Self::default();
        }
        crate::collections::sort::sort_by(values, |a, b| {
            a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal)
        });
        let n = values.len();
        let at = |p: f64| values[(((n - 1) as f64) * p / 100.0).round() as usize];
        Self {
            mean: values.iter().sum::<f64>() / n as f64,
            min: values[0],
            max: values[n - 1],
            p50: at(50.0),
            p90: at(90.0),
            p99: at(99.0),
        }
    }
}

/// Every gap between tokens, pooled, kept as (value, count): a pass's duration is the gap of
/// every request that emitted in it, so the distinct values are far fewer than the gaps, and the
/// percentiles stay exact.
#[derive(Clone, Debug, Default)]
pub struct Gaps {
    counts: crate::collections::FastMap<u64, u64>,
    total: u64,
    sum: f64,
}

impl Gaps {
    /// Adds one gap (ms).
    pub fn add(&mut self, gap: f64) -> crate::error::Result<()> {
        self.counts
            .try_reserve(1)
            .map_err(crate::error::out_of_memory(1))?;
        *self.counts.entry(gap.to_bits()).or_insert(0) += 1;
        self.total += 1;
        self.sum += gap;
        Ok(())
    }

    /// The summary, by the same rank rule as [`LatencySummary::of`].
    pub fn summary(&self) -> crate::error::Result<LatencySummary> {
        if self.total == 0 {
            return Ok(LatencySummary::default());
        }
        let mut values: Vec<(f64, u64)> = Vec::new();
        crate::error::try_reserve(&mut values, self.counts.len())?;
        values.extend(self.counts.iter().map(|(&b, &n)| (f64::from_bits(b), n)));
        crate::collections::sort::sort_by(&mut values, |a, b| {
            a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal)
        });
        let at = |p: f64| {
            let rank = (((self.total - 1) as f64) * p / 100.0).round() as u64;
            let mut seen = 0;
            for &(v, n) in &values {
                seen += n;
                if rank < seen {
                    return v;
                }
            }
            values.last().map_or(0.0, |v| v.0)
        };
        Ok(LatencySummary {
            mean: self.sum / self.total as f64,
            min: values.first().map_or(0.0, |v| v.0),
            max: values.last().map_or(0.0, |v| v.0),
            p50: at(50.0),
            p90: at(90.0),
            p99: at(99.0),
        })
    }
}

/// Goodput at the configured SLOs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Goodput {
    /// Completed requests meeting every SLO.
    pub completed_requests: u64,
    /// Those per second.
    pub request_throughput_rps: f64,
    /// Their output tokens per second.
    pub output_throughput_tok_s: f64,
}

/// A worker's share.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkerReport {
    /// Requests routed to it.
    pub requests: u64,
    /// Their prompt tokens.
    pub prompt_tokens: u64,
    /// Of which hit in G1 or G2 (completed requests).
    pub hit_tokens: u64,
    /// Most requests running at once.
    pub peak_running: u32,
    /// Preemptions.
    pub preemptions: u64,
}

/// The report of a simulation (SPEC §9.3 "Our fields").
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// Requests in the trace.
    pub requests: u64,
    /// Refused by their worker.
    pub rejected_requests: u64,
    /// Not simulated (positions past 2^24 blocks, or an empty prompt).
    pub skipped_requests: u64,
    /// Completed.
    pub completed_requests: u64,
    /// Prompt tokens of completed requests.
    pub prompt_tokens: u64,
    /// Of which hit in G1.
    pub g1_hit_tokens: u64,
    /// Of which onboarded from G2.
    pub g2_hit_tokens: u64,
    /// Of which computed.
    pub computed_tokens: u64,
    /// Output tokens of completed requests.
    pub output_tokens: u64,
    /// Blocks onboarded G2 → G1.
    pub onboarded_blocks: u64,
    /// Blocks offloaded G1 → G2.
    pub offloaded_blocks: u64,
    /// Blocks evicted from G1.
    pub g1_evicted_blocks: u64,
    /// Blocks evicted from G2.
    pub g2_evicted_blocks: u64,
    /// Latest completion (ms from the first arrival).
    pub duration_ms: f64,
    /// Completed requests per second.
    pub request_throughput_rps: f64,
    /// Output tokens per second.
    pub output_throughput_tok_s: f64,
    /// Hit prompt tokens over prompt tokens (completed requests).
    pub prefix_cache_reused_ratio: f64,
    /// The same at each request's first admission.
    pub first_admission_prefix_cache_reused_ratio: f64,
    /// Time to first token.
    pub ttft_ms: LatencySummary,
    /// Time to second token.
    pub ttst_ms: LatencySummary,
    /// Per-request mean time per output token.
    pub tpot_ms: LatencySummary,
    /// Every gap between tokens, pooled.
    pub itl_ms: LatencySummary,
    /// End-to-end time.
    pub e2e_ms: LatencySummary,
    /// Goodput, when an SLO was given.
    pub goodput: Option<Goodput>,
    /// Per worker.
    pub per_worker: Vec<WorkerReport>,
}

/// Builds the totals and summaries from the per-request records.
pub fn summarize(
    stats: &[RequestStats],
    gaps: &Gaps,
    slo_ms: [Option<f64>; 3],
    per_worker: Vec<WorkerReport>,
) -> Report {
    let mut r = Report {
        requests: stats.len() as u64,
        per_worker,
        ..Report::default()
    };
    let (mut ttft, mut ttst, mut tpot, mut e2e) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut first_hits = 0u64;
    let mut good = Goodput::default();
    for s in stats {
        r.rejected_requests += s.rejected as u64;
        r.skipped_requests += s.skipped as u64;
        if let Some(w) = r.per_worker.get_mut(s.worker as usize) {
            w.requests += 1;
            w.prompt_tokens += s.prompt_tokens;
            if s.completed() {
                w.hit_tokens += s.g1_hit + s.g2_hit;
            }
        }
        if !s.completed() {
            continue;
        }
        r.completed_requests += 1;
        r.prompt_tokens += s.prompt_tokens;
        r.g1_hit_tokens += s.g1_hit;
        r.g2_hit_tokens += s.g2_hit;
        r.output_tokens += s.tokens;
        first_hits += s.first_hit.unwrap_or(0);
        let end = s.completed_at.unwrap_or(0.0);
        r.duration_ms = r.duration_ms.max(end);
        let (t, e) = (s.ttft().unwrap_or(0.0), s.e2e().unwrap_or(0.0));
        ttft.push(t);
        e2e.push(e);
        if let (Some(a), Some(b)) = (s.first_token, s.second_token) {
            ttst.push(b - a);
        }
        if let Some(x) = s.tpot() {
            tpot.push(x);
        }
        let itl = if s.tokens > 1 {
            Some((e - t) / (s.tokens - 1) as f64)
        } else {
            None
        };
        let ok = slo_ms[0].map_or(true, |l| t <= l)
            && slo_ms[1].map_or(true, |l| itl.map_or(true, |x| x <= l))
            && slo_ms[2].map_or(true, |l| e <= l);
        if ok {
            good.completed_requests += 1;
            good.output_throughput_tok_s += s.tokens as f64;
        }
    }
    r.computed_tokens = r.prompt_tokens - r.g1_hit_tokens - r.g2_hit_tokens;
    let seconds = r.duration_ms / 1000.0;
    let rate = |x: f64| if seconds > 0.0 { x / seconds } else { 0.0 };
    r.request_throughput_rps = rate(r.completed_requests as f64);
    r.output_throughput_tok_s = rate(r.output_tokens as f64);
    if r.prompt_tokens > 0 {
        let p = r.prompt_tokens as f64;
        r.prefix_cache_reused_ratio = (r.g1_hit_tokens + r.g2_hit_tokens) as f64 / p;
        r.first_admission_prefix_cache_reused_ratio = first_hits as f64 / p;
    }
    r.ttft_ms = LatencySummary::of(&mut ttft);
    r.ttst_ms = LatencySummary::of(&mut ttst);
    r.tpot_ms = LatencySummary::of(&mut tpot);
    r.e2e_ms = LatencySummary::of(&mut e2e);
    r.itl_ms = gaps.summary().unwrap_or_default();
    if slo_ms.iter().any(Option::is_some) {
        good.request_throughput_rps = rate(good.completed_requests as f64);
        good.output_throughput_tok_s = rate(good.output_throughput_tok_s);
        r.goodput = Some(good);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_gaps_summarise_as_the_same_values_one_by_one() {
        let values = [
            20.0, 20.0, 35.5, 20.0, 800.25, 35.5, 1.0, 20.0, 20.0, 9.0, 20.0,
        ];
        let mut g = Gaps::default();
        for v in values {
            g.add(v).unwrap();
        }
        let mut one_by_one = values.to_vec();
        assert_eq!(g.summary().unwrap(), LatencySummary::of(&mut one_by_one));
    }

    #[test]
    fn percentiles_take_the_value_at_the_rounded_rank() {
        let mut v: Vec<f64> = (1..=10).map(f64::from).collect();
        let s = LatencySummary::of(&mut v);
        // ranks: p50 → round(4.5) = 5 (value 6, round half away from zero), p90 → round(8.1) = 8.
        assert_eq!((s.p50, s.p90, s.p99, s.mean), (6.0, 9.0, 10.0, 5.5));
    }
}
