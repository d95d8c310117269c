//! A request trace as the simulator reads it (SPEC §9.4): arrival, prompt and output lengths,
//! the trace's hash ids, sessions and inter-turn delays; and the tokens made from hash ids.
//!
//! Place: `crate/kvbm-sequence/src/sim/trace.rs`.

use super::config::require;
use crate::error::{try_reserve, Result};
use std::ops::Range;

/// No session: the row is its own session.
pub const NO_SESSION: u32 = u32::MAX;

/// One row of a trace.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceRow {
    /// Arrival (ms, as recorded).
    pub timestamp_ms: f64,
    /// Prompt tokens as recorded (clamped to the ids' capacity when tokens are made).
    pub input_length: u32,
    /// Output tokens to generate.
    pub output_length: u32,
    /// The row's hash ids, a range of [`Trace::ids`].
    pub ids: Range<usize>,
    /// Session number, or [`NO_SESSION`].
    pub session: u32,
    /// Delay after the session's previous turn completes (ms); NaN when absent.
    pub delay_ms: f64,
}

/// A trace: rows in file order and their hash ids, flat.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    /// The rows.
    pub rows: Vec<TraceRow>,
    /// Every row's hash ids, concatenated.
    pub ids: Vec<u32>,
}

/// Vocabulary the made tokens are drawn from.
pub const VOCABULARY: u32 = 128_256;

/// A 32-bit mix (Murmur3's finaliser) of two words; the facade's `promptTokens` uses the same.
pub fn mix(a: u32, b: u32) -> u32 {
    let mut h = (a ^ 0x9e37_79b9).wrapping_mul(0x85eb_ca6b) ^ b;
    h = (h ^ (h >> 16)).wrapping_mul(0x85eb_ca6b);
    h = (h ^ (h >> 13)).wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// Output token `k` of request `request`.
pub fn output_token(request: u32, k: u32) -> u32 {
    mix(0x4000_0000u32.wrapping_add(request), k) % VOCABULARY
}

impl Trace {
    /// Prompt length of a row: `input_length` clamped to `ids × trace_block_size`.
    pub fn prompt_length(&self, row: &TraceRow, trace_block_size: u32) -> u64 {
        let capacity = (row.ids.len() as u64) * trace_block_size as u64;
        (row.input_length as u64).min(capacity)
    }

    /// A row's prompt tokens: trace block `k` becomes `trace_block_size` tokens keyed by its id.
    pub fn prompt_tokens(&self, row: &TraceRow, trace_block_size: u32) -> Result<Vec<u32>> {
        let n = self.prompt_length(row, trace_block_size) as usize;
        let mut out = Vec::new();
        try_reserve(&mut out, n)?;
        let tbs = trace_block_size as usize;
        for (k, &id) in self.ids[row.ids.clone()].iter().enumerate() {
            let from = k * tbs;
            if from >= n {
                break;
            }
            out.extend((0..tbs.min(n - from)).map(|i| mix(id, i as u32) % VOCABULARY));
        }
        Ok(out)
    }

    /// Checks the rows (ranges, finite times, delays only on later turns); the error names
    /// the field.
    pub fn validate(&self) -> Result<()> {
        let mut seen = crate::collections::FastMap::<u32, ()>::default();
        for row in &self.rows {
            require(
                row.timestamp_ms.is_finite() && row.timestamp_ms >= 0.0,
                "timestamp",
            )?;
            require(
                row.ids.start <= row.ids.end && row.ids.end <= self.ids.len(),
                "hash_ids",
            )?;
            require(
                row.delay_ms.is_nan() || (row.delay_ms.is_finite() && row.delay_ms >= 0.0),
                "delay",
            )?;
            let later = row.session != NO_SESSION && seen.insert(row.session, ()).is_some();
            require(later || row.delay_ms.is_nan(), "delay")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_tokens_repeat_per_id_and_are_cut_to_the_input_length() {
        let t = Trace {
            rows: vec![TraceRow {
                timestamp_ms: 0.0,
                input_length: 5,
                output_length: 1,
                ids: 0..2,
                session: NO_SESSION,
                delay_ms: f64::NAN,
            }],
            ids: vec![7, 7],
        };
        let tokens = t.prompt_tokens(&t.rows[0], 3).unwrap();
        assert_eq!(tokens.len(), 5);
        assert_eq!(tokens[..2], tokens[3..5]);
    }

    #[test]
    fn mix_and_output_tokens_equal_the_facades_math_imul_arithmetic() {
        // Values printed by the facade's `mix` (Math.imul) in Node.
        assert_eq!(mix(1, 2), 2_833_796_822);
        assert_eq!(output_token(5, 3), 4944);
    }
}
