//! The 128-bit positional lineage hash (SPEC §1.1), Dynamo's `SequenceHash`.
//!
//! ```text
//! bit 127                                                       bit 0
//! [ mode : 2 ][ position : P ][ current sequence hash : 64 ][ parent fragment : R ]
//! mode 0: position < 2^8  (P = 8,  R = 54)
//! mode 1: position < 2^16 (P = 16, R = 46)
//! mode 2: position < 2^24 (P = 24, R = 38)
//! ```
//!
//! Place: `crate/kvbm-sequence/src/hashing/lineage.rs`.

use crate::error::{Error, Result};
use std::cmp::Ordering;
use std::fmt::{self, Write};

/// Number of distinct block positions: positions are `0 ..= MAX_POSITION`.
pub const POSITION_LIMIT: u64 = 1 << 24;

/// The largest representable block position, 2^24 - 1.
pub const MAX_POSITION: u64 = POSITION_LIMIT - 1;

/// A block's lineage hash: its position, its sequence hash and a fragment of its parent's.
///
/// `repr(transparent)`: in memory it is exactly a `u128` (16 bytes, least significant first in
/// WebAssembly), which the facade reads in place (see `kv_asg_layout`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[repr(transparent)]
pub struct SequenceHash(u128);

/// Bits of the position field for a mode.
fn position_bits(mode: u32) -> u32 {
    8 * (mode + 1)
}

/// Bits of the parent fragment for a mode: what the mode, the position and the current hash
/// leave of 128.
fn fragment_bits(mode: u32) -> u32 {
    128 - 2 - 64 - position_bits(mode)
}

/// The smallest mode whose position field holds `position`, if any does.
fn mode_for(position: u64) -> Option<u32> {
    (0..3).find(|&mode| position < 1u64 << position_bits(mode))
}

fn low_bits(value: u64, bits: u32) -> u64 {
    value & ((1u64 << bits) - 1)
}

impl SequenceHash {
    /// The lineage hash of the block at `position` whose sequence hash is `current` and whose
    /// parent's sequence hash is `parent` (use 0 for block 0).
    ///
    /// Fails with [`Error::PositionOverflow`] for positions of 2^24 or more.
    pub fn new(current: u64, parent: u64, position: u64) -> Result<Self> {
        let mode = mode_for(position).ok_or(Error::PositionOverflow { position })?;
        let r = fragment_bits(mode);
        let raw = (u128::from(mode) << 126)
            | (u128::from(position) << (64 + r))
            | (u128::from(current) << r)
            | u128::from(low_bits(parent, r));
        Ok(SequenceHash(raw))
    }

    /// Reads a raw 128-bit value. Fails with [`Error::InvalidLineageHash`] where the
    /// mode is 3 or is not the smallest mode that holds the position, since [`SequenceHash::new`]
    /// never makes such a value.
    pub fn from_raw(raw: u128) -> Result<Self> {
        let candidate = SequenceHash(raw);
        let mode = candidate.mode();
        if mode > 2 || mode_for(candidate.position()) != Some(mode) {
            return Err(Error::InvalidLineageHash { raw });
        }
        Ok(candidate)
    }

    /// Reads the 16-byte big-endian form (see [`SequenceHash::from_raw`] for what is rejected).
    pub fn from_bytes(bytes: [u8; 16]) -> Result<Self> {
        Self::from_raw(u128::from_be_bytes(bytes))
    }

    /// The raw 128-bit value.
    pub fn raw(self) -> u128 {
        self.0
    }

    /// The 16-byte big-endian form.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0.to_be_bytes()
    }

    /// The encoding mode, 0, 1 or 2 (it follows from the position).
    pub fn mode(self) -> u32 {
        (self.0 >> 126) as u32
    }

    /// The block's position in its sequence.
    pub fn position(self) -> u64 {
        // Constant shifts per mode: a variable 128-bit shift is a library call in wasm.
        match self.mode() {
            0 => ((self.0 >> 118) as u64) & 0xff,
            1 => ((self.0 >> 110) as u64) & 0xffff,
            _ => ((self.0 >> 102) as u64) & 0xff_ffff,
        }
    }

    /// The block's own 64-bit sequence hash.
    pub fn current_hash(self) -> u64 {
        match self.mode() {
            0 => (self.0 >> 54) as u64,
            1 => (self.0 >> 46) as u64,
            _ => (self.0 >> 38) as u64,
        }
    }

    /// The low bits of the parent's sequence hash (54, 46 or 38 of them by mode; 0 for block 0).
    pub fn parent_fragment(self) -> u64 {
        low_bits(self.0 as u64, fragment_bits(self.mode().min(2)))
    }
}

/// The Bitcoin Base58 alphabet.
const BASE58_ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Appends Base58 (Bitcoin alphabet) of the 8 big-endian bytes of `value` to `out`: a `1` for
/// each leading zero byte, then the rest as one big-endian number in base 58.
///
/// Written here rather than taken from the `bs58` crate, whose `into_string` links the
/// formatting of its UTF-8 error into the module; the tests compare the two.
fn push_base58(out: &mut String, value: u64) {
    let zero_bytes = (value.leading_zeros() / 8) as usize;
    out.extend(std::iter::repeat('1').take(zero_bytes));
    // 58^11 > 2^64: at most 11 digits.
    let mut digits = [0u8; 11];
    let mut n = 0;
    let mut rest = value;
    while rest > 0 {
        digits[n] = BASE58_ALPHABET[(rest % 58) as usize];
        rest /= 58;
        n += 1;
    }
    out.extend(digits[..n].iter().rev().map(|&d| char::from(d)));
}

