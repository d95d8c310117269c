//! The router's block hashes (SPEC §6.1): Dynamo's `LocalBlockHash`, one unchained XXH3-64 per
//! complete block, with the router's two options — multimodal objects and the EAGLE window.
//!
//! Place: `crate/kvbm-sequence/src/router/hashes.rs`.

use crate::error::{Error, Result};
use crate::hashing::{sequence_hash, xxh3};
use xxhash_rust::xxh3::Xxh3;

/// How the router cuts and hashes a prompt.
#[derive(Clone, Copy, Debug, Default)]
pub struct RouterHashOptions<'a> {
    /// Per block, the `mm_hash` values of the multimodal objects that fall in it (an empty slice,
    /// or a block past the end of the list, has none). They enter the block's bytes sorted
    /// ascending, each as 8 little-endian bytes, after the token bytes.
    pub mm_hashes: &'a [&'a [u64]],
    /// EAGLE: each block covers `block_size + 1` tokens, windows advancing by `block_size`.
    pub eagle: bool,
}

/// Number of blocks the router hashes for `tokens` tokens.
pub fn router_block_count(tokens: usize, block_size: usize, eagle: bool) -> usize {
    if block_size == 0 {
        0
    } else if eagle {
        tokens.saturating_sub(1) / block_size
    } else {
        tokens / block_size
    }
}

/// Calls `f(index, local_hash)` for every block the router hashes, in order.
pub fn for_each_local_hash(
    tokens: &[u32],
    block_size: usize,
    seed: u64,
    options: RouterHashOptions<'_>,
    mut f: impl FnMut(usize, u64),
) -> Result<()> {
    if block_size == 0 {
        return Err(Error::InvalidBlockSize);
    }
    let width = block_size + usize::from(options.eagle);
    let count = router_block_count(tokens.len(), block_size, options.eagle);
    let mut sorted: Vec<u64> = Vec::new();
    for k in 0..count {
        let start = k * block_size;
        let window = &tokens[start..start + width];
        let mm = options.mm_hashes.get(k).copied().unwrap_or(&[]);
        let hash = if mm.is_empty() {
            crate::hashing::block_hash(window, seed)
        } else {
            sorted.clear();
            crate::error::try_reserve(&mut sorted, mm.len())?;
            sorted.extend_from_slice(mm);
            crate::collections::sort::sort_by(&mut sorted, |a, b| a.cmp(b));
            let mut hasher = Xxh3::with_seed(seed);
            for token in window {
                hasher.update(&token.to_le_bytes());
            }
            for value in &sorted {
                hasher.update(&value.to_le_bytes());
            }
            hasher.digest()
        };
        f(k, hash);
    }
    Ok(())
}

/// The router's local block hashes of `tokens` (see [`for_each_local_hash`]).
pub fn local_block_hashes(
    tokens: &[u32],
    block_size: usize,
    seed: u64,
    options: RouterHashOptions<'_>,
) -> Result<Vec<u64>> {
    let mut out = Vec::new();
    crate::error::try_reserve(
        &mut out,
        router_block_count(tokens.len(), block_size, options.eagle),
    )?;
    for_each_local_hash(tokens, block_size, seed, options, |_, h| out.push(h))?;
    Ok(out)
}

/// Chains local hashes into sequence hashes as Dynamo's `compute_seq_hash_for_block` does: the
/// first is the first local hash, then `xxh3(LE64(prev) ‖ LE64(local), 1337)`.
pub fn chain_local_hashes(local: &[u64], mut f: impl FnMut(usize, u64)) {
    let mut parent = None;
    for (i, &h) in local.iter().enumerate() {
        let s = sequence_hash(parent, h);
        f(i, s);
        parent = Some(s);
    }
}

/// XXH3-64 of UTF-8 text with a seed (used by tests and the salt).
pub fn text_hash(text: &str, seed: u64) -> u64 {
    xxh3(text.as_bytes(), seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hashing::compute_block_hashes;

    #[test]
    fn without_options_equals_the_plain_block_hashes() {
        let tokens: Vec<u32> = (1..=12).collect();
        let plain = compute_block_hashes(&tokens, 4, 1337).unwrap();
        let router = local_block_hashes(&tokens, 4, 1337, RouterHashOptions::default()).unwrap();
        assert_eq!(plain, router);
        assert_eq!(router[0], 14643705804678351452);
    }

    #[test]
    fn multimodal_hashes_enter_sorted_after_the_tokens() {
        let tokens: Vec<u32> = (1..=8).collect();
        let mm: [&[u64]; 2] = [&[], &[9, 3]];
        let got = local_block_hashes(
            &tokens,
            4,
            1337,
            RouterHashOptions {
                mm_hashes: &mm,
                eagle: false,
            },
        )
        .unwrap();
        let mut bytes = Vec::new();
        for t in 5u32..=8 {
            bytes.extend_from_slice(&t.to_le_bytes());
        }
        bytes.extend_from_slice(&3u64.to_le_bytes());
        bytes.extend_from_slice(&9u64.to_le_bytes());
        assert_eq!(got[1], xxh3(&bytes, 1337));
        assert_eq!(got[0], crate::hashing::block_hash(&[1, 2, 3, 4], 1337));
    }

    #[test]
    fn eagle_windows_overlap_by_one_token() {
        let tokens: Vec<u32> = (10..=14).collect();
        let got = local_block_hashes(
            &tokens,
            2,
            1337,
            RouterHashOptions {
                mm_hashes: &[],
                eagle: true,
            },
        )
        .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], crate::hashing::block_hash(&[10, 11, 12], 1337));
        assert_eq!(got[1], crate::hashing::block_hash(&[12, 13, 14], 1337));
        assert_eq!(router_block_count(0, 2, true), 0);
        assert_eq!(router_block_count(4, 2, true), 1);
    }

    #[test]
    fn block_size_zero_is_an_error() {
        assert!(local_block_hashes(&[1], 0, 0, RouterHashOptions::default()).is_err());
    }
}
