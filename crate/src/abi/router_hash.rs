//! Exports of the router's block hashes ([`crate::router_hash`]).

use super::{join, run, Failure};
use crate::router_hash::{chain_local_hashes, for_each_local_hash, RouterHashOptions};

/// Local block hashes (`chained` = 0) or their chain (1) of the `len` tokens in the input buffer,
/// followed by `mm_len` words of multimodal hashes: per block, a count `c`, then `c` hashes as
/// (low, high) words; blocks past the list have none. `eagle` = 1 for EAGLE windows. Output,
/// 64-bit values.
#[no_mangle]
pub extern "C" fn kv_router_hashes(
    len: u32,
    block_size: u32,
    seed_lo: u32,
    seed_hi: u32,
    eagle: u32,
    mm_len: u32,
    chained: u32,
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
            crate::errors::try_reserve(&mut values, c)?;
            crate::errors::try_reserve(&mut spans, 1)?;
            let start = values.len();
            values.extend(body.chunks_exact(2).map(|w| join(w[0], w[1])));
            spans.push((start, values.len()));
            at += 1 + 2 * c;
        }
        let mm: Vec<&[u64]> = spans.iter().map(|&(a, b)| &values[a..b]).collect();
        let options = RouterHashOptions {
            mm_hashes: &mm,
            eagle: eagle != 0,
        };
        let seed = join(seed_lo, seed_hi);
        let mut local = Vec::new();
        for_each_local_hash(tokens, block_size as usize, seed, options, |_, h| {
            local.push(h)
        })?;
        if chained != 0 {
            let mut out = vec![0u64; 0];
            crate::errors::try_reserve(&mut out, local.len())?;
            chain_local_hashes(&local, |_, s| out.push(s));
            local = out;
        }
        reply.u64s_from(local.into_iter())
    })
}
