//! How long an engine pass takes (SPEC §9.2): the fixed model (the default), Dynamo's old
//! polynomial, or interpolation in a measured timing table; the speed-up ratios; and the G2 → G1
//! copy time.
//!
//! Place: `crate/kvbm-sequence/src/sim/timing.rs`.

use super::config::require;
use crate::error::Result;

/// A measured timing table (SPEC §9.2 "Timing-table file"; the mocker's `.npz` arrays).
#[derive(Clone, Debug, PartialEq)]
pub struct TimingTable {
    /// Prefill axis: tokens.
    pub prefill_isl: Vec<f64>,
    /// Prefill time at each `prefill_isl` (ms).
    pub prefill_ttft_ms: Vec<f64>,
    /// Decode rows: active KV tokens.
    pub decode_active_kv_tokens: Vec<f64>,
    /// Decode columns: context length.
    pub decode_context_length: Vec<f64>,
    /// Decode time per row and column (ms), row-major.
    pub decode_itl: Vec<f64>,
}

/// The timing model of a pass.
#[derive(Clone, Debug, PartialEq)]
pub enum TimingModel {
    /// `prefill tokens / rate`, a fixed time per decode step.
    Fixed {
        /// Prefill tokens per second.
        prefill_tokens_per_second: f64,
        /// Time of a pass that emits tokens (ms).
        decode_ms_per_token: f64,
    },
    /// Dynamo's old fitted polynomials.
    Polynomial,
    /// Interpolation in a timing table.
    Interpolated(TimingTable),
}

/// What a pass did, as the models see it (SPEC §9.2 "Inputs a model sees").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PassLoad {
    /// Requests that computed prompt tokens (`B_p`).
    pub prefill_requests: u64,
    /// Prompt tokens computed, summed (`Σ n_i`).
    pub prefill_tokens: u64,
    /// Σ `done_i + n_i` over those requests.
    pub isl_sum: u64,
    /// Σ `done_i` over those requests.
    pub prefix_sum: u64,
    /// Requests emitting a token (`B_d`).
    pub decode_requests: u64,
    /// Σ sequence length over those requests.
    pub context_sum: u64,
    /// G1 active blocks.
    pub active_blocks: u64,
    /// G1 capacity in blocks.
    pub capacity_blocks: u64,
    /// Engine tokens per block.
    pub block_size: u64,
}

fn strictly_increasing(v: &[f64]) -> bool {
    v.len() >= 2 && v.iter().all(|x| x.is_finite()) && v.windows(2).all(|w| w[0] < w[1])
}

fn non_negative(v: &[f64]) -> bool {
    v.iter().all(|x| x.is_finite() && *x >= 0.0)
}

impl TimingTable {
    /// Checks the table (SPEC §9.2 rules); the error names the offending key.
    pub fn validate(&self) -> Result<()> {
        require(strictly_increasing(&self.prefill_isl), "prefill_isl")?;
        require(
            self.prefill_ttft_ms.len() == self.prefill_isl.len()
                && non_negative(&self.prefill_ttft_ms),
            "prefill_ttft_ms",
        )?;
        require(
            strictly_increasing(&self.decode_active_kv_tokens),
            "decode_active_kv_tokens",
        )?;
        require(
            strictly_increasing(&self.decode_context_length),
            "decode_context_length",
        )?;
        require(
            self.decode_itl.len()
                == self.decode_active_kv_tokens.len() * self.decode_context_length.len()
                && non_negative(&self.decode_itl),
            "decode_itl",
        )
    }

    fn prefill_ms(&self, x: f64) -> f64 {
        lerp(&self.prefill_isl, &self.prefill_ttft_ms, x)
    }

    fn decode_ms(&self, active_kv: f64, context: f64) -> f64 {
        let rows = &self.decode_active_kv_tokens;
        let cols = &self.decode_context_length;
        let (i, fx) = bracket(rows, active_kv);
        let (j, fy) = bracket(cols, context);
        let at = |r: usize, c: usize| self.decode_itl[r * cols.len() + c];
        let top = at(i, j) + (at(i, j + 1) - at(i, j)) * fy;
        let bottom = at(i + 1, j) + (at(i + 1, j + 1) - at(i + 1, j)) * fy;
        top + (bottom - top) * fx
    }
}

/// The segment of a strictly increasing axis (≥ 2 points) used for `x` and the fraction along
/// it: the end segments extend beyond the grid (linear extrapolation).
fn bracket(axis: &[f64], x: f64) -> (usize, f64) {
    let last = axis.len() - 2;
    let i = axis[1..=last].iter().take_while(|&&a| a <= x).count();
    (i, (x - axis[i]) / (axis[i + 1] - axis[i]))
}

