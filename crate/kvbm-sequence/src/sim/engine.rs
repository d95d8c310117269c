//! One simulated engine worker (SPEC §9.1): a vLLM-v1-style continuous-batching step loop over a
//! G1 pool (and optionally a G2 pool) — waiting and running queues, a token budget per pass,
//! chunked prefill, admission by free blocks, prefix hits, preemption, G2 onboarding, token
//! emission and completion.
//!
//! A pass is scheduled when it starts (its blocks register then, so its events are visible to
//! routing decisions from that instant) and its tokens are stamped when it ends.
//!
//! Place: `crate/kvbm-sequence/src/sim/engine.rs`.

use super::config::{Preemption, SimConfig};
use super::report::{Gaps, RequestStats};
use super::timing::{scaled, transfer_ms, PassLoad};
use super::trace::output_token;
use crate::error::Result;
use crate::sequence::BlockSequence;
use crate::tiers::pool::TierPool;
use std::collections::VecDeque;

/// A request inside an engine.
#[derive(Debug)]
pub struct Live {
    /// Request number (the trace row).
    pub id: u32,
    /// Prompt plus emitted tokens.
    pub seq: BlockSequence,
    /// Output tokens to generate.
    pub output_length: u32,
    /// Tokens emitted so far.
    pub emitted: u32,
    /// Tokens computed (or cached) since the last admission.
    computed: usize,
    /// G1 ids held, by block position.
    held: Vec<u32>,
    /// Leading positions of `held` that are registered.
    registered: usize,
    /// Whether its G2 hit was already onboarded (it is not parked twice).
    swapped_in: bool,
    /// Blocks onboarded from G2 for it.
    onboarded: usize,
}

impl Live {
    /// A fresh request.
    pub fn new(id: u32, seq: BlockSequence, output_length: u32) -> Self {
        Self {
            id,
            seq,
            output_length,
            emitted: 0,
            computed: 0,
            held: Vec::new(),
            registered: 0,
            swapped_in: false,
            onboarded: 0,
        }
    }
}

/// A request waiting for its G2 blocks to be copied.
#[derive(Debug)]
struct Parked {
    done_at: f64,
    live: Live,
    g2_ids: Vec<u32>,
    from: usize,
}

/// What the end of a pass (or a swap-in) did, for the router and the sessions.
#[derive(Debug, Default)]
pub struct PassOutcome {
    /// Requests that emitted their first token.
    pub first_tokens: Vec<u32>,
    /// Requests that completed or were refused.
    pub finished: Vec<u32>,
}

/// One worker (see the module docs).
#[derive(Debug)]
pub struct Engine {
    /// The device tier.
    pub g1: TierPool,
    /// The host tier.
    pub g2: Option<TierPool>,
    waiting: VecDeque<Live>,
    running: Vec<Live>,
    parked: Vec<Parked>,
    link_free: f64,
    /// End of the pass in flight, if any.
    pub pass_end: Option<f64>,
    /// Preemptions so far.
    pub preemptions: u64,
    /// Most requests running at once.
    pub peak_running: u32,
    /// Blocks onboarded G2 → G1.
    pub onboarded_blocks: u64,
    /// Blocks offloaded G1 → G2.
    pub offloaded_blocks: u64,
}

/// Releases a request's G1 blocks tail first, as vLLM's `KVCacheManager.free` does ("so that
/// the tail blocks are evicted first"): under LRU a prefix's leaves go before its root.
fn release_tail_first(pool: &mut TierPool, held: &mut [u32]) -> Result<()> {
    held.reverse();
    pool.release(held)
}

fn blocks_for(tokens: usize, bs: usize) -> usize {
    (tokens + bs - 1) / bs
}

impl Engine {
    /// An idle engine with empty tiers.
    pub fn new(g1: TierPool, g2: Option<TierPool>) -> Self {
        Self {
            g1,
            g2,
            waiting: VecDeque::new(),
            running: Vec::new(),
            parked: Vec::new(),
            link_free: 0.0,
            pass_end: None,
            preemptions: 0,
            peak_running: 0,
            onboarded_blocks: 0,
            offloaded_blocks: 0,
        }
    }

    /// Queues a routed request.
    pub fn enqueue(&mut self, live: Live) {
        self.waiting.push_back(live);
    }

