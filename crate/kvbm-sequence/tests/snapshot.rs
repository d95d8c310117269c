//! Snapshots restore exactly, and a snapshot with any one word changed, or cut short at any
//! length, is either refused or restores to an object that keeps every invariant.

use kvbm_sequence::sequence::assignments::ExternalBlockAssignments;
use kvbm_sequence::sequence::BlockSequence;
use kvbm_sequence::snapshot::*;
use kvbm_sequence::tiers::pool::{EvictionPolicy, TierPool};

fn pool() -> TierPool {
    let seq = BlockSequence::new(&(0..24).collect::<Vec<u32>>(), 2, 1337).unwrap();
    let mut p = TierPool::with_ids(&[9, 4, 7, 1, 3, 8, 2], 2, 1337, EvictionPolicy::Lru).unwrap();
    let ids = p.allocate(6).unwrap();
    p.register(&ids[..5], &seq, 0).unwrap();
    p.release(&[ids[3], ids[1], ids[5]]).unwrap();
    p
}

#[test]
fn every_corruption_of_a_pool_snapshot_is_refused_or_consistent() {
    let words = pool_to_words(&pool()).unwrap();
    assert_eq!(
        pool_to_words(&pool_from_words(&words).unwrap()).unwrap(),
        words
    );
    for i in 0..words.len() {
        for delta in [1u32, 2, 0x8000_0000, u32::MAX] {
            let mut bad = words.clone();
            bad[i] = bad[i].wrapping_add(delta);
            if let Ok(p) = pool_from_words(&bad) {
                p.check_invariants()
                    .unwrap_or_else(|e| panic!("word {} + {}: {}", i, delta, e));
            }
        }
        assert!(pool_from_words(&words[..i]).is_err(), "cut at {}", i);
    }
}

#[test]
fn every_corruption_of_a_record_snapshot_is_refused_or_restores() {
    let seq = BlockSequence::new(&(0..20).collect::<Vec<u32>>(), 2, 5).unwrap();
    let mut a = ExternalBlockAssignments::new(1);
    a.extend_block_ids(&[5, 6, 7, 8, 9, 10]).unwrap();
    a.stage_from(&seq, 0..seq.block_count(), false).unwrap();
    a.commit_staged();
    a.extend_block_ids(&[5, 6, 7, 8, 9, 10, 11, 12]).unwrap();
    let words = assignments_to_words(&a).unwrap();
    for i in 0..words.len() {
        let mut bad = words.clone();
        bad[i] ^= 0x10;
        let _ = assignments_from_words(&bad);
        assert!(assignments_from_words(&words[..i]).is_err(), "cut at {}", i);
    }
}
