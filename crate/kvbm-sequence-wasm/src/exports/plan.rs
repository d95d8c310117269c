//! Exports of transfer plans between two records (SPEC §4).
//!
//! Place: `crate/kvbm-sequence-wasm/src/exports/plan.rs`.

use crate::state::{run, State};
use kvbm_sequence::{zip_assigned, zip_assigned_pending};

/// `zip_assigned(a, b)`: `ret[0]` = n; output, 3n words: positions, then a's ids, then b's ids.
#[no_mangle]
pub extern "C" fn kv_zip_assigned(
    a_index: u32,
    a_generation: u32,
    b_index: u32,
    b_generation: u32,
) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        let (a, b) = table.assignments_pair((a_index, a_generation), (b_index, b_generation))?;
        reply.plan(zip_assigned(a, b))
    })
}

/// `zip_assigned_pending(src, dst)`: `ret[0]` = n; output, 3n words: positions, then src's
/// ids, then dst's pending ids.
#[no_mangle]
pub extern "C" fn kv_zip_assigned_pending(
    a_index: u32,
    a_generation: u32,
    b_index: u32,
    b_generation: u32,
) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        let (a, b) = table.assignments_pair((a_index, a_generation), (b_index, b_generation))?;
        reply.plan(zip_assigned_pending(a, b))
    })
}
