//! Unit tests of the pool.

use super::*;

fn seq(n_blocks: usize) -> BlockSequence {
    let tokens: Vec<u32> = (0..(n_blocks * 4) as u32).collect();
    BlockSequence::new(&tokens, 4, 1337).unwrap()
}

#[test]
fn allocate_register_release_match() {
    let s = seq(3);
    let mut p = TierPool::with_capacity(4, 4, 1337, EvictionPolicy::Lru).unwrap();
    let ids = p.allocate(3).unwrap();
    assert_eq!(ids, vec![0, 1, 2]);
    assert_eq!(p.register(&ids, &s, 0).unwrap(), ids);
    p.release(&ids).unwrap();
    assert_eq!(
        (p.free_count(), p.active_count(), p.inactive_count()),
        (1, 0, 3)
    );
    assert_eq!(p.match_sequence(&s, 0).unwrap(), ids);
    assert_eq!(p.inactive_count(), 0);
    p.check_invariants().unwrap();
    let events = p.take_events();
    assert_eq!(events.len(), 1);
    match &events[0] {
        PoolEvent::Stored { parent, blocks } => {
            assert_eq!(*parent, None);
            assert_eq!(blocks.len(), 3);
            assert_eq!(
                blocks[1],
                (s.blocks()[1].sequence_hash(), s.blocks()[1].block_hash())
            );
        }
        e => panic!("{:?}", e),
    }
}

#[test]
fn eviction_takes_the_least_recently_released() {
    let s = seq(2);
    let mut p = TierPool::with_capacity(2, 4, 1337, EvictionPolicy::Lru).unwrap();
    let ids = p.allocate(2).unwrap();
    p.register(&ids, &s, 0).unwrap();
    p.release(&[1]).unwrap();
    p.release(&[0]).unwrap();
    p.take_events();
    assert_eq!(p.allocate(1).unwrap(), vec![1]);
    assert_eq!(
        p.take_events(),
        vec![PoolEvent::Removed {
            hashes: vec![s.blocks()[1].sequence_hash()]
        }]
    );
    assert!(!p.is_registered(s.blocks()[1].lineage_hash()));
    assert_eq!(p.evictions(), 1);
}

#[test]
fn fifo_evicts_the_earliest_registered() {
    let s = seq(2);
    let mut p = TierPool::with_capacity(2, 4, 1337, EvictionPolicy::Fifo).unwrap();
    let ids = p.allocate(2).unwrap();
    p.register(&ids, &s, 0).unwrap();
    p.release(&[1]).unwrap();
    p.release(&[0]).unwrap();
    assert_eq!(p.allocate(1).unwrap(), vec![0]);
}

#[test]
fn exhaustion_changes_nothing() {
    let mut p = TierPool::with_capacity(2, 4, 0, EvictionPolicy::Lru).unwrap();
    p.allocate(1).unwrap();
    assert_eq!(
        p.allocate(2),
        Err(Error::PoolExhausted {
            requested: 2,
            available: 1
        })
    );
    assert_eq!(p.free_count(), 1);
}

#[test]
fn a_duplicate_registration_keeps_the_existing_block() {
    let s = seq(1);
    let mut p = TierPool::with_capacity(3, 4, 1337, EvictionPolicy::Lru).unwrap();
    let a = p.allocate(1).unwrap();
    p.register(&a, &s, 0).unwrap();
    let b = p.allocate(1).unwrap();
    assert_eq!(p.register(&b, &s, 0).unwrap(), a);
    assert_eq!(p.record(a[0]).unwrap().ref_count, 2);
    assert_eq!(p.record(b[0]).unwrap().state, BlockState::Free);
    p.check_invariants().unwrap();
}

#[test]
fn a_snapshot_restores_states_orders_and_counters() {
    use crate::snapshot::{pool_from_words, pool_to_words};
    for policy in [EvictionPolicy::Lru, EvictionPolicy::Fifo] {
        let s = seq(4);
        let mut p = TierPool::with_ids(&[7, 3, 9, 1, 5], 4, 1337, policy).unwrap();
        let ids = p.allocate(4).unwrap();
        p.register(&ids, &s, 0).unwrap();
        p.release(&[ids[2], ids[0], ids[3]]).unwrap();
        let mut q = pool_from_words(&pool_to_words(&p).unwrap()).unwrap();
        assert_eq!(pool_to_words(&q).unwrap(), pool_to_words(&p).unwrap());
        q.check_invariants().unwrap();
        // Same future: the next evictions pick the same ids.
        assert_eq!(q.allocate(3).unwrap(), p.allocate(3).unwrap());
    }
}

#[test]
fn block_size_zero_is_refused_by_both_constructors() {
    assert_eq!(
        TierPool::with_capacity(4, 0, 0, EvictionPolicy::Lru).err(),
        Some(Error::InvalidBlockSize)
    );
    assert_eq!(
        TierPool::with_ids(&[1, 2], 0, 0, EvictionPolicy::Lru).err(),
        Some(Error::InvalidBlockSize)
    );
}

#[test]
fn wrong_states_are_refused_whole() {
    let s = seq(2);
    let mut p = TierPool::with_ids(&[10, 20, 30], 4, 1337, EvictionPolicy::Lru).unwrap();
    assert!(matches!(
        p.release(&[10]),
        Err(Error::InvalidBlockState { .. })
    ));
    assert!(matches!(
        p.release(&[99]),
        Err(Error::UnknownBlockId { block_id: 99 })
    ));
    let ids = p.allocate(2).unwrap();
    assert!(matches!(
        p.release(&[ids[0], ids[0]]),
        Err(Error::InvalidBlockState { .. })
    ));
    assert!(matches!(
        p.register(&[ids[0], 30], &s, 0),
        Err(Error::InvalidBlockState { .. })
    ));
    assert!(matches!(
        p.register(&ids, &s, 1),
        Err(Error::LengthMismatch { .. })
    ));
    let other = BlockSequence::new(&[1, 2, 3, 4], 4, 0).unwrap();
    assert!(matches!(
        p.register(&ids[..1], &other, 0),
        Err(Error::BindingMismatch { .. })
    ));
    assert_eq!(p.active_count(), 2);
    assert!(p.take_events().is_empty());
    p.check_invariants().unwrap();
}
