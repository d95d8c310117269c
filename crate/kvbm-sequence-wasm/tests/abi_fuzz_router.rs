//! The router exports never panic: random calls with random handles and event streams that are
//! mostly well formed (so the index really changes) and sometimes cut short or nonsense.

mod common;

use common::exports::*;
use common::{Rng, Statuses};
use kvbm_sequence_wasm::contract::code;

trait Small {
    fn small(&mut self) -> u32;
}

impl Small for Rng {
    /// A value of a small world (worker ids, hashes), so that events meet each other.
    fn small(&mut self) -> u32 {
        self.next() % 5
    }
}

/// A stream of a few events over a small world of workers and hashes.
fn events(r: &mut Rng) -> Vec<u32> {
    let mut w = Vec::new();
    for _ in 0..r.next() % 6 {
        let kind = r.next() % 4;
        w.extend_from_slice(&[kind, r.small(), 0, r.next() % 2]);
        match kind {
            0 => {
                let n = r.next() % 5;
                w.extend_from_slice(&[r.next() % 2, r.small(), 0, n]);
                for _ in 0..n {
                    w.extend_from_slice(&[r.small(), 0, r.small(), 0]);
                }
            }
            1 => {
                let n = r.next() % 4;
                w.push(n);
                for _ in 0..n {
                    w.extend_from_slice(&[r.small(), 0]);
                }
            }
            _ => {}
        }
    }
    if r.next() % 10 == 0 && !w.is_empty() {
        let cut = r.next() as usize % w.len();
        w.truncate(cut);
    }
    w
}

#[test]
fn random_router_calls_return_a_status() {
    let mut r = Rng(0x1234_5678_9ABC_DEF1);
    let mut handles: Vec<(u32, u32)> = Vec::new();
    let mut statuses = Statuses::new();
    for _ in 0..100_000 {
        let (h, g) = if handles.is_empty() || r.next() % 8 == 0 {
            (r.next() % 8, r.next() % 8)
        } else {
            handles[r.next() as usize % handles.len()]
        };
        let status = match r.next() % 16 {
            0 => {
                let s = if r.next() % 2 == 0 {
                    kv_index_new()
                } else {
                    kv_index_new_approximate(
                        [10.0, f64::NAN, -1.0, f64::INFINITY][(r.next() % 4) as usize],
                    )
                };
                if s == code::OK {
                    let ret = ret_words();
                    handles.push((ret[0], ret[1]));
                }
                s
            }
            1..=3 => {
                let w = events(&mut r);
                set_input(&w);
                let len = if r.next() % 8 == 0 {
                    r.next()
                } else {
                    w.len() as u32
                };
                kv_index_apply(h, g, len)
            }
            4 => {
                let q: Vec<u32> = (0..2 * (r.next() % 6))
                    .map(|i| if i % 2 == 0 { r.small() } else { 0 })
                    .collect();
                set_input(&q);
                kv_index_find(
                    h,
                    g,
                    q.len() as u32,
                    r.next() % 2,
                    [f64::NAN, 5.0, 1e9][(r.next() % 3) as usize],
                )
            }
            5 => {
                let q: Vec<u32> = (0..2 * (r.next() % 6)).map(|_| r.small()).collect();
                set_input(&q);
                kv_index_record(
                    h,
                    g,
                    r.small(),
                    0,
                    0,
                    q.len() as u32,
                    f64::from(r.next() % 100),
                )
            }
            6 => kv_index_advance(h, g, f64::from(r.next() % 200)),
            7 => kv_index_remove_worker(h, g, r.small(), 0),
            8 => kv_index_clear(h, g),
            9 => kv_index_info(h, g),
            10 => kv_index_tree_sizes(h, g),
            11 => {
                let s = kv_index_dump(h, g);
                if s == code::OK && r.next() % 2 == 0 {
                    // Load a copy of what was just dumped (words from the output are not
                    // reachable natively; load random entries instead).
                    let words: Vec<u32> = (0..12 * (r.next() % 3)).map(|_| r.small()).collect();
                    set_input(&words);
                    kv_index_load(h, g, (words.len() / 12) as u32)
                } else {
                    s
                }
            }
            12 => {
                let w: Vec<u32> = (0..r.next() % 40).map(|_| r.next() % 3).collect();
                set_input(&w);
                let len = w.len() as u32;
                let tokens = if len == 0 { 0 } else { r.next() % len };
                let (size, seed_lo, seed_hi, eagle) =
                    (r.next() % 5, r.next(), r.next(), r.next() % 3);
                if r.next() % 2 == 0 {
                    kv_router_hashes(tokens, size, seed_lo, seed_hi, eagle, len - tokens)
                } else {
                    kv_router_sequence_hashes(tokens, size, seed_lo, seed_hi, eagle, len - tokens)
                }
            }
            13 if r.next() % 4 == 0 => {
                // Another kind of object, whose handle the router exports must refuse.
                set_input(&[1, 2, 3]);
                let s = kv_seq_new(3, 1, 0, 0);
                if s == code::OK {
                    let ret = ret_words();
                    handles.push((ret[0], ret[1]));
                }
                s
            }
            14 => {
                let s = kv_load_new();
                if s == code::OK {
                    let ret = ret_words();
                    handles.push((ret[0], ret[1]));
                    if r.next() % 2 == 0 {
                        kv_load_add_worker(ret[0], ret[1], r.small(), 0, 0);
                    }
                }
                s
            }
            15 => {
                let pick = |r: &mut Rng| -> (u32, u32) {
                    match r.next() % 4 {
                        0 => (0, 0),
                        1 => (r.next() % 8, r.next() % 8),
                        _ if handles.is_empty() => (0, 0),
                        _ => handles[r.next() as usize % handles.len()],
                    }
                };
                let mut w = Vec::new();
                for _ in 0..6 {
                    let (a, b) = pick(&mut r);
                    w.extend_from_slice(&[a, b]);
                }
                let params = [16.0, 1.0, 0.0, 1.0, 0.75, 0.25, 0.0];
                for (i, v) in params.iter().enumerate() {
                    let v = if r.next() % 16 == 0 {
                        [f64::NAN, -1.0, 0.0, f64::INFINITY][i % 4]
                    } else {
                        *v
                    };
                    let bits = v.to_bits();
                    w.extend_from_slice(&[bits as u32, (bits >> 32) as u32]);
                }
                let (n, m) = (r.next() % 5, r.next() % 4);
                w.extend_from_slice(&[n, m]);
                for _ in 0..4 * n {
                    w.push(r.small());
                }
                for _ in 0..m {
                    w.extend_from_slice(&[r.small(), 0, 0]);
                }
                if r.next() % 8 == 0 {
                    w.truncate(r.next() as usize % w.len());
                }
                set_input(&w);
                kv_router_decide(
                    w.len() as u32,
                    [64.0, 0.0, -1.0, f64::NAN][(r.next() % 4) as usize],
                    [0.0, 0.5, -1.0, f64::INFINITY][(r.next() % 4) as usize],
                    [0.0, 0.99, 1.0, f64::NAN][(r.next() % 4) as usize],
                    [f64::NAN, 5.0][(r.next() % 2) as usize],
                    r.next() % 3,
                )
            }
            _ => kv_free(h, g),
        };
        statuses.record(status);
    }
    statuses.assert_reached(
        10_000,
        &[
            code::INVALID_HANDLE,
            code::WRONG_HANDLE_KIND,
            code::INVALID_ARGUMENT,
            code::INVALID_BLOCK_SIZE,
        ],
    );
    for (h, g) in handles {
        kv_free(h, g);
    }
}
