//! Snapshots: one word format for every object — a sequence, a tier record, a pool, a router
//! index — and back, exactly.
//!
//! Format: `[MAGIC, VERSION, kind, …body]` in the word codec of [`crate::words`]. Decoding checks
//! every length and value and rebuilds through the types' own constructors, so words that are
//! not a snapshot are an error, never a corrupt object.
//!
//! Place: `crate/kvbm-sequence/src/snapshot.rs` — above every domain (it names their types).

use crate::error::{try_reserve, Result};
use crate::hashing::lineage::SequenceHash;
use crate::router::index::{DumpEntry, KvIndex, DUMP_WORDS};
use crate::sequence::assignments::ExternalBlockAssignments;
use crate::sequence::store::BlockId;
use crate::sequence::BlockSequence;
use crate::tiers::pool::TierPool;
use crate::words::{Reader, Writer};

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
    /// A [`KvIndex`].
    Index = 4,
}

impl Kind {
    /// Every kind, for the wire contract.
    pub const ALL: [Kind; 4] = [Kind::Sequence, Kind::Assignments, Kind::Pool, Kind::Index];

    /// The kind's name, as the wire contract spells it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Sequence => "Sequence",
            Kind::Assignments => "Assignments",
            Kind::Pool => "Pool",
            Kind::Index => "Index",
        }
    }
}

/// The kind a snapshot's header names, or `InvalidSnapshot` for words without a valid header.
pub fn kind_of(words: &[u32]) -> Result<Kind> {
    match words {
        [MAGIC, VERSION, k, ..] => Kind::ALL
            .iter()
            .copied()
            .find(|kind| *kind as u32 == *k)
            .ok_or_else(|| bad("it holds an unknown kind of object")),
        [MAGIC, ..] => Err(bad("unknown version")),
        _ => Err(bad("no snapshot header")),
    }
}

/// A writer with the header of `kind` written and room for about `words` more words.
fn writer(kind: Kind, words: usize) -> Result<Writer> {
    let mut w = Writer::with_capacity(words.saturating_add(3))?;
    w.0.extend_from_slice(&[MAGIC, VERSION, kind as u32]);
    Ok(w)
}

/// A reader past the header, which must name `kind`.
fn reader(words: &[u32], kind: Kind) -> Result<Reader<'_>> {
    if kind_of(words)? != kind {
        return Err(bad("it holds another kind of object"));
    }
    let mut r = Reader::new(words);
    r.words(3)?;
    Ok(r)
}

fn bad(reason: &'static str) -> crate::Error {
    Reader::bad(reason)
}

/// A sequence: block size, salt, tokens (its hashes are recomputed, identical).
pub fn sequence_to_words(seq: &BlockSequence) -> Result<Vec<u32>> {
    let mut w = writer(Kind::Sequence, 4 + seq.total_tokens())?;
    w.u32(seq.block_size() as u32);
    w.u64(seq.salt_hash());
    w.list(seq.tokens());
    Ok(w.0)
}

/// The sequence of [`sequence_to_words`].
pub fn sequence_from_words(words: &[u32]) -> Result<BlockSequence> {
    let mut r = reader(words, Kind::Sequence)?;
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
    try_reserve(&mut out, n.min(r.remaining() / 5))?;
    for _ in 0..n {
        let id = r.u32()?;
        out.push((id, r.hash()?));
    }
    Ok(out)
}

/// A tier record: offset, binding, unassigned ids, staged and assigned pairs.
pub fn assignments_to_words(a: &ExternalBlockAssignments) -> Result<Vec<u32>> {
    let pairs_words = 5 * (a.assigned_count() + a.staged_count());
    let mut w = writer(Kind::Assignments, 10 + a.unassigned_count() + pairs_words)?;
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
    let mut r = reader(words, Kind::Assignments)?;
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
    let mut w = writer(Kind::Pool, 16 + 10 * pool.capacity())?;
    pool.to_words(&mut w);
    Ok(w.0)
}

/// The pool of [`pool_to_words`].
pub fn pool_from_words(words: &[u32]) -> Result<TierPool> {
    let mut r = reader(words, Kind::Pool)?;
    let pool = TierPool::from_words(&mut r)?;
    r.finish()?;
    Ok(pool)
}

/// An index: its mode (approximate and time-to-live), then every (worker, block) entry of its
/// dump (SPEC §6.3), [`DUMP_WORDS`] words each.
pub fn index_to_words(index: &KvIndex) -> Result<Vec<u32>> {
    let entries = index.dump()?;
    let mut w = writer(Kind::Index, 4 + entries.len() * DUMP_WORDS)?;
    w.u32(u32::from(index.ttl().is_some()));
    w.f64(index.ttl().unwrap_or(0.0));
    w.u32(entries.len() as u32);
    for e in &entries {
        e.write(&mut w);
    }
    Ok(w.0)
}

/// The index of [`index_to_words`].
pub fn index_from_words(words: &[u32]) -> Result<KvIndex> {
    let mut r = reader(words, Kind::Index)?;
    let approximate = r.u32()? != 0;
    let ttl = r.f64()?;
    let n = r.u32()? as usize;
    if n.checked_mul(DUMP_WORDS) != Some(r.remaining()) {
        return Err(bad("the entry count does not match the length"));
    }
    let mut entries = Vec::new();
    try_reserve(&mut entries, n)?;
    for _ in 0..n {
        entries.push(DumpEntry::read(&mut r)?);
    }
    r.finish()?;
    let mut index = if approximate {
        if !(ttl.is_finite() && ttl >= 0.0) {
            return Err(bad("the time-to-live is not a finite number >= 0"));
        }
        KvIndex::approximate(ttl)
    } else {
        KvIndex::new()
    };
    index.load(&entries)?;
    Ok(index)
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
