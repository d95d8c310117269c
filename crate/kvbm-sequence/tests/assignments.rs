//! SPEC §3: one tier's record of which physical block holds which block of the sequence.

use kvbm_sequence::{BlockSequence, Error, ExternalBlockAssignments, SequenceHash};

/// A sequence of `blocks` complete blocks of 4 tokens (salt 1337), plus `extra` tokens.
fn sequence(blocks: u32, extra: u32) -> BlockSequence {
    let tokens: Vec<u32> = (1..=blocks * 4 + extra).collect();
    BlockSequence::new(&tokens, 4, 1337).unwrap()
}

fn lineage(seq: &BlockSequence, position: usize) -> SequenceHash {
    seq.block(position).unwrap().lineage_hash()
}

/// Everything observable of a record, for "the state is unchanged" checks.
fn snapshot(a: &ExternalBlockAssignments) -> String {
    format!(
        "{} {:?} {:?} {:?}",
        a.offset(),
        a.assigned().collect::<Vec<_>>(),
        a.staged().collect::<Vec<_>>(),
        a.unassigned_block_ids().collect::<Vec<_>>()
    )
}

#[test]
fn a_new_record_is_empty_at_its_offset() {
    let a = ExternalBlockAssignments::new(3);
    assert_eq!(a.offset(), 3);
    assert_eq!(a.next_position(), 3);
    assert_eq!(a.assigned_positions(), 3..3);
    assert_eq!(a.pending_positions(), 3..3);
}

#[test]
fn aligned_sequence_is_assigned_in_one_call() {
    let seq = sequence(3, 0);
    let mut a = ExternalBlockAssignments::new(0);
    assert_eq!(a.extend_block_ids(&[10, 11, 12]).unwrap(), 3);
    assert_eq!(a.assign_pending(seq.blocks()).unwrap(), 0..3);
    assert_eq!(a.assigned_block_ids(), &[10, 11, 12]);
    for i in 0..3 {
        assert_eq!(a.get_assigned(i), Some((10 + i as u32, lineage(&seq, i))));
    }
}

#[test]
fn partial_block_is_never_assigned() {
    let seq = sequence(2, 3);
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[1, 2, 3]).unwrap();
    assert_eq!(a.assign_pending(seq.blocks()).unwrap(), 0..2);
    assert_eq!(a.unassigned_block_ids().collect::<Vec<_>>(), vec![3]);
}

#[test]
fn excess_ids_stay_unassigned_in_fifo_order() {
    let seq = sequence(2, 0);
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[5, 6, 7, 8]).unwrap();
    a.assign_pending(seq.blocks()).unwrap();
    assert_eq!(a.unassigned_block_ids().collect::<Vec<_>>(), vec![7, 8]);
    assert_eq!(a.pending_positions(), 2..4);
}

#[test]
fn unassigned_ids_carry_over_as_the_sequence_grows() {
    let mut seq = sequence(1, 0);
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[5, 6, 7]).unwrap();
    assert_eq!(a.assign_pending(seq.blocks()).unwrap(), 0..1);
    seq.extend_tokens(&[9, 9, 9, 9, 9]).unwrap();
    assert_eq!(a.assign_pending(seq.blocks()).unwrap(), 1..2);
    assert_eq!(a.get_assigned(1), Some((6, lineage(&seq, 1))));
    assert_eq!(a.unassigned_block_ids().collect::<Vec<_>>(), vec![7]);
}

#[test]
fn more_blocks_than_ids_assigns_only_what_ids_allow() {
    let seq = sequence(5, 0);
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[1, 2]).unwrap();
    assert_eq!(a.assign_pending(seq.blocks()).unwrap(), 0..2);
    a.extend_block_ids(&[1, 2, 3]).unwrap();
    assert_eq!(a.assign_pending(seq.blocks()).unwrap(), 2..3);
    assert_eq!(a.get_assigned(2), Some((3, lineage(&seq, 2))));
}

