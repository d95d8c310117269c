//! The WebAssembly boundary: `extern "C"` exports over integers, for the TypeScript facade.
//!
//! This module only translates; the behaviour lives in the other modules.
//!
//! # Protocol
//! - Objects (sequences, assignment records) live in a table and cross as a handle: a slot index
//!   and a generation. A freed, stale or never-issued handle, or one of the wrong kind, is
//!   reported, never dereferenced.
//! - Bulk input: the caller asks [`kv_input`] for room for `n` 32-bit words, writes them at the
//!   returned address, then calls the export with `n`. Exports read only that buffer, never an
//!   address the caller names, so no argument can point outside memory.
//! - Results: every export returns a status (0 = success, else an error code, see [`code`]).
//!   Scalar results and error fields are written to the 16-word return area at
//!   [`kv_ret_ptr`]; bulk results to an 8-byte-aligned output buffer whose address and byte
//!   length are return-area words 14 and 15. On error, the output buffer holds the message.
//! - 64-bit values cross as two 32-bit halves (low first); 128-bit lineage hashes as four
//!   32-bit words, least significant first.
//!
//! Nothing here panics on any argument: indices and lengths are checked, allocation failures
//! are reported (`try_reserve`, and the allocator's ballast for small allocations, see
//! `alloc`), and the table never hands out a dangling object.

mod alloc;
mod index;
mod intrinsics;
mod load;
mod pool;
mod profiles;
mod reply;
mod router_hash;
mod snapshot;
mod table;

pub use index::*;
pub use load::*;
pub use pool::*;
pub use profiles::*;
pub use router_hash::*;
pub use snapshot::*;

use crate::assignments::ExternalBlockAssignments;
use crate::errors::{try_reserve, BlockSequenceError};
use crate::hash::{compute_salt_hash, for_each_block, for_each_block_le_bytes};
use crate::lineage::SequenceHash;
use crate::plan::{zip_assigned, zip_assigned_pending};
use crate::sequence::{Block, BlockSequence};
use reply::{Reply, RET_WORDS};
use std::cell::RefCell;
use table::{Object, Table};

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: alloc::BallastAllocator = alloc::BallastAllocator;

/// Status codes returned by every export.
pub mod code {
    /// Success.
    pub const OK: i32 = 0;
    /// `OrderingViolation`: known_id, new_id, known_index, first_new_index.
    pub const ORDERING_VIOLATION: i32 = 1;
    /// `PositionMismatch`: expected, actual, block_id.
    pub const POSITION_MISMATCH: i32 = 2;
    /// `DuplicateBlockId`: block_id.
    pub const DUPLICATE_BLOCK_ID: i32 = 3;
    /// `TokenExtension`: reason (0 Full, 1 Incomplete, 2 Empty, 3 InsufficientTokens).
    pub const TOKEN_EXTENSION: i32 = 4;
    /// Position of 2^24 or more: position (low, high).
    pub const POSITION_OVERFLOW: i32 = 5;
    /// Block size 0.
    pub const INVALID_BLOCK_SIZE: i32 = 6;
    /// Memory could not be reserved.
    pub const OUT_OF_MEMORY: i32 = 7;
    /// A 128-bit value that is not a lineage hash.
    pub const INVALID_LINEAGE_HASH: i32 = 8;
    /// A handle that is freed, stale or was never issued.
    pub const INVALID_HANDLE: i32 = 9;
    /// A handle to an object of another kind.
    pub const WRONG_HANDLE_KIND: i32 = 10;
    /// An argument out of its range (a length beyond the input buffer, a slice beyond a
    /// sequence, a string that is not UTF-8).
    pub const INVALID_ARGUMENT: i32 = 11;
    /// The module's state is in use (a re-entrant call; cannot happen from the facade).
    pub const BUSY: i32 = 12;
    /// `PoolExhausted`: requested, available.
    pub const POOL_EXHAUSTED: i32 = 13;
    /// `UnknownBlockId`: block_id.
    pub const UNKNOWN_BLOCK_ID: i32 = 14;
    /// `InvalidBlockState`: block_id, state (0 free, 1 active, 2 inactive, 3 registered),
    /// operation (0 release, 1 register).
    pub const INVALID_BLOCK_STATE: i32 = 15;
    /// `BindingMismatch`: expected block size, expected salt (lo, hi), block size, salt (lo, hi).
    pub const BINDING_MISMATCH: i32 = 16;
    /// `LengthMismatch`: ids, blocks.
    pub const LENGTH_MISMATCH: i32 = 17;
    /// `InvalidSnapshot`.
    pub const INVALID_SNAPSHOT: i32 = 18;
}

