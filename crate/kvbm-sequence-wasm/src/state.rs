//! The binding's state and the one way every export runs (`run`): the object table, the
//! input buffer, the reply, and how a failure becomes a status.
//!
//! Place: `crate/kvbm-sequence-wasm/src/state.rs`.
//!
//! # Protocol (the values are in [`crate::contract`])
//! - Objects (sequences, assignment records) live in a table and cross as a handle: a slot index
//!   and a generation. A freed, stale or never-issued handle, or one of the wrong kind, is
//!   reported, never dereferenced.
//! - Bulk input: the caller asks [`kv_input`](crate::exports::buffers::kv_input) for room for `n` 32-bit words, writes them at the
//!   returned address, then calls the export with `n`. Exports read only that buffer, never an
//!   address the caller names, so no argument can point outside memory.
//! - Results: every export returns a status (0 = success, else an error code, see [`code`]).
//!   Scalar results and error fields are written to the 16-word return area at
//!   [`kv_ret_ptr`](crate::exports::buffers::kv_ret_ptr); bulk results to an 8-byte-aligned output buffer whose address and byte
//!   length are return-area words 14 and 15. On error, the output buffer holds the message.
//! - 64-bit values cross as two 32-bit halves (low first); 128-bit lineage hashes as four
//!   32-bit words, least significant first.
//!
//! Nothing here panics on any argument: indices and lengths are checked, allocation failures
//! are reported (`try_reserve`, and the allocator's ballast for small allocations, see
//! `alloc`), and the table never hands out a dangling object.

use crate::contract::{code, unknown, Selector};
use crate::reply::Reply;
use crate::table::{Object, Table};
use kvbm_sequence::error::Error;
use kvbm_sequence::words::lineage_of;
use kvbm_sequence::SequenceHash;
use std::cell::RefCell;

/// Why an export failed.
pub(crate) enum Failure {
    Core(Error),
    InvalidHandle,
    WrongKind(&'static str),
    InvalidArgument(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Core(e)
    }
}

pub(crate) type Outcome = Result<(), Failure>;

pub(crate) fn invalid_length(len: u32, available: usize) -> Failure {
    Failure::InvalidArgument(format!(
        "input length {} exceeds the {} words reserved with kv_input",
        len, available
    ))
}

/// The module's whole state.
pub(crate) struct State {
    pub(crate) reply: Reply,
    pub(crate) input: Vec<u32>,
    pub(crate) table: Table,
}

impl State {
    /// The first `len` words of the input buffer (an export's bulk argument), borrowed beside
    /// the object table and the reply; `InvalidArgument` where the buffer holds fewer.
    pub(crate) fn with_input(
        &mut self,
        len: u32,
    ) -> Result<(&[u32], &mut Table, &mut Reply), Failure> {
        let State {
            input,
            table,
            reply,
        } = self;
        Ok((input_words(input, len)?, table, reply))
    }

    /// Stores a new object and returns its handle in `ret[0..2]`.
    pub(crate) fn adopt(&mut self, object: Object) -> Outcome {
        let (index, generation) = self.table.insert(object)?;
        self.reply.ret[..2].copy_from_slice(&[index, generation]);
        Ok(())
    }

    /// The first `len` words of the input buffer.
    pub(crate) fn input(&self, len: u32) -> Result<&[u32], Failure> {
        input_words(&self.input, len)
    }
}

/// The first `len` words of `input`; `InvalidArgument` where it holds fewer.
fn input_words(input: &[u32], len: u32) -> Result<&[u32], Failure> {
    input
        .get(..len as usize)
        .ok_or_else(|| invalid_length(len, input.len()))
}

thread_local! {
    pub(crate) static STATE: RefCell<State> = RefCell::new(State {
        reply: Reply::default(),
        input: Vec::new(),
        table: Table::default(),
    });
}

/// The lineage hash of four words (`InvalidLineageHash` for a value no lineage hash has).
pub(crate) fn hash_of(w: &[u32]) -> Result<SequenceHash, Failure> {
    Ok(lineage_of(w)?)
}

/// `value` as an index into `selector`'s values; any other value is refused the same way
/// for every selector.
pub(crate) fn select(selector: &Selector, value: u32) -> Result<usize, Failure> {
    let i = value as usize;
    if i < selector.values.len() {
        Ok(i)
    } else {
        Err(Failure::InvalidArgument(unknown(selector, value)))
    }
}

/// A boolean option: 0 or 1, refused like any selector otherwise.
pub(crate) fn flag(value: u32) -> Result<bool, Failure> {
    Ok(select(&crate::contract::FLAG, value)? == 1)
}

/// The bytes of `words` in memory order: little-endian tokens on little-endian targets (wasm32
/// always is), hashed in place without a copy per block; and the bytes the caller wrote, for
/// strings.
pub(crate) fn memory_bytes(words: &[u32]) -> &[u8] {
    // SAFETY: the bytes of a `&[u32]` are initialised, `u8` has alignment 1, the length is
    // the slice's size in bytes, and the result borrows `words` (same lifetime, shared).
    unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), std::mem::size_of_val(words)) }
}

/// Runs `f` on the state and turns its outcome into a status.
pub(crate) fn run(f: impl FnOnce(&mut State) -> Outcome) -> i32 {
    #[cfg(target_arch = "wasm32")]
    if !crate::alloc::ensure_ballast() {
        return out_of_memory();
    }
    STATE.with(|cell| match cell.try_borrow_mut() {
        Ok(mut state) => {
            let outcome = f(&mut state);
            status(&mut state, outcome)
        }
        Err(_) => code::BUSY,
    })
}

/// The status of an outcome (its failure reported). Out of line: every export shares it
/// instead of inlining the reporting of every kind of failure.
#[inline(never)]
fn status(state: &mut State, outcome: Outcome) -> i32 {
    match outcome {
        Ok(()) => code::OK,
        Err(failure) => state.reply.fail(failure),
    }
}

/// Reports that the ballast could not be restored, before anything was done.
#[cfg(target_arch = "wasm32")]
#[inline(never)]
fn out_of_memory() -> i32 {
    STATE.with(|cell| match cell.try_borrow_mut() {
        Ok(mut state) => state.reply.out_of_memory(),
        Err(_) => code::BUSY,
    })
}
