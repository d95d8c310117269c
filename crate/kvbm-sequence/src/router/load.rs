//! The router's load tracker (SPEC §6.4): per worker, the blocks its running requests hold (a
//! block shared by several requests counts once) and the prefill tokens queued on it; from them,
//! each worker's potential load if it took a new request.
//!
//! Place: `crate/kvbm-sequence/src/router/load.rs`.

use crate::collections::{FastMap, HashCounts};
use crate::error::{out_of_memory, try_reserve, Error, Result};
use crate::router::index::WorkerKey;

#[derive(Clone, Debug)]
struct Load {
    key: WorkerKey,
    blocks: HashCounts,
    prefill: f64,
}

#[derive(Clone, Debug)]
struct Running {
    worker: WorkerKey,
    hashes: Vec<u64>,
    prefill: f64,
}

/// One worker's potential load.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PotentialLoad {
    /// The worker.
    pub worker: WorkerKey,
    /// Its active blocks plus the request's blocks not among them.
    pub active_blocks: usize,
    /// Prefill tokens queued on it.
    pub prefill_tokens: f64,
}

/// The tracker (see the module docs). Requests are named by numbers the caller chooses.
#[derive(Clone, Debug, Default)]
pub struct LoadTracker {
    workers: Vec<Load>,
    requests: FastMap<u32, Running>,
}

fn unknown(request: u32) -> Error {
    Error::RequestState {
        request,
        running: false,
    }
}

