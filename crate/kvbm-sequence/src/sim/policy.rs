//! The routing policies of the simulator (SPEC §9.5): round-robin, random, Dynamo's KV cost
//! (classic and newest, over an index fed by the workers' G1 events), Dynamo's approximate KV
//! (the router records its own choices), SGLang's cache-aware policy, llm-d's weighted scorers
//! and hard session affinity. Every decision reads simulator state at the decision instant.
//!
//! Place: `crate/kvbm-sequence/src/sim/policy.rs`.

use super::config::{PolicyKind, SimConfig};
use super::engine::Engine;
use super::rng::SplitMix64;
use crate::collections::FastMap;
use crate::error::Result;
use crate::events::{PoolEvent, StoredBlock};
use crate::router::cost::{choose, costs, CostInput, CostParams};
use crate::router::index::{KvIndex, WorkerKey};
use crate::router::load::LoadTracker;

/// What a policy knows of a request.
#[derive(Clone, Copy, Debug)]
pub struct RouteInput<'a> {
    /// Request number.
    pub id: u32,
    /// Its complete blocks' local hashes.
    pub local: &'a [u64],
    /// The same chained (the load model's keys).
    pub chained: &'a [u64],
    /// Prompt tokens.
    pub isl: usize,
    /// Its session, if any.
    pub session: Option<u32>,
}

/// The router of a simulation (see the module docs).
#[derive(Debug)]
pub struct Router {
    kind: PolicyKind,
    base: PolicyKind,
    events: Option<KvIndex>,
    approx: Option<KvIndex>,
    load: Option<LoadTracker>,
    routed: u64,
    rng: SplitMix64,
    sessions: FastMap<u32, u32>,
    outstanding: Vec<u64>,
    owner: FastMap<u32, u32>,
}

fn key(w: usize) -> WorkerKey {
    WorkerKey {
        worker_id: w as u64,
        dp_rank: 0,
    }
}

fn uses(kind: PolicyKind, base: PolicyKind, which: &[PolicyKind]) -> bool {
    which.contains(&kind) || (kind == PolicyKind::Session && which.contains(&base))
}

impl Router {
    /// A router for `cfg.workers` workers.
    pub fn new(cfg: &SimConfig) -> Result<Self> {
        let (kind, base) = (cfg.policy, cfg.session_base);
        let event_fed = uses(kind, base, &[PolicyKind::Kv, PolicyKind::KvNewest]);
        let ttl = if uses(kind, base, &[PolicyKind::KvApprox]) {
            Some(cfg.approx_ttl_ms)
        } else if uses(
            kind,
            base,
            &[PolicyKind::SglangCacheAware, PolicyKind::Llmd],
        ) {
            Some(f64::INFINITY)
        } else {
            None
        };
        let load = if event_fed || uses(kind, base, &[PolicyKind::KvApprox]) {
            let mut t = LoadTracker::new();
            for w in 0..cfg.workers as usize {
                t.add_worker(key(w))?;
            }
            Some(t)
        } else {
            None
        };
        Ok(Self {
            kind,
            base,
            events: if event_fed {
                Some(KvIndex::new())
            } else {
                None
            },
            approx: ttl.map(KvIndex::approximate),
            load,
            routed: 0,
            rng: SplitMix64::new(cfg.seed),
            sessions: FastMap::default(),
            outstanding: vec![0; cfg.workers as usize],
            owner: FastMap::default(),
        })
    }

    /// Whether the router reads the workers' events.
    pub fn wants_events(&self) -> bool {
        self.events.is_some()
    }

    /// Applies a worker's G1 events to the event-fed index (results are the index's counts).
    pub fn apply_events(&mut self, worker: usize, events: Vec<PoolEvent>) -> Result<()> {
        let index = match self.events.as_mut() {
            Some(i) => i,
            None => return Ok(()),
        };
        for e in events {
            match e {
                PoolEvent::Stored { parent, blocks } => {
                    let blocks: Vec<StoredBlock> = blocks
                        .into_iter()
                        .map(|(block_hash, tokens_hash)| StoredBlock {
                            block_hash,
                            tokens_hash,
                        })
                        .collect();
                    index.apply_stored(key(worker), parent, &blocks)?;
                }
                PoolEvent::Removed { hashes } => {
                    index.apply_removed(key(worker), &hashes)?;
                }
            }
        }
        Ok(())
    }

