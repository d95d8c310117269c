//! Other engines' block hashes, as named profiles, so a router can key blocks the way the engine
//! names them in its KV events. Every profile chains: a block's digest covers its parent's.
//!
//! - `vllm-sha256` / `vllm-xxhash` (vLLM's default `sha256` and its `xxhash`): the same triple
//!   `(parent digest, tuple of token ids, extra keys or None)` as Python's pickle, protocol 5
//!   (the `pickle` module), then SHA-256 or XXH3-128; the first parent is the digest of the pickled seed.
//! - `vllm-sha256-cbor` / `vllm-xxhash-cbor` (vLLM's `--prefix-caching-hash-algo`): digest of
//!   the canonical CBOR of the triple `[parent digest (bytes), [token ids], extra keys or null]`;
//!   SHA-256 (32 bytes) or XXH3-128 (16 bytes, big-endian). The first parent is `NONE_HASH`, the
//!   digest of the CBOR text string `PYTHONHASHSEED`. Event id: the digest's last 8 bytes,
//!   big-endian.
//! - `sglang` (its HiCache page hash): SHA-256 of the parent digest's 32 bytes (none for the
//!   first page) then each token as 4 little-endian bytes. Event id: the first 8 bytes,
//!   big-endian.
//! - `llm-d` (its KV-cache manager's block key): FNV-64a of the canonical CBOR of
//!   `[parent (uint), [token ids], extra]`, `extra` null or the block's multimodal items as
//!   `[{"Hash": id, "Offset": offset}, …]` (from `(id, offset)` extra keys); the first parent is FNV-64a of the CBOR of
//!   `[FNV-64a(hash seed), null, model name]`. The key is the event id.
//!
//! Place: `crate/kvbm-sequence/src/router/profiles/mod.rs`.

mod cbor;
mod pickle;
mod sha256;
#[cfg(test)]
mod tests;

use crate::error::{Error, Result};
use cbor::{cbor_extra, cbor_head, cbor_llmd_extra, cbor_text, cbor_tokens, CBOR_NULL};
pub use sha256::{sha256, Sha256};

/// One item of a vLLM block's extra keys (a LoRA name, a cache salt, a multimodal identifier
/// and its offset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExtraKey {
    /// A non-negative integer.
    Uint(u64),
    /// A negative integer (a multimodal item's offset may be one).
    Int(i64),
    /// A text string.
    Text(String),
    /// A tuple, such as a multimodal item's `(identifier, offset)`.
    Tuple(Vec<ExtraKey>),
}

/// Which engine's hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// vLLM's default `sha256`: SHA-256 of the pickle of the block triple.
    VllmSha256,
    /// vLLM's `xxhash`: XXH3-128 of the pickle of the block triple.
    VllmXxhash,
    /// vLLM with `sha256_cbor`.
    VllmSha256Cbor,
    /// vLLM with `xxhash_cbor`.
    VllmXxhashCbor,
    /// SGLang's page hash.
    Sglang,
    /// llm-d's block key.
    LlmD,
}

impl Profile {
    /// Bytes of one digest.
    pub fn digest_len(self) -> usize {
        match self {
            Profile::VllmSha256 | Profile::VllmSha256Cbor | Profile::Sglang => 32,
            Profile::VllmXxhash | Profile::VllmXxhashCbor => 16,
            Profile::LlmD => 8,
        }
    }

    /// The 64-bit id the engine's KV events carry for a digest.
    pub fn event_id(self, digest: &[u8]) -> u64 {
        let take = |b: &[u8]| b.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x));
        match self {
            Profile::Sglang => take(&digest[..8.min(digest.len())]),
            _ => take(&digest[digest.len().saturating_sub(8)..]),
        }
    }
}

