//! Exports of one tier's assignment record (SPEC §3).
//!
//! Place: `crate/kvbm-sequence-wasm/src/exports/assignments.rs`.

use crate::exports::sequence::block_range;
use crate::reply::Reply;
use crate::state::{hash_of, run, Outcome, State};
use crate::table::Object;
use kvbm_sequence::error::try_reserve;
use kvbm_sequence::words::{hi, lo};
use kvbm_sequence::ExternalBlockAssignments;

/// New record with `offset`: handle in `ret[0..2]`.
#[no_mangle]
pub extern "C" fn kv_asg_new(offset: u32) -> i32 {
    run(|st| {
        st.adopt(Object::Assignments(ExternalBlockAssignments::new(
            u64::from(offset),
        )))
    })
}

/// `ret` = offset, assigned count, staged count, unassigned count, bound (0/1), bound block
/// size, bound salt (lo, hi).
#[no_mangle]
pub extern "C" fn kv_asg_info(index: u32, generation: u32) -> i32 {
    run(|st| {
        let a = st.table.assignments(index, generation)?;
        let (bound, bs, salt) = match a.binding() {
            Some((bs, salt)) => (1, bs as u32, salt),
            None => (0, 0, 0),
        };
        st.reply.ret[..8].copy_from_slice(&[
            a.offset() as u32,
            a.assigned_count() as u32,
            a.staged_count() as u32,
            a.unassigned_count() as u32,
            bound,
            bs,
            lo(salt),
            hi(salt),
        ]);
        Ok(())
    })
}

/// `truncate_from(position)`: output, 5 words per dropped pair (id, hash words).
#[no_mangle]
pub extern "C" fn kv_asg_truncate_from(index: u32, generation: u32, position: u32) -> i32 {
    run(|st| {
        let dropped = st
            .table
            .assignments(index, generation)?
            .truncate_from(u64::from(position))?;
        st.reply.pairs(dropped.into_iter())
    })
}

/// Where the record's collections sit in linear memory, so that the facade answers scalar
/// queries by reading them in place (no call per query). `ret`: 0 offset, 1 assigned count,
/// 2 assigned ids address, 3 assigned hashes address (16 bytes each), 4 staged count, 5 staged
/// ids address, 6 staged hashes address, 7/8 address and length of the unassigned queue's
/// front part, 9/10 of its back part, 11/12 address and length of the id set's table
/// (`crate::id_set`), 13 whether the set holds id `u32::MAX`. The addresses hold until the next call that changes this
/// record (or frees it); reading them never changes anything.
#[no_mangle]
pub extern "C" fn kv_asg_layout(index: u32, generation: u32) -> i32 {
    run(|st| {
        let a = st.table.assignments(index, generation)?;
        let (front, back) = a.unassigned_slices();
        let address = |p: *const u8| p as usize as u32;
        let set = a.id_set();
        st.reply.ret[..14].copy_from_slice(&[
            a.offset() as u32,
            a.assigned_count() as u32,
            address(a.assigned_block_ids().as_ptr() as *const u8),
            address(a.assigned_hashes().as_ptr() as *const u8),
            a.staged_count() as u32,
            address(a.staged_block_ids().as_ptr() as *const u8),
            address(a.staged_hashes().as_ptr() as *const u8),
            address(front.as_ptr() as *const u8),
            front.len() as u32,
            address(back.as_ptr() as *const u8),
            back.len() as u32,
            address(set.slots().as_ptr() as *const u8),
            set.slots().len() as u32,
            u32::from(set.has_max()),
        ]);
        Ok(())
    })
}

/// Runs `read` on the record behind the handle, with the reply to write its output to.
fn read(
    index: u32,
    generation: u32,
    read: impl FnOnce(&ExternalBlockAssignments, &mut Reply) -> Outcome,
) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        read(table.assignments(index, generation)?, reply)
    })
}

/// Ids of the assigned collection: output, 32-bit.
#[no_mangle]
pub extern "C" fn kv_asg_assigned_ids(index: u32, generation: u32) -> i32 {
    read(index, generation, |a, reply| {
        reply.u32s(a.assigned_block_ids())
    })
}

/// Ids of the staged collection: output, 32-bit.
#[no_mangle]
pub extern "C" fn kv_asg_staged_ids(index: u32, generation: u32) -> i32 {
    read(index, generation, |a, reply| {
        reply.u32s(a.staged_block_ids())
    })
}

