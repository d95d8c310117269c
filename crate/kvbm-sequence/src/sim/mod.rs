//! The simulator (SPEC §9): a request trace replayed through simulated engine workers
//! ([`engine`]) behind a routing policy ([`policy`]), timed by a pass model ([`timing`]), with
//! a latency report ([`report`]). The whole loop runs here — pool events feed the router's index
//! and load model directly — so a caller only drives progress and reads the report.
//!
//! Data flow: trace → made tokens → block sequences → router decision → engine queues → passes
//! (pools, events → index) → token stamps → report.
//!
//! Place: `crate/kvbm-sequence/src/sim/mod.rs`.

pub mod config;
pub mod engine;
pub mod policy;
pub mod report;
pub mod rng;
#[cfg(test)]
mod tests;
pub mod timing;
pub mod trace;

use crate::error::Result;
use crate::hashing::compute_salt_hash;
use crate::hashing::lineage::POSITION_LIMIT;
use crate::router::hashes::chain_local_hashes;
use crate::sequence::BlockSequence;
use crate::tiers::pool::TierPool;
use config::{require, SimConfig};
use engine::{Engine, Live, PassOutcome};
use policy::{RouteInput, Router};
use report::{summarize, Gaps, Report, RequestStats, WorkerReport};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use trace::{Trace, NO_SESSION};

const NONE: u32 = u32::MAX;

/// A request ready to be dispatched at `at` (ties in trace order).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Ready {
    at: f64,
    row: u32,
}

impl Eq for Ready {}

impl Ord for Ready {
    fn cmp(&self, other: &Self) -> Ordering {
        self.at
            .partial_cmp(&other.at)
            .unwrap_or(Ordering::Equal)
            .then(self.row.cmp(&other.row))
    }
}

impl PartialOrd for Ready {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Where a simulation is.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Progress {
    /// Requests finished (completed, refused or skipped).
    pub finished: u64,
    /// Requests in the trace.
    pub total: u64,
    /// The simulated clock (ms).
    pub now_ms: f64,
    /// Prompt tokens of completed requests so far.
    pub prompt_tokens: u64,
    /// Of which hit in G1.
    pub g1_hit_tokens: u64,
    /// Of which onboarded from G2.
    pub g2_hit_tokens: u64,
}

/// A simulation in progress (see the module docs).
#[derive(Debug)]
pub struct Simulation {
    cfg: SimConfig,
    trace: Trace,
    salt: u64,
    engines: Vec<Engine>,
    router: Router,
    stats: Vec<RequestStats>,
    gaps: Gaps,
    ready: BinaryHeap<Reverse<Ready>>,
    next_turn: Vec<u32>,
    delay: Vec<f64>,
    in_flight: u32,
    now: f64,
    progress: Progress,
}

impl Simulation {
    /// Sets up a simulation of `trace` (both checked first: the error names the setting or
    /// field). G1/G2 sizes are in `cfg` as blocks.
    pub fn new(cfg: SimConfig, trace: Trace) -> Result<Self> {
        cfg.validate()?;
        trace.validate()?;
        require(trace.rows.len() < NONE as usize, "trace")?;
        let salt = compute_salt_hash(None, None);
        let bs = cfg.block_size as usize;
        let mut engines = Vec::new();
        for _ in 0..cfg.workers {
            let g1 = TierPool::with_capacity(cfg.g1_blocks, bs, salt, cfg.eviction)?;
            let g2 = match cfg.g2_blocks {
                Some(n) => Some(TierPool::with_capacity(n, bs, salt, cfg.eviction)?),
                None => None,
            };
            engines.push(Engine::new(g1, g2));
        }
        let router = Router::new(&cfg)?;
        let n = trace.rows.len();
        let mut stats = vec![RequestStats::default(); n];
        let mut next_turn = vec![NONE; n];
        let mut delay = vec![0.0; n];
        let mut last: crate::collections::FastMap<u32, u32> = Default::default();
        let ratio = if cfg.arrival_speedup_ratio > 0.0 {
            cfg.arrival_speedup_ratio
        } else {
            1.0
        };
        let mut firsts = Vec::new();
        for (i, row) in trace.rows.iter().enumerate() {
            let s = &mut stats[i];
            s.worker = NONE;
            s.prompt_tokens = trace.prompt_length(row, cfg.trace_block_size);
            s.output_tokens = row.output_length as u64;
            let blocks = (s.prompt_tokens + s.output_tokens) / bs as u64 + 1;
            s.skipped = s.prompt_tokens == 0 || blocks >= POSITION_LIMIT;
            let prev = if row.session == NO_SESSION {
                None
            } else {
                last.insert(row.session, i as u32)
            };
            match prev {
                Some(p) => {
                    next_turn[p as usize] = i as u32;
                    let gap = row.timestamp_ms - trace.rows[p as usize].timestamp_ms;
                    delay[i] = if row.delay_ms.is_nan() {
                        gap.max(0.0) / ratio
                    } else {
                        row.delay_ms
                    };
                }
                None => firsts.push(i),
            }
        }
        let t0 = firsts
            .iter()
            .map(|&i| trace.rows[i].timestamp_ms)
            .fold(f64::INFINITY, f64::min);
        let mut ready = BinaryHeap::new();
        for &i in &firsts {
            let at = if cfg.concurrency > 0 {
                0.0
            } else {
                (trace.rows[i].timestamp_ms - t0) / ratio
            };
            ready.push(Reverse(Ready { at, row: i as u32 }));
        }
        let total = n as u64;
        Ok(Self {
            cfg,
            trace,
            salt,
            engines,
            router,
            stats,
            gaps: Gaps::default(),
            ready,
            next_turn,
            delay,
            in_flight: 0,
            now: 0.0,
            progress: Progress {
                total,
                ..Progress::default()
            },
        })
    }

