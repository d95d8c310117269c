//! Native benchmarks: the workloads of `tests/bench` on the crate compiled natively (the limit
//! the WebAssembly build is compared with), plus a store that removes from the front of an
//! `IndexMap`, the way Dynamo's store does, to show the O(n²) → O(n) change (W3, W4).
//!
//! Prints one JSON object: `{ "name": { "median": ns, "p10": ns, "p90": ns, "runs": n,
//! "units": n } }`, times per whole iteration.
//!
//! Place: `crate/kvbm-sequence-bench/src/main.rs`.

use indexmap::IndexMap;
use kvbm_sequence::router::cost::CostParams;
use kvbm_sequence::router::decide::{decide, Choice, Request, Sources};
use kvbm_sequence::router::hashes::chain_local_hashes;
use kvbm_sequence::router::index::{KvIndex, StoredBlock, WorkerKey};
use kvbm_sequence::router::load::LoadTracker;
use kvbm_sequence::tiers::pool::{EvictionPolicy, TierPool};
use kvbm_sequence::{
    compute_sequence_hashes, zip_assigned, zip_assigned_pending, BlockSequence,
    ExternalBlockAssignments, SequenceHash,
};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const BLOCK_SIZE: usize = 16;
const SALT: u64 = 1337;
/// Blocks of W11's prompt: 8,192 tokens.
const ROUTE_BLOCKS: usize = 512;

/// Results are folded into this, so the optimiser cannot drop the work that made them
/// (`std::hint::black_box` is newer than the crate's MSRV).
static SINK: AtomicU64 = AtomicU64::new(0);

fn keep(value: u64) {
    SINK.fetch_xor(value, Ordering::Relaxed);
}

fn keep_range(range: Option<std::ops::Range<usize>>) {
    keep(range.map_or(0, |r| r.end as u64));
}

/// The fixed pseudo-random generator shared with the JavaScript side (xorshift32).
struct Xorshift(u32);

impl Xorshift {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
}

/// `n` token ids below a 128k vocabulary.
fn tokens(n: usize) -> Vec<u32> {
    let mut r = Xorshift(0x9e37_79b9);
    (0..n).map(|_| r.next() % 128_256).collect()
}

/// Ids `0..n`, shuffled (Fisher–Yates with the shared generator).
fn shuffled_ids(n: usize) -> Vec<u32> {
    let mut ids: Vec<u32> = (0..n as u32).collect();
    let mut r = Xorshift(0x85eb_ca6b);
    for i in (1..n).rev() {
        let j = r.next() as usize % (i + 1);
        ids.swap(i, j);
    }
    ids
}

struct Stats {
    median: f64,
    p10: f64,
    p90: f64,
    runs: usize,
    units: usize,
}

/// Times `f` after two warm-up calls: at least `min_runs` runs, more while under `budget`, at most
/// `max_runs`.
fn measure(units: usize, min_runs: usize, budget: Duration, mut f: impl FnMut()) -> Stats {
    let max_runs = 30;
    // No warm-up for workloads measured once (the quadratic baseline at 65,536 blocks).
    for _ in 0..if min_runs > 1 { 2 } else { 0 } {
        f();
    }
    let mut samples = Vec::new();
    let start = Instant::now();
    while samples.len() < min_runs || (samples.len() < max_runs && start.elapsed() < budget) {
        let t = Instant::now();
        f();
        samples.push(t.elapsed().as_nanos() as f64);
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        median: at(0.5),
        p10: at(0.1),
        p90: at(0.9),
        runs: samples.len(),
        units,
    }
}

/// The baseline: three `IndexMap`s, moving ids by removing the front entry (O(n) each).
#[derive(Default)]
struct FrontRemovalStore {
    unassigned: IndexMap<u32, ()>,
    staged: IndexMap<u32, SequenceHash>,
    assigned: IndexMap<u32, SequenceHash>,
}

impl FrontRemovalStore {
    fn known(&self, id: &u32) -> bool {
        self.unassigned.contains_key(id)
            || self.staged.contains_key(id)
            || self.assigned.contains_key(id)
    }

