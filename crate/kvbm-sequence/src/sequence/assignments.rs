//! One tier's record of which physical block holds which block of a sequence (SPEC §3).
//!
//! Place: `crate/kvbm-sequence/src/sequence/assignments.rs`.

use crate::error::{Error, Result};
use crate::hashing::lineage::SequenceHash;
use crate::sequence::store::{BlockId, BlockStore, Refusal};
use crate::sequence::{Block, BlockSequence};
use std::ops::Range;

/// One tier's ordered record: unassigned ids, staged pairs and assigned pairs, with the sequence
/// position of `assigned[0]` fixed at creation.
#[derive(Clone, Debug, Default)]
pub struct ExternalBlockAssignments {
    offset: u64,
    store: BlockStore,
    /// The block size and salt of the first sequence staged from (see
    /// [`ExternalBlockAssignments::stage_from`]).
    binding: Option<(usize, u64)>,
}

impl ExternalBlockAssignments {
    /// An empty record whose first assigned block will sit at position `offset`.
    pub fn new(offset: u64) -> Self {
        ExternalBlockAssignments {
            offset,
            store: BlockStore::new(),
            binding: None,
        }
    }

    /// Position of `assigned[0]`.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Number of assigned pairs (A).
    pub fn assigned_count(&self) -> usize {
        self.store.assigned_len()
    }

    /// Number of staged pairs (S).
    pub fn staged_count(&self) -> usize {
        self.store.staged_len()
    }

    /// Number of unassigned ids (U).
    pub fn unassigned_count(&self) -> usize {
        self.store.unassigned_len()
    }

    /// `offset + A + S`: the position the next staged block takes.
    pub fn next_position(&self) -> u64 {
        self.offset + (self.assigned_count() + self.staged_count()) as u64
    }

    /// Whether `id` is in any of the three collections.
    pub fn contains(&self, id: BlockId) -> bool {
        self.store.contains(id)
    }

    /// Assigned pair `index`.
    pub fn get_assigned(&self, index: usize) -> Option<(BlockId, SequenceHash)> {
        self.store.assigned(index)
    }

    /// Staged pair `index`.
    pub fn get_staged(&self, index: usize) -> Option<(BlockId, SequenceHash)> {
        self.store.staged(index)
    }

    /// `offset .. offset + A`.
    pub fn assigned_positions(&self) -> Range<u64> {
        self.offset..self.offset + self.assigned_count() as u64
    }

    /// `offset + A .. offset + A + S`.
    pub fn staged_positions(&self) -> Range<u64> {
        self.assigned_positions().end..self.next_position()
    }

    /// `next_position .. next_position + U`.
    pub fn pending_positions(&self) -> Range<u64> {
        self.next_position()..self.next_position() + self.unassigned_count() as u64
    }

    /// The assigned pair at absolute position `position`, if any.
    pub fn get_at_position(&self, position: u64) -> Option<(BlockId, SequenceHash)> {
        let index = index_in(self.assigned_positions(), position)?;
        self.store.assigned(index)
    }

    /// The unassigned id that will land at absolute position `position`, if any.
    pub fn get_pending_at_position(&self, position: u64) -> Option<BlockId> {
        let index = index_in(self.pending_positions(), position)?;
        self.store.unassigned(index)
    }

    /// The set of every id in the three collections.
    pub fn id_set(&self) -> &crate::collections::id_set::IdSet {
        self.store.ids()
    }

    /// Assigned ids in order.
    pub fn assigned_block_ids(&self) -> &[BlockId] {
        self.store.assigned_ids()
    }

    /// Assigned lineage hashes in order.
    pub fn assigned_hashes(&self) -> &[SequenceHash] {
        self.store.assigned_hashes()
    }

    /// Staged ids in order.
    pub fn staged_block_ids(&self) -> &[BlockId] {
        self.store.staged_ids()
    }

    /// Staged lineage hashes in order.
    pub fn staged_hashes(&self) -> &[SequenceHash] {
        self.store.staged_hashes()
    }

    /// Unassigned ids in FIFO order, as the two slices of the ring buffer holding them.
    pub fn unassigned_slices(&self) -> (&[BlockId], &[BlockId]) {
        self.store.unassigned_slices()
    }