/// Why an export failed.
pub(crate) enum Failure {
    Core(BlockSequenceError),
    InvalidHandle,
    WrongKind(&'static str),
    InvalidArgument(String),
}

impl From<BlockSequenceError> for Failure {
    fn from(e: BlockSequenceError) -> Self {
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
    reply: Reply,
    input: Vec<u32>,
    table: Table,
}

impl State {
    /// The first `len` words of the input buffer (an export's bulk argument), borrowed beside
    /// the object table and the reply; `InvalidArgument` where the buffer holds fewer.
    fn with_input(&mut self, len: u32) -> Result<(&[u32], &mut Table, &mut Reply), Failure> {
        let State {
            input,
            table,
            reply,
        } = self;
        Ok((input_words(input, len)?, table, reply))
    }

    /// Stores a new object and returns its handle in `ret[0..2]`.
    fn adopt(&mut self, object: Object) -> Outcome {
        let (index, generation) = self.table.insert(object)?;
        self.reply.ret[..2].copy_from_slice(&[index, generation]);
        Ok(())
    }

    /// The first `len` words of the input buffer.
    fn input(&self, len: u32) -> Result<&[u32], Failure> {
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
    static STATE: RefCell<State> = RefCell::new(State {
        reply: Reply::default(),
        input: Vec::new(),
        table: Table::default(),
    });
}

pub(crate) fn lo(v: u64) -> u32 {
    v as u32
}

pub(crate) fn hi(v: u64) -> u32 {
    (v >> 32) as u32
}

pub(crate) fn join(lo: u32, hi: u32) -> u64 {
    u64::from(hi) << 32 | u64::from(lo)
}

/// The 64-bit values of `words`, (low, high) pairs.
pub(crate) fn hashes_in(words: &[u32]) -> Result<Vec<u64>, Failure> {
    let mut out = Vec::new();
    try_reserve(&mut out, words.len() / 2)?;
    out.extend(words.chunks_exact(2).map(|c| join(c[0], c[1])));
    Ok(out)
}

/// A lineage hash as four 32-bit words, least significant first.
fn words_of(h: SequenceHash) -> [u32; 4] {
    let raw = h.raw();
    [
        raw as u32,
        (raw >> 32) as u32,
        (raw >> 64) as u32,
        (raw >> 96) as u32,
    ]
}

fn hash_of(w: &[u32]) -> Result<SequenceHash, Failure> {
    let raw = w
        .iter()
        .rev()
        .fold(0u128, |acc, &word| acc << 32 | u128::from(word));
    Ok(SequenceHash::from_raw(raw)?)
}

/// Runs `f` on the state and turns its outcome into a status.
pub(crate) fn run(f: impl FnOnce(&mut State) -> Outcome) -> i32 {
    #[cfg(target_arch = "wasm32")]
    if !alloc::ensure_ballast() {
        return STATE.with(|cell| match cell.try_borrow_mut() {
            Ok(mut state) => state.reply.out_of_memory(),
            Err(_) => code::BUSY,
        });
    }
    STATE.with(|cell| match cell.try_borrow_mut() {
        Ok(mut state) => match f(&mut state) {
            Ok(()) => code::OK,
            Err(failure) => state.reply.fail(failure),
        },
        Err(_) => code::BUSY,
    })
}

// ---------------------------------------------------------------------------------------------
// Buffers and bookkeeping

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

/// Most words the input buffer takes (1 GiB): one call's tokens or ids.
pub const MAX_INPUT_WORDS: u32 = 1 << 28;

/// Makes the input buffer at least `words` 32-bit words long and returns its address (0 where
/// the memory cannot be had, or `words` exceeds [`MAX_INPUT_WORDS`]).
#[no_mangle]
pub extern "C" fn kv_input(words: u32) -> u32 {
    let mut ptr = 0;
    let status = run(|st| {
        if words > MAX_INPUT_WORDS {
            return Err(BlockSequenceError::OutOfMemory {
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
/// buffers (the ballast excluded): `ret[1]`.
#[no_mangle]
pub extern "C" fn kv_live_objects() -> i32 {
    run(|st| {
        st.reply.ret[0] = st.table.live();
        // Bytes held by objects and buffers (u32: wasm32 memory is at most 4 GiB).
        st.reply.ret[1] = alloc::allocated_bytes() as u32;
        Ok(())
    })
}

/// Frees the object behind a handle (any kind).
#[no_mangle]
pub extern "C" fn kv_free(index: u32, generation: u32) -> i32 {
    run(|st| st.table.remove(index, generation).map(drop))
}

// ---------------------------------------------------------------------------------------------
// Hashing

/// Block hashes (`which` = 0) or sequence hashes (`which` = 1) of the `len` tokens in the input
/// buffer: output, 64-bit values.
#[no_mangle]
pub extern "C" fn kv_compute_hashes(
    len: u32,
    block_size: u32,
    salt_lo: u32,
    salt_hi: u32,
    which: u32,
) -> i32 {
    run(|st| {
        let (tokens, _, reply) = st.with_input(len)?;
        let blocks = tokens.len() / (block_size.max(1) as usize);
        let out = reply.u64s(blocks)?;
        let sequence = which != 0;
        let put = |i: usize, bh: u64, sh: u64| {
            if let Some(cell) = out.get_mut(i) {
                *cell = if sequence { sh } else { bh };
            }
        };
        let (block_size, salt) = (block_size as usize, join(salt_lo, salt_hi));
        if cfg!(target_endian = "little") {
            for_each_block_le_bytes(memory_bytes(tokens), block_size, salt, put)?;
        } else {
            for_each_block(tokens, block_size, salt, put)?;
        }
        Ok(())
    })
}

/// The bytes of `words` in memory order: little-endian tokens on little-endian targets (wasm32
/// always is), hashed in place without a copy per block; and the bytes the caller wrote, for
/// strings.
pub(crate) fn memory_bytes(words: &[u32]) -> &[u8] {
    // SAFETY: the bytes of a `&[u32]` are initialised, `u8` has alignment 1, the length is
    // the slice's size in bytes, and the result borrows `words` (same lifetime, shared).
    unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), std::mem::size_of_val(words)) }
}

/// Dynamo's router salt of the UTF-8 strings in the input buffer: the salt's `salt_len` bytes,
/// then the LoRA name's `lora_len` bytes (empty means absent). Result in `ret[0..2]`.
#[no_mangle]
pub extern "C" fn kv_salt_hash(salt_len: u32, lora_len: u32) -> i32 {
    run(|st| {
        let total = u64::from(salt_len) + u64::from(lora_len);
        let words = st.input(((total + 3) / 4).min(u64::from(u32::MAX)) as u32)?;
        let bytes = memory_bytes(words);
        let (salt, rest) = bytes.split_at((salt_len as usize).min(bytes.len()));
        let lora = rest.get(..lora_len as usize).ok_or_else(|| {
            Failure::InvalidArgument("string lengths exceed the input buffer".to_string())
        })?;
        let text = |b| {
            std::str::from_utf8(b)
                .map_err(|_| Failure::InvalidArgument("string is not UTF-8".to_string()))
        };
        let hash = compute_salt_hash(Some(text(salt)?), Some(text(lora)?));
        st.reply.ret[..2].copy_from_slice(&[lo(hash), hi(hash)]);
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// Lineage hashes

/// Lineage hash of position (`pos_lo`, `pos_hi`), sequence hash `current` and parent sequence
/// hash `parent`: its words in `ret[0..4]`.
#[no_mangle]
pub extern "C" fn kv_lineage_new(
    cur_lo: u32,
    cur_hi: u32,
    par_lo: u32,
    par_hi: u32,
    pos_lo: u32,
    pos_hi: u32,
) -> i32 {
    run(|st| {
        let h = SequenceHash::new(
            join(cur_lo, cur_hi),
            join(par_lo, par_hi),
            join(pos_lo, pos_hi),
        )?;
        st.reply.ret[..4].copy_from_slice(&words_of(h));
        Ok(())
    })
}

/// Decodes a lineage hash: `ret` = mode, position, current (lo, hi), parent fragment (lo, hi).
/// Fails for a value that is not a lineage hash.
#[no_mangle]
pub extern "C" fn kv_lineage_parts(w0: u32, w1: u32, w2: u32, w3: u32) -> i32 {
    run(|st| {
        let h = hash_of(&[w0, w1, w2, w3])?;
        let (cur, frag) = (h.current_hash(), h.parent_fragment());
        st.reply.ret[..6].copy_from_slice(&[
            h.mode(),
            h.position() as u32,
            lo(cur),
            hi(cur),
            lo(frag),
            hi(frag),
        ]);
        Ok(())
    })
}

/// Dynamo's text form of a lineage hash: output, UTF-8 bytes.
#[no_mangle]
pub extern "C" fn kv_lineage_to_string(w0: u32, w1: u32, w2: u32, w3: u32) -> i32 {
    run(|st| {
        let text = hash_of(&[w0, w1, w2, w3])?.text();
        st.reply.bytes(text.as_bytes())
    })
}

/// Order of two lineage hashes: `ret[0]` = 0 (less), 1 (equal) or 2 (greater).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn kv_lineage_cmp(
    a0: u32,
    a1: u32,
    a2: u32,
    a3: u32,
    b0: u32,
    b1: u32,
    b2: u32,
    b3: u32,
) -> i32 {
    run(|st| {
        let a = hash_of(&[a0, a1, a2, a3])?;
        let b = hash_of(&[b0, b1, b2, b3])?;
        st.reply.ret[0] = (a.cmp(&b) as i32 + 1) as u32;
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// Block sequences

/// New sequence of the `len` tokens in the input buffer: handle in `ret[0..2]`.
#[no_mangle]
pub extern "C" fn kv_seq_new(len: u32, block_size: u32, salt_lo: u32, salt_hi: u32) -> i32 {
    run(|st| {
        let seq = BlockSequence::new(st.input(len)?, block_size as usize, join(salt_lo, salt_hi))?;
        st.adopt(Object::Sequence(seq))
    })
}

/// `ret` = block size, total tokens, block count, partial-block length, salt (lo, hi).
#[no_mangle]
pub extern "C" fn kv_seq_info(index: u32, generation: u32) -> i32 {
    run(|st| {
        let seq = st.table.sequence(index, generation)?;
        st.reply.ret[..6].copy_from_slice(&[
            seq.block_size() as u32,
            seq.total_tokens() as u32,
            seq.block_count() as u32,
            seq.partial_tokens().len() as u32,
            lo(seq.salt_hash()),
            hi(seq.salt_hash()),
        ]);
        Ok(())
    })
}

/// Appends the `len` tokens in the input buffer: `ret` = (1, start, end) for the completed
/// blocks, or (0, 0, 0).
#[no_mangle]
pub extern "C" fn kv_seq_extend(index: u32, generation: u32, len: u32) -> i32 {
    run(|st| {
        let (tokens, table, reply) = st.with_input(len)?;
        let range = table.sequence(index, generation)?.extend_tokens(tokens)?;
        let (some, range) = (range.is_some(), range.unwrap_or(0..0));
        reply.ret[..3].copy_from_slice(&[some as u32, range.start as u32, range.end as u32]);
        Ok(())
    })
}

/// Appends one token: `ret` = (1, index) of the block it completed, or (0, 0).
#[no_mangle]
pub extern "C" fn kv_seq_append(index: u32, generation: u32, token: u32) -> i32 {
    run(|st| {
        let done = st.table.sequence(index, generation)?.append_token(token)?;
        st.reply.option(done.map(|i| i as u32));
        Ok(())
    })
}

/// Keeps the first `len` tokens.
#[no_mangle]
pub extern "C" fn kv_seq_truncate(index: u32, generation: u32, len: u32) -> i32 {
    run(|st| {
        st.table.sequence(index, generation)?.truncate(len as usize);
        Ok(())
    })
}

/// Removes the last `count` tokens.
#[no_mangle]
pub extern "C" fn kv_seq_unwind(index: u32, generation: u32, count: u32) -> i32 {
    run(|st| {
        Ok(st
            .table
            .sequence(index, generation)?
            .unwind(count as usize)?)
    })
}

/// Removes the last token: `ret` = (1, token), or (0, 0) for an empty sequence.
#[no_mangle]
pub extern "C" fn kv_seq_pop(index: u32, generation: u32) -> i32 {
    run(|st| {
        let token = st.table.sequence(index, generation)?.pop();
        st.reply.option(token);
        Ok(())
    })
}

/// Blocks `start..end` of `seq`; `end` = `u32::MAX` stands for the sequence's end.
fn block_range(seq: &BlockSequence, start: u32, end: u32) -> Result<&[Block], Failure> {
    let end = if end == u32::MAX {
        seq.block_count()
    } else {
        end as usize
    };
    seq.blocks().get(start as usize..end).ok_or_else(|| {
        Failure::InvalidArgument(format!(
            "block range {}..{} is outside the sequence's {} complete blocks",
            start,
            end,
            seq.block_count()
        ))
    })
}

/// Hashes of blocks `start..end`: `which` = 0 block hashes, 1 sequence hashes (output, 64-bit
/// values), 2 lineage hashes (output, two 64-bit values each, low half first).
#[no_mangle]
pub extern "C" fn kv_seq_hashes(
    index: u32,
    generation: u32,
    which: u32,
    start: u32,
    end: u32,
) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        let blocks = block_range(table.sequence(index, generation)?, start, end)?;
        match which {
            0 => reply.u64s_from(blocks.iter().map(Block::block_hash)),
            1 => reply.u64s_from(blocks.iter().map(Block::sequence_hash)),
            2 => reply.u32s_from(
                blocks.len() * 4,
                blocks.iter().flat_map(|b| words_of(b.lineage_hash())),
            ),
            _ => Err(Failure::InvalidArgument(format!(
                "unknown hash kind {}",
                which
            ))),
        }
    })
}

/// Complete block `i`: `ret` = found, position, block hash (lo, hi), sequence hash (lo, hi),
/// lineage hash (4 words); its tokens in the output (32-bit).
#[no_mangle]
pub extern "C" fn kv_seq_block(index: u32, generation: u32, i: u32) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        let seq = table.sequence(index, generation)?;
        reply.u32s(seq.block_tokens(i as usize).unwrap_or(&[]))?;
        reply.ret[..10].copy_from_slice(&[0; 10]);
        if let Some(block) = seq.block(i as usize) {
            let (bh, sh) = (block.block_hash(), block.sequence_hash());
            reply.ret[..6].copy_from_slice(&[
                1,
                block.position() as u32,
                lo(bh),
                hi(bh),
                lo(sh),
                hi(sh),
            ]);
            reply.ret[6..10].copy_from_slice(&words_of(block.lineage_hash()));
        }
        Ok(())
    })
}

/// Tokens of the partial block: output, 32-bit values.
#[no_mangle]
pub extern "C" fn kv_seq_partial(index: u32, generation: u32) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        reply.u32s(table.sequence(index, generation)?.partial_tokens())
    })
}

// ---------------------------------------------------------------------------------------------
// Assignment records

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

/// Ids of the assigned (`which` = 0), staged (1) or unassigned (2) collection: output, 32-bit.
#[no_mangle]
pub extern "C" fn kv_asg_ids(index: u32, generation: u32, which: u32) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        let a = table.assignments(index, generation)?;
        match which {
            0 => reply.u32s(a.assigned_block_ids()),
            1 => reply.u32s(a.staged_block_ids()),
            _ => reply.u32s_from(a.unassigned_count(), a.unassigned_block_ids()),
        }
    })
}

