//! Block hashing (SPEC §1): XXH3-64 over little-endian token bytes, the sequence-hash chain and
//! Dynamo's router salt; the 128-bit lineage hash ([`lineage`]) and the SIMD128 experiment
//! ([`xxh3_lanes`]).
//!
//! Place: `crate/kvbm-sequence/src/hashing/mod.rs` — the first step of the data flow (tokens → hashes).

pub mod lineage;
pub mod xxh3_lanes;

use crate::error::{Error, Result};
use xxhash_rust::xxh3::{xxh3_64_with_seed, Xxh3};

/// The seed of the sequence-hash chain, whatever the salt.
pub const CHAIN_SEED: u64 = 1337;

/// The salt hash of a sequence created without one.
pub const DEFAULT_SALT_HASH: u64 = 0;

/// Largest block, in tokens, hashed in one shot from a stack buffer; larger ones are streamed.
const STACK_TOKENS: usize = 64;

/// XXH3-64 of `bytes` with `seed`: the one hash function of the crate.
///
/// The WebAssembly build compiled with SIMD128 hashes 17 to 240 bytes (blocks of 5 to 60
/// tokens) two mixes at a time ([`crate::hashing::xxh3_lanes`]); every other build and length is
/// `xxhash-rust`'s.
pub fn xxh3(bytes: &[u8], seed: u64) -> u64 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if let Some(hash) = crate::hashing::xxh3_lanes::xxh3_64(bytes, seed) {
        return hash;
    }
    xxh3_64_with_seed(bytes, seed)
}

/// Hash of one block's tokens: XXH3-64 of their 4-byte little-endian forms, seeded with the salt.
///
/// Blocks of up to 64 tokens are copied into a stack buffer of the next size up (16, 32 or 64
/// tokens: a buffer much larger than the block costs more to clear than the hash itself) and
/// hashed in one shot; larger blocks are streamed through a buffer (same result, no allocation).
pub fn block_hash(tokens: &[u32], salt_hash: u64) -> u64 {
    match tokens.len() {
        0..=16 => one_shot::<64>(tokens, salt_hash),
        17..=32 => one_shot::<128>(tokens, salt_hash),
        33..=STACK_TOKENS => one_shot::<256>(tokens, salt_hash),
        _ => streamed(tokens, salt_hash),
    }
}

/// Hashes up to `BYTES / 4` tokens through a stack buffer of `BYTES` bytes.
fn one_shot<const BYTES: usize>(tokens: &[u32], salt_hash: u64) -> u64 {
    let mut buf = [0u8; BYTES];
    let bytes = &mut buf[..tokens.len() * 4];
    write_le(tokens, bytes);
    xxh3(bytes, salt_hash)
}

fn streamed(tokens: &[u32], salt_hash: u64) -> u64 {
    let mut buf = [0u8; STACK_TOKENS * 4];
    let mut hasher = Xxh3::with_seed(salt_hash);
    for chunk in tokens.chunks(STACK_TOKENS) {
        let bytes = &mut buf[..chunk.len() * 4];
        write_le(chunk, bytes);
        hasher.update(bytes);
    }
    hasher.digest()
}

fn write_le(tokens: &[u32], bytes: &mut [u8]) {
    for (chunk, token) in bytes.chunks_exact_mut(4).zip(tokens) {
        chunk.copy_from_slice(&token.to_le_bytes());
    }
}

/// The next link of the chain: XXH3-64 of `LE64(parent) ‖ LE64(block_hash)`, seed [`CHAIN_SEED`].
pub fn chain_hash(parent_sequence_hash: u64, block_hash: u64) -> u64 {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&parent_sequence_hash.to_le_bytes());
    bytes[8..].copy_from_slice(&block_hash.to_le_bytes());
    xxh3(&bytes, CHAIN_SEED)
}

/// Sequence hash of block `k` given the previous block's sequence hash (`None` for block 0, whose
/// sequence hash is its block hash).
pub fn sequence_hash(parent_sequence_hash: Option<u64>, block_hash: u64) -> u64 {
    match parent_sequence_hash {
        Some(parent) => chain_hash(parent, block_hash),
        None => block_hash,
    }
}

