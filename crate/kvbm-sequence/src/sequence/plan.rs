//! Planning across tiers (SPEC §4): which blocks of one tier line up with which of another.
//!
//! Place: `crate/kvbm-sequence/src/sequence/plan.rs`.

use crate::sequence::assignments::ExternalBlockAssignments;
use crate::sequence::store::BlockId;
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

/// A plan, entry by entry: positions ascending from the first shared one, with both tiers' ids.
/// [`Plan::as_slices`] gives the same as slices, for bulk copies.
#[derive(Clone, Debug)]
pub struct Plan<'a> {
    position: u64,
    src: &'a [BlockId],
    /// The destination ids, in two pieces (a ring buffer's two halves).
    dst: [&'a [BlockId]; 2],
}

impl<'a> Plan<'a> {
    /// The remaining plan as slices: the first position, the source ids, and the destination
    /// ids in (at most) two pieces, whose concatenation starts with the plan's `src.len()` ids.
    pub fn as_slices(&self) -> (u64, &'a [BlockId], [&'a [BlockId]; 2]) {
        (self.position, self.src, self.dst)
    }
}

impl Iterator for Plan<'_> {
    type Item = PlanEntry;

    fn next(&mut self) -> Option<PlanEntry> {
        let (&src, rest) = self.src.split_first()?;
        if self.dst[0].is_empty() {
            self.dst = [self.dst[1], &[]];
        }
        let (&dst, dst_rest) = self.dst[0].split_first()?;
        self.src = rest;
        self.dst[0] = dst_rest;
        let position = self.position;
        self.position += 1;
        Some(PlanEntry { position, src, dst })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.src.len(), Some(self.src.len()))
    }
}

impl ExactSizeIterator for Plan<'_> {}

/// The positions where both `a` and `b` hold an assigned block, ascending, with both ids.
pub fn zip_assigned<'a>(
    a: &'a ExternalBlockAssignments,
    b: &'a ExternalBlockAssignments,
) -> Plan<'a> {
    plan(a, b.assigned_positions(), (b.assigned_block_ids(), &[]))
}

/// The transfer plan: positions where `src` holds an assigned block and `dst` a pending
/// (unassigned) id, ascending. Copy each src block into its dst block, then call
/// `dst.assign_pending(sequence)`.
pub fn zip_assigned_pending<'a>(
    src: &'a ExternalBlockAssignments,
    dst: &'a ExternalBlockAssignments,
) -> Plan<'a> {
    plan(src, dst.pending_positions(), dst.unassigned_slices())
}

/// The plan of `a`'s assigned blocks against another tier whose ids, at `positions`, are the
/// concatenation of the two slices `other`.
fn plan<'a>(
    a: &'a ExternalBlockAssignments,
    positions: Range<u64>,
    other: (&'a [BlockId], &'a [BlockId]),
) -> Plan<'a> {
    let mine = a.assigned_positions();
    let from = mine.start.max(positions.start);
    let to = mine.end.min(positions.end).max(from);
    // Empty where the ranges do not overlap (then `from` may lie past `mine.end`).
    let src = a
        .assigned_block_ids()
        .get((from - mine.start) as usize..(to - mine.start) as usize)
        .unwrap_or(&[]);
    let skip = (from - positions.start) as usize;
    let (front, back) = other;
    let dst = match front.get(skip..) {
        Some(front_rest) => [front_rest, back],
        None => [back.get(skip - front.len()..).unwrap_or(&[]), &[]],
    };
    Plan {
        position: from,
        src,
        dst,
    }
}