#[test]
fn extend_block_ids_skips_the_known_prefix() {
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[1, 2]).unwrap();
    assert_eq!(a.extend_block_ids(&[1, 2, 3, 4]).unwrap(), 2);
    assert_eq!(a.extend_block_ids(&[1, 2, 3, 4]).unwrap(), 0);
    assert_eq!(
        a.unassigned_block_ids().collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
}

#[test]
fn extend_block_ids_accepts_a_list_of_only_new_ids() {
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[1, 2]).unwrap();
    assert_eq!(a.extend_block_ids(&[3]).unwrap(), 1);
    assert_eq!(a.unassigned_count(), 3);
}

#[test]
fn extend_block_ids_skips_known_ids_whatever_their_collection() {
    let seq = sequence(1, 0);
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[1, 2, 3]).unwrap();
    a.stage_pending(seq.blocks()).unwrap();
    // 1 is staged, 2 and 3 unassigned; the prefix may list them in any order.
    assert_eq!(a.extend_block_ids(&[3, 1, 2, 4]).unwrap(), 1);
    assert!(a.contains(4));
}

#[test]
fn known_id_after_a_new_one_is_an_ordering_violation_and_changes_nothing() {
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[1, 2]).unwrap();
    let before = snapshot(&a);
    assert_eq!(
        a.extend_block_ids(&[1, 3, 4, 2]),
        Err(Error::OrderingViolation {
            known_id: 2,
            new_id: 3,
            known_index: 3,
            first_new_index: 1
        })
    );
    assert_eq!(snapshot(&a), before);
    assert!(!a.contains(3));
}

#[test]
fn repeated_new_id_is_a_duplicate_and_changes_nothing() {
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[1]).unwrap();
    let before = snapshot(&a);
    assert_eq!(
        a.extend_block_ids(&[1, 5, 6, 5]),
        Err(Error::DuplicateBlockId { block_id: 5 })
    );
    assert_eq!(snapshot(&a), before);
}

#[test]
fn the_first_error_in_list_order_is_reported() {
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[1]).unwrap();
    assert_eq!(
        a.extend_block_ids(&[7, 7, 1]),
        Err(Error::DuplicateBlockId { block_id: 7 })
    );
    assert!(matches!(
        a.extend_block_ids(&[7, 1, 7]),
        Err(Error::OrderingViolation { .. })
    ));
}

#[test]
fn id_zero_is_a_valid_block_id() {
    let seq = sequence(1, 0);
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[0]).unwrap();
    a.assign_pending(seq.blocks()).unwrap();
    assert_eq!(a.get_assigned(0), Some((0, lineage(&seq, 0))));
    assert!(a.contains(0));
}

#[test]
fn extend_assigned_appends_cache_hits() {
    let seq = sequence(2, 0);
    let mut a = ExternalBlockAssignments::new(0);
    let pairs = [(40, lineage(&seq, 0)), (41, lineage(&seq, 1))];
    assert_eq!(a.extend_assigned(&pairs).unwrap(), 2);
    assert_eq!(a.assigned().collect::<Vec<_>>(), pairs.to_vec());
    assert_eq!(a.next_position(), 2);
}

#[test]
fn extend_assigned_with_a_known_id_is_a_duplicate_and_changes_nothing() {
    let seq = sequence(2, 0);
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[7]).unwrap();
    let before = snapshot(&a);
    assert_eq!(
        a.extend_assigned(&[(8, lineage(&seq, 0)), (7, lineage(&seq, 1))]),
        Err(Error::DuplicateBlockId { block_id: 7 })
    );
    assert_eq!(snapshot(&a), before);
    assert!(!a.contains(8));
}

#[test]
fn extend_assigned_repeating_an_id_in_the_batch_is_a_duplicate() {
    let seq = sequence(2, 0);
    let mut a = ExternalBlockAssignments::new(0);
    assert_eq!(
        a.extend_assigned(&[(8, lineage(&seq, 0)), (8, lineage(&seq, 1))]),
        Err(Error::DuplicateBlockId { block_id: 8 })
    );
    assert_eq!(a.assigned_count(), 0);
}