/// Ids of the unassigned queue, in FIFO order: output, 32-bit.
#[no_mangle]
pub extern "C" fn kv_asg_unassigned_ids(index: u32, generation: u32) -> i32 {
    read(index, generation, |a, reply| {
        reply.u32s_from(a.unassigned_count(), a.unassigned_block_ids())
    })
}

/// Assigned pairs: output, 5 words each (id, hash words).
#[no_mangle]
pub extern "C" fn kv_asg_assigned_pairs(index: u32, generation: u32) -> i32 {
    read(index, generation, |a, reply| reply.pairs(a.assigned()))
}

/// Staged pairs: output, 5 words each (id, hash words).
#[no_mangle]
pub extern "C" fn kv_asg_staged_pairs(index: u32, generation: u32) -> i32 {
    read(index, generation, |a, reply| reply.pairs(a.staged()))
}

/// `extend_block_ids` with the `len` ids in the input buffer: `ret[0]` = ids added.
#[no_mangle]
pub extern "C" fn kv_asg_extend_ids(index: u32, generation: u32, len: u32) -> i32 {
    run(|st| {
        let (ids, table, reply) = st.with_input(len)?;
        reply.ret[0] = table
            .assignments(index, generation)?
            .extend_block_ids(ids)? as u32;
        Ok(())
    })
}

/// `extend_assigned` with `count` pairs in the input buffer, 5 words each (id, hash words):
/// `ret[0]` = pairs added.
#[no_mangle]
pub extern "C" fn kv_asg_extend_assigned(index: u32, generation: u32, count: u32) -> i32 {
    run(|st| {
        let (words, table, reply) = st.with_input(count.saturating_mul(5))?;
        let mut pairs = Vec::new();
        try_reserve(&mut pairs, count as usize)?;
        for chunk in words.chunks_exact(5) {
            pairs.push((chunk[0], hash_of(&chunk[1..])?));
        }
        reply.ret[0] = table
            .assignments(index, generation)?
            .extend_assigned(&pairs)? as u32;
        Ok(())
    })
}

/// Stages (and, with `commit`, commits) blocks `start..end` of a sequence: `ret` = the range.
#[inline(never)]
fn stage(record: (u32, u32), sequence: (u32, u32), start: u32, end: u32, commit: bool) -> i32 {
    run(|st| {
        let (record, seq) = st.table.record_and_sequence(record, sequence)?;
        let blocks = block_range(seq, start, end)?.len();
        let start = start as usize;
        let range = record.stage_from(seq, start..start + blocks, commit)?;
        st.reply.range(range);
        Ok(())
    })
}

/// `stage_pending` with blocks `start..end` of the sequence behind (`seq_index`,
/// `seq_generation`): `ret` = the new staged indices.
#[no_mangle]
pub extern "C" fn kv_asg_stage(
    index: u32,
    generation: u32,
    seq_index: u32,
    seq_generation: u32,
    start: u32,
    end: u32,
) -> i32 {
    let sequence = (seq_index, seq_generation);
    stage((index, generation), sequence, start, end, false)
}

/// `assign_pending` (stage, then commit) with blocks `start..end` of the sequence: `ret` = the
/// new assigned indices.
#[no_mangle]
pub extern "C" fn kv_asg_assign(
    index: u32,
    generation: u32,
    seq_index: u32,
    seq_generation: u32,
    start: u32,
    end: u32,
) -> i32 {
    let sequence = (seq_index, seq_generation);
    stage((index, generation), sequence, start, end, true)
}

/// `commit_staged`: `ret` = the new assigned indices.
#[no_mangle]
pub extern "C" fn kv_asg_commit(index: u32, generation: u32) -> i32 {
    run(|st| {
        let range = st.table.assignments(index, generation)?.commit_staged();
        st.reply.range(range);
        Ok(())
    })
}

/// `take_staged`: output, 5 words per pair.
#[no_mangle]
pub extern "C" fn kv_asg_take_staged(index: u32, generation: u32) -> i32 {
    run(|st| {
        let taken = st.table.assignments(index, generation)?.take_staged()?;
        st.reply.pairs(taken.into_iter())
    })
}

/// `clear`.
#[no_mangle]
pub extern "C" fn kv_asg_clear(index: u32, generation: u32) -> i32 {
    run(|st| {
        st.table.assignments(index, generation)?.clear();
        Ok(())
    })
}
