//! Exports of transfer plans between two records (SPEC §4).
//!
//! Place: `crate/kvbm-sequence-wasm/src/exports/plan.rs`.

use crate::state::{run, State};
use kvbm_sequence::sequence::plan::Plan;
use kvbm_sequence::{zip_assigned, zip_assigned_pending, ExternalBlockAssignments};

/// The plan `zip` makes of the two records behind the handles: `ret[0]` = n; output, 3n words:
/// positions, then the first record's ids, then the second's.
fn plan(
    a: (u32, u32),
    b: (u32, u32),
    zip: for<'r> fn(&'r ExternalBlockAssignments, &'r ExternalBlockAssignments) -> Plan<'r>,
) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        let (a, b) = table.assignments_pair(a, b)?;
        reply.plan(zip(a, b))
    })
}

/// `zip_assigned(a, b)`: positions where both hold an assigned block, with both ids.
#[no_mangle]
pub extern "C" fn kv_zip_assigned(
    a_index: u32,
    a_generation: u32,
    b_index: u32,
    b_generation: u32,
) -> i32 {
    plan(
        (a_index, a_generation),
        (b_index, b_generation),
        zip_assigned,
    )
}

/// `zip_assigned_pending(src, dst)`: positions where src holds an assigned block and dst a
/// pending id, with both ids.
#[no_mangle]
pub extern "C" fn kv_zip_assigned_pending(
    a_index: u32,
    a_generation: u32,
    b_index: u32,
    b_generation: u32,
) -> i32 {
    plan(
        (a_index, a_generation),
        (b_index, b_generation),
        zip_assigned_pending,
    )
}
