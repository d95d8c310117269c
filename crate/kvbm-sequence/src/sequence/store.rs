//! The three-phase block store: unassigned → staged → assigned.
//!
//! Dynamo's store keeps each phase in an ordered map and removes from its front, O(n) per item.
//! Here the unassigned queue is a ring buffer (`VecDeque`), so taking its front is O(1); staged
//! and assigned are plain vectors that only grow at the back (or are drained whole). Ids and
//! hashes are kept in separate vectors, so the id lists can be compared and copied out as slices.
//! A hash set of every id present answers `contains` in O(1).
//!
//! Place: `crate/kvbm-sequence/src/sequence/store.rs`.

use crate::error::{try_reserve, Result};
use crate::hashing::lineage::SequenceHash;
use std::collections::VecDeque;
use std::ops::Range;

pub use crate::BlockId;

pub use crate::collections::id_set::IdSet;

/// Whether two id lists of the same length are equal. Slice equality would call `memcmp`,
/// which in WebAssembly is compiler-builtins' byte-by-byte loop; this compares four ids per
/// step (a scheduler passes its whole id list every step, so this runs over every id).
fn same_ids(a: &[BlockId], b: &[BlockId]) -> bool {
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        if (x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) != 0 {
            return false;
        }
    }
    ca.remainder()
        .iter()
        .zip(cb.remainder())
        .all(|(x, y)| x == y)
        && a.len() == b.len()
}

/// Why a batch of ids was refused (the store is then left as it was).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The id at `index` of the batch was already present.
    Present {
        /// Index of the id in the batch.
        index: usize,
    },
    /// The id at `index` of the batch appeared earlier in the same batch.
    Repeated {
        /// Index of the second occurrence in the batch.
        index: usize,
    },
    /// Memory for the batch could not be reserved.
    OutOfMemory,
}

/// The three ordered collections of one tier, every id in at most one of them.
#[derive(Clone, Debug, Default)]
pub struct BlockStore {
    unassigned: VecDeque<BlockId>,
    staged_ids: Vec<BlockId>,
    staged_hashes: Vec<SequenceHash>,
    assigned_ids: Vec<BlockId>,
    assigned_hashes: Vec<SequenceHash>,
    known: IdSet,
}