    /// Chooses the worker for a request at `now` and books it.
    pub fn route(
        &mut self,
        cfg: &SimConfig,
        req: RouteInput<'_>,
        engines: &[Engine],
        now: f64,
    ) -> Result<usize> {
        let sticky = match (self.kind, req.session) {
            (PolicyKind::Session, Some(s)) => self.sessions.get(&s).copied(),
            _ => None,
        };
        let kind = if self.kind == PolicyKind::Session {
            self.base
        } else {
            self.kind
        };
        let (w, overlap) = match sticky {
            Some(w) => (w as usize, self.overlap_of(req, w as usize)),
            None => self.decide(kind, cfg, req, engines, now)?,
        };
        if let (PolicyKind::Session, Some(s)) = (self.kind, req.session) {
            self.sessions.insert(s, w as u32);
        }
        if let Some(approx) = self.approx.as_mut() {
            approx.record(key(w), req.local, now)?;
        }
        if let Some(load) = self.load.as_mut() {
            let prefill = req.isl.saturating_sub(overlap * cfg.block_size as usize);
            load.add_request(req.id, key(w), req.chained, prefill as f64)?;
        }
        self.routed += 1;
        self.outstanding[w] += 1;
        self.owner.insert(req.id, w as u32);
        Ok(w)
    }

    fn overlap_of(&self, req: RouteInput<'_>, w: usize) -> usize {
        let index = self.events.as_ref().or(self.approx.as_ref());
        index.map_or(0, |i| {
            i.find_matches(req.local, false)
                .scores
                .iter()
                .find(|s| s.worker == key(w))
                .map_or(0, |s| s.blocks as usize)
        })
    }

    fn decide(
        &mut self,
        kind: PolicyKind,
        cfg: &SimConfig,
        req: RouteInput<'_>,
        engines: &[Engine],
        now: f64,
    ) -> Result<(usize, usize)> {
        let n = engines.len();
        Ok(match kind {
            PolicyKind::RoundRobin | PolicyKind::Session => ((self.routed % n as u64) as usize, 0),
            PolicyKind::Random => (self.rng.below(n), 0),
            PolicyKind::Kv | PolicyKind::KvNewest | PolicyKind::KvApprox => {
                self.kv(kind, cfg, req, n, now)?
            }
            PolicyKind::SglangCacheAware => self.sglang(cfg, req, n)?,
            PolicyKind::Llmd => self.llmd(cfg, req, engines)?,
        })
    }

    /// Dynamo's cost: classic (credit 1, no decay, ties to the smallest tree) or newest (with
    /// `overlap_score_credit_decay`).
    fn kv(
        &mut self,
        kind: PolicyKind,
        cfg: &SimConfig,
        req: RouteInput<'_>,
        n: usize,
        now: f64,
    ) -> Result<(usize, usize)> {
        let index = if kind == PolicyKind::KvApprox {
            let a = self.approx.as_mut();
            if let Some(a) = a {
                a.advance(now)?;
            }
            self.approx.as_ref()
        } else {
            self.events.as_ref()
        };
        let mut overlap = vec![0usize; n];
        let mut tree = vec![0u64; n];
        if let Some(index) = index {
            for s in index.find_matches(req.local, false).scores {
                if let Some(o) = overlap.get_mut(s.worker.worker_id as usize) {
                    *o = s.blocks as usize;
                    tree[s.worker.worker_id as usize] = s.tree_size as u64;
                }
            }
        }
        let loads = match self.load.as_ref() {
            Some(l) => l.potential_loads_chained(req.chained)?,
            None => Vec::new(),
        };
        let inputs: Vec<CostInput> = (0..n)
            .map(|w| CostInput {
                prefill_tokens: loads.get(w).map_or(0.0, |l| l.prefill_tokens.max(0.0)),
                decode_blocks: loads.get(w).map_or(0.0, |l| l.active_blocks as f64),
                device: overlap[w] as f64,
                ..CostInput::default()
            })
            .collect();
        let params = CostParams {
            block_size: cfg.block_size as f64,
            prefill_load_scale: cfg.overlap_score_weight,
            overlap_score_credit_decay: if kind == PolicyKind::KvNewest {
                cfg.overlap_score_credit_decay
            } else {
                0.0
            },
            host_cache_hit_weight: 0.0,
            disk_cache_hit_weight: 0.0,
            ..CostParams::default()
        };
        let values = costs(&params, req.isl as f64, &inputs)?;
        let draw = self.rng.next_f64();
        let w = choose(&values, &tree, cfg.temperature, draw)?.unwrap_or(0);
        Ok((w, overlap[w]))
    }

