//! Exports of the load tracker ([`kvbm_sequence::router::load`]). Hashes cross as (low, high) word pairs in the
//! input buffer; prefill token counts as f64.
//!
//! Place: `crate/kvbm-sequence-wasm/src/exports/load.rs`.

use crate::state::run;
use crate::table::Object;
use kvbm_sequence::router::index::WorkerKey;
use kvbm_sequence::router::load::LoadTracker;
use kvbm_sequence::words::{hi, join, lo, u64s_of};

fn key(lo: u32, hi: u32, dp_rank: u32) -> WorkerKey {
    WorkerKey {
        worker_id: join(lo, hi),
        dp_rank,
    }
}

/// New tracker: handle in `ret[0..2]`.
#[no_mangle]
pub extern "C" fn kv_load_new() -> i32 {
    run(|st| st.adopt(Object::Load(Box::new(LoadTracker::new()))))
}

/// Adds a candidate worker.
#[no_mangle]
pub extern "C" fn kv_load_add_worker(
    index: u32,
    generation: u32,
    lo: u32,
    hi: u32,
    dp_rank: u32,
) -> i32 {
    run(|st| {
        Ok(st
            .table
            .load(index, generation)?
            .add_worker(key(lo, hi, dp_rank))?)
    })
}

/// Removes every rank of a worker.
#[no_mangle]
pub extern "C" fn kv_load_remove_worker(index: u32, generation: u32, lo: u32, hi: u32) -> i32 {
    run(|st| {
        st.table
            .load(index, generation)?
            .remove_worker(join(lo, hi));
        Ok(())
    })
}

/// Starts request `request` on a worker with the `len / 2` hashes in the input buffer and
/// `prefill` tokens queued.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn kv_load_add_request(
    index: u32,
    generation: u32,
    request: u32,
    lo: u32,
    hi: u32,
    dp_rank: u32,
    len: u32,
    prefill: f64,
) -> i32 {
    run(|st| {
        let (words, table, _) = st.with_input(len)?;
        let hs = u64s_of(words)?;
        let prefill = if prefill.is_finite() { prefill } else { 0.0 };
        Ok(table.load(index, generation)?.add_request(
            request,
            key(lo, hi, dp_rank),
            &hs,
            prefill,
        )?)
    })
}

/// Marks a request's prefill done.
#[no_mangle]
pub extern "C" fn kv_load_prefill_done(index: u32, generation: u32, request: u32) -> i32 {
    run(|st| {
        Ok(st
            .table
            .load(index, generation)?
            .mark_prefill_done(request)?)
    })
}

/// Ends a request.
#[no_mangle]
pub extern "C" fn kv_load_free(index: u32, generation: u32, request: u32) -> i32 {
    run(|st| Ok(st.table.load(index, generation)?.free(request)?))
}

/// Potential loads for the `len / 2` hashes in the input buffer (`chained` ≠ 0: they are one
/// request's chained sequence hashes, see `LoadTracker::potential_loads_chained`). Output per worker:
/// `worker_lo, worker_hi, dp_rank, active_blocks, prefill (f64 bits lo, hi)`; `ret[0]` = the
/// number of running requests.
#[no_mangle]
pub extern "C" fn kv_load_potential(index: u32, generation: u32, len: u32, chained: u32) -> i32 {
    run(|st| {
        let (words, table, reply) = st.with_input(len)?;
        let hs = u64s_of(words)?;
        let tracker = table.load(index, generation)?;
        let loads = if chained != 0 {
            tracker.potential_loads_chained(&hs)?
        } else {
            tracker.potential_loads(&hs)?
        };
        let words = loads.iter().flat_map(|l| {
            let bits = l.prefill_tokens.to_bits();
            [
                lo(l.worker.worker_id),
                hi(l.worker.worker_id),
                l.worker.dp_rank,
                l.active_blocks as u32,
                lo(bits),
                hi(bits),
            ]
        });
        reply.u32s_from(loads.len() * 6, words)?;
        reply.ret[0] = tracker.running() as u32;
        Ok(())
    })
}
