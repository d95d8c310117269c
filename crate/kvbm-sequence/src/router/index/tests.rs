//! Unit tests of the index.

use super::*;

fn w(id: u64) -> WorkerKey {
    WorkerKey {
        worker_id: id,
        dp_rank: 0,
    }
}

fn blocks(ids: &[u64]) -> Vec<StoredBlock> {
    ids.iter()
        .map(|&i| StoredBlock {
            block_hash: i * 100,
            tokens_hash: i,
        })
        .collect()
}

fn score_of(m: &Matches, id: u64) -> Option<u32> {
    m.scores
        .iter()
        .find(|s| s.worker.worker_id == id)
        .map(|s| s.blocks)
}

#[test]
fn stored_paths_are_matched_from_the_root() {
    let mut idx = KvIndex::new();
    assert_eq!(
        idx.apply_stored(w(0), None, &blocks(&[1, 2, 3])).unwrap(),
        EventResult::Ok
    );
    assert_eq!(
        idx.apply_stored(w(1), None, &blocks(&[1, 4, 5])).unwrap(),
        EventResult::Ok
    );
    let m = idx.find_matches(&[1, 2, 3], false);
    assert_eq!(score_of(&m, 0), Some(3));
    assert_eq!(score_of(&m, 1), Some(1));
    assert_eq!(m.frequencies(), vec![2, 1, 1]);
    assert_eq!(idx.size(), 6);
    assert_eq!(idx.node_count(), 5);
    idx.check_invariants().unwrap();
}

#[test]
fn a_stored_event_continues_from_its_parent() {
    let mut idx = KvIndex::new();
    idx.apply_stored(w(0), None, &blocks(&[1])).unwrap();
    let r = idx.apply_stored(w(0), Some(100), &blocks(&[2, 3])).unwrap();
    assert_eq!(r, EventResult::Ok);
    assert_eq!(score_of(&idx.find_matches(&[1, 2, 3], false), 0), Some(3));
}

#[test]
fn unknown_parent_changes_nothing() {
    let mut idx = KvIndex::new();
    let r = idx.apply_stored(w(0), Some(12345), &blocks(&[1])).unwrap();
    assert_eq!(r, EventResult::ParentBlockNotFound);
    assert_eq!(idx.size(), 0);
    assert_eq!(idx.counts()[2], 1);
}

#[test]
fn self_referencing_block_is_rejected() {
    let mut idx = KvIndex::new();
    idx.apply_stored(w(0), None, &blocks(&[1])).unwrap();
    let r = idx.apply_stored(w(0), Some(100), &blocks(&[1, 2])).unwrap();
    assert_eq!(r, EventResult::InvalidBlockSequence);
    assert_eq!(idx.size(), 1);
}

#[test]
fn storing_again_is_a_duplicate() {
    let mut idx = KvIndex::new();
    idx.apply_stored(w(0), None, &blocks(&[1, 2])).unwrap();
    assert_eq!(
        idx.apply_stored(w(0), None, &blocks(&[1, 2])).unwrap(),
        EventResult::Duplicate
    );
    assert_eq!(idx.size(), 2);
}

#[test]
fn removal_takes_the_worker_off_the_block_and_below() {
    let mut idx = KvIndex::new();
    idx.apply_stored(w(0), None, &blocks(&[1, 2, 3])).unwrap();
    idx.apply_stored(w(1), None, &blocks(&[1, 2])).unwrap();
    assert_eq!(idx.apply_removed(w(0), &[200]).unwrap(), EventResult::Ok);
    let m = idx.find_matches(&[1, 2, 3], false);
    assert_eq!(score_of(&m, 0), Some(1));
    assert_eq!(score_of(&m, 1), Some(2));
    assert_eq!(idx.size(), 3);
    assert_eq!(idx.node_count(), 2);
    idx.check_invariants().unwrap();
}

#[test]
fn removing_unknown_hashes_applies_the_rest() {
    let mut idx = KvIndex::new();
    idx.apply_stored(w(0), None, &blocks(&[1, 2])).unwrap();
    assert_eq!(
        idx.apply_removed(w(0), &[999, 200]).unwrap(),
        EventResult::BlockNotFound
    );
    assert_eq!(idx.size(), 1);
}