/// Assigned (`which` = 0) or staged (1) pairs: output, 5 words each (id, hash words).
#[no_mangle]
pub extern "C" fn kv_asg_pairs(index: u32, generation: u32, which: u32) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        let a = table.assignments(index, generation)?;
        if which == 0 {
            reply.pairs(a.assigned())
        } else {
            reply.pairs(a.staged())
        }
    })
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

/// `stage_pending` (or `assign_pending` where `commit` is 1) with blocks `start..end` of the
/// sequence behind (`seq_index`, `seq_generation`): `ret` = the returned range.
#[no_mangle]
pub extern "C" fn kv_asg_stage(
    index: u32,
    generation: u32,
    seq_index: u32,
    seq_generation: u32,
    start: u32,
    end: u32,
    commit: u32,
) -> i32 {
    run(|st| {
        let (record, seq) = st
            .table
            .record_and_sequence((index, generation), (seq_index, seq_generation))?;
        let blocks = block_range(seq, start, end)?.len();
        let start = start as usize;
        let range = record.stage_from(seq, start..start + blocks, commit != 0)?;
        st.reply.range(range);
        Ok(())
    })
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

/// `zip_assigned(a, b)` (`pending` = 0) or `zip_assigned_pending(a, b)` (1): `ret[0]` = n;
/// output, 3n words: positions, then a's ids, then b's ids.
#[no_mangle]
pub extern "C" fn kv_zip(
    a_index: u32,
    a_generation: u32,
    b_index: u32,
    b_generation: u32,
    pending: u32,
) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        let (a, b) = table.assignments_pair((a_index, a_generation), (b_index, b_generation))?;
        if pending == 0 {
            reply.plan(zip_assigned(a, b))
        } else {
            reply.plan(zip_assigned_pending(a, b))
        }
    })
}
