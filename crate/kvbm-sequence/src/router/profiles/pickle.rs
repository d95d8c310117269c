//! Python's pickle, protocol 5, of the few values vLLM's `sha256` / `xxhash` block hashes
//! serialise: `(parent digest: bytes, tokens: tuple[int], extra_keys: tuple | None)` and the
//! seed string of `NONE_HASH`. Only the opcodes these values take, written as CPython's C pickler
//! writes them (checked byte for byte against Debian's python3 `pickle` in the tests):
//! `PROTO 5`, one `FRAME` (values here stay far below its 64 KiB target), `BININT1/2`, `BININT`,
//! `LONG1`, `SHORT_BINBYTES`/`BINBYTES`, `SHORT_BINUNICODE`/`BINUNICODE`, `NONE`,
//! `EMPTY_TUPLE`/`TUPLE1-3`/`MARK … TUPLE`, `MEMOIZE` after bytes, strings and tuples, `STOP`.
//! Equal strings are written in full each time (a Python object seen twice would be a memo
//! reference; the engines build these values afresh, so that does not arise).
//!
//! Place: `crate/kvbm-sequence/src/router/profiles/pickle.rs`.

use super::ExtraKey;

const PROTO: u8 = 0x80;
const FRAME: u8 = 0x95;
const BININT: u8 = 0x4a;
const BININT1: u8 = 0x4b;
const BININT2: u8 = 0x4d;
const LONG1: u8 = 0x8a;
const SHORT_BINBYTES: u8 = 0x43;
const BINBYTES: u8 = 0x42;
const SHORT_BINUNICODE: u8 = 0x8c;
const BINUNICODE: u8 = 0x58;
const NONE: u8 = 0x4e;
const EMPTY_TUPLE: u8 = 0x29;
const TUPLE1: u8 = 0x85;
const MARK: u8 = 0x28;
const TUPLE: u8 = 0x74;
const MEMOIZE: u8 = 0x94;
const STOP: u8 = 0x2e;

fn int(out: &mut Vec<u8>, v: i128) {
    if (0..=0xff).contains(&v) {
        out.extend_from_slice(&[BININT1, v as u8]);
    } else if (0..=0xffff).contains(&v) {
        out.push(BININT2);
        out.extend_from_slice(&(v as u16).to_le_bytes());
    } else if (i128::from(i32::MIN)..=i128::from(i32::MAX)).contains(&v) {
        out.push(BININT);
        out.extend_from_slice(&(v as i32).to_le_bytes());
    } else {
        // LONG1: the shortest little-endian two's complement, as pickle's encode_long.
        let bytes = v.to_le_bytes();
        let mut n = 16;
        while n > 1 {
            let (top, next) = (bytes[n - 1], bytes[n - 2]);
            if (top == 0 && next & 0x80 == 0) || (top == 0xff && next & 0x80 != 0) {
                n -= 1;
            } else {
                break;
            }
        }
        out.extend_from_slice(&[LONG1, n as u8]);
        out.extend_from_slice(&bytes[..n]);
    }
}

fn sized(out: &mut Vec<u8>, short: u8, long: u8, data: &[u8]) {
    if data.len() < 256 {
        out.extend_from_slice(&[short, data.len() as u8]);
    } else {
        out.push(long);
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(data);
    out.push(MEMOIZE);
}

fn text(out: &mut Vec<u8>, s: &str) {
    sized(out, SHORT_BINUNICODE, BINUNICODE, s.as_bytes());
}

/// A tuple of `n` items, each written by `item`.
fn tuple(out: &mut Vec<u8>, n: usize, mut item: impl FnMut(&mut Vec<u8>, usize)) {
    if n == 0 {
        out.push(EMPTY_TUPLE);
        return;
    }
    if n > 3 {
        out.push(MARK);
    }
    for i in 0..n {
        item(out, i);
    }
    out.push(if n > 3 { TUPLE } else { TUPLE1 + (n as u8 - 1) });
    out.push(MEMOIZE);
}

fn extra_key(out: &mut Vec<u8>, key: &ExtraKey) {
    match key {
        ExtraKey::Uint(v) => int(out, i128::from(*v)),
        ExtraKey::Int(v) => int(out, i128::from(*v)),
        ExtraKey::Text(s) => text(out, s),
        ExtraKey::Tuple(items) => tuple(out, items.len(), |o, i| extra_key(o, &items[i])),
    }
}

/// `PROTO 5`, a `FRAME` around `body`, `STOP` inside it.
fn framed(body: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 12);
    out.extend_from_slice(&[PROTO, 5, FRAME]);
    out.extend_from_slice(&(body.len() as u64 + 1).to_le_bytes());
    out.extend_from_slice(&body);
    out.push(STOP);
    out
}

/// `pickle.dumps((parent, tuple(tokens), extra), protocol=5)`, `extra` a tuple of keys or None.
pub fn block_triple(parent: &[u8], tokens: &[u32], extra: Option<&[ExtraKey]>) -> Vec<u8> {
    let mut body = Vec::with_capacity(parent.len() + 5 * tokens.len() + 32);
    sized(&mut body, SHORT_BINBYTES, BINBYTES, parent);
    tuple(&mut body, tokens.len(), |o, i| {
        int(o, i128::from(tokens[i]))
    });
    match extra {
        None => body.push(NONE),
        Some(keys) => tuple(&mut body, keys.len(), |o, i| extra_key(o, &keys[i])),
    }
    body.extend_from_slice(&[TUPLE1 + 2, MEMOIZE]);
    framed(body)
}

/// `pickle.dumps(s, protocol=5)` of a string (vLLM's `NONE_HASH = hash_fn(PYTHONHASHSEED)`).
pub fn string(s: &str) -> Vec<u8> {
    let mut body = Vec::new();
    text(&mut body, s);
    framed(body)
}
