//! Exports of the simulator ([`kvbm_sequence::sim`]). Every number crosses as an f64 (two
//! words, low then high) in the orders the contract lists: settings, then an optional timing
//! table, then the trace; replies likewise.
//!
//! Encodings: selectors by their index in the contract's selector; flags 0/1; an absent count
//! (`g2Blocks`, `maxModelLen`) −1; an absent time or SLO NaN; a row without session −1.
//!
//! Place: `crate/kvbm-sequence-wasm/src/exports/sim.rs`.

use crate::contract::{SIM_CONFIG_FIELDS, SIM_ROW_FIELDS};
use crate::state::{run, Failure};
use crate::table::Object;
use kvbm_sequence::sim::config::{PolicyKind, Preemption, SimConfig};
use kvbm_sequence::sim::report::{LatencySummary, RequestStats};
use kvbm_sequence::sim::timing::{TimingModel, TimingTable};
use kvbm_sequence::sim::trace::{Trace, TraceRow, NO_SESSION};
use kvbm_sequence::sim::Simulation;
use kvbm_sequence::tiers::pool::EvictionPolicy;
use kvbm_sequence::words::join;

/// Reads f64s off the input words.
struct Numbers<'a> {
    words: &'a [u32],
    at: usize,
}

fn bad(what: &str) -> Failure {
    Failure::InvalidArgument(format!("simulation input: {}", what))
}

impl<'a> Numbers<'a> {
    fn next(&mut self, what: &str) -> Result<f64, Failure> {
        let w = self
            .words
            .get(self.at..self.at + 2)
            .ok_or_else(|| bad(&format!("ends before {}", what)))?;
        self.at += 2;
        Ok(f64::from_bits(join(w[0], w[1])))
    }

    /// A whole number in `0 ..= max`.
    fn count(&mut self, what: &str, max: f64) -> Result<u64, Failure> {
        let v = self.next(what)?;
        if v.fract() != 0.0 || !(0.0..=max).contains(&v) {
            return Err(bad(&format!("{} must be a whole number in range", what)));
        }
        Ok(v as u64)
    }

    fn u32(&mut self, what: &str) -> Result<u32, Failure> {
        Ok(self.count(what, f64::from(u32::MAX))? as u32)
    }

    fn optional_u32(&mut self, what: &str) -> Result<Option<u32>, Failure> {
        let v = self.next(what)?;
        if v == -1.0 {
            return Ok(None);
        }
        self.at -= 2;
        self.u32(what).map(Some)
    }

    fn list(&mut self, what: &str) -> Result<Vec<f64>, Failure> {
        let n = self.count(what, (self.words.len() / 2) as f64)? as usize;
        (0..n).map(|_| self.next(what)).collect()
    }
}

fn policy(v: u32) -> Result<PolicyKind, Failure> {
    PolicyKind::ALL
        .get(v as usize)
        .copied()
        .ok_or_else(|| bad("unknown sim policy"))
}