#[test]
fn staging_then_committing_in_several_rounds() {
    let seq = sequence(4, 0);
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[1, 2]).unwrap();
    assert_eq!(a.stage_pending(seq.blocks()).unwrap(), 0..2);
    assert_eq!(a.staged_positions(), 0..2);
    a.extend_block_ids(&[1, 2, 3]).unwrap();
    assert_eq!(a.stage_pending(seq.blocks()).unwrap(), 2..3);
    assert_eq!(a.commit_staged(), 0..3);
    a.extend_block_ids(&[4]).unwrap();
    assert_eq!(a.stage_pending(seq.blocks()).unwrap(), 0..1);
    assert_eq!(a.commit_staged(), 3..4);
    assert_eq!(a.assigned_block_ids(), &[1, 2, 3, 4]);
}

#[test]
fn commit_with_nothing_staged_returns_an_empty_range() {
    let mut a = ExternalBlockAssignments::new(0);
    assert_eq!(a.commit_staged(), 0..0);
}

#[test]
fn assign_pending_covers_pairs_staged_earlier() {
    let seq = sequence(3, 0);
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[1]).unwrap();
    a.stage_pending(seq.blocks()).unwrap();
    a.extend_block_ids(&[2, 3]).unwrap();
    assert_eq!(a.assign_pending(seq.blocks()).unwrap(), 0..3);
}

#[test]
fn prefix_slice_stages_only_the_blocks_it_holds() {
    let seq = sequence(5, 0);
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[1, 2, 3, 4, 5]).unwrap();
    assert_eq!(a.stage_pending(&seq.blocks()[..2]).unwrap(), 0..2);
    assert_eq!(a.unassigned_count(), 3);
}

#[test]
fn list_shorter_than_next_position_stages_nothing() {
    let seq = sequence(5, 0);
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[1, 2, 3, 4]).unwrap();
    a.assign_pending(&seq.blocks()[..3]).unwrap();
    let before = snapshot(&a);
    assert_eq!(a.stage_pending(&seq.blocks()[..2]).unwrap(), 0..0);
    assert_eq!(snapshot(&a), before);
}

#[test]
fn slice_not_starting_at_block_0_is_a_position_mismatch_and_stages_nothing() {
    let seq = sequence(5, 0);
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[1, 2]).unwrap();
    let before = snapshot(&a);
    assert_eq!(
        a.stage_pending(&seq.blocks()[2..]),
        Err(Error::PositionMismatch {
            expected: 0,
            actual: 2,
            block_id: 1
        })
    );
    assert_eq!(snapshot(&a), before);
}

#[test]
fn offset_tier_stages_from_its_own_position() {
    let seq = sequence(5, 0);
    let mut a = ExternalBlockAssignments::new(2);
    a.extend_block_ids(&[20, 21, 22, 23]).unwrap();
    assert_eq!(a.assign_pending(seq.blocks()).unwrap(), 0..3);
    assert_eq!(a.get_at_position(2), Some((20, lineage(&seq, 2))));
    assert_eq!(a.get_at_position(4), Some((22, lineage(&seq, 4))));
    assert_eq!(a.get_pending_at_position(5), Some(23));
}

#[test]
fn take_staged_returns_the_staged_pairs_and_forgets_them() {
    let seq = sequence(3, 0);
    let mut a = ExternalBlockAssignments::new(0);
    a.extend_block_ids(&[1, 2, 3]).unwrap();
    a.assign_pending(&seq.blocks()[..1]).unwrap();
    a.stage_pending(seq.blocks()).unwrap();
    assert_eq!(
        a.take_staged().unwrap(),
        vec![(2, lineage(&seq, 1)), (3, lineage(&seq, 2))]
    );
    assert_eq!(a.staged_count(), 0);
    assert!(!a.contains(2));
    assert_eq!(a.next_position(), 1);
    // The taken ids may be handed out again.
    assert_eq!(a.extend_block_ids(&[2]).unwrap(), 1);
}

#[test]
fn clear_empties_everything_but_keeps_the_offset() {
    let seq = sequence(3, 0);
    let mut a = ExternalBlockAssignments::new(1);
    a.extend_block_ids(&[1, 2, 3]).unwrap();
    a.assign_pending(seq.blocks()).unwrap();
    a.clear();
    assert_eq!(snapshot(&a), "1 [] [] []");
    assert!(!a.contains(1));
}