/// Dynamo's router salt: 1337, plus `xxh3(lora, 0)` for a non-empty LoRA name, plus
/// `xxh3(salt, 1)` for a non-empty salt string, wrapping modulo 2^64.
pub fn compute_salt_hash(salt: Option<&str>, lora: Option<&str>) -> u64 {
    let mut hash = CHAIN_SEED;
    if let Some(lora) = lora.filter(|s| !s.is_empty()) {
        hash = hash.wrapping_add(xxh3(lora.as_bytes(), 0));
    }
    if let Some(salt) = salt.filter(|s| !s.is_empty()) {
        hash = hash.wrapping_add(xxh3(salt.as_bytes(), 1));
    }
    hash
}

/// Calls `f(index, block_hash, sequence_hash)` for every complete block of `tokens`, in order.
///
/// The stateless fast path behind [`compute_block_hashes`] and [`compute_sequence_hashes`];
/// the trailing partial block is ignored.
pub fn for_each_block(
    tokens: &[u32],
    block_size: usize,
    salt_hash: u64,
    f: impl FnMut(usize, u64, u64),
) -> Result<()> {
    if block_size == 0 {
        return Err(Error::InvalidBlockSize);
    }
    let hashes = tokens
        .chunks_exact(block_size)
        .map(|block| block_hash(block, salt_hash));
    chain_all(hashes, f);
    Ok(())
}

/// [`for_each_block`] over tokens given as their little-endian bytes (4 per token), hashed in
/// place: no copy per block. A trailing partial token, like the partial block, is ignored.
pub fn for_each_block_le_bytes(
    token_bytes: &[u8],
    block_size: usize,
    salt_hash: u64,
    f: impl FnMut(usize, u64, u64),
) -> Result<()> {
    if block_size == 0 {
        return Err(Error::InvalidBlockSize);
    }
    let block_bytes = block_size.checked_mul(4).ok_or(Error::InvalidBlockSize)?;
    let hashes = token_bytes
        .chunks_exact(block_bytes)
        .map(|block| xxh3(block, salt_hash));
    chain_all(hashes, f);
    Ok(())
}

/// Chains block hashes into sequence hashes, calling `f(index, block_hash, sequence_hash)`.
fn chain_all(block_hashes: impl Iterator<Item = u64>, mut f: impl FnMut(usize, u64, u64)) {
    let mut parent = None;
    for (index, bh) in block_hashes.enumerate() {
        let sh = sequence_hash(parent, bh);
        f(index, bh, sh);
        parent = Some(sh);
    }
}

/// Block hashes of every complete block of `tokens`.
pub fn compute_block_hashes(tokens: &[u32], block_size: usize, salt_hash: u64) -> Result<Vec<u64>> {
    let mut out = Vec::with_capacity(tokens.len() / block_size.max(1));
    for_each_block(tokens, block_size, salt_hash, |_, bh, _| out.push(bh))?;
    Ok(out)
}

