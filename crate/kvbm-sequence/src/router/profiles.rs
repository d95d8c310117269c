//! Other engines' block hashes, as named profiles, so a router can key blocks the way the engine
//! names them in its KV events. Every profile chains: a block's digest covers its parent's.
//!
//! - `vllm-sha256-cbor` / `vllm-xxhash-cbor` (vLLM's `--prefix-caching-hash-algo`): digest of
//!   the canonical CBOR of the triple `[parent digest (bytes), [token ids], extra keys or null]`;
//!   SHA-256 (32 bytes) or XXH3-128 (16 bytes, big-endian). The first parent is `NONE_HASH`, the
//!   digest of the CBOR text string `PYTHONHASHSEED`. Event id: the digest's last 8 bytes,
//!   big-endian.
//! - `sglang` (its HiCache page hash): SHA-256 of the parent digest's 32 bytes (none for the
//!   first page) then each token as 4 little-endian bytes. Event id: the first 8 bytes,
//!   big-endian.
//! - `llm-d` (its KV-cache manager's block key): FNV-64a of the canonical CBOR of
//!   `[parent (uint), [token ids], null]`; the first parent is FNV-64a of the CBOR of
//!   `[FNV-64a(hash seed), null, model name]`. The key is the event id.
//!
//! Place: `crate/kvbm-sequence/src/router/profiles.rs`.

use crate::error::{Error, Result};

/// One item of a vLLM block's extra keys (a LoRA name, a cache salt, a multimodal identifier
/// and its offset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExtraKey {
    /// A non-negative integer.
    Uint(u64),
    /// A text string.
    Text(String),
}

/// Which engine's hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
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
            Profile::VllmSha256Cbor | Profile::Sglang => 32,
            Profile::VllmXxhashCbor => 16,
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

// ---------------------------------------------------------------------------------------------
// SHA-256 (FIPS 180-4)

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// A streaming SHA-256.
#[derive(Clone)]
pub struct Sha256 {
    state: [u32; 8],
    buffer: [u8; 64],
    filled: usize,
    length: u64,
}

impl Default for Sha256 {
    fn default() -> Self {
        Sha256 {
            state: [
                0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
                0x5be0cd19,
            ],
            buffer: [0; 64],
            filled: 0,
            length: 0,
        }
    }
}

impl Sha256 {
    fn compress(state: &mut [u32; 8], block: &[u8]) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = h
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            h = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
            *s = s.wrapping_add(v);
        }
    }

    /// Feeds bytes.
    pub fn update(&mut self, mut data: &[u8]) {
        self.length = self.length.wrapping_add(data.len() as u64);
        while !data.is_empty() {
            let take = (64 - self.filled).min(data.len());
            self.buffer[self.filled..self.filled + take].copy_from_slice(&data[..take]);
            self.filled += take;
            data = &data[take..];
            if self.filled == 64 {
                let block = self.buffer;
                Self::compress(&mut self.state, &block);
                self.filled = 0;
            }
        }
    }

    /// The digest.
    pub fn finish(mut self) -> [u8; 32] {
        let bits = self.length.wrapping_mul(8);
        self.update(&[0x80]);
        while self.filled != 56 {
            self.update(&[0]);
        }
        self.update(&bits.to_be_bytes());
        let mut out = [0u8; 32];
        for (chunk, s) in out.chunks_exact_mut(4).zip(self.state) {
            chunk.copy_from_slice(&s.to_be_bytes());
        }
        out
    }
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::default();
    h.update(data);
    h.finish()
}

// ---------------------------------------------------------------------------------------------
// Canonical CBOR (RFC 8949 §4.2.1: shortest heads, definite lengths) of the few shapes used

fn cbor_head(out: &mut Vec<u8>, major: u8, v: u64) {
    let m = major << 5;
    if v < 24 {
        out.push(m | v as u8);
    } else if v <= 0xff {
        out.extend_from_slice(&[m | 24, v as u8]);
    } else if v <= 0xffff {
        out.push(m | 25);
        out.extend_from_slice(&(v as u16).to_be_bytes());
    } else if v <= 0xffff_ffff {
        out.push(m | 26);
        out.extend_from_slice(&(v as u32).to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend_from_slice(&v.to_be_bytes());
    }
}

const CBOR_NULL: u8 = 0xf6;

fn cbor_text(out: &mut Vec<u8>, s: &str) {
    cbor_head(out, 3, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn cbor_tokens(out: &mut Vec<u8>, tokens: &[u32]) {
    cbor_head(out, 4, tokens.len() as u64);
    for &t in tokens {
        cbor_head(out, 0, u64::from(t));
    }
}

fn cbor_extra(out: &mut Vec<u8>, extra: Option<&[ExtraKey]>) {
    match extra {
        None => out.push(CBOR_NULL),
        Some(keys) => {
            cbor_head(out, 4, keys.len() as u64);
            for k in keys {
                match k {
                    ExtraKey::Uint(v) => cbor_head(out, 0, *v),
                    ExtraKey::Text(s) => cbor_text(out, s),
                }
            }
        }
    }
}

/// FNV-64a of `data`.
pub fn fnv1a64(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn vllm_digest(profile: Profile, cbor: &[u8]) -> Vec<u8> {
    match profile {
        Profile::VllmXxhashCbor => xxhash_rust::xxh3::xxh3_128(cbor).to_be_bytes().to_vec(),
        _ => sha256(cbor).to_vec(),
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
            cbor.push(CBOR_NULL);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{:02x}", x)).collect()
    }

    #[test]
    fn sha256_matches_the_fips_vectors() {
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let million = vec![b'a'; 1_000_000];
        assert_eq!(
            hex(&sha256(&million)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    #[test]
    fn cbor_heads_are_shortest() {
        let mut out = Vec::new();
        for v in [
            0u64,
            23,
            24,
            255,
            256,
            65535,
            65536,
            u64::from(u32::MAX),
            1 << 32,
        ] {
            cbor_head(&mut out, 0, v);
        }
        assert_eq!(
            hex(&out),
            "00171818 18ff190100 19ffff1a00010000 1affffffff1b0000000100000000".replace(' ', "")
        );
    }

    #[test]
    fn none_hash_with_seed_0_is_sha256_of_the_cbor_text() {
        let root = root_digest(
            Profile::VllmSha256Cbor,
            &ProfileOptions {
                seed: "0",
                ..Default::default()
            },
        );
        assert_eq!(root, sha256(&[0x61, b'0']).to_vec());
    }

    #[test]
    fn event_ids_take_the_documented_bytes() {
        let d: Vec<u8> = (1..=32).collect();
        assert_eq!(Profile::Sglang.event_id(&d), 0x0102030405060708);
        assert_eq!(Profile::VllmSha256Cbor.event_id(&d), 0x191a1b1c1d1e1f20);
    }
}