#[test]
fn positional_queries_at_and_beyond_their_edges() {
    let seq = sequence(4, 0);
    let mut a = ExternalBlockAssignments::new(1);
    a.extend_block_ids(&[1, 2, 3, 4, 5]).unwrap();
    a.assign_pending(&seq.blocks()[..2]).unwrap(); // position 1 assigned
    a.stage_pending(&seq.blocks()[..3]).unwrap(); // position 2 staged
    assert_eq!(a.assigned_positions(), 1..2);
    assert_eq!(a.staged_positions(), 2..3);
    assert_eq!(a.pending_positions(), 3..6);
    assert_eq!(a.get_at_position(0), None);
    assert_eq!(a.get_at_position(1), Some((1, lineage(&seq, 1))));
    assert_eq!(a.get_at_position(2), None);
    assert_eq!(a.get_pending_at_position(2), None);
    assert_eq!(a.get_pending_at_position(3), Some(3));
    assert_eq!(a.get_pending_at_position(5), Some(5));
    assert_eq!(a.get_pending_at_position(6), None);
    assert_eq!(a.get_assigned(1), None);
    assert_eq!(a.get_staged(0), Some((2, lineage(&seq, 2))));
    assert_eq!(a.get_staged(1), None);
    assert_eq!(a.get_at_position(u64::MAX), None);
}

#[test]
fn several_tiers_over_one_sequence_keep_separate_records() {
    let seq = sequence(4, 0);
    let mut g1 = ExternalBlockAssignments::new(0);
    let mut g2 = ExternalBlockAssignments::new(0);
    g1.extend_block_ids(&[1, 2]).unwrap();
    g2.extend_block_ids(&[1, 2, 3, 4]).unwrap();
    g1.assign_pending(seq.blocks()).unwrap();
    g2.assign_pending(seq.blocks()).unwrap();
    assert_eq!(g1.assigned_count(), 2);
    assert_eq!(g2.assigned_count(), 4);
    assert_eq!(g1.get_assigned(1), g2.get_assigned(1));
}

#[test]
fn a_record_of_100000_blocks_grows_one_block_at_a_time_without_a_quadratic_step() {
    // 100,000 rounds of "one new id + assign": with front removal from an ordered map (O(n) per
    // item) this is ~5·10^9 steps; here every round is O(1) amortised.
    let tokens: Vec<u32> = (0..400_000).collect();
    let seq = BlockSequence::new(&tokens, 4, 0).unwrap();
    let mut a = ExternalBlockAssignments::new(0);
    let ids: Vec<u32> = (0..100_000u32)
        .map(|i| i.wrapping_mul(2654435761))
        .collect();
    for n in 1..=ids.len() {
        a.extend_block_ids(&ids[n - 1..n]).unwrap();
        assert_eq!(a.assign_pending(&seq.blocks()[..n]).unwrap(), n - 1..n);
    }
    assert_eq!(a.assigned_block_ids(), &ids[..]);
    assert_eq!(
        a.get_at_position(99_999),
        Some((ids[99_999], lineage(&seq, 99_999)))
    );
}

#[test]
fn a_record_of_100000_blocks_assigned_at_once_matches_the_sequence() {
    let tokens: Vec<u32> = (0..400_000).collect();
    let seq = BlockSequence::new(&tokens, 4, 0).unwrap();
    let mut a = ExternalBlockAssignments::new(0);
    let ids: Vec<u32> = (0..100_000u32).rev().collect();
    assert_eq!(a.extend_block_ids(&ids).unwrap(), 100_000);
    // The whole list again is skipped by the known-prefix fast path.
    assert_eq!(a.extend_block_ids(&ids).unwrap(), 0);
    assert_eq!(a.assign_pending(seq.blocks()).unwrap(), 0..100_000);
    for (i, (id, h)) in a.assigned().enumerate() {
        assert_eq!((id, h), (ids[i], lineage(&seq, i)));
    }
}