    /// Requests waiting (queued or copying from G2).
    pub fn queue_length(&self) -> usize {
        self.waiting.len() + self.parked.len()
    }

    /// Requests running.
    pub fn running_count(&self) -> usize {
        self.running.len()
    }

    /// Whether a pass would have anything to do.
    pub fn has_work(&self) -> bool {
        !self.running.is_empty() || !self.waiting.is_empty()
    }

    /// Earliest completion of a G2 copy.
    pub fn next_swap_in(&self) -> Option<f64> {
        self.parked.iter().map(|p| p.done_at).reduce(f64::min)
    }

    /// Drops both tiers' queued events except G1's, which are returned.
    pub fn take_events(&mut self) -> Vec<crate::events::PoolEvent> {
        if let Some(g2) = self.g2.as_mut() {
            g2.take_events();
        }
        self.g1.take_events()
    }

    /// Registers the complete blocks of `live` below `upto` in G1 and writes them through to G2.
    fn register_upto(&mut self, k: usize, upto: usize) -> Result<()> {
        let live = &mut self.running[k];
        let upto = upto.min(live.seq.block_count()).min(live.held.len());
        if upto <= live.registered {
            return Ok(());
        }
        let from = live.registered;
        let ids = self.g1.register(&live.held[from..upto], &live.seq, from)?;
        live.held[from..upto].copy_from_slice(&ids);
        live.registered = upto;
        if let Some(g2) = self.g2.as_mut() {
            let missing = g2.unregistered_positions(&live.seq, from, upto)?;
            let mut i = 0;
            while i < missing.len() {
                let mut end = i + 1;
                while end < missing.len() && missing[end] == missing[end - 1] + 1 {
                    end += 1;
                }
                let room = (end - i).min(g2.free_count() + g2.inactive_count());
                if room == 0 {
                    break;
                }
                let fresh = g2.allocate(room)?;
                let mut kept = g2.register(&fresh, &live.seq, missing[i] as usize)?;
                release_tail_first(g2, &mut kept)?;
                self.offloaded_blocks += room as u64;
                i = end;
            }
        }
        Ok(())
    }

    /// Allocates G1 blocks so that running request `k` covers `tokens`; `false` when the pool
    /// cannot supply them (nothing changed).
    fn cover(&mut self, k: usize, tokens: usize, bs: usize) -> Result<bool> {
        let need = blocks_for(tokens, bs).saturating_sub(self.running[k].held.len());
        if need == 0 {
            return Ok(true);
        }
        if self.g1.free_count() + self.g1.inactive_count() < need {
            return Ok(false);
        }
        let ids = self.g1.allocate(need)?;
        self.running[k].held.extend_from_slice(&ids);
        Ok(true)
    }

    /// Preempts running request `k`: its blocks are released, it goes to the front of the queue.
    fn preempt(&mut self, k: usize) -> Result<()> {
        let mut live = self.running.remove(k);
        release_tail_first(&mut self.g1, &mut live.held)?;
        live.held.clear();
        live.registered = 0;
        live.computed = 0;
        self.waiting.push_front(live);
        self.preemptions += 1;
        Ok(())
    }

