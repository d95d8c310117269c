//! Snapshots: a sequence, a tier record or a pool as 32-bit words, and back, exactly.
//!
//! Format: `[MAGIC, VERSION, kind, …body]`, 64-bit values as (low, high) words, lineage hashes
//! as four words, least significant first. Decoding checks every length and value and rebuilds
//! through the types' own constructors, so bytes that are not a snapshot are an error, never a
//! corrupt object.

use crate::assignments::ExternalBlockAssignments;
use crate::errors::{BlockSequenceError, Result};
use crate::lineage::SequenceHash;
use crate::pool::TierPool;
use crate::sequence::BlockSequence;
use crate::store::BlockId;

/// First word of every snapshot ("KVSN").
pub const MAGIC: u32 = 0x4e53_564b;
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;

/// What a snapshot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A [`BlockSequence`].
    Sequence = 1,
    /// An [`ExternalBlockAssignments`].
    Assignments = 2,
    /// A [`TierPool`].
    Pool = 3,
}

/// Appends words.
#[derive(Default)]
pub struct Writer(pub Vec<u32>);

impl Writer {
    /// A snapshot of `kind` of about `words` words, header written; the room is reserved up
    /// front, so that writing cannot abort for want of memory.
    pub fn new(kind: Kind, words: usize) -> Result<Self> {
        let mut v = Vec::new();
        crate::errors::try_reserve(&mut v, words.saturating_add(3))?;
        v.extend_from_slice(&[MAGIC, VERSION, kind as u32]);
        Ok(Writer(v))
    }
    /// One word.
    pub fn u32(&mut self, v: u32) {
        self.0.push(v);
    }
    /// A 64-bit value.
    pub fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&[v as u32, (v >> 32) as u32]);
    }
    /// A lineage hash.
    pub fn hash(&mut self, h: SequenceHash) {
        let r = h.raw();
        self.0.extend_from_slice(&[
            r as u32,
            (r >> 32) as u32,
            (r >> 64) as u32,
            (r >> 96) as u32,
        ]);
    }
    /// A count, then the words.
    pub fn list(&mut self, words: &[u32]) {
        self.u32(words.len() as u32);
        self.0.extend_from_slice(words);
    }
}

/// Reads words, failing with `InvalidSnapshot` past the end.
pub struct Reader<'a> {
    words: &'a [u32],
    at: usize,
}

fn bad(reason: &'static str) -> BlockSequenceError {
    BlockSequenceError::InvalidSnapshot { reason }
}

impl<'a> Reader<'a> {
    /// Checks the header for `kind`.
    pub fn new(words: &'a [u32], kind: Kind) -> Result<Self> {
        match words {
            [MAGIC, VERSION, k, ..] if *k == kind as u32 => Ok(Reader { words, at: 3 }),
            [MAGIC, VERSION, ..] => Err(bad("it holds another kind of object")),
            [MAGIC, ..] => Err(bad("unknown version")),
            _ => Err(bad("no snapshot header")),
        }
    }
    /// One word.
    pub fn u32(&mut self) -> Result<u32> {
        let w = *self.words.get(self.at).ok_or_else(|| bad("cut short"))?;
        self.at += 1;
        Ok(w)
    }
    /// A 64-bit value.
    pub fn u64(&mut self) -> Result<u64> {
        let lo = self.u32()?;
        Ok(u64::from(self.u32()?) << 32 | u64::from(lo))
    }
    /// A lineage hash.
    pub fn hash(&mut self) -> Result<SequenceHash> {
        let mut raw = 0u128;
        for i in 0..4 {
            raw |= u128::from(self.u32()?) << (32 * i);
        }
        SequenceHash::from_raw(raw).map_err(|_| bad("a lineage hash is not valid"))
    }
    /// `n` words.
    pub fn words(&mut self, n: usize) -> Result<&'a [u32]> {
        let end = self.at.checked_add(n).ok_or_else(|| bad("cut short"))?;
        let w = self
            .words
            .get(self.at..end)
            .ok_or_else(|| bad("cut short"))?;
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
            Err(bad("trailing words"))
        }
    }
}

/// A sequence: block size, salt, tokens (its hashes are recomputed, identical).
pub fn sequence_to_words(seq: &BlockSequence) -> Result<Vec<u32>> {
    let mut w = Writer::new(Kind::Sequence, 4 + seq.total_tokens())?;
    w.u32(seq.block_size() as u32);
    w.u64(seq.salt_hash());
    w.list(seq.tokens());
    Ok(w.0)
}

/// The sequence of [`sequence_to_words`].
pub fn sequence_from_words(words: &[u32]) -> Result<BlockSequence> {
    let mut r = Reader::new(words, Kind::Sequence)?;
    let block_size = r.u32()? as usize;
    let salt = r.u64()?;
    let tokens = r.list()?;
    r.finish()?;
    BlockSequence::new(tokens, block_size, salt)
}

