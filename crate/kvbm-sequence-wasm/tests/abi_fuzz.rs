//! The WebAssembly boundary never panics: every export called with random arguments (random
//! handles, lengths, indices, positions) returns a status. Run natively with overflow checks on,
//! so an arithmetic overflow that wasm's release build would wrap silently fails here.

mod common;
use common::exports::*;
use kvbm_sequence_wasm::contract::code;

/// xorshift64*: deterministic arguments, with the handles the run has made so far.
struct Rng(u64, Vec<(u32, u32)>);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
    }

    /// A handle made earlier in the run (maybe freed since), or random numbers.
    fn handle(&mut self) -> (u32, u32) {
        if !self.1.is_empty() && self.next() % 4 != 0 {
            let i = self.next() as usize % self.1.len();
            self.1[i]
        } else {
            (self.arg(), self.arg())
        }
    }

    /// Mostly small values (valid handles, indices), sometimes edges, sometimes anything.
    fn arg(&mut self) -> u32 {
        match self.next() % 8 {
            0..=3 => self.next() % 6,
            4 => self.next() % 64,
            5 => [0, 1, u32::MAX, u32::MAX - 1, 1 << 24, 1 << 31][(self.next() % 6) as usize],
            _ => self.next(),
        }
    }

    /// An input size that is either small or too big to allocate.
    fn words(&mut self) -> u32 {
        if self.next() % 4 == 0 {
            u32::MAX - self.next() % 8
        } else {
            self.next() % 256
        }
    }
}

/// Keeps the handle a successful constructor wrote to the return area.
fn remember(r: &mut Rng, status: i32) -> i32 {
    if status == code::OK {
        let ret = ret_words();
        r.1.push((ret[0], ret[1]));
    }
    status
}

#[test]
fn random_calls_to_every_export_return_a_status() {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15, Vec::new());
    let mut statuses = [0usize; 16];
    for _ in 0..400_000 {
        let (h, g) = (r.handle(), r.handle());
        let status = match r.next() % 36 {
            0 => {
                if r.next() % 2 == 0 {
                    kv_input(r.words());
                } else {
                    let words: Vec<u32> = (0..r.next() % 64).map(|_| r.arg()).collect();
                    set_input(&words);
                }
                0
            }
            1 => kv_free(h.0, h.1),
            2 => {
                if r.next() % 2 == 0 {
                    kv_block_hashes(r.arg(), r.arg(), r.arg(), r.arg())
                } else {
                    kv_sequence_hashes(r.arg(), r.arg(), r.arg(), r.arg())
                }
            }
            3 => kv_salt_hash(r.arg(), r.arg()),
            4 => kv_lineage_new(r.arg(), r.arg(), r.arg(), r.arg(), r.arg(), r.arg()),
            5 => kv_lineage_parts(r.arg(), r.arg(), r.arg(), r.arg()),
            6 => kv_lineage_to_string(r.arg(), r.arg(), r.arg(), r.arg()),
            7 => kv_lineage_cmp(
                r.arg(),
                r.arg(),
                r.arg(),
                r.arg(),
                r.arg(),
                r.arg(),
                r.arg(),
                r.arg(),
            ),
            8 | 9 => {
                let status = kv_seq_new(r.arg() % 200, r.arg(), r.arg(), r.arg());
                remember(&mut r, status)
            }
            10 => kv_seq_info(h.0, h.1),
            11 => kv_seq_extend(h.0, h.1, r.arg()),
            12 => kv_seq_append(h.0, h.1, r.arg()),
            13 => kv_seq_truncate(h.0, h.1, r.arg()),
            14 => kv_seq_unwind(h.0, h.1, r.arg()),
            15 => kv_seq_pop(h.0, h.1),
            16 => match r.next() % 3 {
                0 => kv_seq_block_hashes(h.0, h.1, r.arg(), r.arg()),
                1 => kv_seq_sequence_hashes(h.0, h.1, r.arg(), r.arg()),
                _ => kv_seq_lineage_hashes(h.0, h.1, r.arg(), r.arg()),
            },
            17 => kv_seq_block(h.0, h.1, r.arg()),
            18 => kv_seq_partial(h.0, h.1),
            19 | 20 => {
                let status = kv_asg_new(r.arg());
                remember(&mut r, status)
            }
            21 => kv_asg_info(h.0, h.1),
            22..=25 => kv_asg_layout(h.0, h.1),
            26 => match r.next() % 3 {
                0 => kv_asg_assigned_ids(h.0, h.1),
                1 => kv_asg_staged_ids(h.0, h.1),
                _ => kv_asg_unassigned_ids(h.0, h.1),
            },
            27 => {
                if r.next() % 2 == 0 {
                    kv_asg_assigned_pairs(h.0, h.1)
                } else {
                    kv_asg_staged_pairs(h.0, h.1)
                }
            }
            28 => kv_asg_extend_ids(h.0, h.1, r.arg()),
            29 => kv_asg_extend_assigned(h.0, h.1, r.arg()),
            30 => {
                if r.next() % 2 == 0 {
                    kv_asg_stage(h.0, h.1, g.0, g.1, r.arg(), r.arg())
                } else {
                    kv_asg_assign(h.0, h.1, g.0, g.1, r.arg(), r.arg())
                }
            }
            31 => kv_asg_commit(h.0, h.1),
            32 => kv_asg_take_staged(h.0, h.1),
            33 => kv_asg_clear(h.0, h.1),
            _ => {
                if r.next() % 2 == 0 {
                    kv_zip_assigned(h.0, h.1, g.0, g.1)
                } else {
                    kv_zip_assigned_pending(h.0, h.1, g.0, g.1)
                }
            }
        };
        assert!((0..=24).contains(&status), "status {}", status);
        statuses[(status as usize).min(15)] += 1;
    }
    // The run reached successes and most kinds of error (PositionMismatch needs more structure
    // than random arguments give; the assignment tests cover it).
    assert!(statuses[code::OK as usize] > 1000);
    for status in [
        code::INVALID_HANDLE,
        code::WRONG_HANDLE_KIND,
        code::INVALID_ARGUMENT,
        code::ORDERING_VIOLATION,
        code::DUPLICATE_BLOCK_ID,
        code::INVALID_LINEAGE_HASH,
        code::POSITION_OVERFLOW,
        code::INVALID_BLOCK_SIZE,
    ] {
        assert!(
            statuses[status as usize] > 0,
            "status {} never seen: {:?}",
            status,
            statuses
        );
    }
    // Objects still alive are all in the table; freeing each once empties it.
    for (index, generation) in std::mem::take(&mut r.1) {
        kv_free(index, generation);
    }
    assert_eq!(kv_live_objects(), code::OK);
    assert_eq!(ret_words()[0], 0);
}
