//! Planning across tiers (SPEC §4): which blocks of one tier line up with which of another.

use crate::assignments::ExternalBlockAssignments;
use crate::store::BlockId;
use std::ops::Range;

/// One line of a plan: the absolute position and the ids of the two tiers there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanEntry {
    /// Absolute sequence position.
    pub position: u64,
    /// The first tier's id (the source, in a transfer plan).
    pub src: BlockId,
    /// The second tier's id (the destination, in a transfer plan).
    pub dst: BlockId,
}

/// The positions where both `a` and `b` hold an assigned block, ascending, with both ids.
pub fn zip_assigned(a: &ExternalBlockAssignments, b: &ExternalBlockAssignments) -> Vec<PlanEntry> {
    zip_with(a, b.assigned_positions(), |position| {
        b.get_at_position(position).map(|(id, _)| id)
    })
}

/// The transfer plan: positions where `src` holds an assigned block and `dst` a pending
/// (unassigned) id, ascending. Copy each src block into its dst block, then call
/// `dst.assign_pending(sequence)`.
pub fn zip_assigned_pending(
    src: &ExternalBlockAssignments,
    dst: &ExternalBlockAssignments,
) -> Vec<PlanEntry> {
    zip_with(src, dst.pending_positions(), |position| {
        dst.get_pending_at_position(position)
    })
}

/// Entries for the positions both assigned in `a` and in `other_positions`; `other(p)` is the
/// other tier's id at position `p`.
fn zip_with(
    a: &ExternalBlockAssignments,
    other_positions: Range<u64>,
    other: impl Fn(u64) -> Option<BlockId>,
) -> Vec<PlanEntry> {
    let mine = a.assigned_positions();
    let from = mine.start.max(other_positions.start);
    let to = mine.end.min(other_positions.end).max(from);
    let ids = a.assigned_block_ids();
    (from..to)
        .filter_map(|position| {
            Some(PlanEntry {
                position,
                src: ids[(position - mine.start) as usize],
                dst: other(position)?,
            })
        })
        .collect()
}