    /// Unassigned ids in FIFO order.
    pub fn unassigned_block_ids(&self) -> impl ExactSizeIterator<Item = BlockId> + '_ {
        self.store.unassigned_ids()
    }

    /// Assigned pairs in order.
    pub fn assigned(&self) -> impl ExactSizeIterator<Item = (BlockId, SequenceHash)> + '_ {
        pairs(self.assigned_block_ids(), self.assigned_hashes())
    }

    /// Staged pairs in order.
    pub fn staged(&self) -> impl ExactSizeIterator<Item = (BlockId, SequenceHash)> + '_ {
        pairs(self.staged_block_ids(), self.staged_hashes())
    }

    /// Takes `ids`, the full ordered list of ids allocated to this tier so far: the known ids,
    /// which must form a contiguous prefix of it, are skipped, the rest join the back of the
    /// unassigned queue. Returns how many ids were added.
    ///
    /// Errors (nothing changes): a known id after the first new one → `OrderingViolation`; a new
    /// id repeated in the list → `DuplicateBlockId`. Where a list has both, the one met first,
    /// scanning from the front, is reported.
    pub fn extend_block_ids(&mut self, ids: &[BlockId]) -> Result<usize> {
        let first_new = self.store.known_prefix_len(ids);
        let new_ids = &ids[first_new..];
        match self.store.push_unassigned(new_ids) {
            Ok(()) => Ok(new_ids.len()),
            Err(Refusal::Present { index }) => Err(Error::OrderingViolation {
                known_id: new_ids[index],
                new_id: new_ids[0],
                known_index: first_new + index,
                first_new_index: first_new,
            }),
            Err(Refusal::Repeated { index }) => Err(Error::DuplicateBlockId {
                block_id: new_ids[index],
            }),
            Err(Refusal::OutOfMemory) => Err(Error::OutOfMemory {
                requested: new_ids.len(),
            }),
        }
    }

    /// Appends pre-matched (id, hash) pairs (cache hits) to assigned; returns how many.
    ///
    /// An id already present, or repeated in `pairs`, → `DuplicateBlockId`, nothing changed.
    pub fn extend_assigned(&mut self, pairs: &[(BlockId, SequenceHash)]) -> Result<usize> {
        match self.store.push_assigned(pairs) {
            Ok(()) => Ok(pairs.len()),
            Err(Refusal::Present { index }) | Err(Refusal::Repeated { index }) => {
                Err(Error::DuplicateBlockId {
                    block_id: pairs[index].0,
                })
            }
            Err(Refusal::OutOfMemory) => Err(Error::OutOfMemory {
                requested: pairs.len(),
            }),
        }
    }

    /// Pairs unassigned ids (FIFO) with `blocks[next_position..]`, as many as both allow, and
    /// stages them; returns the new staged indices.
    ///
    /// `blocks` is a sequence's block list or a slice of it, entry `i` expected to be the block at
    /// position `i`. Every block to stage must carry the position it is staged at, else
    /// `PositionMismatch` and nothing is staged.
    pub fn stage_pending(&mut self, blocks: &[Block]) -> Result<Range<usize>> {
        let next = self.next_position();
        let available = (blocks.len() as u64).saturating_sub(next) as usize;
        let count = available.min(self.unassigned_count());
        if count == 0 {
            let end = self.staged_count();
            return Ok(end..end);
        }
        let to_stage = &blocks[next as usize..next as usize + count];
        for (j, block) in to_stage.iter().enumerate() {
            let expected = next + j as u64;
            if block.position() != expected {
                return Err(Error::PositionMismatch {
                    expected,
                    actual: block.position(),
                    block_id: self.store.unassigned(j).unwrap_or_default(),
                });
            }
        }
        self.store
            .stage_front(to_stage.iter().map(Block::lineage_hash))
    }

    /// Moves all staged pairs, in order, to assigned; returns the new assigned indices.
    pub fn commit_staged(&mut self) -> Range<usize> {
        self.store.commit_staged()
    }

    /// [`stage_pending`](Self::stage_pending) then [`commit_staged`](Self::commit_staged);
    /// returns the commit's range, which also covers pairs staged by earlier calls.
    pub fn assign_pending(&mut self, blocks: &[Block]) -> Result<Range<usize>> {
        self.stage_pending(blocks)?;
        Ok(self.commit_staged())
    }

    /// Removes and returns all staged pairs, in order. Fails with `OutOfMemory` (nothing
    /// changed) where the returned list cannot be allocated.
    pub fn take_staged(&mut self) -> Result<Vec<(BlockId, SequenceHash)>> {
        self.store.take_staged()
    }

    /// Empties all three collections; the offset (and the binding) stays.
    pub fn clear(&mut self) {
        self.store.clear();
    }

    /// The block size and salt this record is bound to, once it has staged from a sequence.
    pub fn binding(&self) -> Option<(usize, u64)> {
        self.binding
    }

    /// Binds the record to a block size and salt (as staging from a sequence does); a restored
    /// record uses it. Fails with `BindingMismatch` where it is bound to others.
    pub fn bind(&mut self, block_size: usize, salt_hash: u64) -> Result<()> {
        match self.binding {
            Some((b, s)) if (b, s) != (block_size, salt_hash) => Err(Error::BindingMismatch {
                expected_block_size: b,
                expected_salt_hash: s,
                block_size,
                salt_hash,
            }),
            _ => {
                self.binding = Some((block_size, salt_hash));
                Ok(())
            }
        }
    }

    /// Stages (and with `commit`, commits) from blocks `range` of `seq`, as
    /// [`stage_pending`](Self::stage_pending) does from a slice; the first sequence staged from
    /// binds the record to its block size and salt, and a sequence with others is refused with
    /// `BindingMismatch`. Nothing changes on error.
    pub fn stage_from(
        &mut self,
        seq: &BlockSequence,
        range: Range<usize>,
        commit: bool,
    ) -> Result<Range<usize>> {
        let wanted = (seq.block_size(), seq.salt_hash());
        if let Some((b, s)) = self.binding {
            if (b, s) != wanted {
                return Err(Error::BindingMismatch {
                    expected_block_size: b,
                    expected_salt_hash: s,
                    block_size: wanted.0,
                    salt_hash: wanted.1,
                });
            }
        }
        let blocks = seq.blocks().get(range).unwrap_or(&[]);
        let out = if commit {
            self.assign_pending(blocks)?
        } else {
            self.stage_pending(blocks)?
        };
        self.binding = Some(wanted);
        Ok(out)
    }

    /// Drops the assigned and staged blocks at positions `>= position` (the rollback of a
    /// truncated sequence, a preemption, rejected speculative tokens) and returns them in
    /// position order; the unassigned queue stays, in order, and will land at the new
    /// `next_position`. Nothing changes where the returned list cannot be allocated.
    pub fn truncate_from(&mut self, position: u64) -> Result<Vec<(BlockId, SequenceHash)>> {
        let keep = position.saturating_sub(self.offset);
        let assigned = self.assigned_count() as u64;
        let keep_assigned = keep.min(assigned) as usize;
        let keep_staged = keep
            .saturating_sub(assigned)
            .min(self.staged_count() as u64) as usize;
        self.store.truncate(keep_assigned, keep_staged)
    }

    /// Rebuilds a record from its parts (a snapshot): offset, binding, unassigned ids, staged
    /// and assigned pairs. Fails like `extend_assigned` on a repeated id.
    pub fn from_parts(
        offset: u64,
        binding: Option<(usize, u64)>,
        unassigned: &[BlockId],
        staged: &[(BlockId, SequenceHash)],
        assigned: &[(BlockId, SequenceHash)],
    ) -> Result<Self> {
        let mut record = ExternalBlockAssignments::new(offset);
        record.binding = binding;
        record.extend_assigned(assigned)?;
        // Staged pairs: add them as unassigned ids first, then stage their hashes in order.
        let staged_ids: Vec<BlockId> = staged.iter().map(|p| p.0).collect();
        match record.store.push_unassigned(&staged_ids) {
            Ok(()) => {}
            Err(_) => {
                return Err(Error::DuplicateBlockId {
                    block_id: staged_ids.first().copied().unwrap_or_default(),
                })
            }
        }
        record.store.stage_front(staged.iter().map(|p| p.1))?;
        if record.store.push_unassigned(unassigned).is_err() {
            return Err(Error::DuplicateBlockId {
                block_id: unassigned.first().copied().unwrap_or_default(),
            });
        }
        Ok(record)
    }
}

/// Index of `position` within `range`, if it lies there.
fn index_in(range: Range<u64>, position: u64) -> Option<usize> {
    if range.contains(&position) {
        Some((position - range.start) as usize)
    } else {
        None
    }
}

fn pairs<'a>(
    ids: &'a [BlockId],
    hashes: &'a [SequenceHash],
) -> impl ExactSizeIterator<Item = (BlockId, SequenceHash)> + 'a {
    ids.iter().copied().zip(hashes.iter().copied())
}
