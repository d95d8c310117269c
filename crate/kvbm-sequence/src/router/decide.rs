//! One routing decision in one pass (SPEC §6.6): every eligible worker's overlap with the
//! prompt (device tier, lower tiers, predictions), its load if it took the request, its cost,
//! and the choice — without handing per-worker intermediate results to the caller in between.
//!
//! Place: `crate/kvbm-sequence/src/router/decide.rs` — index and load model → cost → the chosen
//! worker in the data flow.

use super::cost::{check_choice, choose, costs, CostInput, CostParams};
use super::index::{KvIndex, WorkerKey};
use super::load::LoadTracker;
use crate::collections::sort::sort_by;
use crate::error::{filled, try_reserve, Result};

/// Where a decision reads from: the device-tier index, the lower tiers' and the predictions'
/// indexes where a router keeps them, and the load model of its bookings.
#[derive(Clone, Copy, Debug)]
pub struct Sources<'a> {
    /// Blocks on the workers' devices (the score).
    pub device: &'a KvIndex,
    /// Blocks on the host tier.
    pub host: Option<&'a KvIndex>,
    /// Blocks on the disk and external tiers (a worker's longest run counts).
    pub disk: [Option<&'a KvIndex>; 2],
    /// Blocks recently routed (predicted to be cached; counted as device blocks where longer).
    pub predicted: Option<&'a KvIndex>,
    /// The bookings' load.
    pub load: &'a LoadTracker,
}

/// The request: its local block hashes (for the indexes), its chained sequence hashes (for the
/// load model) and its input length in tokens.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// Local block hashes.
    pub local: &'a [u64],
    /// The same blocks as chained sequence hashes.
    pub sequence: &'a [u64],
    /// Input length in tokens.
    pub isl: f64,
}

/// How the cost turns into a choice.
#[derive(Clone, Copy, Debug)]
pub struct Choice {
    /// The cost's parameters.
    pub params: CostParams,
    /// 0: the cheapest; > 0: softmax sampling.
    pub temperature: f64,
    /// A uniform number in [0, 1) for ties or sampling.
    pub draw: f64,
    /// Ties at temperature 0 go to the smallest tree first (Dynamo's classic cost).
    pub ties_by_tree_size: bool,
}

impl Choice {
    /// Refuses parameters, a temperature or a draw out of their ranges (what [`decide`] would
    /// refuse), so that a caller can check before it changes anything.
    pub fn validate(&self) -> Result<()> {
        self.params.validate()?;
        check_choice(self.temperature, self.draw)
    }
}

/// One eligible worker's part of a decision.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Candidate {
    /// Leading prompt blocks on its device.
    pub device: u32,
    /// Further leading blocks on its host tier.
    pub host: u32,
    /// Further leading blocks on its disk and external tiers.
    pub disk: u32,
    /// Leading blocks predicted from recent routing.
    pub predicted: u32,
    /// Blocks it holds in the device index (0 where it matched nothing).
    pub tree_size: u32,
    /// Prefill tokens queued on it.
    pub prefill_tokens: f64,
    /// Its active blocks plus the request's blocks not among them.
    pub decode_blocks: f64,
    /// Its cost (SPEC §6.6.1).
    pub cost: f64,
}

/// A decision: per eligible worker (in the order given) its inputs and cost, and the choice.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decision {
    /// One per eligible worker.
    pub candidates: Vec<Candidate>,
    /// The chosen worker's position; `None` without eligible workers.
    pub chosen: Option<usize>,
}