impl LoadTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    fn position(&self, key: WorkerKey) -> Option<usize> {
        self.workers.iter().position(|w| w.key == key)
    }

    /// Adds a candidate worker (a no-op where it is known).
    pub fn add_worker(&mut self, key: WorkerKey) -> Result<()> {
        if self.position(key).is_none() {
            try_reserve(&mut self.workers, 1)?;
            self.workers.push(Load {
                key,
                blocks: HashCounts::default(),
                prefill: 0.0,
            });
        }
        Ok(())
    }

    /// Removes every rank of a worker and forgets its requests.
    pub fn remove_worker(&mut self, worker_id: u64) {
        self.workers.retain(|w| w.key.worker_id != worker_id);
        self.requests.retain(|_, r| r.worker.worker_id != worker_id);
    }

    /// Whether a request is running.
    pub fn is_running(&self, request: u32) -> bool {
        self.requests.contains_key(&request)
    }

    /// Running requests.
    pub fn running(&self) -> usize {
        self.requests.len()
    }

    /// Starts `request` on a worker (added where unknown): its blocks become active there and
    /// `prefill` tokens are queued. A request number already running is refused.
    pub fn add_request(
        &mut self,
        request: u32,
        worker: WorkerKey,
        hashes: &[u64],
        prefill: f64,
    ) -> Result<()> {
        if self.requests.contains_key(&request) {
            return Err(Error::RequestState {
                request,
                running: true,
            });
        }
        if !self.workers.iter().any(|w| w.key == worker) {
            return Err(Error::UnknownWorker {
                worker_id: worker.worker_id,
                dp_rank: worker.dp_rank,
            });
        }
        let mut owned = Vec::new();
        try_reserve(&mut owned, hashes.len())?;
        owned.extend_from_slice(hashes);
        self.requests.try_reserve(1).map_err(out_of_memory(1))?;
        let w = match self.workers.iter_mut().find(|w| w.key == worker) {
            Some(w) => w,
            None => return Err(unknown(request)),
        };
        w.blocks
            .try_reserve(hashes.len())
            .map_err(out_of_memory(hashes.len()))?;
        for &h in hashes {
            w.blocks.increment(h);
        }
        w.prefill += prefill;
        self.requests.insert(
            request,
            Running {
                worker,
                hashes: owned,
                prefill,
            },
        );
        Ok(())
    }

    /// The request's prefill is done.
    pub fn mark_prefill_done(&mut self, request: u32) -> Result<()> {
        let r = self
            .requests
            .get_mut(&request)
            .ok_or_else(|| unknown(request))?;
        let prefill = std::mem::replace(&mut r.prefill, 0.0);
        if let Some(w) = self.workers.iter_mut().find(|w| w.key == r.worker) {
            w.prefill -= prefill;
        }
        Ok(())
    }

    /// The request ended: its blocks and any prefill left are released.
    pub fn free(&mut self, request: u32) -> Result<()> {
        let r = self
            .requests
            .remove(&request)
            .ok_or_else(|| unknown(request))?;
        if let Some(w) = self.workers.iter_mut().find(|w| w.key == r.worker) {
            w.prefill -= r.prefill;
            for &h in &r.hashes {
                w.blocks.decrement(h);
            }
        }
        Ok(())
    }

    /// [`LoadTracker::potential_loads`] for a request's **chained** sequence hashes (each names
    /// its block and the whole prefix before it). A worker's active set is then prefix-closed —
    /// a request brings all of its blocks — so the request's blocks already active there are a
    /// leading run, found by walking until the first one missing instead of looking up every
    /// block. The same answer whenever the hashes are chained.
    pub fn potential_loads_chained(&self, hashes: &[u64]) -> Result<Vec<PotentialLoad>> {
        let mut out = Vec::new();
        try_reserve(&mut out, self.workers.len())?;
        for w in &self.workers {
            let present = hashes.iter().take_while(|&&h| w.blocks.contains(h)).count();
            out.push(PotentialLoad {
                worker: w.key,
                active_blocks: w.blocks.len() + hashes.len() - present,
                prefill_tokens: w.prefill,
            });
        }
        Ok(out)
    }

    /// Every worker's load if it took a request with these block hashes, in the order added.
    pub fn potential_loads(&self, hashes: &[u64]) -> Result<Vec<PotentialLoad>> {
        let mut distinct: FastMap<u64, ()> = FastMap::default();
        distinct
            .try_reserve(hashes.len())
            .map_err(out_of_memory(hashes.len()))?;
        for &h in hashes {
            distinct.insert(h, ());
        }
        let mut out = Vec::new();
        try_reserve(&mut out, self.workers.len())?;
        for w in &self.workers {
            let extra = if w.blocks.is_empty() {
                distinct.len()
            } else {
                distinct.keys().filter(|&&h| !w.blocks.contains(h)).count()
            };
            out.push(PotentialLoad {
                worker: w.key,
                active_blocks: w.blocks.len() + extra,
                prefill_tokens: w.prefill,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(id: u64) -> WorkerKey {
        WorkerKey {
            worker_id: id,
            dp_rank: 0,
        }
    }

    #[test]
    fn shared_blocks_count_once_and_leave_with_the_last_request() {
        let mut t = LoadTracker::new();
        t.add_worker(w(1)).unwrap();
        t.add_request(1, w(1), &[10, 11], 32.0).unwrap();
        t.add_request(2, w(1), &[10, 12], 16.0).unwrap();
        assert_eq!(t.potential_loads(&[10, 13]).unwrap()[0].active_blocks, 4);
        t.mark_prefill_done(1).unwrap();
        assert_eq!(t.potential_loads(&[]).unwrap()[0].prefill_tokens, 16.0);
        t.free(1).unwrap();
        t.free(2).unwrap();
        assert_eq!(t.potential_loads(&[]).unwrap()[0].active_blocks, 0);
        assert!(t.free(2).is_err());
        assert!(t.add_request(3, w(1), &[], 0.0).is_ok());
        assert!(t.add_request(3, w(1), &[], 0.0).is_err());
    }

    #[test]
    fn chained_loads_equal_the_general_ones_for_prefix_closed_requests() {
        let mut t = LoadTracker::new();
        t.add_worker(w(1)).unwrap();
        t.add_worker(w(2)).unwrap();
        t.add_request(1, w(1), &[10, 11, 12], 0.0).unwrap();
        t.add_request(2, w(2), &[10, 21], 0.0).unwrap();
        for q in [&[10u64, 11, 13][..], &[10, 21, 22, 23], &[30], &[]] {
            assert_eq!(
                t.potential_loads_chained(q).unwrap(),
                t.potential_loads(q).unwrap()
            );
        }
    }

    #[test]
    fn a_request_on_an_unknown_worker_is_refused_and_adds_no_candidate() {
        let mut t = LoadTracker::new();
        t.add_worker(w(1)).unwrap();
        assert_eq!(
            t.add_request(1, w(99), &[10], 8.0),
            Err(Error::UnknownWorker {
                worker_id: 99,
                dp_rank: 0
            })
        );
        assert_eq!(t.potential_loads(&[]).unwrap().len(), 1);
    }
}