    fn extend_block_ids(&mut self, ids: &[u32]) {
        let first_new = ids.iter().take_while(|id| self.known(id)).count();
        for &id in &ids[first_new..] {
            self.unassigned.insert(id, ());
        }
    }

    fn assign_pending(&mut self, seq: &BlockSequence) {
        let next = self.assigned.len() + self.staged.len();
        let blocks = seq.blocks().get(next..).unwrap_or(&[]);
        for block in blocks.iter().take(self.unassigned.len()) {
            if let Some((id, ())) = self.unassigned.shift_remove_index(0) {
                self.staged.insert(id, block.lineage_hash());
            }
        }
        while let Some((id, hash)) = self.staged.shift_remove_index(0) {
            self.assigned.insert(id, hash);
        }
    }
}

/// Which ids a decode step passes, and to which store.
#[derive(Clone, Copy, PartialEq)]
enum IdList {
    /// All ids so far, to this crate's store.
    Full,
    /// Only the new id, to this crate's store.
    New,
    /// Only the new id, to the IndexMap front-removal store.
    NewFrontRemoval,
}

/// W4: grows a sequence and a record by one block per step, `ids.len()` steps.
fn decode_assign(tokens: &[u32], ids: &[u32], list: IdList) {
    let mut seq = BlockSequence::new(&[], BLOCK_SIZE, SALT).unwrap_or_else(|e| panic!("{}", e));
    let mut ours = ExternalBlockAssignments::new(0);
    let mut baseline = FrontRemovalStore::default();
    for n in 1..=ids.len() {
        let block = &tokens[(n - 1) * BLOCK_SIZE..n * BLOCK_SIZE];
        keep_range(seq.extend_tokens(block).ok().flatten());
        match list {
            IdList::Full => {
                keep(ours.extend_block_ids(&ids[..n]).unwrap_or(0) as u64);
                keep_range(ours.assign_pending(seq.blocks()).ok());
            }
            IdList::New => {
                keep(ours.extend_block_ids(&ids[n - 1..n]).unwrap_or(0) as u64);
                keep_range(ours.assign_pending(seq.blocks()).ok());
            }
            IdList::NewFrontRemoval => {
                baseline.extend_block_ids(&ids[n - 1..n]);
                baseline.assign_pending(&seq);
            }
        }
    }
    keep(baseline.assigned.len() as u64);
}

const WORKERS: u64 = 64;
const SEQ_BLOCKS: u64 = 7_813;
const PREFIX_BLOCKS: u64 = 2_048;
const CHUNK: u64 = 512;
const QUERY_BLOCKS: usize = 8_192;

/// SplitMix64's finaliser (the same as tests/bench/router-workload.ts).
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn sequence_hashes(w: u64, s: u64) -> Vec<u64> {
    let group = (w + 3 * s) % 8;
    (0..SEQ_BLOCKS)
        .map(|p| {
            if p < PREFIX_BLOCKS {
                mix(group * 1_000_000 + p)
            } else {
                mix((w * 2 + s + 1) * 10_000_000 + p)
            }
        })
        .collect()
}

type RouterEvent = (WorkerKey, Option<u64>, Vec<StoredBlock>);

fn router_events() -> Vec<RouterEvent> {
    let mut events = Vec::new();
    for w in 0..WORKERS {
        for s in 0..2 {
            let local = sequence_hashes(w, s);
            let (mut prev, mut parent) = (0u64, None);
            for chunk in local.chunks(CHUNK as usize) {
                let blocks: Vec<StoredBlock> = chunk
                    .iter()
                    .map(|&th| {
                        prev = mix(prev ^ th);
                        StoredBlock {
                            block_hash: prev,
                            tokens_hash: th,
                        }
                    })
                    .collect();
                events.push((
                    WorkerKey {
                        worker_id: w,
                        dp_rank: 0,
                    },
                    parent,
                    blocks,
                ));
                parent = Some(prev);
            }
        }
    }
    events
}