/// FNV-64a of `data`.
pub fn fnv1a64(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// vLLM's digest of serialised bytes: XXH3-128 (big-endian) for the xxhash profiles, else SHA-256.
fn vllm_digest(profile: Profile, bytes: &[u8]) -> Vec<u8> {
    match profile {
        Profile::VllmXxhash | Profile::VllmXxhashCbor => {
            xxhash_rust::xxh3::xxh3_128(bytes).to_be_bytes().to_vec()
        }
        _ => sha256(bytes).to_vec(),
    }
}

/// What a profile needs besides the tokens.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProfileOptions<'a> {
    /// vLLM: `PYTHONHASHSEED` (NONE_HASH is derived from it); llm-d: its `hashSeed`.
    pub seed: &'a str,
    /// llm-d: the model name that roots the chain.
    pub model_name: &'a str,
    /// The parent digest to continue from (instead of the profile's root), in the profile's
    /// digest length.
    pub parent: Option<&'a [u8]>,
    /// vLLM: per block, its extra keys (`None`: null). Blocks past the list have none.
    pub extra_keys: &'a [Option<Vec<ExtraKey>>],
}

/// The chain root of a profile: vLLM's NONE_HASH, llm-d's root key, SGLang's empty parent.
pub fn root_digest(profile: Profile, options: &ProfileOptions<'_>) -> Vec<u8> {
    match profile {
        Profile::VllmSha256Cbor | Profile::VllmXxhashCbor => {
            let mut cbor = Vec::new();
            cbor_text(&mut cbor, options.seed);
            vllm_digest(profile, &cbor)
        }
        Profile::VllmSha256 | Profile::VllmXxhash => {
            vllm_digest(profile, &pickle::string(options.seed))
        }
        Profile::Sglang => Vec::new(),
        Profile::LlmD => {
            let mut cbor = vec![0x83];
            cbor_head(&mut cbor, 0, fnv1a64(options.seed.as_bytes()));
            cbor.push(CBOR_NULL);
            cbor_text(&mut cbor, options.model_name);
            fnv1a64(&cbor).to_be_bytes().to_vec()
        }
    }
}

/// The digest of one block given its parent's.
pub fn block_digest(
    profile: Profile,
    parent: &[u8],
    tokens: &[u32],
    extra: Option<&[ExtraKey]>,
) -> Vec<u8> {
    match profile {
        Profile::VllmSha256 | Profile::VllmXxhash => {
            vllm_digest(profile, &pickle::block_triple(parent, tokens, extra))
        }
        Profile::VllmSha256Cbor | Profile::VllmXxhashCbor => {
            let mut cbor = vec![0x83];
            cbor_head(&mut cbor, 2, parent.len() as u64);
            cbor.extend_from_slice(parent);
            cbor_tokens(&mut cbor, tokens);
            cbor_extra(&mut cbor, extra);
            vllm_digest(profile, &cbor)
        }
        Profile::Sglang => {
            let mut h = Sha256::default();
            h.update(parent);
            for t in tokens {
                h.update(&t.to_le_bytes());
            }
            h.finish().to_vec()
        }
        Profile::LlmD => {
            let p = parent.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x));
            let mut cbor = vec![0x83];
            cbor_head(&mut cbor, 0, p);
            cbor_tokens(&mut cbor, tokens);
            cbor_llmd_extra(&mut cbor, extra);
            fnv1a64(&cbor).to_be_bytes().to_vec()
        }
    }
}

/// The digests of every complete block of `tokens`, chained from the root (or `parent`).
pub fn profile_digests(
    profile: Profile,
    tokens: &[u32],
    block_size: usize,
    options: &ProfileOptions<'_>,
) -> Result<Vec<Vec<u8>>> {
    if block_size == 0 {
        return Err(Error::InvalidBlockSize);
    }
    let mut parent = match options.parent {
        Some(p) => p.to_vec(),
        None => root_digest(profile, options),
    };
    let mut out = Vec::new();
    crate::error::try_reserve(&mut out, tokens.len() / block_size)?;
    for (k, block) in tokens.chunks_exact(block_size).enumerate() {
        let extra = options.extra_keys.get(k).and_then(|e| e.as_deref());
        let digest = block_digest(profile, &parent, block, extra);
        out.push(digest.clone());
        parent = digest;
    }
    Ok(out)
}