fn config(n: &mut Numbers<'_>) -> Result<SimConfig, Failure> {
    let mut f = |i: usize| n.next(SIM_CONFIG_FIELDS[i]);
    let v: Vec<f64> = (0..SIM_CONFIG_FIELDS.len())
        .map(&mut f)
        .collect::<Result<_, _>>()?;
    let whole = |i: usize| -> Result<u32, Failure> {
        let x = v[i];
        if x.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&x) {
            return Err(bad(&format!(
                "{} must be a whole number",
                SIM_CONFIG_FIELDS[i]
            )));
        }
        Ok(x as u32)
    };
    let optional = |i: usize| -> Result<Option<u32>, Failure> {
        if v[i] == -1.0 {
            Ok(None)
        } else {
            whole(i).map(Some)
        }
    };
    let time = |i: usize| if v[i].is_nan() { None } else { Some(v[i]) };
    let seed = v[31];
    if seed.fract() != 0.0 || !(0.0..9.007_199_254_740_992e15).contains(&seed) {
        return Err(bad("seed must be a safe whole number"));
    }
    Ok(SimConfig {
        workers: whole(0)?,
        block_size: whole(1)?,
        trace_block_size: whole(2)?,
        g1_blocks: whole(3)?,
        g2_blocks: optional(4)?,
        eviction: if whole(5)? == 0 {
            EvictionPolicy::Lru
        } else {
            EvictionPolicy::Fifo
        },
        max_num_seqs: whole(6)?,
        max_num_batched_tokens: whole(7)?,
        enable_chunked_prefill: v[8] != 0.0,
        enable_prefix_caching: v[9] != 0.0,
        preemption: if whole(10)? == 0 {
            Preemption::Lifo
        } else {
            Preemption::Fifo
        },
        max_model_len: optional(11)?,
        timing: match whole(12)? {
            0 => TimingModel::Fixed {
                prefill_tokens_per_second: v[13],
                decode_ms_per_token: v[14],
            },
            1 => TimingModel::Polynomial,
            _ => TimingModel::Interpolated(TimingTable {
                prefill_isl: Vec::new(),
                prefill_ttft_ms: Vec::new(),
                decode_active_kv_tokens: Vec::new(),
                decode_context_length: Vec::new(),
                decode_itl: Vec::new(),
            }),
        },
        speedup_ratio: v[15],
        decode_speedup_ratio: v[16],
        kv_bytes_per_token: v[17],
        g2_to_g1_gbps: v[18],
        policy: policy(whole(19)?)?,
        session_base: policy(whole(20)?)?,
        overlap_score_weight: v[21],
        temperature: v[22],
        overlap_score_credit_decay: v[23],
        approx_ttl_ms: v[24],
        cache_threshold: v[25],
        balance_abs: v[26],
        balance_rel: v[27],
        llmd_weights: [v[28], v[29], v[30]],
        seed: seed as u64,
        arrival_speedup_ratio: v[32],
        concurrency: whole(33)?,
        slo_ms: [time(34), time(35), time(36)],
    })
}

fn trace(n: &mut Numbers<'_>) -> Result<Trace, Failure> {
    let rows = n.count("rows", (n.words.len() / 2) as f64)? as usize;
    let mut heads = Vec::new();
    heads
        .try_reserve(rows)
        .map_err(kvbm_sequence::error::out_of_memory(rows))?;
    let mut total = 0usize;
    for _ in 0..rows {
        let timestamp = n.next(SIM_ROW_FIELDS[0])?;
        let input = n.u32(SIM_ROW_FIELDS[1])?;
        let output = n.u32(SIM_ROW_FIELDS[2])?;
        let session = n.optional_u32(SIM_ROW_FIELDS[3])?.unwrap_or(NO_SESSION);
        let delay = n.next(SIM_ROW_FIELDS[4])?;
        let ids = n.count(SIM_ROW_FIELDS[5], (n.words.len() / 2) as f64)? as usize;
        heads.push(TraceRow {
            timestamp_ms: timestamp,
            input_length: input,
            output_length: output,
            ids: total..total + ids,
            session,
            delay_ms: delay,
        });
        total += ids;
    }
    let mut ids = Vec::new();
    ids.try_reserve(total)
        .map_err(kvbm_sequence::error::out_of_memory(total))?;
    for _ in 0..total {
        ids.push(n.u32("hash id")?);
    }
    Ok(Trace { rows: heads, ids })
}

/// New simulation from the `len` input words (settings, a timing table when `timing` is
/// interpolated, then the trace): handle in `ret[0..2]`.
#[no_mangle]
pub extern "C" fn kv_sim_new(len: u32) -> i32 {
    run(|st| {
        let (words, _, _) = st.with_input(len)?;
        let mut n = Numbers { words, at: 0 };
        let mut cfg = config(&mut n)?;
        if let TimingModel::Interpolated(t) = &mut cfg.timing {
            t.prefill_isl = n.list("prefill_isl")?;
            t.prefill_ttft_ms = n.list("prefill_ttft_ms")?;
            t.decode_active_kv_tokens = n.list("decode_active_kv_tokens")?;
            t.decode_context_length = n.list("decode_context_length")?;
            t.decode_itl = n.list("decode_itl")?;
        }
        let trace = trace(&mut n)?;
        if n.at != words.len() {
            return Err(bad("words left after the trace"));
        }
        let sim = Simulation::new(cfg, trace)?;
        st.adopt(Object::Sim(Box::new(sim)))
    })
}

fn f64_words(values: &[f64]) -> impl ExactSizeIterator<Item = u64> + '_ {
    values.iter().map(|v| v.to_bits())
}

