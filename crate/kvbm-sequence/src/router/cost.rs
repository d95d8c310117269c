//! Worker selection by Dynamo's newest cost (SPEC §6.6.1): tier-weighted overlap credit with
//! load decay, a floored prefill term scaled by `prefill_load_scale`, plus decode blocks; then
//! the lowest cost (ties by a key, then uniformly) or softmax sampling at a temperature.
//!
//! The classic formula of §6.4 is the special case credit 1, decay 0, no lower tiers, scale =
//! `overlap_score_weight`, ties by tree size.
//!
//! Place: `crate/kvbm-sequence/src/router/cost.rs`.

use crate::error::{try_reserve, Error, Result};

/// The cost's parameters, with Dynamo's `KvRouterConfig` names.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostParams {
    /// Router block size in tokens (> 0).
    pub block_size: f64,
    /// `overlap_score_credit`: weight of device-tier overlap blocks (default 1).
    pub overlap_score_credit: f64,
    /// `overlap_score_credit_decay`: how fast device credit falls on workers with more queued
    /// prefill than the least-loaded candidate (default 0).
    pub overlap_score_credit_decay: f64,
    /// `prefill_load_scale`: weight of the prefill term (default 1).
    pub prefill_load_scale: f64,
    /// `host_cache_hit_weight` (default 0.75).
    pub host_cache_hit_weight: f64,
    /// `disk_cache_hit_weight` (default 0.25).
    pub disk_cache_hit_weight: f64,
    /// `shared_cache_multiplier` (default 0).
    pub shared_cache_multiplier: f64,
}

impl Default for CostParams {
    fn default() -> Self {
        Self {
            block_size: 16.0,
            overlap_score_credit: 1.0,
            overlap_score_credit_decay: 0.0,
            prefill_load_scale: 1.0,
            host_cache_hit_weight: 0.75,
            disk_cache_hit_weight: 0.25,
            shared_cache_multiplier: 0.0,
        }
    }
}

/// One candidate's inputs to the cost.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CostInput {
    /// Prefill tokens queued on the worker (`active_prefill_tokens`).
    pub prefill_tokens: f64,
    /// Active blocks plus this request's blocks not already active there.
    pub decode_blocks: f64,
    /// Leading query blocks in the device tier.
    pub device: f64,
    /// Further leading blocks in the host tier.
    pub host: f64,
    /// Further leading blocks in the disk and external tiers.
    pub disk: f64,
    /// Blocks a shared cache holds at positions at or beyond `device`.
    pub shared_beyond: f64,
}

fn check(value: f64, name: &'static str, min: f64) -> Result<()> {
    if value.is_finite() && value >= min {
        Ok(())
    } else {
        Err(Error::InvalidParameter { name })
    }
}

impl CostParams {
    /// Refuses a non-finite or negative parameter, or a block size that is not positive.
    pub fn validate(&self) -> Result<()> {
        check(self.block_size, "block_size", f64::MIN_POSITIVE)?;
        check(self.overlap_score_credit, "overlap_score_credit", 0.0)?;
        check(
            self.overlap_score_credit_decay,
            "overlap_score_credit_decay",
            0.0,
        )?;
        check(self.prefill_load_scale, "prefill_load_scale", 0.0)?;
        check(self.host_cache_hit_weight, "host_cache_hit_weight", 0.0)?;
        check(self.disk_cache_hit_weight, "disk_cache_hit_weight", 0.0)?;
        check(self.shared_cache_multiplier, "shared_cache_multiplier", 0.0)
    }
}

impl CostInput {
    fn validate(&self) -> Result<()> {
        check(self.prefill_tokens, "prefill_tokens", 0.0)?;
        check(self.decode_blocks, "decode_blocks", 0.0)?;
        check(self.device, "device", 0.0)?;
        check(self.host, "host", 0.0)?;
        check(self.disk, "disk", 0.0)?;
        check(self.shared_beyond, "shared_beyond", 0.0)
    }
}

