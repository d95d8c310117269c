//! Canonical CBOR (RFC 8949 §4.2.1: shortest heads, definite lengths) of the few shapes the
//! engines hash: vLLM's `*_cbor` triples and llm-d's keys.
//!
//! Place: `crate/kvbm-sequence/src/router/profiles/cbor.rs`.

use super::ExtraKey;

pub(super) fn cbor_head(out: &mut Vec<u8>, major: u8, v: u64) {
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

pub(super) const CBOR_NULL: u8 = 0xf6;

pub(super) fn cbor_text(out: &mut Vec<u8>, s: &str) {
    cbor_head(out, 3, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

pub(super) fn cbor_tokens(out: &mut Vec<u8>, tokens: &[u32]) {
    cbor_head(out, 4, tokens.len() as u64);
    for &t in tokens {
        cbor_head(out, 0, u64::from(t));
    }
}

pub(super) fn cbor_extra(out: &mut Vec<u8>, extra: Option<&[ExtraKey]>) {
    match extra {
        None => out.push(CBOR_NULL),
        Some(keys) => {
            cbor_head(out, 4, keys.len() as u64);
            for k in keys {
                cbor_key(out, k);
            }
        }
    }
}

/// One extra key: integers (negative ones as major type 1), text, tuples as arrays.
fn cbor_key(out: &mut Vec<u8>, key: &ExtraKey) {
    match key {
        ExtraKey::Uint(v) => cbor_head(out, 0, *v),
        ExtraKey::Int(v) if *v >= 0 => cbor_head(out, 0, *v as u64),
        ExtraKey::Int(v) => cbor_head(out, 1, !(*v as u64)),
        ExtraKey::Text(s) => cbor_text(out, s),
        ExtraKey::Tuple(items) => {
            cbor_head(out, 4, items.len() as u64);
            for item in items {
                cbor_key(out, item);
            }
        }
    }
}

/// llm-d's multimodal extra (`BlockExtraFeatures.MMHashes`): the block's `(hash, offset)` tuples
/// as an array of maps `{"Hash": text, "Offset": int}` in canonical key order; other keys are
/// skipped as llm-d skips them, and a block without any is null.
pub(super) fn cbor_llmd_extra(out: &mut Vec<u8>, extra: Option<&[ExtraKey]>) {
    let items: Vec<(&str, &ExtraKey)> = extra
        .unwrap_or(&[])
        .iter()
        .filter_map(|k| match k {
            ExtraKey::Tuple(t) => match t.as_slice() {
                [ExtraKey::Text(hash), offset @ (ExtraKey::Int(_) | ExtraKey::Uint(_))] => {
                    Some((hash.as_str(), offset))
                }
                _ => None,
            },
            _ => None,
        })
        .collect();
    if items.is_empty() {
        out.push(CBOR_NULL);
        return;
    }
    cbor_head(out, 4, items.len() as u64);
    for (hash, offset) in items {
        cbor_head(out, 5, 2);
        cbor_text(out, "Hash");
        cbor_text(out, hash);
        cbor_text(out, "Offset");
        cbor_key(out, offset);
    }
}