    /// Where the simulation is.
    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// Requests running on each worker now.
    pub fn running(&self) -> Vec<usize> {
        self.engines.iter().map(Engine::running_count).collect()
    }

    /// The per-request records (trace order).
    pub fn requests(&self) -> &[RequestStats] {
        &self.stats
    }

    /// Runs until `budget` more requests finished or the trace is done; `true` when done.
    pub fn run(&mut self, budget: u64) -> Result<bool> {
        let stop = self.progress.finished.saturating_add(budget);
        while self.progress.finished < stop {
            if !self.step()? {
                return Ok(true);
            }
        }
        Ok(self.is_done())
    }

    fn is_done(&self) -> bool {
        self.progress.finished >= self.progress.total
    }

    fn can_dispatch(&self) -> bool {
        self.cfg.concurrency == 0 || self.in_flight < self.cfg.concurrency
    }

    /// One instant of the clock; `false` when nothing is left to happen.
    fn step(&mut self) -> Result<bool> {
        let mut t = f64::INFINITY;
        for e in &self.engines {
            t = t.min(e.pass_end.unwrap_or(f64::INFINITY));
            t = t.min(e.next_swap_in().unwrap_or(f64::INFINITY));
        }
        if self.can_dispatch() {
            if let Some(Reverse(r)) = self.ready.peek() {
                t = t.min(r.at.max(self.now));
            }
        }
        if t == f64::INFINITY {
            return Ok(false);
        }
        self.now = t;
        let mut out = PassOutcome::default();
        for e in self.engines.iter_mut() {
            if e.pass_end == Some(t) {
                e.finish_pass(t, &mut self.stats, &mut self.gaps, &mut out)?;
            }
            if e.next_swap_in().map_or(false, |d| d <= t) {
                e.finish_swap_ins(t)?;
            }
        }
        self.settle(&mut out)?;
        while self.can_dispatch() {
            match self.ready.peek() {
                Some(Reverse(r)) if r.at <= t => {
                    let row = r.row;
                    self.ready.pop();
                    self.dispatch(row, t)?;
                }
                _ => break,
            }
        }
        for w in 0..self.engines.len() {
            let e = &mut self.engines[w];
            if e.pass_end.is_none() && e.has_work() {
                let mut finished = Vec::new();
                e.start_pass(t, &self.cfg, &mut self.stats, &mut finished)?;
                let events = e.take_events();
                if self.router.wants_events() {
                    self.router.apply_events(w, events)?;
                }
                out.finished.extend(finished);
            }
        }
        self.settle(&mut out)?;
        Ok(true)
    }

    /// Tells the router and the sessions about first tokens and finished requests.
    fn settle(&mut self, out: &mut PassOutcome) -> Result<()> {
        for id in out.first_tokens.drain(..) {
            self.router.prefill_done(id)?;
        }
        for id in std::mem::take(&mut out.finished) {
            self.finish(id)?;
        }
        Ok(())
    }

    fn finish(&mut self, id: u32) -> Result<()> {
        self.router.finished(id)?;
        self.in_flight = self.in_flight.saturating_sub(1);
        let s = &mut self.stats[id as usize];
        s.completed_at.get_or_insert(self.now);
        self.progress.finished += 1;
        if s.completed() {
            self.progress.prompt_tokens += s.prompt_tokens;
            self.progress.g1_hit_tokens += s.g1_hit;
            self.progress.g2_hit_tokens += s.g2_hit;
        }
        let next = self.next_turn[id as usize];
        if next != NONE {
            let at = self.now + self.delay[next as usize];
            self.ready.push(Reverse(Ready { at, row: next }));
        }
        Ok(())
    }

    /// Routes a request at `now` and queues it on the chosen engine.
    fn dispatch(&mut self, row: u32, now: f64) -> Result<()> {
        self.in_flight += 1;
        let i = row as usize;
        self.stats[i].arrival = now;
        if self.stats[i].skipped {
            return self.finish(row);
        }
        let r = &self.trace.rows[i];
        let tokens = self.trace.prompt_tokens(r, self.cfg.trace_block_size)?;
        let mut seq = BlockSequence::new(&tokens, self.cfg.block_size as usize, self.salt)?;
        // Room for the output up front: appending token by token would double the storage.
        seq.reserve_tokens(r.output_length as usize)?;
        let local: Vec<u64> = seq.block_hashes().collect();
        let mut chained = Vec::with_capacity(local.len());
        chain_local_hashes(&local, |_, h| chained.push(h));
        let input = RouteInput {
            id: row,
            local: &local,
            chained: &chained,
            isl: tokens.len(),
            session: Some(r.session).filter(|&s| s != NO_SESSION),
        };
        let w = self.router.route(&self.cfg, input, &self.engines, now)?;
        self.stats[i].worker = w as u32;
        self.engines[w].enqueue(Live::new(row, seq, r.output_length));
        Ok(())
    }

    /// The report (complete once [`Simulation::run`] returned `true`).
    pub fn report(&self) -> Report {
        let per_worker = self
            .engines
            .iter()
            .map(|e| WorkerReport {
                peak_running: e.peak_running,
                preemptions: e.preemptions,
                ..WorkerReport::default()
            })
            .collect();
        let mut r = summarize(&self.stats, &self.gaps, self.cfg.slo_ms, per_worker);
        for e in &self.engines {
            r.onboarded_blocks += e.onboarded_blocks;
            r.offloaded_blocks += e.offloaded_blocks;
            r.g1_evicted_blocks += e.g1.evictions();
            r.g2_evicted_blocks += e.g2.as_ref().map_or(0, |g| g.evictions());
        }
        r
    }
}