impl BlockStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `id` is in any of the three collections.
    pub fn contains(&self, id: BlockId) -> bool {
        self.known.contains(id)
    }

    /// The set of every id present (its table is read in place by the facade).
    pub fn ids(&self) -> &IdSet {
        &self.known
    }

    /// Number of ids in all three collections.
    pub fn len(&self) -> usize {
        self.known.len()
    }

    /// Whether all three collections are empty.
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// Number of unassigned ids.
    pub fn unassigned_len(&self) -> usize {
        self.unassigned.len()
    }

    /// Number of staged pairs.
    pub fn staged_len(&self) -> usize {
        self.staged_ids.len()
    }

    /// Number of assigned pairs.
    pub fn assigned_len(&self) -> usize {
        self.assigned_ids.len()
    }

    /// Assigned ids, in order.
    pub fn assigned_ids(&self) -> &[BlockId] {
        &self.assigned_ids
    }

    /// Assigned hashes, in order (entry `i` belongs to `assigned_ids()[i]`).
    pub fn assigned_hashes(&self) -> &[SequenceHash] {
        &self.assigned_hashes
    }

    /// Staged ids, in order.
    pub fn staged_ids(&self) -> &[BlockId] {
        &self.staged_ids
    }

    /// Staged hashes, in order (entry `i` belongs to `staged_ids()[i]`).
    pub fn staged_hashes(&self) -> &[SequenceHash] {
        &self.staged_hashes
    }

    /// Unassigned ids in FIFO order.
    pub fn unassigned_ids(&self) -> impl ExactSizeIterator<Item = BlockId> + '_ {
        self.unassigned.iter().copied()
    }

    /// Unassigned ids in FIFO order, as the two slices of the ring buffer.
    pub fn unassigned_slices(&self) -> (&[BlockId], &[BlockId]) {
        self.unassigned.as_slices()
    }

    /// Assigned pair `index`.
    pub fn assigned(&self, index: usize) -> Option<(BlockId, SequenceHash)> {
        Some((
            *self.assigned_ids.get(index)?,
            *self.assigned_hashes.get(index)?,
        ))
    }

    /// Staged pair `index`.
    pub fn staged(&self, index: usize) -> Option<(BlockId, SequenceHash)> {
        Some((
            *self.staged_ids.get(index)?,
            *self.staged_hashes.get(index)?,
        ))
    }

    /// Unassigned id `index` (0 is the front of the queue).
    pub fn unassigned(&self, index: usize) -> Option<BlockId> {
        self.unassigned.get(index).copied()
    }

    /// How many leading ids of `ids` are present in the store.
    ///
    /// Fast path: a caller that passes its whole id list usually repeats the store's own ids in
    /// the store's order (assigned, staged, unassigned), which a slice comparison confirms without
    /// hashing; the first id that differs from that order falls back to set look-ups.
    pub fn known_prefix_len(&self, ids: &[BlockId]) -> usize {
        let (front, back) = self.unassigned.as_slices();
        let mut matched = 0;
        for part in [&self.assigned_ids[..], &self.staged_ids[..], front, back] {
            let rest = &ids[matched..];
            let n = part.len().min(rest.len());
            if !same_ids(&part[..n], &rest[..n]) {
                break;
            }
            matched += n;
            if n < part.len() {
                break;
            }
        }
        matched
            + ids[matched..]
                .iter()
                .take_while(|&&id| self.contains(id))
                .count()
    }

    /// Adds every id of `ids` to the set of ids present, or none of them: the first id already
    /// present, or repeated within `ids`, is reported and the set is left as it was.
    fn claim<I>(&mut self, ids: I) -> std::result::Result<(), Refusal>
    where
        I: ExactSizeIterator<Item = BlockId> + Clone,
    {
        self.known
            .try_reserve(ids.len())
            .map_err(|_| Refusal::OutOfMemory)?;
        for (index, id) in ids.clone().enumerate() {
            if !self.known.insert(id) {
                let claimed = ids.take(index);
                let repeated = claimed.clone().any(|other| other == id);
                for other in claimed {
                    self.known.remove(other);
                }
                return Err(if repeated {
                    Refusal::Repeated { index }
                } else {
                    Refusal::Present { index }
                });
            }
        }
        Ok(())
    }

    /// Appends `ids` to the back of the unassigned queue, all or none.
    pub fn push_unassigned(&mut self, ids: &[BlockId]) -> std::result::Result<(), Refusal> {
        self.unassigned
            .try_reserve(ids.len())
            .map_err(|_| Refusal::OutOfMemory)?;
        self.claim(ids.iter().copied())?;
        self.unassigned.extend(ids.iter().copied());
        Ok(())
    }

    /// Appends `pairs` to the assigned collection, all or none.
    pub fn push_assigned(
        &mut self,
        pairs: &[(BlockId, SequenceHash)],
    ) -> std::result::Result<(), Refusal> {
        // Keep room for the staged pairs too, so that `commit_staged` cannot fail.
        let room = pairs.len() + self.staged_ids.len();
        try_reserve(&mut self.assigned_ids, room).map_err(|_| Refusal::OutOfMemory)?;
        try_reserve(&mut self.assigned_hashes, room).map_err(|_| Refusal::OutOfMemory)?;
        self.claim(pairs.iter().map(|&(id, _)| id))?;
        self.assigned_ids.extend(pairs.iter().map(|&(id, _)| id));
        self.assigned_hashes.extend(pairs.iter().map(|&(_, h)| h));
        Ok(())
    }

    /// Pairs the front unassigned ids with `hashes`, one each, moving them to the back of staged;
    /// stops when either runs out. Returns the new staged indices.
    pub fn stage_front<I>(&mut self, hashes: I) -> Result<Range<usize>>
    where
        I: ExactSizeIterator<Item = SequenceHash>,
    {
        let count = hashes.len().min(self.unassigned.len());
        try_reserve(&mut self.staged_ids, count)?;
        try_reserve(&mut self.staged_hashes, count)?;
        // Room for the later commit, so that `commit_staged` cannot fail. An empty assigned
        // collection needs none: the commit swaps the vectors instead of copying.
        if !self.assigned_ids.is_empty() {
            let after = self.staged_ids.len() + count;
            try_reserve(&mut self.assigned_ids, after)?;
            try_reserve(&mut self.assigned_hashes, after)?;
        }
        let start = self.staged_ids.len();
        // Copied slice by slice (a memcpy each) rather than id by id through the drain.
        let (front, back) = self.unassigned.as_slices();
        let from_front = count.min(front.len());
        self.staged_ids.extend_from_slice(&front[..from_front]);
        self.staged_ids
            .extend_from_slice(&back[..count - from_front]);
        if count == self.unassigned.len() {
            // A prefill stages every id: no drain to walk.
            self.unassigned.clear();
        } else {
            self.unassigned.drain(..count);
        }
        self.staged_hashes.extend(hashes.take(count));
        Ok(start..self.staged_ids.len())
    }

    /// Moves every staged pair, in order, to the back of assigned; returns the new assigned
    /// indices.
    pub fn commit_staged(&mut self) -> Range<usize> {
        let start = self.assigned_ids.len();
        if start == 0 {
            // Nothing assigned yet (a prefill): take the staged vectors whole, no copy; staged
            // gets the empty assigned vectors.
            std::mem::swap(&mut self.assigned_ids, &mut self.staged_ids);
            std::mem::swap(&mut self.assigned_hashes, &mut self.staged_hashes);
        } else {
            // `append` moves the elements and leaves `staged` empty; staging (or
            // `push_assigned`) reserved the room, so this does not allocate.
            self.assigned_ids.append(&mut self.staged_ids);
            self.assigned_hashes.append(&mut self.staged_hashes);
        }
        start..self.assigned_ids.len()
    }

    /// Removes and returns every staged pair, in order (nothing changes where the list cannot
    /// be allocated).
    pub fn take_staged(&mut self) -> Result<Vec<(BlockId, SequenceHash)>> {
        let mut taken = Vec::new();
        try_reserve(&mut taken, self.staged_ids.len())?;
        for id in &self.staged_ids {
            self.known.remove(*id);
        }
        taken.extend(self.staged_ids.drain(..).zip(self.staged_hashes.drain(..)));
        Ok(taken)
    }

    /// Keeps the first `assigned` assigned and `staged` staged pairs; removes and returns the
    /// rest, assigned before staged, in order. The unassigned queue is untouched. Nothing
    /// changes where the returned list cannot be allocated.
    pub fn truncate(
        &mut self,
        assigned: usize,
        staged: usize,
    ) -> Result<Vec<(BlockId, SequenceHash)>> {
        let assigned = assigned.min(self.assigned_ids.len());
        let staged = if assigned < self.assigned_ids.len() {
            0
        } else {
            staged.min(self.staged_ids.len())
        };
        let n = self.assigned_ids.len() - assigned + self.staged_ids.len() - staged;
        let mut taken = Vec::new();
        try_reserve(&mut taken, n)?;
        for id in self.assigned_ids[assigned..]
            .iter()
            .chain(&self.staged_ids[staged..])
        {
            self.known.remove(*id);
        }
        taken.extend(
            self.assigned_ids
                .drain(assigned..)
                .zip(self.assigned_hashes.drain(assigned..)),
        );
        taken.extend(
            self.staged_ids
                .drain(staged..)
                .zip(self.staged_hashes.drain(staged..)),
        );
        Ok(taken)
    }

    /// Empties all three collections.
    pub fn clear(&mut self) {
        self.unassigned.clear();
        self.staged_ids.clear();
        self.staged_hashes.clear();
        self.assigned_ids.clear();
        self.assigned_hashes.clear();
        self.known.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(position: u64) -> SequenceHash {
        SequenceHash::new(position * 31 + 7, position, position).unwrap()
    }

    #[test]
    fn ids_move_front_to_back_through_the_three_phases() {
        let mut store = BlockStore::new();
        store.push_unassigned(&[10, 11, 12]).unwrap();
        assert_eq!(store.stage_front([h(0), h(1)].into_iter()).unwrap(), 0..2);
        assert_eq!(store.staged_ids(), &[10, 11]);
        assert_eq!(store.unassigned_ids().collect::<Vec<_>>(), vec![12]);
        assert_eq!(store.commit_staged(), 0..2);
        assert_eq!(store.assigned_ids(), &[10, 11]);
        assert_eq!(store.assigned(1), Some((11, h(1))));
        assert_eq!(store.staged_len(), 0);
        assert_eq!(store.len(), 3);
    }

    #[test]
    fn staging_more_hashes_than_ids_stages_only_what_ids_allow() {
        let mut store = BlockStore::new();
        store.push_unassigned(&[1]).unwrap();
        assert_eq!(store.stage_front([h(0), h(1)].into_iter()).unwrap(), 0..1);
    }

    #[test]
    fn a_batch_with_an_id_already_present_is_refused_whole() {
        let mut store = BlockStore::new();
        store.push_unassigned(&[1, 2]).unwrap();
        let conflict = store.push_unassigned(&[3, 4, 2]).unwrap_err();
        assert_eq!(conflict, Refusal::Present { index: 2 });
        assert!(!store.contains(3));
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn a_batch_repeating_an_id_is_refused_whole() {
        let mut store = BlockStore::new();
        let conflict = store.push_assigned(&[(5, h(0)), (5, h(1))]).unwrap_err();
        assert_eq!(conflict, Refusal::Repeated { index: 1 });
        assert!(store.is_empty());
    }

    #[test]
    fn known_prefix_uses_store_order_then_lookups() {
        let mut store = BlockStore::new();
        store.push_assigned(&[(1, h(0))]).unwrap();
        store.push_unassigned(&[2, 3]).unwrap();
        assert_eq!(store.known_prefix_len(&[1, 2, 3, 4]), 3);
        assert_eq!(store.known_prefix_len(&[3, 1, 9]), 2);
        assert_eq!(store.known_prefix_len(&[1, 2]), 2);
        assert_eq!(store.known_prefix_len(&[]), 0);
        assert_eq!(store.known_prefix_len(&[9, 1]), 0);
    }

    #[test]
    fn take_staged_forgets_the_staged_ids() {
        let mut store = BlockStore::new();
        store.push_unassigned(&[1, 2]).unwrap();
        store.stage_front([h(0)].into_iter()).unwrap();
        assert_eq!(store.take_staged().unwrap(), vec![(1, h(0))]);
        assert!(!store.contains(1));
        assert!(store.contains(2));
    }

    #[test]
    fn same_ids_compares_every_position() {
        for n in 0..12u32 {
            let a: Vec<u32> = (0..n).collect();
            assert!(same_ids(&a, &a.clone()));
            for k in 0..n as usize {
                let mut b = a.clone();
                b[k] ^= 1 << (k % 32);
                assert!(!same_ids(&a, &b), "n {} k {}", n, k);
            }
        }
        assert!(!same_ids(&[1, 2], &[1]));
    }

    #[test]
    fn hasher_spreads_ids_that_differ_only_in_high_bits() {
        let mut set = IdSet::default();
        for i in 0..10_000u32 {
            set.insert(i << 18);
        }
        assert_eq!(set.len(), 10_000);
    }
}
