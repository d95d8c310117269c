//! SPEC §4: planning across tiers.

use kvbm_sequence::{
    zip_assigned, zip_assigned_pending, BlockSequence, ExternalBlockAssignments, PlanEntry,
};

fn entries(triples: &[(u64, u32, u32)]) -> Vec<PlanEntry> {
    triples
        .iter()
        .map(|&(position, src, dst)| PlanEntry { position, src, dst })
        .collect()
}

/// Blocks of 4 tokens, 5 complete blocks: the SPEC §4 setting.
fn five_blocks() -> BlockSequence {
    BlockSequence::new(&(0..20).collect::<Vec<u32>>(), 4, 1337).unwrap()
}

/// A tier at `offset` given `ids`, assigned as far as the sequence and the ids allow.
fn tier(offset: u64, ids: &[u32], seq: &BlockSequence) -> ExternalBlockAssignments {
    let mut t = ExternalBlockAssignments::new(offset);
    t.extend_block_ids(ids).unwrap();
    t.assign_pending(seq.blocks()).unwrap();
    t
}

#[test]
fn g2_to_g1_onboarding_example_of_the_spec() {
    let seq = five_blocks();
    let mut g1 = tier(0, &[1000, 1001], &seq);
    let g2 = tier(2, &[2002, 2003, 2004], &seq);
    g1.extend_block_ids(&[1000, 1001, 1002, 1003, 1004])
        .unwrap();
    let expected = entries(&[(2, 2002, 1002), (3, 2003, 1003), (4, 2004, 1004)]);
    assert_eq!(zip_assigned_pending(&g2, &g1).collect::<Vec<_>>(), expected);
    g1.assign_pending(seq.blocks()).unwrap();
    assert_eq!(zip_assigned(&g2, &g1).collect::<Vec<_>>(), expected);
}

#[test]
fn zip_assigned_covers_only_positions_both_tiers_hold() {
    let seq = five_blocks();
    let a = tier(0, &[1, 2, 3, 4], &seq);
    let b = tier(2, &[7, 8, 9], &seq);
    assert_eq!(
        zip_assigned(&a, &b).collect::<Vec<_>>(),
        entries(&[(2, 3, 7), (3, 4, 8)])
    );
    assert_eq!(
        zip_assigned(&b, &a).collect::<Vec<_>>(),
        entries(&[(2, 7, 3), (3, 8, 4)])
    );
}

#[test]
fn zip_assigned_of_disjoint_tiers_is_empty() {
    let seq = five_blocks();
    let a = tier(0, &[1, 2], &seq);
    let b = tier(3, &[7, 8], &seq);
    assert_eq!(zip_assigned(&a, &b).collect::<Vec<_>>(), vec![]);
}

#[test]
fn zip_assigned_of_a_tier_with_itself_pairs_each_id_with_itself() {
    let seq = five_blocks();
    let a = tier(1, &[5, 6], &seq);
    assert_eq!(
        zip_assigned(&a, &a).collect::<Vec<_>>(),
        entries(&[(1, 5, 5), (2, 6, 6)])
    );
}

#[test]
fn zip_assigned_ignores_staged_blocks() {
    let seq = five_blocks();
    let a = tier(0, &[1, 2], &seq);
    let mut b = ExternalBlockAssignments::new(0);
    b.extend_block_ids(&[7, 8]).unwrap();
    b.stage_pending(seq.blocks()).unwrap();
    assert_eq!(zip_assigned(&a, &b).collect::<Vec<_>>(), vec![]);
}

#[test]
fn zip_assigned_pending_stops_where_the_source_ends() {
    let seq = five_blocks();
    let src = tier(0, &[1, 2], &seq);
    let mut dst = ExternalBlockAssignments::new(0);
    dst.extend_block_ids(&[7, 8, 9]).unwrap();
    assert_eq!(
        zip_assigned_pending(&src, &dst).collect::<Vec<_>>(),
        entries(&[(0, 1, 7), (1, 2, 8)])
    );
}

#[test]
fn zip_assigned_pending_skips_positions_the_destination_already_has() {
    let seq = five_blocks();
    let src = tier(0, &[1, 2, 3, 4], &seq);
    let mut dst = tier(0, &[7], &seq);
    dst.extend_block_ids(&[9]).unwrap();
    assert_eq!(
        zip_assigned_pending(&src, &dst).collect::<Vec<_>>(),
        entries(&[(1, 2, 9)])
    );
}

#[test]
fn zip_assigned_pending_with_nothing_pending_is_empty() {
    let seq = five_blocks();
    let src = tier(0, &[1, 2], &seq);
    let dst = tier(0, &[7], &seq);
    assert_eq!(zip_assigned_pending(&src, &dst).collect::<Vec<_>>(), vec![]);
}

#[test]
fn zip_assigned_pending_counts_staged_blocks_before_pending_positions() {
    let seq = five_blocks();
    let src = tier(0, &[1, 2, 3], &seq);
    let mut dst = ExternalBlockAssignments::new(0);
    dst.extend_block_ids(&[7]).unwrap();
    dst.stage_pending(seq.blocks()).unwrap();
    dst.extend_block_ids(&[8]).unwrap();
    // 7 is staged at position 0, so 8 will land at position 1.
    assert_eq!(
        zip_assigned_pending(&src, &dst).collect::<Vec<_>>(),
        entries(&[(1, 2, 8)])
    );
}

#[test]
fn zip_assigned_pending_with_pending_positions_past_the_source_is_empty() {
    // Regression (found by the ABI fuzz): the overlap starts past the source's last position.
    let seq = five_blocks();
    let src = tier(0, &[1], &seq);
    let mut dst = ExternalBlockAssignments::new(3);
    dst.extend_block_ids(&[7, 8]).unwrap();
    assert_eq!(zip_assigned_pending(&src, &dst).count(), 0);
}