fn router_query() -> Vec<u64> {
    let mut q = sequence_hashes(0, 0);
    q.extend((SEQ_BLOCKS..QUERY_BLOCKS as u64).map(|p| mix(999_000_000 + p)));
    q
}

fn main() {
    let mut results: BTreeMap<String, Stats> = BTreeMap::new();
    let budget = Duration::from_millis(1500);

    // W1: hashing a prompt.
    for &n in &[1_024usize, 16_384, 131_072] {
        let t = tokens(n);
        results.insert(
            format!("w1-compute-{}", n),
            measure(n, 10, budget, || {
                keep(
                    compute_sequence_hashes(&t, BLOCK_SIZE, SALT)
                        .map_or(0, |h| h.last().copied().unwrap_or(0)),
                );
            }),
        );
        results.insert(
            format!("w1-sequence-{}", n),
            measure(n, 10, budget, || {
                if let Ok(seq) = BlockSequence::new(&t, BLOCK_SIZE, SALT) {
                    let all: Vec<SequenceHash> = seq.lineage_hashes().collect();
                    keep(all.last().map_or(0, |h| h.current_hash()));
                }
            }),
        );
    }

    // W2: decode, one token at a time from 4,096 to 69,632.
    let decode = tokens(69_632);
    results.insert(
        "w2-decode".to_string(),
        measure(65_536, 10, budget, || {
            if let Ok(mut seq) = BlockSequence::new(&decode[..4_096], BLOCK_SIZE, SALT) {
                for &t in &decode[4_096..] {
                    keep(seq.append_token(t).ok().flatten().unwrap_or(0) as u64);
                }
            }
        }),
    );

    // W3: prefill-assign, fresh record each iteration; the baseline beside it.
    for &blocks in &[1_024usize, 8_192, 65_536] {
        let seq = BlockSequence::new(&tokens(blocks * BLOCK_SIZE), BLOCK_SIZE, SALT)
            .unwrap_or_else(|e| panic!("{}", e));
        let ids = shuffled_ids(blocks);
        results.insert(
            format!("w3-prefill-assign-{}", blocks),
            measure(blocks, 10, budget, || {
                let mut a = ExternalBlockAssignments::new(0);
                keep(a.extend_block_ids(&ids).unwrap_or(0) as u64);
                keep_range(a.assign_pending(seq.blocks()).ok());
            }),
        );
        results.insert(
            format!("baseline-w3-prefill-assign-{}", blocks),
            measure(blocks, if blocks > 8_192 { 1 } else { 3 }, budget, || {
                let mut a = FrontRemovalStore::default();
                a.extend_block_ids(&ids);
                a.assign_pending(&seq);
                keep(a.assigned.len() as u64);
            }),
        );
    }

    // W4: decode-assign, one block at a time: (a) the full id list each step, (b) the new id.
    for &blocks in &[1_024usize, 8_192, 65_536] {
        let t = tokens(blocks * BLOCK_SIZE);
        let ids = shuffled_ids(blocks);
        if blocks == 8_192 {
            results.insert(
                format!("w4a-decode-assign-full-{}", blocks),
                measure(blocks, 10, budget, || decode_assign(&t, &ids, IdList::Full)),
            );
        }
        results.insert(
            format!("w4b-decode-assign-new-{}", blocks),
            measure(blocks, 10, budget, || decode_assign(&t, &ids, IdList::New)),
        );
        results.insert(
            format!("baseline-w4b-decode-assign-new-{}", blocks),
            measure(blocks, 3, budget, || {
                decode_assign(&t, &ids, IdList::NewFrontRemoval)
            }),
        );
    }

    // W5: planning over two tiers, G1 holding the first half and G2 the rest.
    let blocks = 8_192usize;
    let half = blocks / 2;
    let seq = BlockSequence::new(&tokens(blocks * BLOCK_SIZE), BLOCK_SIZE, SALT)
        .unwrap_or_else(|e| panic!("{}", e));
    let ids = shuffled_ids(blocks);
    let g2_ids: Vec<u32> = ids.iter().map(|id| id + 1_000_000).collect();
    let mut g1 = ExternalBlockAssignments::new(0);
    g1.extend_block_ids(&ids[..half]).ok();
    g1.assign_pending(seq.blocks()).ok();
    g1.extend_block_ids(&ids).ok();
    let mut g2 = ExternalBlockAssignments::new(half as u64);
    g2.extend_block_ids(&g2_ids[half..]).ok();
    g2.assign_pending(seq.blocks()).ok();
    let mut g1_full = ExternalBlockAssignments::new(0);
    g1_full.extend_block_ids(&ids).ok();
    g1_full.assign_pending(seq.blocks()).ok();
    results.insert(
        "w5-plan-pending".to_string(),
        measure(half, 10, budget, || {
            // The plan is built as the WebAssembly export builds it, not only counted.
            #[allow(clippy::needless_collect)]
            let plan: Vec<_> = zip_assigned_pending(&g2, &g1).collect();
            keep(plan.len() as u64);
        }),
    );
    results.insert(
        "w5-plan-assigned".to_string(),
        measure(half, 10, budget, || {
            // The plan is built as the WebAssembly export builds it, not only counted.
            #[allow(clippy::needless_collect)]
            let plan: Vec<_> = zip_assigned(&g2, &g1_full).collect();
            keep(plan.len() as u64);
        }),
    );

    // W6: queries on 8,192 assigned blocks.
    let mut r = Xorshift(0x2545_f491);
    let probes: Vec<u32> = (0..blocks)
        .map(|_| r.next() % (2 * blocks as u32))
        .collect();
    results.insert(
        "w6-get-assigned".to_string(),
        measure(blocks, 10, budget, || {
            for i in 0..blocks {
                keep(g1_full.get_assigned(i).map_or(0, |(id, _)| id as u64));
            }
        }),
    );
    results.insert(
        "w6-get-assigned-id".to_string(),
        measure(blocks, 10, budget, || {
            for i in 0..blocks {
                keep(
                    g1_full
                        .assigned_block_ids()
                        .get(i)
                        .map_or(0, |&id| id as u64),
                );
            }
        }),
    );
    results.insert(
        "w6-id-at-position".to_string(),
        measure(blocks, 10, budget, || {
            for p in 0..blocks as u64 {
                keep(g1.get_at_position(p).map_or(0, |(id, _)| id as u64));
            }
        }),
    );
    results.insert(
        "w6-pending-at-position".to_string(),
        measure(blocks, 10, budget, || {
            for p in 0..blocks as u64 {
                keep(g1.get_pending_at_position(p).map_or(0, u64::from));
            }
        }),
    );
    results.insert(
        "w6-counts".to_string(),
        measure(blocks, 10, budget, || {
            for _ in 0..blocks {
                keep(g1.assigned_count() as u64 + g1.next_position());
            }
        }),
    );
    results.insert(
        "w6-contains".to_string(),
        measure(blocks, 10, budget, || {
            for id in &probes {
                keep(g1_full.contains(*id) as u64);
            }
        }),
    );

    // W7: the router index (see tests/bench/router-workload.ts, generated identically).
    let events = router_events();
    let entries: usize = events.iter().map(|(_, _, b)| b.len()).sum();
    results.insert(
        "w7-ingest".to_string(),
        measure(entries, 3, Duration::from_millis(4000), || {
            let mut index = KvIndex::new();
            for (w, parent, blocks) in &events {
                keep(
                    index
                        .apply_stored(*w, *parent, blocks)
                        .map_or(9, |r| r.index() as u64),
                );
            }
            keep(index.size() as u64);
        }),
    );
    let mut index = KvIndex::new();
    for (w, parent, blocks) in &events {
        index.apply_stored(*w, *parent, blocks).ok();
    }
    let query = router_query();
    results.insert(
        "w7-find-matches".to_string(),
        measure(QUERY_BLOCKS, 10, budget, || {
            let m = index.find_matches(&query, false);
            keep(m.scores.len() as u64);
        }),
    );

    // W11: one routing decision booked and freed (tests/bench/bench.ts): an 8,192-token prompt
    // (512 blocks) against the W7 index; the chain of sequence hashes, then the library's one
    // decision (overlap, potential loads, Dynamo's cost, the choice), the booking and its free.
    let prompt: Vec<u64> = query[..ROUTE_BLOCKS].to_vec();
    let mut tracker = LoadTracker::new();
    let eligible: Vec<WorkerKey> = (0..WORKERS)
        .map(|w| WorkerKey {
            worker_id: w,
            dp_rank: 0,
        })
        .collect();
    for &w in &eligible {
        tracker.add_worker(w).ok();
    }
    let choice = Choice {
        params: CostParams {
            block_size: BLOCK_SIZE as f64,
            host_cache_hit_weight: 0.0,
            disk_cache_hit_weight: 0.0,
            ..CostParams::default()
        },
        temperature: 0.0,
        draw: 0.5,
        ties_by_tree_size: true,
    };
    let mut request = 0u32;
    results.insert(
        "w11-route-book".to_string(),
        measure(1, 10, budget, || {
            let mut seq = Vec::with_capacity(prompt.len());
            chain_local_hashes(&prompt, |_, h| seq.push(h));
            let isl = (ROUTE_BLOCKS * BLOCK_SIZE) as f64;
            let sources = Sources {
                device: &index,
                host: None,
                disk: [None, None],
                predicted: None,
                load: &tracker,
            };
            let request_view = Request {
                local: &prompt,
                sequence: &seq,
                isl,
            };
            let d = decide(&sources, &request_view, &eligible, &choice)
                .unwrap_or_else(|e| panic!("{}", e));
            let chosen = d.chosen.unwrap_or(0);
            let prefill = isl - f64::from(d.candidates[chosen].device) * BLOCK_SIZE as f64;
            request = request.wrapping_add(1);
            tracker
                .add_request(request, eligible[chosen], &seq, prefill)
                .ok();
            tracker.free(request).ok();
            keep(chosen as u64);
        }),
    );

    // W8: two 8,192-block sequences take turns in a pool of 8,192 blocks (tests/bench/bench.ts).
    let pool_blocks = 8_192usize;
    let a = tokens(pool_blocks * BLOCK_SIZE);
    let b: Vec<u32> = a.iter().map(|t| (t + 1) % 128_256).collect();
    let seqs = [
        BlockSequence::new(&a, BLOCK_SIZE, SALT).unwrap_or_else(|e| panic!("{}", e)),
        BlockSequence::new(&b, BLOCK_SIZE, SALT).unwrap_or_else(|e| panic!("{}", e)),
    ];
    let mut pool =
        TierPool::with_capacity(pool_blocks as u32, BLOCK_SIZE, SALT, EvictionPolicy::Lru)
            .unwrap_or_else(|e| panic!("{}", e));
    let mut turn = 0usize;
    results.insert(
        "w8-pool-cycle".to_string(),
        measure(pool_blocks, 10, budget, || {
            let seq = &seqs[turn % 2];
            turn += 1;
            let ids = pool.allocate(pool_blocks).unwrap_or_default();
            let held = pool.register(&ids, seq, 0).unwrap_or_default();
            pool.release(&held).ok();
            let hit = pool.match_sequence(seq, 0).unwrap_or_default();
            pool.release(&hit).ok();
            keep(pool.take_events().len() as u64);
        }),
    );

    let body: Vec<String> = results
        .iter()
        .map(|(name, s)| {
            format!(
                "  \"{}\": {{ \"median\": {:.0}, \"p10\": {:.0}, \"p90\": {:.0}, \"runs\": {}, \"units\": {} }}",
                name, s.median, s.p10, s.p90, s.runs, s.units
            )
        })
        .collect();
    println!("{{\n{}\n}}", body.join(",\n"));
    eprintln!("(checksum {:x})", SINK.load(Ordering::Relaxed));
}