fn lerp(xs: &[f64], ys: &[f64], x: f64) -> f64 {
    let (i, f) = bracket(xs, x);
    ys[i] + (ys[i + 1] - ys[i]) * f
}

impl TimingModel {
    /// Checks the model's numbers.
    pub fn validate(&self) -> Result<()> {
        match self {
            TimingModel::Fixed {
                prefill_tokens_per_second: p,
                decode_ms_per_token: d,
            } => {
                require(p.is_finite() && *p > 0.0, "prefillTokensPerSecond")?;
                require(d.is_finite() && *d >= 0.0, "decodeMsPerToken")
            }
            TimingModel::Polynomial => Ok(()),
            TimingModel::Interpolated(t) => t.validate(),
        }
    }

    /// `(prefillMs, decodeMs)` of a pass, before the speed-up ratios.
    pub fn pass_ms(&self, load: &PassLoad) -> (f64, f64) {
        let x = load.prefill_tokens as f64;
        let prefill = if load.prefill_requests == 0 {
            0.0
        } else {
            match self {
                TimingModel::Fixed {
                    prefill_tokens_per_second,
                    ..
                } => x / prefill_tokens_per_second * 1000.0,
                TimingModel::Polynomial => 4.209989e-7 * x * x + 1.518344e-2 * x + 16.50142,
                TimingModel::Interpolated(t) => {
                    let b = load.prefill_requests;
                    let new = (load.isl_sum / b).saturating_sub(load.prefix_sum / b);
                    if new == 0 {
                        0.0
                    } else {
                        t.prefill_ms((b * new) as f64).max(0.0)
                    }
                }
            }
        };
        let decode = if load.decode_requests == 0 {
            0.0
        } else {
            match self {
                TimingModel::Fixed {
                    decode_ms_per_token,
                    ..
                } => *decode_ms_per_token,
                TimingModel::Polynomial => {
                    let p = if load.capacity_blocks == 0 {
                        0.0
                    } else {
                        (load.active_blocks as f64 / load.capacity_blocks as f64).clamp(0.0, 1.0)
                    };
                    -25.74 * p * p + 54.01 * p + 5.74
                }
                TimingModel::Interpolated(t) => {
                    let active = (load.active_blocks * load.block_size) as f64;
                    let context = (load.context_sum / load.decode_requests) as f64;
                    t.decode_ms(active, context).max(1.0)
                }
            }
        };
        (prefill, decode)
    }
}

/// Applies the speed-up ratios: `prefill / speedup`, `decode / (speedup × decodeSpeedup)`; a
/// ratio ≤ 0 counts as 1 (unscaled).
pub fn scaled(prefill_ms: f64, decode_ms: f64, speedup: f64, decode_speedup: f64) -> (f64, f64) {
    let ratio = |r: f64| if r > 0.0 { r } else { 1.0 };
    (
        prefill_ms / ratio(speedup),
        decode_ms / (ratio(speedup) * ratio(decode_speedup)),
    )
}

/// Milliseconds to copy `tokens` of KV at `gbps` (0 bytes per token: instantaneous).
pub fn transfer_ms(tokens: u64, kv_bytes_per_token: f64, gbps: f64) -> f64 {
    tokens as f64 * kv_bytes_per_token / (gbps * 1e9) * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> TimingTable {
        TimingTable {
            prefill_isl: vec![100.0, 200.0],
            prefill_ttft_ms: vec![10.0, 30.0],
            decode_active_kv_tokens: vec![0.0, 100.0],
            decode_context_length: vec![0.0, 10.0],
            decode_itl: vec![2.0, 4.0, 6.0, 8.0],
        }
    }

    #[test]
    fn interpolation_is_linear_inside_and_extrapolates_outside() {
        let t = table();
        assert_eq!(t.prefill_ms(150.0), 20.0);
        assert_eq!(t.prefill_ms(300.0), 50.0);
        assert_eq!(t.prefill_ms(50.0), 0.0);
        assert_eq!(t.decode_ms(50.0, 5.0), 5.0);
        assert_eq!(t.decode_ms(200.0, 10.0), 12.0);
    }

    #[test]
    fn a_table_with_a_flat_axis_is_refused_by_name() {
        let mut t = table();
        t.decode_context_length = vec![1.0, 1.0];
        assert_eq!(
            t.validate(),
            Err(crate::error::Error::InvalidParameter {
                name: "decode_context_length"
            })
        );
    }

    #[test]
    fn ratios_divide_and_non_positive_ratios_leave_time_alone() {
        assert_eq!(scaled(100.0, 10.0, 2.0, 5.0), (50.0, 1.0));
        assert_eq!(scaled(100.0, 10.0, 0.0, -1.0), (100.0, 10.0));
    }
}
