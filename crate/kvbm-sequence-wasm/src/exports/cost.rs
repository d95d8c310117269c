//! Export of the worker-selection cost ([`kvbm_sequence::router::cost`]). Every number crosses
//! as f64 bits in (low, high) word pairs in the input buffer.
//!
//! Place: `crate/kvbm-sequence-wasm/src/exports/cost.rs`.

use crate::contract::{COST_CANDIDATE_WORDS, COST_PARAM_WORDS};
use crate::state::{run, Failure};
use kvbm_sequence::error::out_of_memory;
use kvbm_sequence::router::cost::{choose, costs, CostInput, CostParams};
use kvbm_sequence::words::{hi, join, lo};

fn f64s(words: &[u32]) -> impl Iterator<Item = f64> + '_ {
    words.chunks(2).map(|w| f64::from_bits(join(w[0], w[1])))
}

/// Input: [`COST_PARAM_WORDS`] words of parameters (block size, credit, decay, scale, host,
/// disk, shared weights), then per candidate [`COST_CANDIDATE_WORDS`] words (prefill tokens,
/// decode blocks, device, host, disk, shared-beyond as f64, then a u64 tie key). Output: each
/// cost as f64 bits; `ret[0..2]` = (1, chosen index) or (0, 0) without candidates.
#[no_mangle]
pub extern "C" fn kv_router_choose(len: u32, isl: f64, temperature: f64, draw: f64) -> i32 {
    run(|st| {
        let (words, _, reply) = st.with_input(len)?;
        if words.len() < COST_PARAM_WORDS
            || (words.len() - COST_PARAM_WORDS) % COST_CANDIDATE_WORDS != 0
        {
            return Err(Failure::InvalidArgument(format!(
                "cost input of {} words is not parameters plus whole candidates",
                words.len()
            )));
        }
        let (head, rest) = words.split_at(COST_PARAM_WORDS);
        let p: Vec<f64> = f64s(head).collect();
        let params = CostParams {
            block_size: p[0],
            overlap_score_credit: p[1],
            overlap_score_credit_decay: p[2],
            prefill_load_scale: p[3],
            host_cache_hit_weight: p[4],
            disk_cache_hit_weight: p[5],
            shared_cache_multiplier: p[6],
        };
        let n = rest.len() / COST_CANDIDATE_WORDS;
        let mut inputs = Vec::new();
        let mut keys = Vec::new();
        inputs.try_reserve(n).map_err(out_of_memory(n))?;
        keys.try_reserve(n).map_err(out_of_memory(n))?;
        for c in rest.chunks(COST_CANDIDATE_WORDS) {
            let v: Vec<f64> = f64s(&c[..12]).collect();
            inputs.push(CostInput {
                prefill_tokens: v[0],
                decode_blocks: v[1],
                device: v[2],
                host: v[3],
                disk: v[4],
                shared_beyond: v[5],
            });
            keys.push(join(c[12], c[13]));
        }
        let values = costs(&params, isl, &inputs)?;
        let chosen = choose(&values, &keys, temperature, draw)?;
        reply.u32s_from(
            values.len() * 2,
            values.iter().flat_map(|v| {
                let bits = v.to_bits();
                [lo(bits), hi(bits)]
            }),
        )?;
        reply.option(chosen.map(|i| i as u32));
        Ok(())
    })
}