/// Every candidate's cost for a request of `isl` tokens (SPEC §6.6.1), in the order given.
pub fn costs(params: &CostParams, isl: f64, inputs: &[CostInput]) -> Result<Vec<f64>> {
    params.validate()?;
    check(isl, "isl", 0.0)?;
    for input in inputs {
        input.validate()?;
    }
    let bs = params.block_size;
    let request_blocks = (isl / bs).ceil().max(1.0);
    let least_prefill = inputs
        .iter()
        .map(|c| c.prefill_tokens)
        .fold(f64::INFINITY, f64::min);
    let mut out = Vec::new();
    try_reserve(&mut out, inputs.len())?;
    for c in inputs {
        let excess = (c.prefill_tokens - least_prefill).max(0.0) / bs;
        let decay = 1.0 / (1.0 + params.overlap_score_credit_decay * excess / request_blocks);
        let credit = params.overlap_score_credit * decay * c.device
            + params.host_cache_hit_weight * c.host
            + params.disk_cache_hit_weight * c.disk
            + params.shared_cache_multiplier * c.shared_beyond;
        let raw = (c.prefill_tokens + isl) / bs;
        let adjusted = (raw - credit).max(0.0);
        out.push(params.prefill_load_scale * adjusted + c.decode_blocks);
    }
    Ok(out)
}

/// Refuses a temperature that is negative or not finite, and a draw outside [0, 1).
pub fn check_choice(temperature: f64, draw: f64) -> Result<()> {
    check(temperature, "temperature", 0.0)?;
    if !(0.0..1.0).contains(&draw) {
        return Err(Error::InvalidParameter { name: "draw" });
    }
    Ok(())
}