impl SequenceHash {
    /// Dynamo's text form: `position:b58(current)` for block 0, else
    /// `position:b58(current):b58(parent fragment)`. The same as [`fmt::Display`]. The
    /// position goes through std's integer formatting, which panic messages link anyway.
    pub fn text(self) -> String {
        let mut out = String::with_capacity(48);
        let position = self.position();
        // Writing to a String cannot fail.
        let _ = write!(out, "{}", position);
        out.push(':');
        push_base58(&mut out, self.current_hash());
        if position != 0 {
            out.push(':');
            push_base58(&mut out, self.parent_fragment());
        }
        out
    }
}

impl fmt::Display for SequenceHash {
    /// [`SequenceHash::text`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl Ord for SequenceHash {
    /// By position, then current hash, then raw value.
    fn cmp(&self, other: &Self) -> Ordering {
        self.position()
            .cmp(&other.position())
            .then(self.current_hash().cmp(&other.current_hash()))
            .then(self.0.cmp(&other.0))
    }
}

impl PartialOrd for SequenceHash {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEQ: [u64; 3] = [
        14643705804678351452,
        4945711292740353085,
        12583592247330656132,
    ];

    fn spec_block(k: usize) -> SequenceHash {
        let parent = if k == 0 { 0 } else { SEQ[k - 1] };
        SequenceHash::new(SEQ[k], parent, k as u64).unwrap()
    }

    #[test]
    fn lineage_hashes_of_spec_blocks_match_spec() {
        assert_eq!(spec_block(0).raw(), 0x0032ce3935fecb729700000000000000);
        assert_eq!(spec_block(1).raw(), 0x005128ac8de75b4f0f78e4d7fb2dca5c);
        assert_eq!(spec_block(2).raw(), 0x00aba8799e9b2033e122b2379d6d3c3d);
    }

    #[test]
    fn text_form_of_block_0_has_no_parent_part() {
        assert_eq!(spec_block(0).to_string(), "0:azWbh91idkf");
    }

    #[test]
    fn text_form_of_later_blocks_has_the_parent_fragment() {
        assert_eq!(spec_block(1).to_string(), "1:CUrLYDFnmBa:13A3sGnbCSf");
    }

    #[test]
    fn base58_matches_the_bs58_crate() {
        let mut values = vec![0, 1, 57, 58, 255, 256, u64::MAX, 1 << 56, (1 << 56) - 1];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for shift in 0..64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(x >> shift);
        }
        for value in values {
            let mut ours = String::new();
            push_base58(&mut ours, value);
            assert_eq!(
                ours,
                bs58::encode(value.to_be_bytes()).into_string(),
                "{}",
                value
            );
        }
    }

    #[test]
    fn lineage_hash_built_directly_matches_spec() {
        let h = SequenceHash::new(0x1234567890ABCDEF, 0xFEDCBA9876543210, 100).unwrap();
        assert_eq!(h.raw(), 0x19048d159e242af37bdcba9876543210);
    }

    #[test]
    fn accessors_read_back_the_parts_in_every_mode() {
        for &(position, mode, r) in &[
            (0u64, 0u32, 54u32),
            (255, 0, 54),
            (256, 1, 46),
            (65535, 1, 46),
            (65536, 2, 38),
            (MAX_POSITION, 2, 38),
        ] {
            let parent = 0xFEDC_BA98_7654_3210u64;
            let h = SequenceHash::new(0x1234_5678_90AB_CDEF, parent, position).unwrap();
            assert_eq!(h.position(), position);
            assert_eq!(h.mode(), mode);
            assert_eq!(h.current_hash(), 0x1234_5678_90AB_CDEF);
            assert_eq!(h.parent_fragment(), parent & ((1 << r) - 1));
        }
    }

    #[test]
    fn position_2_pow_24_is_rejected() {
        assert_eq!(
            SequenceHash::new(1, 2, POSITION_LIMIT),
            Err(Error::PositionOverflow {
                position: POSITION_LIMIT
            })
        );
    }

    #[test]
    fn bytes_are_big_endian_and_round_trip() {
        let h = spec_block(1);
        let bytes = h.to_bytes();
        assert_eq!(bytes[0], 0x00);
        assert_eq!(bytes[1], 0x51);
        assert_eq!(bytes[15], 0x5c);
        assert_eq!(SequenceHash::from_bytes(bytes), Ok(h));
    }

    #[test]
    fn raw_values_round_trip() {
        let h = SequenceHash::new(3, 4, 70000).unwrap();
        assert_eq!(SequenceHash::from_raw(h.raw()), Ok(h));
    }

    #[test]
    fn raw_value_with_mode_3_is_rejected() {
        let raw = 3u128 << 126;
        assert_eq!(
            SequenceHash::from_raw(raw),
            Err(Error::InvalidLineageHash { raw })
        );
    }

    #[test]
    fn raw_value_with_a_wider_mode_than_its_position_needs_is_rejected() {
        // Mode 1 with position 5: `new` would have chosen mode 0.
        let raw = (1u128 << 126) | (5u128 << (64 + 46));
        assert!(SequenceHash::from_raw(raw).is_err());
    }

    #[test]
    fn order_is_by_position_then_current_hash_then_raw() {
        let a = SequenceHash::new(9, 0, 1).unwrap();
        let b = SequenceHash::new(1, 0, 2).unwrap();
        let c = SequenceHash::new(2, 0, 2).unwrap();
        let d = SequenceHash::new(2, 1, 2).unwrap();
        let mut v = vec![d, c, b, a];
        v.sort();
        assert_eq!(v, vec![a, b, c, d]);
    }
}