/// Runs until `budget` more requests finished: `ret[0]` = 1 when the trace is done; the
/// output holds the progress (contract `SIM_PROGRESS_FIELDS`), then each worker's running count.
#[no_mangle]
pub extern "C" fn kv_sim_run(index: u32, generation: u32, budget: u32) -> i32 {
    run(|st| {
        let sim = st.table.sim(index, generation)?;
        let done = sim.run(u64::from(budget))?;
        let p = sim.progress();
        let mut values = vec![
            p.finished as f64,
            p.total as f64,
            p.now_ms,
            p.prompt_tokens as f64,
            p.g1_hit_tokens as f64,
            p.g2_hit_tokens as f64,
        ];
        values.extend(sim.running().iter().map(|&n| n as f64));
        st.reply.u64s_from(f64_words(&values))?;
        st.reply.ret[0] = done as u32;
        Ok(())
    })
}

fn summary(s: &LatencySummary) -> [f64; 6] {
    [s.mean, s.min, s.max, s.p50, s.p90, s.p99]
}

/// The report: scalars, latency summaries, goodput (presence flag + fields), worker count and
/// per worker its fields (contract `SIM_*` lists).
#[no_mangle]
pub extern "C" fn kv_sim_report(index: u32, generation: u32) -> i32 {
    run(|st| {
        let r = st.table.sim(index, generation)?.report();
        let mut v = vec![
            r.requests as f64,
            r.rejected_requests as f64,
            r.skipped_requests as f64,
            r.completed_requests as f64,
            r.prompt_tokens as f64,
            r.g1_hit_tokens as f64,
            r.g2_hit_tokens as f64,
            r.computed_tokens as f64,
            r.output_tokens as f64,
            r.onboarded_blocks as f64,
            r.offloaded_blocks as f64,
            r.g1_evicted_blocks as f64,
            r.g2_evicted_blocks as f64,
            r.duration_ms,
            r.request_throughput_rps,
            r.output_throughput_tok_s,
            r.prefix_cache_reused_ratio,
            r.first_admission_prefix_cache_reused_ratio,
        ];
        for s in [&r.ttft_ms, &r.ttst_ms, &r.tpot_ms, &r.itl_ms, &r.e2e_ms] {
            v.extend_from_slice(&summary(s));
        }
        let g = r.goodput.unwrap_or_default();
        v.extend_from_slice(&[
            r.goodput.is_some() as u32 as f64,
            g.completed_requests as f64,
            g.request_throughput_rps,
            g.output_throughput_tok_s,
            r.per_worker.len() as f64,
        ]);
        for w in &r.per_worker {
            v.extend_from_slice(&[
                w.requests as f64,
                w.prompt_tokens as f64,
                w.hit_tokens as f64,
                f64::from(w.peak_running),
                w.preemptions as f64,
            ]);
        }
        st.reply.u64s_from(f64_words(&v))
    })
}

fn request(s: &RequestStats) -> [f64; 9] {
    let status = if s.skipped {
        2.0
    } else if s.rejected {
        1.0
    } else if s.completed() {
        0.0
    } else {
        3.0
    };
    let worker = if s.worker == u32::MAX {
        f64::NAN
    } else {
        f64::from(s.worker)
    };
    let done = s.completed();
    [
        s.arrival,
        worker,
        s.prompt_tokens as f64,
        s.g1_hit as f64,
        s.g2_hit as f64,
        s.tokens as f64,
        s.ttft().filter(|_| done).unwrap_or(f64::NAN),
        s.e2e().filter(|_| done).unwrap_or(f64::NAN),
        status,
    ]
}

/// Every request's record (contract `SIM_REQUEST_FIELDS`), in trace order.
#[no_mangle]
pub extern "C" fn kv_sim_requests(index: u32, generation: u32) -> i32 {
    run(|st| {
        let reqs = st.table.sim(index, generation)?.requests();
        let mut v = Vec::new();
        v.try_reserve(reqs.len() * 9)
            .map_err(kvbm_sequence::error::out_of_memory(reqs.len() * 9))?;
        for s in reqs {
            v.extend_from_slice(&request(s));
        }
        st.reply.u64s_from(f64_words(&v))
    })
}
