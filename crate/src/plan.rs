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
pub fn zip_assigned<'a>(
    a: &'a ExternalBlockAssignments,
    b: &'a ExternalBlockAssignments,
) -> impl ExactSizeIterator<Item = PlanEntry> + 'a {
    let ids = b.assigned_block_ids();
    let start = b.offset();
    zip_with(a, b.assigned_positions(), move |position| {
        ids[(position - start) as usize]
    })
}

/// The transfer plan: positions where `src` holds an assigned block and `dst` a pending
/// (unassigned) id, ascending. Copy each src block into its dst block, then call
/// `dst.assign_pending(sequence)`.
pub fn zip_assigned_pending<'a>(
    src: &'a ExternalBlockAssignments,
    dst: &'a ExternalBlockAssignments,
) -> impl ExactSizeIterator<Item = PlanEntry> + 'a {
    let start = dst.pending_positions().start;
    zip_with(src, dst.pending_positions(), move |position| {
        dst.unassigned_id((position - start) as usize)
    })
}

/// Entries for the positions both assigned in `a` and in `other_positions`; `other(p)` is the
/// other tier's id at position `p`, which lies in `other_positions`.
fn zip_with<'a>(
    a: &'a ExternalBlockAssignments,
    other_positions: Range<u64>,
    other: impl Fn(u64) -> BlockId + 'a,
) -> impl ExactSizeIterator<Item = PlanEntry> + 'a {
    let mine = a.assigned_positions();
    let from = mine.start.max(other_positions.start);
    let to = mine.end.min(other_positions.end).max(from);
    // Empty where the ranges do not overlap (then `from` may lie past `mine.end`).
    let ids = a
        .assigned_block_ids()
        .get((from - mine.start) as usize..(to - mine.start) as usize)
        .unwrap_or(&[]);
    ids.iter().enumerate().map(move |(i, &src)| {
        let position = from + i as u64;
        PlanEntry {
            position,
            src,
            dst: other(position),
        }
    })
}
