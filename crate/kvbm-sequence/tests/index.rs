//! The router index under random events: its structural invariants hold after every step, and
//! a dump always rebuilds an index with the same answers.

mod common;

use common::Rng;
use kvbm_sequence::router::index::{KvIndex, StoredBlock, WorkerKey};

fn path_hash(path: &[u64]) -> u64 {
    path.iter().fold(0xcbf2_9ce4_8422_2325, |h, &x| {
        (h ^ x).wrapping_mul(0x100_0000_01b3)
    })
}

#[test]
fn invariants_hold_under_random_events() {
    let mut r = Rng(42);
    let mut idx = KvIndex::new();
    for step in 0..20_000 {
        let worker = WorkerKey {
            worker_id: u64::from(r.next() % 6),
            dp_rank: r.next() % 2,
        };
        match u64::from(r.next() % 10) {
            0..=5 => {
                let prefix: Vec<u64> = (0..u64::from(r.next() % 3))
                    .map(|_| 1 + u64::from(r.next() % 3))
                    .collect();
                let rest: Vec<u64> = (0..1 + u64::from(r.next() % 4))
                    .map(|_| 1 + u64::from(r.next() % 3))
                    .collect();
                let parent = if prefix.is_empty() {
                    None
                } else {
                    Some(path_hash(&prefix))
                };
                let blocks: Vec<StoredBlock> = (0..rest.len())
                    .map(|i| {
                        let mut p = prefix.clone();
                        p.extend_from_slice(&rest[..=i]);
                        StoredBlock {
                            block_hash: if u64::from(r.next() % 12) == 0 {
                                u64::from(r.next() % 4)
                            } else {
                                path_hash(&p)
                            },
                            tokens_hash: rest[i],
                        }
                    })
                    .collect();
                idx.apply_stored(worker, parent, &blocks).unwrap();
            }
            6 | 7 => {
                let hashes: Vec<u64> = (0..u64::from(r.next() % 3))
                    .map(|_| {
                        let p: Vec<u64> = (0..1 + u64::from(r.next() % 3))
                            .map(|_| 1 + u64::from(r.next() % 3))
                            .collect();
                        path_hash(&p)
                    })
                    .collect();
                idx.apply_removed(worker, &hashes).unwrap();
            }
            8 => idx.apply_cleared(worker).unwrap(),
            _ => idx.remove_worker(worker.worker_id).unwrap(),
        }
        idx.check_invariants()
            .unwrap_or_else(|e| panic!("step {}: {}", step, e));
        if step % 500 == 0 {
            let mut copy = KvIndex::new();
            copy.load(&idx.dump().unwrap()).unwrap();
            copy.check_invariants().unwrap();
            assert_eq!(copy.tree_sizes(), idx.tree_sizes());
            for q in [&[1u64, 2, 3][..], &[2, 2], &[3, 1, 1, 2]] {
                assert_eq!(copy.find_matches(q, false), idx.find_matches(q, false));
            }
        }
    }
}

#[test]
fn memory_returns_after_every_worker_is_removed() {
    let mut idx = KvIndex::new();
    for w in 0..16u64 {
        let blocks: Vec<StoredBlock> = (0..1000u64)
            .map(|i| StoredBlock {
                block_hash: w << 32 | i,
                tokens_hash: i % 7 + w % 3,
            })
            .collect();
        idx.apply_stored(
            WorkerKey {
                worker_id: w,
                dp_rank: 0,
            },
            None,
            &blocks,
        )
        .unwrap();
    }
    assert_eq!(idx.size(), 16_000);
    for w in 0..16u64 {
        idx.remove_worker(w).unwrap();
    }
    assert_eq!((idx.size(), idx.node_count()), (0, 0));
    idx.check_invariants().unwrap();
    assert!(idx.tree_sizes().is_empty());
}
