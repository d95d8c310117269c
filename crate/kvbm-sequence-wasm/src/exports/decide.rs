//! Export of one routing decision ([`kvbm_sequence::router::decide`]): the router's indexes and
//! load model by handle, the prompt's hashes and the eligible workers in; per worker its
//! overlap, load and cost, and the choice out.
//!
//! Place: `crate/kvbm-sequence-wasm/src/exports/decide.rs`.

use crate::contract::{
    COST_PARAM_WORDS, DECIDE_CANDIDATE_FIELDS, DECIDE_SOURCES, DECIDE_WORKER_WORDS,
};
use crate::state::{flag, run, Failure};
use crate::table::Table;
use kvbm_sequence::error::try_reserve;
use kvbm_sequence::router::cost::CostParams;
use kvbm_sequence::router::decide::{decide, Choice, Request, Sources};
use kvbm_sequence::router::index::{KvIndex, WorkerKey};
use kvbm_sequence::words::{hi, join, lo, u64s_of};

const SOURCE_WORDS: usize = 2 * DECIDE_SOURCES.len();
const HEAD_WORDS: usize = SOURCE_WORDS + COST_PARAM_WORDS + 2;

fn invalid(message: String) -> Failure {
    Failure::InvalidArgument(message)
}

// Positions in DECIDE_SOURCES.
const DEVICE: usize = 0;
const HOST: usize = 1;
const DISK: usize = 2;
const EXTERNAL: usize = 3;
const PREDICTED: usize = 4;
const LOAD: usize = 5;

/// The index behind a handle, if one is given ((0, 0): none).
fn optional(table: &Table, handle: (u32, u32)) -> Result<Option<&KvIndex>, Failure> {
    match handle {
        (0, 0) => Ok(None),
        (index, generation) => table.index_ref(index, generation).map(Some),
    }
}

/// Input: the [`DECIDE_SOURCES`] handles (index, generation; (0, 0) for none), the cost's
/// [`COST_PARAM_WORDS`] (block size, credit, decay, scale, host, disk and shared weights as f64), the number of blocks `n` and of eligible workers
/// `m`, then `n` local hashes, `n` sequence hashes (low, high words each) and `m` workers
/// ([`DECIDE_WORKER_WORDS`]: id low, id high, dp rank). Where `now` is not NaN, the approximate
/// indexes (device in approximate mode, predictions) move to it first. Output: per worker the
/// [`DECIDE_CANDIDATE_FIELDS`] as f64 bits; `ret[0..2]` = (1, chosen position) or (0, 0).
#[no_mangle]
pub extern "C" fn kv_router_decide(
    len: u32,
    isl: f64,
    temperature: f64,
    draw: f64,
    now: f64,
    tie_by_tree_size: u32,
) -> i32 {
    run(|st| {
        let (words, table, reply) = st.with_input(len)?;
        if words.len() < HEAD_WORDS {
            return Err(invalid(format!(
                "decision input of {} words is shorter than its head",
                words.len()
            )));
        }
        let (head, body) = words.split_at(HEAD_WORDS);
        let p: Vec<f64> = head[SOURCE_WORDS..SOURCE_WORDS + COST_PARAM_WORDS]
            .chunks(2)
            .map(|w| f64::from_bits(join(w[0], w[1])))
            .collect();
        let params = CostParams {
            block_size: p[0],
            overlap_score_credit: p[1],
            overlap_score_credit_decay: p[2],
            prefill_load_scale: p[3],
            host_cache_hit_weight: p[4],
            disk_cache_hit_weight: p[5],
            shared_cache_multiplier: p[6],
        };
        let (n, m) = (head[HEAD_WORDS - 2] as usize, head[HEAD_WORDS - 1] as usize);
        let expected = n
            .checked_mul(4)
            .and_then(|b| m.checked_mul(DECIDE_WORKER_WORDS).map(|w| (b, w)))
            .and_then(|(b, w)| b.checked_add(w));
        if expected != Some(body.len()) {
            return Err(invalid(format!(
                "decision input: {} words after the head do not hold {} blocks and {} workers",
                body.len(),
                n,
                m
            )));
        }
        let choice = Choice {
            params,
            temperature,
            draw,
            ties_by_tree_size: flag(tie_by_tree_size)?,
        };
        choice.validate()?;
        let (local, rest) = body.split_at(2 * n);
        let (sequence, workers) = rest.split_at(2 * n);
        let local = u64s_of(local)?;
        let sequence = u64s_of(sequence)?;
        let mut eligible = Vec::new();
        try_reserve(&mut eligible, m)?;
        eligible.extend(
            workers
                .chunks_exact(DECIDE_WORKER_WORDS)
                .map(|w| WorkerKey {
                    worker_id: join(w[0], w[1]),
                    dp_rank: w[2],
                }),
        );

        // Every handle is checked before time moves on anywhere.
        let handle = |s: usize| (head[2 * s], head[2 * s + 1]);
        table.index_ref(handle(DEVICE).0, handle(DEVICE).1)?;
        for s in [HOST, DISK, EXTERNAL, PREDICTED] {
            optional(table, handle(s))?;
        }
        table.load_ref(handle(LOAD).0, handle(LOAD).1)?;
        if !now.is_nan() {
            let device = table.index(handle(DEVICE).0, handle(DEVICE).1)?;
            if device.ttl().is_some() {
                device.advance(now)?;
            }
            let (index, generation) = handle(PREDICTED);
            if (index, generation) != (0, 0) {
                table.index(index, generation)?.advance(now)?;
            }
        }

        let table: &Table = table;
        let sources = Sources {
            device: table.index_ref(handle(DEVICE).0, handle(DEVICE).1)?,
            host: optional(table, handle(HOST))?,
            disk: [
                optional(table, handle(DISK))?,
                optional(table, handle(EXTERNAL))?,
            ],
            predicted: optional(table, handle(PREDICTED))?,
            load: table.load_ref(handle(LOAD).0, handle(LOAD).1)?,
        };
        let request = Request {
            local: &local,
            sequence: &sequence,
            isl,
        };
        let d = decide(&sources, &request, &eligible, &choice)?;
        let per = 2 * DECIDE_CANDIDATE_FIELDS.len();
        reply.u32s_from(
            d.candidates.len() * per,
            d.candidates.iter().flat_map(|c| {
                [
                    f64::from(c.device),
                    f64::from(c.host),
                    f64::from(c.disk),
                    f64::from(c.predicted),
                    f64::from(c.tree_size),
                    c.prefill_tokens,
                    c.decode_blocks,
                    c.cost,
                ]
                .into_iter()
                .flat_map(|v| {
                    let bits = v.to_bits();
                    [lo(bits), hi(bits)]
                })
            }),
        )?;
        reply.option(d.chosen.map(|i| i as u32));
        Ok(())
    })
}