    /// Starts a pass at `now`: schedules running requests, then admits from the queue, and
    /// sets [`Engine::pass_end`] (left `None` when there was nothing to do).
    pub fn start_pass(
        &mut self,
        now: f64,
        cfg: &SimConfig,
        stats: &mut [RequestStats],
        finished: &mut Vec<u32>,
    ) -> Result<()> {
        let bs = cfg.block_size as usize;
        let mut budget = cfg.max_num_batched_tokens as usize;
        let mut load = PassLoad {
            capacity_blocks: self.g1.capacity() as u64,
            block_size: bs as u64,
            ..PassLoad::default()
        };
        // (request, tokens, done before, prefill?) per request scheduled this pass.
        let mut scheduled: Vec<(u32, usize, usize, bool)> = Vec::new();
        let mut preempted = false;
        let mut k = 0;
        while k < self.running.len() && budget > 0 {
            let (id, done, remaining) = {
                let r = &self.running[k];
                (r.id, r.computed, r.seq.total_tokens() - r.computed)
            };
            if remaining == 0 {
                k += 1;
                continue;
            }
            if !cfg.enable_chunked_prefill && remaining > budget {
                break;
            }
            let n = remaining.min(budget);
            let mut self_preempted = false;
            while !self.cover(k, done + n, bs)? {
                let victim = match cfg.preemption {
                    Preemption::Lifo => self.running.len() - 1,
                    Preemption::Fifo => 0,
                };
                let vid = self.running[victim].id;
                if let Some(p) = scheduled.iter().position(|s| s.0 == vid) {
                    budget += scheduled.remove(p).1;
                }
                self.preempt(victim)?;
                preempted = true;
                if victim == k {
                    self_preempted = true;
                    break;
                }
                if victim < k {
                    k -= 1;
                }
            }
            if self_preempted {
                break;
            }
            self.register_upto(k, (done + n) / bs)?;
            let r = &mut self.running[k];
            let prefill = !(r.emitted >= 1 && remaining == 1);
            r.computed = done + n;
            scheduled.push((id, n, done, prefill));
            budget -= n;
            k += 1;
        }
        if !preempted {
            self.admit(now, cfg, &mut budget, &mut scheduled, stats, finished)?;
        }
        for &(_, n, done, prefill) in &scheduled {
            if prefill {
                load.prefill_requests += 1;
                load.prefill_tokens += n as u64;
                load.isl_sum += (done + n) as u64;
                load.prefix_sum += done as u64;
            }
        }
        for r in &self.running {
            if r.computed == r.seq.total_tokens() {
                load.decode_requests += 1;
                load.context_sum += r.seq.total_tokens() as u64;
            }
        }
        load.active_blocks = self.g1.active_count() as u64;
        self.peak_running = self.peak_running.max(self.running.len() as u32);
        self.pass_end = if scheduled.is_empty() && !preempted {
            None
        } else {
            let (p, d) = cfg.timing.pass_ms(&load);
            let (p, d) = scaled(p, d, cfg.speedup_ratio, cfg.decode_speedup_ratio);
            Some(now + p + d)
        };
        Ok(())
    }

    /// Admission from the head of the queue (SPEC §9.1 step 3).
    fn admit(
        &mut self,
        now: f64,
        cfg: &SimConfig,
        budget: &mut usize,
        scheduled: &mut Vec<(u32, usize, usize, bool)>,
        stats: &mut [RequestStats],
        finished: &mut Vec<u32>,
    ) -> Result<()> {
        let bs = cfg.block_size as usize;
        while *budget > 0 && self.running.len() < cfg.max_num_seqs as usize {
            let head = match self.waiting.front() {
                Some(h) => h,
                None => break,
            };
            let len = head.seq.total_tokens();
            let total = blocks_for(len, bs);
            let too_long = cfg.max_model_len.map_or(false, |m| len > m as usize);
            if total > self.g1.capacity() || too_long {
                if let Some(live) = self.waiting.pop_front() {
                    stats[live.id as usize].rejected = true;
                    finished.push(live.id);
                }
                continue;
            }
            let cap = if cfg.enable_prefix_caching {
                (len.saturating_sub(1) / bs).min(head.seq.block_count())
            } else {
                0
            };
            let mut h1 = 0;
            let mut active_hits = 0;
            for b in &head.seq.blocks()[..cap] {
                match self.g1.id_of(b.lineage_hash()) {
                    Some(id) => {
                        h1 += 1;
                        if self.g1.record(id).map_or(false, |r| r.ref_count > 0) {
                            active_hits += 1;
                        }
                    }
                    None => break,
                }
            }
            if !head.swapped_in {
                if let Some(g2) = self.g2.as_ref() {
                    let h2 = h1
                        + head.seq.blocks()[h1..cap]
                            .iter()
                            .take_while(|b| g2.is_registered(b.lineage_hash()))
                            .count();
                    if h2 > h1 {
                        self.park(now, cfg, h1, h2)?;
                        continue;
                    }
                }
            }
            if total - active_hits > self.g1.free_count() + self.g1.inactive_count() {
                break;
            }
            let mut live = match self.waiting.pop_front() {
                Some(l) => l,
                None => break,
            };
            let hashes: Vec<_> = live.seq.blocks()[..h1]
                .iter()
                .map(|b| b.lineage_hash())
                .collect();
            live.held = self.g1.match_hashes(&hashes)?;
            live.registered = h1;
            live.computed = h1 * bs;
            let done = live.computed;
            let remaining = len - done;
            if !cfg.enable_chunked_prefill && remaining > *budget {
                self.g1.release(&live.held)?;
                live.held.clear();
                live.registered = 0;
                live.computed = 0;
                self.waiting.push_front(live);
                break;
            }
            let n = remaining.min(*budget);
            let s = &mut stats[live.id as usize];
            let g2_part = live.onboarded.min(h1);
            s.admitted(((h1 - g2_part) * bs) as u64, (g2_part * bs) as u64);
            let id = live.id;
            self.running.push(live);
            let k = self.running.len() - 1;
            if !self.cover(k, done + n, bs)? {
                // Cannot happen after the check above; undo rather than over-commit.
                self.preempt(k)?;
                self.preemptions -= 1;
                break;
            }
            self.register_upto(k, (done + n) / bs)?;
            self.running[k].computed = done + n;
            scheduled.push((id, n, done, true));
            *budget -= n;
        }
        Ok(())
    }

