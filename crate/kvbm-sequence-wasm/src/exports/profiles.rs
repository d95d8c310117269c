//! Exports of the engine hash profiles ([`kvbm_sequence::router::profiles`]).
//!
//! Place: `crate/kvbm-sequence-wasm/src/exports/profiles.rs`.

use crate::contract::{ENGINE_PROFILE, EXTRA_KEY_KIND, NULL_COUNT};
use crate::state::{memory_bytes, run, select, Failure};
use kvbm_sequence::router::profiles::{profile_digests, ExtraKey, Profile, ProfileOptions};
use kvbm_sequence::words::join;

fn bad(why: &str) -> Failure {
    Failure::InvalidArgument(why.to_string())
}

fn text(bytes: &[u8]) -> Result<&str, Failure> {
    std::str::from_utf8(bytes).map_err(|_| bad("a string is not UTF-8"))
}

/// Reads one extra key at `*at`: kind 0 `lo, hi` (an unsigned integer), kind 1 `n` then the
/// UTF-8 bytes in `ceil(n / 4)` words, kind 2 `lo, hi` (a signed integer, two's complement),
/// kind 3 `count` then that many keys (a tuple, nested at most 8 deep).
fn read_key(words: &[u32], at: &mut usize, depth: u32) -> Result<ExtraKey, Failure> {
    let mut next = || -> Result<u32, Failure> {
        let w = *words
            .get(*at)
            .ok_or_else(|| bad("extra keys are cut short"))?;
        *at += 1;
        Ok(w)
    };
    let kind = next()?;
    Ok(match select(&EXTRA_KEY_KIND, kind)? {
        0 => {
            let lo = next()?;
            ExtraKey::Uint(join(lo, next()?))
        }
        2 => {
            let lo = next()?;
            ExtraKey::Int(join(lo, next()?) as i64)
        }
        3 => {
            let count = next()? as usize;
            if depth >= 8 {
                return Err(bad("extra key tuples nest deeper than 8"));
            }
            let mut items = Vec::new();
            for _ in 0..count.min(words.len()) {
                items.push(read_key(words, at, depth + 1)?);
            }
            ExtraKey::Tuple(items)
        }
        _ => {
            let n = next()? as usize;
            let w = (n + 3) / 4;
            let body = words
                .get(*at..at.saturating_add(w))
                .ok_or_else(|| bad("an extra key string is cut short"))?;
            *at += w;
            ExtraKey::Text(text(&memory_bytes(body)[..n])?.to_string())
        }
    })
}

/// Per block: a count ([`NULL_COUNT`] for null), then that many keys ([`read_key`]).
fn parse_extra(words: &[u32]) -> Result<Vec<Option<Vec<ExtraKey>>>, Failure> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < words.len() {
        let count = words[at];
        at += 1;
        if count == NULL_COUNT {
            out.push(None);
            continue;
        }
        let mut keys = Vec::new();
        for _ in 0..count {
            keys.push(read_key(words, &mut at, 0)?);
        }
        out.push(Some(keys));
    }
    Ok(out)
}

/// Chained block digests of `profile` (an [`ENGINE_PROFILE`] value) for the `len` tokens in the input buffer, followed by the seed, model-name and
/// parent bytes (`seed_len + model_len + parent_len` bytes packed in words) and `extra_len`
/// words of extra keys. Output: the digests, concatenated.
#[no_mangle]
pub extern "C" fn kv_engine_hashes(
    profile: u32,
    len: u32,
    block_size: u32,
    seed_len: u32,
    model_len: u32,
    parent_len: u32,
    extra_len: u32,
) -> i32 {
    run(|st| {
        let profile = match select(&ENGINE_PROFILE, profile)? {
            0 => Profile::VllmSha256Cbor,
            1 => Profile::VllmXxhashCbor,
            2 => Profile::Sglang,
            3 => Profile::LlmD,
            4 => Profile::VllmSha256,
            _ => Profile::VllmXxhash,
        };
        let strings = u64::from(seed_len) + u64::from(model_len) + u64::from(parent_len);
        let string_words = ((strings + 3) / 4) as u32;
        let total = len
            .checked_add(string_words)
            .and_then(|n| n.checked_add(extra_len))
            .ok_or_else(|| bad("input lengths overflow"))?;
        let (all, _, reply) = st.with_input(total)?;
        let (tokens, rest) = all.split_at(len as usize);
        let (packed, extra_words) = rest.split_at(string_words as usize);
        let bytes = memory_bytes(packed);
        let (seed, bytes) = bytes.split_at(seed_len as usize);
        let (model, bytes) = bytes.split_at(model_len as usize);
        let parent = &bytes[..parent_len as usize];
        if parent_len != 0 && parent.len() != profile.digest_len() && profile != Profile::Sglang {
            return Err(bad(&format!(
                "parent must be {} bytes for this profile, got {}",
                profile.digest_len(),
                parent.len()
            )));
        }
        let extra = parse_extra(extra_words)?;
        let options = ProfileOptions {
            seed: text(seed)?,
            model_name: text(model)?,
            parent: if parent_len == 0 { None } else { Some(parent) },
            extra_keys: &extra,
        };
        let digests = profile_digests(profile, tokens, block_size as usize, &options)?;
        reply.bytes(&digests.concat())
    })
}