/// Scores the eligible workers for a request and chooses one (SPEC §6.6): a worker's overlap is
/// its device score raised to its predicted score where longer; host and disk blocks extend it
/// beyond, each prefix position counted once.
pub fn decide(
    sources: &Sources<'_>,
    request: &Request<'_>,
    eligible: &[WorkerKey],
    choice: &Choice,
) -> Result<Decision> {
    let at = Positions::of(eligible)?;
    let mut candidates = filled(eligible.len(), Candidate::default())?;

    for s in sources.device.find_matches(request.local, false).scores {
        if let Some(i) = at.get(s.worker) {
            candidates[i].device = s.blocks;
            candidates[i].tree_size = s.tree_size;
        }
    }
    let mut host = filled(eligible.len(), 0)?;
    let mut disk = filled(eligible.len(), 0)?;
    if let Some(index) = sources.host {
        reach(index, request.local, &at, &mut host);
    }
    for index in sources.disk.iter().flatten() {
        reach(index, request.local, &at, &mut disk);
    }
    let mut predicted = filled(eligible.len(), 0)?;
    if let Some(index) = sources.predicted {
        reach(index, request.local, &at, &mut predicted);
    }
    for l in sources.load.potential_loads_chained(request.sequence)? {
        if let Some(i) = at.get(l.worker) {
            candidates[i].prefill_tokens = l.prefill_tokens;
            candidates[i].decode_blocks = l.active_blocks as f64;
        }
    }

    let mut inputs = Vec::new();
    try_reserve(&mut inputs, eligible.len())?;
    let mut ties = Vec::new();
    try_reserve(&mut ties, eligible.len())?;
    for (i, c) in candidates.iter_mut().enumerate() {
        let on_host = c.device.max(host[i]);
        let on_disk = on_host.max(disk[i]);
        c.host = on_host - c.device;
        c.disk = on_disk - on_host;
        c.predicted = predicted[i];
        inputs.push(CostInput {
            prefill_tokens: c.prefill_tokens,
            decode_blocks: c.decode_blocks,
            device: f64::from(c.device.max(c.predicted)),
            host: f64::from(c.host),
            disk: f64::from(c.disk),
            shared_beyond: 0.0,
        });
        ties.push(if choice.ties_by_tree_size {
            u64::from(c.tree_size)
        } else {
            0
        });
    }
    let values = costs(&choice.params, request.isl, &inputs)?;
    let chosen = choose(&values, &ties, choice.temperature, choice.draw)?;
    for (c, v) in candidates.iter_mut().zip(values) {
        c.cost = v;
    }
    Ok(Decision { candidates, chosen })
}

/// Each eligible worker's (first) position in the list, found by binary search.
struct Positions(Vec<(WorkerKey, usize)>);

impl Positions {
    fn of(eligible: &[WorkerKey]) -> Result<Self> {
        let mut v = Vec::new();
        try_reserve(&mut v, eligible.len())?;
        v.extend(eligible.iter().copied().zip(0..));
        // A router lists its workers in the order added, usually ascending already.
        if v.windows(2).any(|p| p[0] > p[1]) {
            sort_by(&mut v, |a, b| a.cmp(b));
        }
        Ok(Self(v))
    }

    fn get(&self, worker: WorkerKey) -> Option<usize> {
        let i = self.0.partition_point(|&(k, _)| k < worker);
        match self.0.get(i) {
            Some(&(k, at)) if k == worker => Some(at),
            _ => None,
        }
    }
}

