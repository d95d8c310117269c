//! The pool, record and snapshot exports never panic: random calls with random handles, ids,
//! counts and snapshot words (real snapshots, cut short or corrupted) return a status, and the
//! pools keep their invariants.

mod common;

use common::exports::*;
use common::{Rng, Statuses};
use kvbm_sequence_wasm::contract::code;

#[test]
fn random_pool_calls_return_a_status() {
    let mut r = Rng(0x5eed_1234_abcd_0001);
    let mut handles: Vec<(u32, u32)> = Vec::new();
    let mut statuses = Statuses::new();
    // Sequences of small token alphabets, so that pools see shared prefixes.
    for k in 0..4u32 {
        let tokens: Vec<u32> = (0..24).map(|i| (i % 4) * (k % 2) + i).collect();
        set_input(&tokens);
        assert_eq!(kv_seq_new(24, 2, 1337, 0), code::OK);
        let ret = ret_words();
        handles.push((ret[0], ret[1]));
    }
    for _ in 0..100_000 {
        let pick = |r: &mut Rng, h: &Vec<(u32, u32)>| {
            if r.next() % 8 == 0 {
                (r.next() % 16, r.next() % 16)
            } else {
                h[r.next() as usize % h.len()]
            }
        };
        let (h, g) = pick(&mut r, &handles);
        let (s, sg) = pick(&mut r, &handles);
        let ids: Vec<u32> = (0..r.next() % 6).map(|_| r.next() % 12).collect();
        let status = match r.next() % 12 {
            0 => {
                set_input(&ids);
                let block_size = [0, 1, 2, 3][(r.next() % 4) as usize];
                let policy = r.next() % 3;
                let st = if r.next() % 2 == 0 {
                    kv_pool_new(r.next() % 10, block_size, 1337, 0, policy)
                } else {
                    kv_pool_with_ids(ids.len() as u32, block_size, 1337, 0, policy)
                };
                if st == code::OK {
                    let ret = ret_words();
                    handles.push((ret[0], ret[1]));
                }
                st
            }
            1 => kv_pool_match(h, g, s, sg, r.next() % 5),
            2 => kv_pool_allocate(h, g, r.next() % 6),
            3 => {
                set_input(&ids);
                kv_pool_register(h, g, s, sg, ids.len() as u32, r.next() % 14)
            }
            4 => {
                set_input(&ids);
                kv_pool_release(h, g, ids.len() as u32)
            }
            5 => kv_pool_events(h, g),
            6 => kv_pool_record(h, g, r.next() % 14),
            7 => kv_pool_records(h, g),
            8 => kv_asg_truncate_from(h, g, r.next() % 8),
            9 => {
                // Snapshot something; restore random words with a plausible header (real
                // snapshots corrupted word by word are in tests/snapshot.rs).
                if kv_snapshot(h, g) != code::OK {
                    kv_restore(r.next() % 4)
                } else {
                    let mut words: Vec<u32> = (0..r.next() % 40).map(|_| r.next() % 9).collect();
                    words.splice(0..0, [0x4e53_564b, 1, 1 + r.next() % 3]);
                    set_input(&words);
                    let st = kv_restore(words.len() as u32);
                    if st == code::OK {
                        let ret = ret_words();
                        handles.push((ret[0], ret[1]));
                    }
                    st
                }
            }
            10 => {
                let words: Vec<u32> = (0..r.next() % 8).map(|_| r.next() % 3).collect();
                set_input(&words);
                kv_pool_match_hashes(h, g, words.len() as u32 / 4)
            }
            _ => kv_pool_info(h, g),
        };
        statuses.record(status);
    }
    statuses.assert_reached(
        20_000,
        &[
            code::POOL_EXHAUSTED,
            code::UNKNOWN_BLOCK_ID,
            code::INVALID_BLOCK_STATE,
            code::INVALID_HANDLE,
            code::WRONG_HANDLE_KIND,
            code::INVALID_SNAPSHOT,
        ],
    );
    for (h, g) in handles {
        kv_free(h, g);
    }
}
