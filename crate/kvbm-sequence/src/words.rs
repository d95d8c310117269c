//! The one 32-bit word codec: how 64-bit values, floats and 128-bit lineage hashes are laid out
//! as `u32` words, for snapshots ([`crate::snapshot`]) and for the WebAssembly boundary (the
//! binding reads its input and writes its output with the same functions).
//!
//! Layout: a 64-bit value is two words, low first; an `f64` is its IEEE bits as a 64-bit value;
//! a lineage hash is four words, least significant first.
//!
//! Place: `crate/kvbm-sequence/src/words.rs` — below every domain but hashing.

use crate::error::{try_reserve, Error, Result};
use crate::hashing::lineage::SequenceHash;

/// The low word of `v`.
pub fn lo(v: u64) -> u32 {
    v as u32
}

/// The high word of `v`.
pub fn hi(v: u64) -> u32 {
    (v >> 32) as u32
}

/// The 64-bit value of (`lo`, `hi`).
pub fn join(lo: u32, hi: u32) -> u64 {
    u64::from(hi) << 32 | u64::from(lo)
}

/// A lineage hash as four words, least significant first.
pub fn lineage_words(h: SequenceHash) -> [u32; 4] {
    let raw = h.raw();
    [
        raw as u32,
        (raw >> 32) as u32,
        (raw >> 64) as u32,
        (raw >> 96) as u32,
    ]
}

/// The 128-bit value of up to four words, least significant first.
pub fn raw128(words: &[u32]) -> u128 {
    words
        .iter()
        .rev()
        .fold(0u128, |acc, &word| acc << 32 | u128::from(word))
}

/// The lineage hash of four words; `InvalidLineageHash` for a value no lineage hash has.
pub fn lineage_of(words: &[u32]) -> Result<SequenceHash> {
    SequenceHash::from_raw(raw128(words))
}

/// The 64-bit values of `words`, read as (low, high) pairs (a trailing odd word is ignored).
pub fn u64s_of(words: &[u32]) -> Result<Vec<u64>> {
    let mut out = Vec::new();
    try_reserve(&mut out, words.len() / 2)?;
    out.extend(words.chunks_exact(2).map(|c| join(c[0], c[1])));
    Ok(out)
}

/// Appends words.
#[derive(Default)]
pub struct Writer(pub Vec<u32>);

impl Writer {
    /// A writer with room for `words` words reserved up front, so that writing that many cannot
    /// abort for want of memory.
    pub fn with_capacity(words: usize) -> Result<Self> {
        let mut v = Vec::new();
        try_reserve(&mut v, words)?;
        Ok(Writer(v))
    }
    /// One word.
    pub fn u32(&mut self, v: u32) {
        self.0.push(v);
    }
    /// A 64-bit value.
    pub fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&[lo(v), hi(v)]);
    }
    /// A float, as its bits.
    pub fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    /// A lineage hash.
    pub fn hash(&mut self, h: SequenceHash) {
        self.0.extend_from_slice(&lineage_words(h));
    }
    /// A count, then the words.
    pub fn list(&mut self, words: &[u32]) {
        self.u32(words.len() as u32);
        self.0.extend_from_slice(words);
    }
}

/// Reads words; past the end, or at a value out of its range, it fails with the error
/// [`Reader::bad`] makes (`InvalidSnapshot` unless the reader was made otherwise).
pub struct Reader<'a> {
    words: &'a [u32],
    at: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the first of `words`.
    pub fn new(words: &'a [u32]) -> Self {
        Reader { words, at: 0 }
    }
    /// The error for words that are not what was expected.
    pub fn bad(reason: &'static str) -> Error {
        Error::InvalidSnapshot { reason }
    }
    /// Words not read yet.
    pub fn remaining(&self) -> usize {
        self.words.len() - self.at
    }
    /// One word.
    pub fn u32(&mut self) -> Result<u32> {
        let w = *self
            .words
            .get(self.at)
            .ok_or_else(|| Self::bad("cut short"))?;
        self.at += 1;
        Ok(w)
    }
    /// A 64-bit value.
    pub fn u64(&mut self) -> Result<u64> {
        let lo = self.u32()?;
        Ok(join(lo, self.u32()?))
    }
    /// A float from its bits; NaN is refused.
    pub fn f64(&mut self) -> Result<f64> {
        let v = f64::from_bits(self.u64()?);
        if v.is_nan() {
            return Err(Self::bad("a time is NaN"));
        }
        Ok(v)
    }
    /// A lineage hash.
    pub fn hash(&mut self) -> Result<SequenceHash> {
        let w = self.words(4)?;
        lineage_of(w).map_err(|_| Self::bad("a lineage hash is not valid"))
    }
    /// `n` words.
    pub fn words(&mut self, n: usize) -> Result<&'a [u32]> {
        let end = self
            .at
            .checked_add(n)
            .ok_or_else(|| Self::bad("cut short"))?;
        let w = self
            .words
            .get(self.at..end)
            .ok_or_else(|| Self::bad("cut short"))?;
        self.at = end;
        Ok(w)
    }
    /// A count, then that many words.
    pub fn list(&mut self) -> Result<&'a [u32]> {
        let n = self.u32()? as usize;
        self.words(n)
    }
    /// Fails where words are left over.
    pub fn finish(self) -> Result<()> {
        if self.at == self.words.len() {
            Ok(())
        } else {
            Err(Self::bad("trailing words"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixty_four_bit_values_are_low_word_first() {
        let mut w = Writer::default();
        w.u64(0x0123_4567_89ab_cdef);
        assert_eq!(w.0, [0x89ab_cdef, 0x0123_4567]);
        assert_eq!(Reader::new(&w.0).u64().unwrap(), 0x0123_4567_89ab_cdef);
    }

    #[test]
    fn a_lineage_hash_is_four_words_least_significant_first() {
        let h = SequenceHash::new(0x1234_5678_90AB_CDEF, 0xFEDC_BA98_7654_3210, 100).unwrap();
        let words = lineage_words(h);
        assert_eq!(raw128(&words), h.raw());
        assert_eq!(lineage_of(&words).unwrap(), h);
    }

    #[test]
    fn reading_past_the_end_fails() {
        let mut r = Reader::new(&[1]);
        assert!(r.u64().is_err());
        assert!(Reader::new(&[0, 0x7ff8_0000]).f64().is_err());
    }
}