/// Raises each eligible worker's entry in `into` to its score in `index`.
fn reach(index: &KvIndex, query: &[u64], at: &Positions, into: &mut [u32]) {
    for s in index.find_matches(query, false).scores {
        if let Some(i) = at.get(s.worker) {
            into[i] = into[i].max(s.blocks);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::StoredBlock;

    fn key(worker_id: u64) -> WorkerKey {
        WorkerKey {
            worker_id,
            dp_rank: 0,
        }
    }

    fn store(index: &mut KvIndex, worker: u64, hashes: &[u64]) {
        let blocks: Vec<StoredBlock> = hashes
            .iter()
            .map(|&h| StoredBlock {
                block_hash: h + 1000 * worker,
                tokens_hash: h,
            })
            .collect();
        index.apply_stored(key(worker), None, &blocks).unwrap();
    }

    fn tracker(workers: &[u64]) -> LoadTracker {
        let mut load = LoadTracker::new();
        for &w in workers {
            load.add_worker(key(w)).unwrap();
        }
        load
    }

    /// A router that keeps the device index only.
    fn device_only<'a>(device: &'a KvIndex, load: &'a LoadTracker) -> Sources<'a> {
        Sources {
            device,
            host: None,
            disk: [None, None],
            predicted: None,
            load,
        }
    }

    fn choice() -> Choice {
        Choice {
            params: CostParams::default(),
            temperature: 0.0,
            draw: 0.0,
            ties_by_tree_size: false,
        }
    }

    #[test]
    fn the_worker_holding_the_prompt_is_cheapest_and_its_cost_is_dynamos() {
        let mut device = KvIndex::new();
        store(&mut device, 1, &[10, 11, 12]);
        let load = tracker(&[1, 2]);
        let sources = device_only(&device, &load);
        // 4 blocks of 16 tokens; worker 1 holds 3: (64/16 − 3) + 4 new active blocks = 5;
        // worker 2: 4 + 4 = 8.
        let local = [10, 11, 12, 13];
        let request = Request {
            local: &local,
            sequence: &[1, 2, 3, 4],
            isl: 64.0,
        };
        let d = decide(&sources, &request, &[key(2), key(1)], &choice()).unwrap();
        assert_eq!(d.chosen, Some(1));
        assert_eq!(d.candidates[1].device, 3);
        assert_eq!(d.candidates[1].tree_size, 3);
        assert_eq!(d.candidates[1].cost, 1.0 + 4.0);
        assert_eq!(d.candidates[0].cost, 4.0 + 4.0);
    }

    #[test]
    fn lower_tiers_extend_the_device_run_and_count_each_position_once() {
        let mut device = KvIndex::new();
        let mut host = KvIndex::new();
        let mut disk = KvIndex::new();
        store(&mut device, 1, &[10]);
        store(&mut host, 1, &[10, 11, 12]);
        store(&mut disk, 1, &[10, 11]);
        let load = tracker(&[1]);
        let sources = Sources {
            host: Some(&host),
            disk: [Some(&disk), None],
            ..device_only(&device, &load)
        };
        let request = Request {
            local: &[10, 11, 12, 13],
            sequence: &[1, 2, 3, 4],
            isl: 64.0,
        };
        let d = decide(&sources, &request, &[key(1)], &choice()).unwrap();
        let c = d.candidates[0];
        assert_eq!((c.device, c.host, c.disk), (1, 2, 0));
        // (4 − 1 − 0.75·2) + 4 = 5.5
        assert_eq!(c.cost, 5.5);
    }

    #[test]
    fn predictions_count_as_device_blocks_where_longer() {
        let device = KvIndex::new();
        let mut predicted = KvIndex::approximate(1000.0);
        predicted.record(key(2), &[10, 11], 0.0).unwrap();
        let load = tracker(&[1, 2]);
        let sources = Sources {
            predicted: Some(&predicted),
            ..device_only(&device, &load)
        };
        let request = Request {
            local: &[10, 11, 12, 13],
            sequence: &[1, 2, 3, 4],
            isl: 64.0,
        };
        let d = decide(&sources, &request, &[key(1), key(2)], &choice()).unwrap();
        assert_eq!(d.chosen, Some(1));
        assert_eq!(d.candidates[1].predicted, 2);
        assert_eq!(d.candidates[1].cost, 2.0 + 4.0);
    }

    #[test]
    fn booked_load_is_counted_and_only_listed_workers_are_scored() {
        let device = KvIndex::new();
        let mut load = tracker(&[1, 3]);
        load.add_request(7, key(1), &[1, 2], 32.0).unwrap();
        let sources = device_only(&device, &load);
        let request = Request {
            local: &[10, 11],
            sequence: &[1, 2],
            isl: 32.0,
        };
        let d = decide(&sources, &request, &[key(1), key(2)], &choice()).unwrap();
        // worker 1: (32 + 32)/16 = 4 prefill blocks + 2 active (the request's own blocks are
        // among them) = 6; worker 2, which the tracker does not know, carries no load: 2 + 0.
        assert_eq!(d.candidates[0].cost, 6.0);
        assert_eq!(d.candidates[1].cost, 2.0);
        assert_eq!(d.chosen, Some(1));
    }

    #[test]
    fn no_eligible_worker_chooses_none() {
        let device = KvIndex::new();
        let load = LoadTracker::new();
        let sources = device_only(&device, &load);
        let request = Request {
            local: &[10],
            sequence: &[1],
            isl: 16.0,
        };
        let d = decide(&sources, &request, &[], &choice()).unwrap();
        assert_eq!(d, Decision::default());
    }
}