    /// Takes the head of the queue out while its G2 blocks `h1 .. h2` are copied into G1.
    fn park(&mut self, now: f64, cfg: &SimConfig, h1: usize, h2: usize) -> Result<()> {
        let live = match self.waiting.pop_front() {
            Some(l) => l,
            None => return Ok(()),
        };
        let g2 = match self.g2.as_mut() {
            Some(g2) => g2,
            None => return Ok(()),
        };
        let hashes: Vec<_> = live.seq.blocks()[h1..h2]
            .iter()
            .map(|b| b.lineage_hash())
            .collect();
        let g2_ids = g2.match_hashes(&hashes)?;
        let tokens = (g2_ids.len() * cfg.block_size as usize) as u64;
        let start = now.max(self.link_free);
        let done_at = start + transfer_ms(tokens, cfg.kv_bytes_per_token, cfg.g2_to_g1_gbps);
        self.link_free = done_at;
        self.parked.push(Parked {
            done_at,
            live,
            g2_ids,
            from: h1,
        });
        Ok(())
    }

    /// Completes the G2 copies done by `now`: the copied blocks register in G1 as inactive and
    /// their requests go back to the front of the queue.
    pub fn finish_swap_ins(&mut self, now: f64) -> Result<()> {
        let mut k = 0;
        while k < self.parked.len() {
            if self.parked[k].done_at > now {
                k += 1;
                continue;
            }
            let Parked {
                mut live,
                g2_ids,
                from,
                ..
            } = self.parked.remove(k);
            let room = g2_ids
                .len()
                .min(self.g1.free_count() + self.g1.inactive_count());
            if room > 0 {
                let fresh = self.g1.allocate(room)?;
                let mut kept = self.g1.register(&fresh, &live.seq, from)?;
                release_tail_first(&mut self.g1, &mut kept)?;
            }
            if let Some(g2) = self.g2.as_mut() {
                g2.release(&g2_ids)?;
            }
            live.swapped_in = true;
            live.onboarded = room;
            self.onboarded_blocks += room as u64;
            self.waiting.push_front(live);
        }
        Ok(())
    }

    /// Ends the pass in flight at `now`: every request whose computed tokens reach its length
    /// emits a token (or completes); completed requests release their blocks.
    pub fn finish_pass(
        &mut self,
        now: f64,
        stats: &mut [RequestStats],
        gaps: &mut Gaps,
        out: &mut PassOutcome,
    ) -> Result<()> {
        self.pass_end = None;
        let mut k = 0;
        while k < self.running.len() {
            let r = &mut self.running[k];
            if r.computed < r.seq.total_tokens() {
                k += 1;
                continue;
            }
            let s = &mut stats[r.id as usize];
            let complete = if r.output_length == 0 {
                true
            } else {
                if let Some(gap) = s.token(now) {
                    gaps.add(gap)?;
                }
                r.emitted += 1;
                if r.emitted == 1 {
                    out.first_tokens.push(r.id);
                }
                if r.emitted < r.output_length {
                    r.seq.append_token(output_token(r.id, r.emitted))?;
                }
                r.emitted >= r.output_length
            };
            if complete {
                s.completed_at = Some(now);
                let mut live = self.running.remove(k);
                release_tail_first(&mut self.g1, &mut live.held)?;
                out.finished.push(live.id);
            } else {
                k += 1;
            }
        }
        Ok(())
    }
}
