//! Exports of the buffers and bookkeeping: the return area, the input buffer, live objects,
//! freeing a handle.
//!
//! Place: `crate/kvbm-sequence-wasm/src/exports/buffers.rs`.

use crate::contract::{code, MAX_INPUT_WORDS, RET_WORDS};
use crate::state::{run, STATE};
use kvbm_sequence::error::{try_reserve, Error};

/// Address of the 16-word return area.
#[no_mangle]
pub extern "C" fn kv_ret_ptr() -> u32 {
    STATE.with(|cell| match cell.try_borrow() {
        Ok(state) => state.reply.ret_ptr(),
        Err(_) => 0,
    })
}

/// Replaces the input buffer's contents, for native callers (tests) that cannot write wasm
/// memory.
pub fn set_input(words: &[u32]) {
    STATE.with(|cell| {
        if let Ok(mut state) = cell.try_borrow_mut() {
            state.input.clear();
            state.input.extend_from_slice(words);
        }
    })
}

/// A copy of the return area, for native callers (tests) that cannot read wasm memory.
pub fn ret_words() -> [u32; RET_WORDS] {
    STATE.with(|cell| {
        cell.try_borrow()
            .map(|state| state.reply.ret)
            .unwrap_or_default()
    })
}

/// Makes the input buffer at least `words` 32-bit words long and returns its address (0 where
/// the memory cannot be had, or `words` exceeds [`MAX_INPUT_WORDS`]).
#[no_mangle]
pub extern "C" fn kv_input(words: u32) -> u32 {
    let mut ptr = 0;
    let status = run(|st| {
        if words > MAX_INPUT_WORDS {
            return Err(Error::OutOfMemory {
                requested: words as usize,
            }
            .into());
        }
        // The buffer only grows: callers pass the length they wrote to each export, so what
        // lies beyond it is never read, and zero-filling it again on every call is wasted.
        let words = words as usize;
        let input = &mut st.input;
        if words > input.len() {
            try_reserve(input, words - input.len())?;
            input.resize(words, 0);
        }
        ptr = input.as_ptr() as usize as u32;
        Ok(())
    });
    if status == code::OK {
        ptr
    } else {
        0
    }
}

/// Releases the input and output buffers' memory (kept between calls otherwise).
#[no_mangle]
pub extern "C" fn kv_shrink_buffers() -> i32 {
    run(|st| {
        st.input = Vec::new();
        st.reply.release();
        Ok(())
    })
}

/// Number of live objects in the table: `ret[0]`; bytes the allocator holds for objects and
/// buffers (the ballast excluded): `ret[1]`; times linear memory grew: `ret[2]`.
#[no_mangle]
pub extern "C" fn kv_live_objects() -> i32 {
    run(|st| {
        st.reply.ret[0] = st.table.live();
        // Bytes held by objects and buffers (u32: wasm32 memory is at most 4 GiB).
        st.reply.ret[1] = crate::alloc::allocated_bytes() as u32;
        st.reply.ret[2] = crate::alloc::grows() as u32;
        Ok(())
    })
}

/// Makes `mib` MiB available without growing memory again (one growth now instead of many
/// later) and touches it, so that the host maps its pages now: `ret[0]` = 1 where it could, 0
/// where memory cannot grow that far.
#[no_mangle]
pub extern "C" fn kv_reserve(mib: u32) -> i32 {
    run(|st| {
        let bytes = (mib as usize).checked_mul(1 << 20);
        st.reply.ret[0] =
            u32::from(bytes.map_or(false, |b| crate::alloc::reserve_touching(b, true)));
        Ok(())
    })
}

/// Frees the object behind a handle (any kind).
#[no_mangle]
pub extern "C" fn kv_free(index: u32, generation: u32) -> i32 {
    run(|st| st.table.remove(index, generation).map(drop))
}