/// Picks a candidate from its cost. `temperature` 0: the lowest cost, ties to the lowest
/// `tie_keys` entry (all equal keys: no preference), remaining ties by `draw` (uniform in
/// [0, 1)). `temperature` > 0: sampled with probability ∝ `exp(−(cost − min) / ((max − min) ·
/// temperature))` (all costs equal: uniform) using `draw`. `None` when there is no candidate.
pub fn choose(
    costs: &[f64],
    tie_keys: &[u64],
    temperature: f64,
    draw: f64,
) -> Result<Option<usize>> {
    check_choice(temperature, draw)?;
    if tie_keys.len() != costs.len() {
        return Err(Error::InvalidParameter { name: "tie_keys" });
    }
    if costs.is_empty() {
        return Ok(None);
    }
    let min = costs.iter().copied().fold(f64::INFINITY, f64::min);
    let max = costs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if temperature == 0.0 {
        let fewest = (0..costs.len())
            .filter(|&i| costs[i] == min)
            .map(|i| tie_keys[i])
            .min()
            .unwrap_or(0);
        let tied = (0..costs.len()).filter(|&i| costs[i] == min && tie_keys[i] == fewest);
        let n = tied.clone().count();
        let pick = ((draw * n as f64) as usize).min(n.saturating_sub(1));
        return Ok(tied.into_iter().nth(pick));
    }
    let range = max - min;
    let weight = |c: f64| {
        if range == 0.0 {
            1.0
        } else {
            (-((c - min) / range) / temperature).exp()
        }
    };
    let total: f64 = costs.iter().map(|&c| weight(c)).sum();
    let mut left = draw * total;
    for (i, &c) in costs.iter().enumerate() {
        left -= weight(c);
        if left < 0.0 {
            return Ok(Some(i));
        }
    }
    Ok(Some(costs.len() - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiers(device: f64, host: f64, disk: f64, shared: f64) -> CostInput {
        CostInput {
            device,
            host,
            disk,
            shared_beyond: shared,
            ..CostInput::default()
        }
    }

    /// Dynamo's `converts_weighted_and_raw_tier_overlap_once` (SPEC §6.6.1): credit
    /// 2 + 0.5·3 + 0.25·(4 + 5) = 5.75 blocks, so a 200-token prompt at bs 16 costs
    /// 200/16 − 5.75 = 6.75.
    #[test]
    fn tier_credits_follow_the_first_known_answer() {
        let p = CostParams {
            block_size: 16.0,
            host_cache_hit_weight: 0.5,
            disk_cache_hit_weight: 0.25,
            ..CostParams::default()
        };
        let c = costs(&p, 200.0, &[tiers(2.0, 3.0, 9.0, 0.0)]).unwrap();
        assert_eq!(c, vec![6.75]);
    }

    /// Dynamo's `score_response_uses_explicit_block_count_and_shared_credit`: credit
    /// 0.5·2 + 0.25·1 + 0.1·2 + 0.5·2 = 2.45 blocks; 64 tokens at bs 16 → 4 − 2.45 = 1.55.
    #[test]
    fn shared_cache_credit_follows_the_second_known_answer() {
        let p = CostParams {
            block_size: 16.0,
            overlap_score_credit: 0.5,
            host_cache_hit_weight: 0.25,
            disk_cache_hit_weight: 0.1,
            shared_cache_multiplier: 0.5,
            ..CostParams::default()
        };
        let c = costs(&p, 64.0, &[tiers(2.0, 1.0, 2.0, 2.0)]).unwrap();
        assert!((c[0] - 1.55).abs() < 1e-12);
    }

    #[test]
    fn the_prefill_term_is_floored_at_zero_then_decode_blocks_add() {
        let p = CostParams {
            block_size: 4.0,
            overlap_score_credit: 3.0,
            ..CostParams::default()
        };
        let mut c = tiers(4.0, 0.0, 0.0, 0.0);
        c.decode_blocks = 7.0;
        // raw 16/4 = 4, credit 12 → floor 0; cost = decode blocks.
        assert_eq!(costs(&p, 16.0, &[c]).unwrap(), vec![7.0]);
    }

    #[test]
    fn decay_lowers_the_credit_of_a_worker_with_more_queued_prefill() {
        let p = CostParams {
            block_size: 4.0,
            overlap_score_credit_decay: 1.0,
            ..CostParams::default()
        };
        let idle = tiers(2.0, 0.0, 0.0, 0.0);
        let mut busy = idle;
        busy.prefill_tokens = 16.0;
        // request 16 tokens → 4 blocks; busy excess 16/4 = 4 → decay 1/(1 + 4/4) = 0.5.
        // idle: 16/4 − 2 = 2; busy: (16 + 16)/4 − 0.5·2 = 7.
        assert_eq!(costs(&p, 16.0, &[idle, busy]).unwrap(), vec![2.0, 7.0]);
    }

    #[test]
    fn the_classic_formula_is_the_special_case() {
        let p = CostParams {
            block_size: 16.0,
            prefill_load_scale: 2.0,
            host_cache_hit_weight: 0.0,
            disk_cache_hit_weight: 0.0,
            ..CostParams::default()
        };
        let mut c = tiers(3.0, 0.0, 0.0, 0.0);
        c.prefill_tokens = 32.0;
        c.decode_blocks = 10.0;
        // 2 · (100 − 48 + 32)/16 + 10 = 20.5
        assert_eq!(costs(&p, 100.0, &[c]).unwrap(), vec![20.5]);
    }

    #[test]
    fn ties_go_to_the_lowest_key_then_to_the_draw() {
        assert_eq!(
            choose(&[3.0, 1.0, 1.0], &[0, 5, 2], 0.0, 0.99).unwrap(),
            Some(2)
        );
        assert_eq!(choose(&[1.0, 1.0], &[0, 0], 0.0, 0.0).unwrap(), Some(0));
        assert_eq!(choose(&[1.0, 1.0], &[0, 0], 0.0, 0.5).unwrap(), Some(1));
        assert_eq!(choose(&[], &[], 0.0, 0.5).unwrap(), None);
    }

    #[test]
    fn sampling_follows_the_scaled_softmax() {
        // costs 0 and 1, T = 1: weights 1 and e^−1; P(first) = 1/(1 + e^−1) ≈ 0.731.
        assert_eq!(choose(&[0.0, 1.0], &[0, 0], 1.0, 0.73).unwrap(), Some(0));
        assert_eq!(choose(&[0.0, 1.0], &[0, 0], 1.0, 0.74).unwrap(), Some(1));
    }

    #[test]
    fn bad_parameters_are_refused_by_name() {
        let p = CostParams {
            prefill_load_scale: f64::NAN,
            ..CostParams::default()
        };
        assert_eq!(
            costs(&p, 1.0, &[]),
            Err(Error::InvalidParameter {
                name: "prefill_load_scale"
            })
        );
        assert!(choose(&[1.0], &[0], -1.0, 0.0).is_err());
        assert!(choose(&[1.0], &[0], 0.0, 1.0).is_err());
    }
}