fn pairs(w: &mut Writer, pairs: impl ExactSizeIterator<Item = (BlockId, SequenceHash)>) {
    w.u32(pairs.len() as u32);
    for (id, h) in pairs {
        w.u32(id);
        w.hash(h);
    }
}

fn read_pairs(r: &mut Reader<'_>) -> Result<Vec<(BlockId, SequenceHash)>> {
    let n = r.u32()? as usize;
    let mut out = Vec::new();
    crate::errors::try_reserve(&mut out, n.min(r.words.len()))?;
    for _ in 0..n {
        let id = r.u32()?;
        out.push((id, r.hash()?));
    }
    Ok(out)
}

/// A tier record: offset, binding, unassigned ids, staged and assigned pairs.
pub fn assignments_to_words(a: &ExternalBlockAssignments) -> Result<Vec<u32>> {
    let pairs_words = 5 * (a.assigned_count() + a.staged_count());
    let mut w = Writer::new(Kind::Assignments, 10 + a.unassigned_count() + pairs_words)?;
    w.u64(a.offset());
    let (bound, bs, salt) = match a.binding() {
        Some((bs, salt)) => (1, bs as u32, salt),
        None => (0, 0, 0),
    };
    w.u32(bound);
    w.u32(bs);
    w.u64(salt);
    w.u32(a.unassigned_count() as u32);
    w.0.extend(a.unassigned_block_ids());
    pairs(&mut w, a.staged());
    pairs(&mut w, a.assigned());
    Ok(w.0)
}

/// The record of [`assignments_to_words`].
pub fn assignments_from_words(words: &[u32]) -> Result<ExternalBlockAssignments> {
    let mut r = Reader::new(words, Kind::Assignments)?;
    let offset = r.u64()?;
    if offset > 1 << 24 {
        return Err(bad("offset out of range"));
    }
    let bound = r.u32()?;
    let bs = r.u32()? as usize;
    let salt = r.u64()?;
    let unassigned = r.list()?;
    let staged = read_pairs(&mut r)?;
    let assigned = read_pairs(&mut r)?;
    r.finish()?;
    let binding = if bound != 0 { Some((bs, salt)) } else { None };
    ExternalBlockAssignments::from_parts(offset, binding, unassigned, &staged, &assigned)
        .map_err(|_| bad("a block id appears twice"))
}

/// A pool (see [`TierPool::to_words`]).
pub fn pool_to_words(pool: &TierPool) -> Result<Vec<u32>> {
    let mut w = Writer::new(Kind::Pool, 16 + 10 * pool.capacity())?;
    pool.to_words(&mut w);
    Ok(w.0)
}

/// The pool of [`pool_to_words`].
pub fn pool_from_words(words: &[u32]) -> Result<TierPool> {
    let mut r = Reader::new(words, Kind::Pool)?;
    let pool = TierPool::from_words(&mut r)?;
    r.finish()?;
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_with_all_three_collections() {
        let seq = BlockSequence::new(&(0..40).collect::<Vec<u32>>(), 4, 7).unwrap();
        let mut a = ExternalBlockAssignments::new(2);
        a.extend_block_ids(&[5, 6, 7, 8, 9]).unwrap();
        a.stage_from(&seq, 0..seq.block_count(), true).unwrap();
        a.extend_block_ids(&[5, 6, 7, 8, 9, 10, 11]).unwrap();
        let b = assignments_from_words(&assignments_to_words(&a).unwrap()).unwrap();
        assert_eq!(
            assignments_to_words(&b).unwrap(),
            assignments_to_words(&a).unwrap()
        );
        assert_eq!(b.binding(), Some((4, 7)));
        assert_eq!(b.get_at_position(3), a.get_at_position(3));
    }

    #[test]
    fn a_sequence_round_trips() {
        let seq = BlockSequence::new(&(0..42).collect::<Vec<u32>>(), 4, 9).unwrap();
        let back = sequence_from_words(&sequence_to_words(&seq).unwrap()).unwrap();
        assert_eq!(back.blocks(), seq.blocks());
        assert_eq!(back.partial_tokens(), seq.partial_tokens());
    }

    #[test]
    fn bad_words_are_refused() {
        assert!(sequence_from_words(&[]).is_err());
        assert!(sequence_from_words(&[MAGIC, VERSION, 2]).is_err());
        let mut w = sequence_to_words(&BlockSequence::new(&[1, 2], 1, 0).unwrap()).unwrap();
        w.push(0);
        assert!(sequence_from_words(&w).is_err());
        w.truncate(w.len() - 2);
        assert!(sequence_from_words(&w).is_err());
    }
}