    /// SGLang's cache-aware policy over blocks (SPEC §9.5).
    fn sglang(&mut self, cfg: &SimConfig, req: RouteInput<'_>, n: usize) -> Result<(usize, usize)> {
        let loads = &self.outstanding;
        let (max_l, min_l) = (
            loads.iter().copied().max().unwrap_or(0) as f64,
            loads.iter().copied().min().unwrap_or(0) as f64,
        );
        if max_l - min_l > cfg.balance_abs && max_l > min_l * cfg.balance_rel {
            let w = (0..n).min_by_key(|&w| loads[w]).unwrap_or(0);
            return Ok((w, 0));
        }
        let index = match self.approx.as_ref() {
            Some(i) => i,
            None => return Ok((0, 0)),
        };
        let matches = index.find_matches(req.local, false);
        let best = matches.scores.first().copied();
        let rate = match (best, req.local.len()) {
            (Some(b), len) if len > 0 => b.blocks as f64 / len as f64,
            _ => 0.0,
        };
        if let Some(b) = best.filter(|_| rate > cfg.cache_threshold) {
            return Ok((b.worker.worker_id as usize, b.blocks as usize));
        }
        let mut sizes = vec![0usize; n];
        for (k, size) in index.tree_sizes() {
            if let Some(s) = sizes.get_mut(k.worker_id as usize) {
                *s = size;
            }
        }
        let w = (0..n).min_by_key(|&w| sizes[w]).unwrap_or(0);
        Ok((w, 0))
    }

    /// llm-d's weighted scorers: prefix, queue and KV utilisation (SPEC §9.5).
    fn llmd(
        &mut self,
        cfg: &SimConfig,
        req: RouteInput<'_>,
        engines: &[Engine],
    ) -> Result<(usize, usize)> {
        let n = engines.len();
        let mut prefix = vec![0usize; n];
        if let Some(index) = self.approx.as_ref() {
            for s in index.find_matches(req.local, false).scores {
                if let Some(p) = prefix.get_mut(s.worker.worker_id as usize) {
                    *p = s.blocks as usize;
                }
            }
        }
        let queues: Vec<usize> = engines.iter().map(Engine::queue_length).collect();
        let (max_q, min_q) = (
            queues.iter().copied().max().unwrap_or(0),
            queues.iter().copied().min().unwrap_or(0),
        );
        let [wp, wq, wk] = cfg.llmd_weights;
        let scores: Vec<f64> = (0..n)
            .map(|w| {
                let p = if req.local.is_empty() {
                    0.0
                } else {
                    prefix[w] as f64 / req.local.len() as f64
                };
                let q = if max_q == min_q {
                    1.0
                } else {
                    (max_q - queues[w]) as f64 / (max_q - min_q) as f64
                };
                let g1 = &engines[w].g1;
                let used = if g1.capacity() == 0 {
                    0.0
                } else {
                    g1.active_count() as f64 / g1.capacity() as f64
                };
                wp * p + wq * q + wk * (1.0 - used)
            })
            .collect();
        let best = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let tied: Vec<usize> = (0..n).filter(|&w| scores[w] == best).collect();
        let w = tied[self.rng.below(tied.len())];
        Ok((w, prefix[w]))
    }

    /// The request emitted its first token: its prefill leaves the load model.
    pub fn prefill_done(&mut self, id: u32) -> Result<()> {
        match self.load.as_mut() {
            Some(l) if l.is_running(id) => l.mark_prefill_done(id),
            _ => Ok(()),
        }
    }

    /// The request finished (completed or refused).
    pub fn finished(&mut self, id: u32) -> Result<()> {
        if let Some(w) = self.owner.remove(&id) {
            self.outstanding[w as usize] -= 1;
        }
        match self.load.as_mut() {
            Some(l) if l.is_running(id) => l.free(id),
            _ => Ok(()),
        }
    }
}