/// Sequence hashes of every complete block of `tokens`.
pub fn compute_sequence_hashes(
    tokens: &[u32],
    block_size: usize,
    salt_hash: u64,
) -> Result<Vec<u64>> {
    let mut out = Vec::with_capacity(tokens.len() / block_size.max(1));
    for_each_block(tokens, block_size, salt_hash, |_, _, sh| out.push(sh))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens_1_to_12() -> Vec<u32> {
        (1..=12).collect()
    }

    #[test]
    fn xxh3_of_abc_with_seed_0_is_the_reference_value() {
        assert_eq!(xxh3(b"abc", 0), 0x78AF5F94892F3950);
    }

    #[test]
    fn xxh3_of_empty_input_is_the_reference_value() {
        // XXH3_64bits("") from the reference C implementation.
        assert_eq!(xxh3(b"", 0), 0x2D06800538D394C2);
    }

    #[test]
    fn block_hashes_with_salt_1337_match_spec() {
        let hashes = compute_block_hashes(&tokens_1_to_12(), 4, 1337).unwrap();
        assert_eq!(
            hashes,
            vec![
                14643705804678351452,
                16777012769546811212,
                483935686894639516
            ]
        );
    }

    #[test]
    fn sequence_hashes_with_salt_1337_match_spec() {
        let hashes = compute_sequence_hashes(&tokens_1_to_12(), 4, 1337).unwrap();
        assert_eq!(
            hashes,
            vec![
                14643705804678351452,
                4945711292740353085,
                12583592247330656132
            ]
        );
    }

    #[test]
    fn block_hashes_without_salt_match_spec() {
        let hashes = compute_block_hashes(&tokens_1_to_12(), 4, DEFAULT_SALT_HASH).unwrap();
        assert_eq!(
            hashes,
            vec![
                8052976908588476977,
                13852901005659965728,
                12087364272738490135
            ]
        );
    }

    #[test]
    fn sequence_hashes_without_salt_match_spec() {
        let hashes = compute_sequence_hashes(&tokens_1_to_12(), 4, DEFAULT_SALT_HASH).unwrap();
        assert_eq!(
            hashes,
            vec![8052976908588476977, 17538018756801271241, 70629693063532910]
        );
    }

    #[test]
    fn block_hash_hashes_little_endian_token_bytes() {
        let tokens = [0x0403_0201u32, 0x0807_0605];
        assert_eq!(block_hash(&tokens, 9), xxh3(&[1, 2, 3, 4, 5, 6, 7, 8], 9));
    }

    #[test]
    fn block_hash_of_blocks_larger_than_the_stack_buffer_uses_the_same_bytes() {
        let tokens: Vec<u32> = (0..1000).collect();
        let bytes: Vec<u8> = tokens.iter().flat_map(|t| t.to_le_bytes()).collect();
        assert_eq!(block_hash(&tokens, 5), xxh3(&bytes, 5));
    }

    #[test]
    fn chain_hash_hashes_parent_then_block_little_endian_with_seed_1337() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&11u64.to_le_bytes());
        bytes.extend_from_slice(&22u64.to_le_bytes());
        assert_eq!(chain_hash(11, 22), xxh3(&bytes, 1337));
    }

    #[test]
    fn partial_trailing_block_has_no_hash() {
        let tokens: Vec<u32> = (1..=14).collect();
        assert_eq!(compute_block_hashes(&tokens, 4, 0).unwrap().len(), 3);
    }

    #[test]
    fn hashing_little_endian_bytes_in_place_equals_hashing_tokens() {
        let tokens: Vec<u32> = (0..1000u32)
            .map(|i| i.wrapping_mul(2_654_435_761))
            .collect();
        let bytes: Vec<u8> = tokens.iter().flat_map(|t| t.to_le_bytes()).collect();
        for bs in [1, 3, 16, 64, 65, 200] {
            let mut from_tokens = Vec::new();
            let mut from_bytes = Vec::new();
            for_each_block(&tokens, bs, 7, |i, b, s| from_tokens.push((i, b, s))).unwrap();
            for_each_block_le_bytes(&bytes, bs, 7, |i, b, s| from_bytes.push((i, b, s))).unwrap();
            assert_eq!(from_tokens, from_bytes);
        }
    }

    #[test]
    fn block_size_zero_is_rejected() {
        assert_eq!(
            compute_sequence_hashes(&[1, 2], 0, 0),
            Err(Error::InvalidBlockSize)
        );
    }

    #[test]
    fn default_router_salt_is_1337() {
        assert_eq!(compute_salt_hash(None, None), 1337);
        assert_eq!(compute_salt_hash(Some(""), Some("")), 1337);
    }

    #[test]
    fn router_salt_adds_lora_with_seed_0_and_salt_with_seed_1() {
        let expected = 1337u64
            .wrapping_add(xxh3(b"my-lora", 0))
            .wrapping_add(xxh3(b"tenant", 1));
        assert_eq!(compute_salt_hash(Some("tenant"), Some("my-lora")), expected);
        assert_eq!(
            compute_salt_hash(Some("tenant"), None),
            1337u64.wrapping_add(xxh3(b"tenant", 1))
        );
    }
}
