//! Exports of the router's block hashes ([`kvbm_sequence::router::hashes`]).
//!
//! Place: `crate/kvbm-sequence-wasm/src/exports/router_hash.rs`.

use crate::state::{flag, run, Failure};
use kvbm_sequence::router::hashes::{chain_local_hashes, for_each_local_hash, RouterHashOptions};
use kvbm_sequence::words::join;

/// Local block hashes (`chained` false) or their chain (true) of the `len` tokens in the input buffer,
/// followed by `mm_len` words of multimodal hashes: per block, a count `c`, then `c` hashes as
/// (low, high) words; blocks past the list have none. `eagle` = 1 for EAGLE windows. Output,
/// 64-bit values.
#[inline(never)]
fn router_hashes(
    len: u32,
    block_size: u32,
    seed: u64,
    eagle: u32,
    mm_len: u32,
    chained: bool,
) -> i32 {
    run(|st| {
        let (all, _, reply) = st.with_input(len.saturating_add(mm_len))?;
        let (tokens, mm_words) = all.split_at(len as usize);
        let mut values: Vec<u64> = Vec::new();
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut at = 0;
        while at < mm_words.len() {
            let c = mm_words[at] as usize;
            let body = at
                .checked_add(1 + 2 * c)
                .and_then(|end| mm_words.get(at + 1..end))
                .ok_or_else(|| {
                    Failure::InvalidArgument("multimodal hashes are cut short".to_string())
                })?;
            kvbm_sequence::error::try_reserve(&mut values, c)?;
            kvbm_sequence::error::try_reserve(&mut spans, 1)?;
            let start = values.len();
            values.extend(body.chunks_exact(2).map(|w| join(w[0], w[1])));
            spans.push((start, values.len()));
            at += 1 + 2 * c;
        }
        let mm: Vec<&[u64]> = spans.iter().map(|&(a, b)| &values[a..b]).collect();
        let options = RouterHashOptions {
            mm_hashes: &mm,
            eagle: flag(eagle)?,
        };
        let mut local = Vec::new();
        for_each_local_hash(tokens, block_size as usize, seed, options, |_, h| {
            local.push(h)
        })?;
        if chained {
            let mut out = vec![0u64; 0];
            kvbm_sequence::error::try_reserve(&mut out, local.len())?;
            chain_local_hashes(&local, |_, s| out.push(s));
            local = out;
        }
        reply.u64s_from(local.into_iter())
    })
}

/// Dynamo's local block hashes (SPEC §6.1): see `router_hashes`.
#[no_mangle]
pub extern "C" fn kv_router_hashes(
    len: u32,
    block_size: u32,
    seed_lo: u32,
    seed_hi: u32,
    eagle: u32,
    mm_len: u32,
) -> i32 {
    router_hashes(
        len,
        block_size,
        join(seed_lo, seed_hi),
        eagle,
        mm_len,
        false,
    )
}

/// The chain of the local block hashes (Dynamo's `compute_seq_hash_for_block`): see
/// `router_hashes`.
#[no_mangle]
pub extern "C" fn kv_router_sequence_hashes(
    len: u32,
    block_size: u32,
    seed_lo: u32,
    seed_hi: u32,
    eagle: u32,
    mm_len: u32,
) -> i32 {
    router_hashes(len, block_size, join(seed_lo, seed_hi), eagle, mm_len, true)
}

/// Dynamo's sequence hashes of the `len / 2` local block hashes in the input buffer ((low,
/// high) words): `compute_seq_hash_for_block`'s chain. Output, 64-bit values.
#[no_mangle]
pub extern "C" fn kv_chain_local_hashes(len: u32) -> i32 {
    run(|st| {
        let (words, _, reply) = st.with_input(len)?;
        let local = kvbm_sequence::words::u64s_of(words)?;
        let mut out = Vec::new();
        kvbm_sequence::error::try_reserve(&mut out, local.len())?;
        chain_local_hashes(&local, |_, s| out.push(s));
        reply.u64s_from(out.into_iter())
    })
}