#[test]
fn cleared_empties_one_rank_only() {
    let mut idx = KvIndex::new();
    let r1 = WorkerKey {
        worker_id: 0,
        dp_rank: 1,
    };
    idx.apply_stored(w(0), None, &blocks(&[1])).unwrap();
    idx.apply_stored(r1, None, &blocks(&[1])).unwrap();
    idx.apply_cleared(w(0)).unwrap();
    assert_eq!(idx.tree_sizes(), vec![(r1, 1)]);
    idx.remove_worker(0).unwrap();
    assert_eq!(idx.size(), 0);
    assert_eq!(idx.node_count(), 0);
}

#[test]
fn early_exit_stops_at_the_lone_worker() {
    let mut idx = KvIndex::new();
    idx.apply_stored(w(0), None, &blocks(&[1, 2, 3])).unwrap();
    idx.apply_stored(w(1), None, &blocks(&[1])).unwrap();
    let m = idx.find_matches(&[1, 2, 3], true);
    assert_eq!(score_of(&m, 0), Some(2));
    assert_eq!(score_of(&m, 1), Some(1));
}

#[test]
fn dump_rebuilds_an_equal_index() {
    let mut idx = KvIndex::new();
    idx.apply_stored(w(0), None, &blocks(&[1, 2, 3])).unwrap();
    idx.apply_stored(w(1), None, &blocks(&[1, 4])).unwrap();
    let mut copy = KvIndex::new();
    copy.load(&idx.dump().unwrap()).unwrap();
    assert_eq!(copy.tree_sizes(), idx.tree_sizes());
    for q in [&[1u64, 2, 3][..], &[1, 4], &[1]] {
        assert_eq!(copy.find_matches(q, false), idx.find_matches(q, false));
    }
}

#[test]
fn approximate_blocks_expire() {
    let mut idx = KvIndex::approximate(10.0);
    idx.record(w(0), &[1, 2], 0.0).unwrap();
    idx.record(w(0), &[1], 5.0).unwrap();
    idx.advance(10.0).unwrap();
    assert_eq!(score_of(&idx.find_matches(&[1, 2], false), 0), Some(1));
    idx.advance(15.0).unwrap();
    assert_eq!(idx.size(), 0);
    assert_eq!(idx.node_count(), 0);
}

#[test]
fn pruning_drops_the_earliest_records_first_down_to_the_target() {
    let mut idx = KvIndex::approximate(100.0);
    idx.record(w(0), &[1, 2], 0.0).unwrap();
    idx.record(w(1), &[7, 8], 1.0).unwrap();
    idx.record(w(0), &[1], 2.0).unwrap(); // refreshes block 1 of worker 0
    assert_eq!(idx.size(), 4);
    // Worker 0's block 2 (recorded at 0, never refreshed) goes first; its block 1 was refreshed.
    assert_eq!(idx.prune_to(3).unwrap(), 1);
    assert_eq!(score_of(&idx.find_matches(&[1, 2], false), 0), Some(1));
    // Then worker 1's blocks (recorded at 1).
    assert_eq!(idx.prune_to(1).unwrap(), 2);
    assert_eq!(score_of(&idx.find_matches(&[7], false), 1), None);
    assert_eq!(idx.size(), 1);
    idx.check_invariants().unwrap();
}

#[test]
fn a_parent_past_the_scan_limit_is_found_through_the_map_and_leaves_it_below() {
    let mut idx = KvIndex::new();
    idx.apply_stored(w(0), None, &blocks(&[1])).unwrap();
    // Twelve children under block 1, then back down to three.
    for c in 0..12u64 {
        idx.apply_stored(w(0), Some(100), &blocks(&[10 + c]))
            .unwrap();
        idx.check_invariants().unwrap();
    }
    assert_eq!(idx.children.len(), 12);
    for c in 0..12u64 {
        assert_eq!(score_of(&idx.find_matches(&[1, 10 + c], false), 0), Some(2));
    }
    for c in 0..9u64 {
        idx.apply_removed(w(0), &[(10 + c) * 100]).unwrap();
        idx.check_invariants().unwrap();
    }
    assert_eq!(idx.children.len(), 0);
    assert_eq!(score_of(&idx.find_matches(&[1, 21], false), 0), Some(2));
}
