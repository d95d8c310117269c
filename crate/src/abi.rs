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
//! are reported (`try_reserve`), and the table never hands out a dangling object.

use crate::assignments::ExternalBlockAssignments;
use crate::errors::{try_reserve, BlockSequenceError};
use crate::hash::{compute_salt_hash, for_each_block};
use crate::lineage::SequenceHash;
use crate::plan::{zip_assigned, zip_assigned_pending, PlanEntry};
use crate::sequence::{Block, BlockSequence};
use std::cell::RefCell;

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
}

/// Words in the return area.
const RET_WORDS: usize = 16;
/// Return-area word holding the output buffer's address.
const RET_OUT_PTR: usize = 14;
/// Return-area word holding the output's byte length.
const RET_OUT_LEN: usize = 15;

/// An object behind a handle.
enum Object {
    Sequence(BlockSequence),
    Assignments(ExternalBlockAssignments),
}

struct Slot {
    generation: u32,
    object: Option<Object>,
}

/// Objects by handle: slots are reused, generations never (until 2^32 objects were made).
#[derive(Default)]
struct Table {
    slots: Vec<Slot>,
    free: Vec<u32>,
    next_generation: u32,
    live: u32,
}

/// Why an export failed.
enum Failure {
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

type Outcome = Result<(), Failure>;

impl Table {
    fn insert(&mut self, object: Object) -> Result<(u32, u32), Failure> {
        self.next_generation = self.next_generation.wrapping_add(1).max(1);
        let generation = self.next_generation;
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                try_reserve(&mut self.slots, 1)?;
                try_reserve(&mut self.free, self.slots.len() + 1)?;
                self.slots.push(Slot {
                    generation: 0,
                    object: None,
                });
                (self.slots.len() - 1) as u32
            }
        };
        let slot = self
            .slots
            .get_mut(index as usize)
            .ok_or(Failure::InvalidHandle)?;
        slot.generation = generation;
        slot.object = Some(object);
        self.live += 1;
        Ok((index, generation))
    }

    fn slot(&mut self, index: u32, generation: u32) -> Result<&mut Slot, Failure> {
        match self.slots.get_mut(index as usize) {
            Some(slot) if generation != 0 && slot.generation == generation => Ok(slot),
            _ => Err(Failure::InvalidHandle),
        }
    }

    fn get(&mut self, index: u32, generation: u32) -> Result<&mut Object, Failure> {
        self.slot(index, generation)?
            .object
            .as_mut()
            .ok_or(Failure::InvalidHandle)
    }

    fn remove(&mut self, index: u32, generation: u32) -> Result<Object, Failure> {
        let slot = self.slot(index, generation)?;
        let object = slot.object.take().ok_or(Failure::InvalidHandle)?;
        slot.generation = 0;
        // Room for every slot was reserved when the slot was made.
        self.free.push(index);
        self.live -= 1;
        Ok(object)
    }

    fn sequence(&mut self, index: u32, generation: u32) -> Result<&mut BlockSequence, Failure> {
        match self.get(index, generation)? {
            Object::Sequence(s) => Ok(s),
            Object::Assignments(_) => Err(Failure::WrongKind("a BlockSequence")),
        }
    }

    fn assignments(
        &mut self,
        index: u32,
        generation: u32,
    ) -> Result<&mut ExternalBlockAssignments, Failure> {
        match self.get(index, generation)? {
            Object::Assignments(a) => Ok(a),
            Object::Sequence(_) => Err(Failure::WrongKind("an ExternalBlockAssignments")),
        }
    }

    /// Two assignment records at once, both shared (the same one twice is allowed).
    fn assignments_pair(
        &mut self,
        a: (u32, u32),
        b: (u32, u32),
    ) -> Result<(&ExternalBlockAssignments, &ExternalBlockAssignments), Failure> {
        // Validate both handles (and kinds) first, then borrow both shared.
        self.assignments(a.0, a.1)?;
        self.assignments(b.0, b.1)?;
        let get = |index: u32| match self
            .slots
            .get(index as usize)
            .and_then(|s| s.object.as_ref())
        {
            Some(Object::Assignments(x)) => Ok(x),
            _ => Err(Failure::InvalidHandle),
        };
        Ok((get(a.0)?, get(b.0)?))
    }
}

/// The module's whole state.
struct State {
    ret: [u32; RET_WORDS],
    input: Vec<u32>,
    output: Vec<u64>,
    table: Table,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State {
        ret: [0; RET_WORDS],
        input: Vec::new(),
        output: Vec::new(),
        table: Table::default(),
    });
}

fn lo(v: u64) -> u32 {
    v as u32
}

fn hi(v: u64) -> u32 {
    (v >> 32) as u32
}

fn join(lo: u32, hi: u32) -> u64 {
    u64::from(hi) << 32 | u64::from(lo)
}

fn words_of(h: SequenceHash) -> [u32; 4] {
    let raw = h.raw();
    [
        raw as u32,
        (raw >> 32) as u32,
        (raw >> 64) as u32,
        (raw >> 96) as u32,
    ]
}

fn raw_of(w: &[u32]) -> u128 {
    w.iter()
        .rev()
        .fold(0u128, |acc, &word| acc << 32 | u128::from(word))
}

fn hash_of(w: &[u32]) -> Result<SequenceHash, Failure> {
    Ok(SequenceHash::from_raw(raw_of(w))?)
}

impl State {
    /// The first `len` words of the input buffer.
    fn input(&self, len: u32) -> Result<&[u32], Failure> {
        self.input.get(..len as usize).ok_or_else(|| {
            Failure::InvalidArgument(format!(
                "input length {} exceeds the {} words reserved with kv_input",
                len,
                self.input.len()
            ))
        })
    }

    /// Starts a bulk result of `words` 32-bit words (zeroed), returning the output as words.
    fn begin_output(&mut self, words: usize) -> Result<(), Failure> {
        self.output.clear();
        let cells = (words + 1) / 2;
        try_reserve(&mut self.output, cells)?;
        self.output.resize(cells, 0);
        self.ret[RET_OUT_PTR] = self.output.as_ptr() as usize as u32;
        self.ret[RET_OUT_LEN] = (words * 4) as u32;
        Ok(())
    }

    /// Writes 32-bit word `index` of the current output.
    fn put(&mut self, index: usize, word: u32) {
        if let Some(cell) = self.output.get_mut(index / 2) {
            let shift = (index % 2) * 32;
            *cell = (*cell & !(0xFFFF_FFFFu64 << shift)) | (u64::from(word) << shift);
        }
    }

    /// Writes a whole output of 32-bit values.
    fn output_u32s(&mut self, values: impl ExactSizeIterator<Item = u32>) -> Outcome {
        self.begin_output(values.len())?;
        for (i, v) in values.enumerate() {
            self.put(i, v);
        }
        Ok(())
    }

    /// Writes pairs as 5 words each: id, then the hash's four words.
    fn output_pairs(
        &mut self,
        pairs: impl ExactSizeIterator<Item = (u32, SequenceHash)>,
    ) -> Outcome {
        self.begin_output(pairs.len() * 5)?;
        for (i, (id, h)) in pairs.enumerate() {
            self.put(i * 5, id);
            for (k, w) in words_of(h).iter().enumerate() {
                self.put(i * 5 + 1 + k, *w);
            }
        }
        Ok(())
    }

    /// Writes bytes (a message or a text form).
    fn output_bytes(&mut self, bytes: &[u8]) -> Outcome {
        self.begin_output((bytes.len() + 3) / 4)?;
        self.output.clear();
        self.output.extend(bytes.chunks(8).map(|chunk| {
            let mut cell = [0u8; 8];
            cell[..chunk.len()].copy_from_slice(chunk);
            u64::from_le_bytes(cell)
        }));
        self.ret[RET_OUT_LEN] = bytes.len() as u32;
        Ok(())
    }

    fn ret_range(&mut self, range: std::ops::Range<usize>) {
        self.ret[0] = range.start as u32;
        self.ret[1] = range.end as u32;
    }

    fn ret_option(&mut self, value: Option<u32>) {
        self.ret[0] = value.is_some() as u32;
        self.ret[1] = value.unwrap_or(0);
    }

    fn ret_pair(&mut self, pair: Option<(u32, SequenceHash)>) {
        self.ret[0] = pair.is_some() as u32;
        let (id, h) = pair.unwrap_or_default();
        self.ret[1] = id;
        self.ret[2..6].copy_from_slice(&words_of(h));
    }

    /// Reports `failure`: its code is returned, its fields go to the return area and its
    /// message to the output buffer.
    fn fail(&mut self, failure: Failure) -> i32 {
        self.ret = [0; RET_WORDS];
        let (status, message) = match failure {
            Failure::Core(e) => (self.core_fields(&e), e.to_string()),
            Failure::InvalidHandle => (
                code::INVALID_HANDLE,
                "invalid handle: the object was freed or never existed".to_string(),
            ),
            Failure::WrongKind(expected) => (
                code::WRONG_HANDLE_KIND,
                format!("wrong handle kind: expected {}", expected),
            ),
            Failure::InvalidArgument(message) => (code::INVALID_ARGUMENT, message),
        };
        if self.output_bytes(message.as_bytes()).is_err() {
            self.ret[RET_OUT_LEN] = 0;
        }
        status
    }

    fn core_fields(&mut self, e: &BlockSequenceError) -> i32 {
        use crate::errors::TokenExtensionReason as R;
        match *e {
            BlockSequenceError::OrderingViolation {
                known_id,
                new_id,
                known_index,
                first_new_index,
            } => {
                self.ret[..4].copy_from_slice(&[
                    known_id,
                    new_id,
                    known_index as u32,
                    first_new_index as u32,
                ]);
                code::ORDERING_VIOLATION
            }
            BlockSequenceError::PositionMismatch {
                expected,
                actual,
                block_id,
            } => {
                self.ret[..3].copy_from_slice(&[expected as u32, actual as u32, block_id]);
                code::POSITION_MISMATCH
            }
            BlockSequenceError::DuplicateBlockId { block_id } => {
                self.ret[0] = block_id;
                code::DUPLICATE_BLOCK_ID
            }
            BlockSequenceError::TokenExtension(reason) => {
                self.ret[0] = match reason {
                    R::Full => 0,
                    R::Incomplete => 1,
                    R::Empty => 2,
                    R::InsufficientTokens => 3,
                };
                code::TOKEN_EXTENSION
            }
            BlockSequenceError::PositionOverflow { position } => {
                self.ret[..2].copy_from_slice(&[lo(position), hi(position)]);
                code::POSITION_OVERFLOW
            }
            BlockSequenceError::InvalidBlockSize => code::INVALID_BLOCK_SIZE,
            BlockSequenceError::OutOfMemory { requested } => {
                self.ret[0] = requested as u32;
                code::OUT_OF_MEMORY
            }
            BlockSequenceError::InvalidLineageHash { raw } => {
                self.ret[..4].copy_from_slice(&[
                    raw as u32,
                    (raw >> 32) as u32,
                    (raw >> 64) as u32,
                    (raw >> 96) as u32,
                ]);
                code::INVALID_LINEAGE_HASH
            }
        }
    }
}

/// Runs `f` on the state and turns its outcome into a status.
fn run(f: impl FnOnce(&mut State) -> Outcome) -> i32 {
    STATE.with(|cell| match cell.try_borrow_mut() {
        Ok(mut state) => match f(&mut state) {
            Ok(()) => code::OK,
            Err(failure) => state.fail(failure),
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
        Ok(state) => state.ret.as_ptr() as usize as u32,
        Err(_) => 0,
    })
}

/// Most words the input buffer takes (1 GiB): one call's tokens or ids.
pub const MAX_INPUT_WORDS: u32 = 1 << 28;

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
    STATE.with(|cell| cell.try_borrow().map(|state| state.ret).unwrap_or_default())
}

/// Makes the input buffer exactly `words` 32-bit words long and returns its address (0 where
/// the memory cannot be had, or `words` exceeds [`MAX_INPUT_WORDS`]).
#[no_mangle]
pub extern "C" fn kv_input(words: u32) -> u32 {
    if words > MAX_INPUT_WORDS {
        return 0;
    }
    STATE.with(|cell| match cell.try_borrow_mut() {
        Ok(mut state) => {
            let words = words as usize;
            let input = &mut state.input;
            if words > input.len() && input.try_reserve(words - input.len()).is_err() {
                return 0;
            }
            input.resize(words, 0);
            input.as_ptr() as usize as u32
        }
        Err(_) => 0,
    })
}

/// Releases the input and output buffers' memory (kept between calls otherwise).
#[no_mangle]
pub extern "C" fn kv_shrink_buffers() -> i32 {
    run(|st| {
        st.input = Vec::new();
        st.output = Vec::new();
        st.ret[RET_OUT_PTR] = 0;
        st.ret[RET_OUT_LEN] = 0;
        Ok(())
    })
}

/// Number of live objects in the table: `ret[0]`.
#[no_mangle]
pub extern "C" fn kv_live_objects() -> i32 {
    run(|st| {
        st.ret[0] = st.table.live;
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
        let State { input, output, .. } = st;
        let tokens = input.get(..len as usize).ok_or_else(|| {
            Failure::InvalidArgument(format!("input length {} exceeds the input buffer", len))
        })?;
        let blocks = tokens.len() / (block_size.max(1) as usize);
        output.clear();
        try_reserve(output, blocks)?;
        let sequence = which != 0;
        for_each_block(
            tokens,
            block_size as usize,
            join(salt_lo, salt_hi),
            |_, bh, sh| output.push(if sequence { sh } else { bh }),
        )?;
        st.ret[RET_OUT_PTR] = st.output.as_ptr() as usize as u32;
        st.ret[RET_OUT_LEN] = (st.output.len() * 8) as u32;
        Ok(())
    })
}

/// Dynamo's router salt of the UTF-8 strings in the input buffer: the salt's `salt_len` bytes,
/// then the LoRA name's `lora_len` bytes (empty means absent). Result in `ret[0..2]`.
#[no_mangle]
pub extern "C" fn kv_salt_hash(salt_len: u32, lora_len: u32) -> i32 {
    run(|st| {
        let total = u64::from(salt_len) + u64::from(lora_len);
        let words = st.input(((total + 3) / 4).min(u64::from(u32::MAX)) as u32)?;
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let (salt, rest) = bytes.split_at((salt_len as usize).min(bytes.len()));
        let lora = rest.get(..lora_len as usize).ok_or_else(|| {
            Failure::InvalidArgument("string lengths exceed the input buffer".to_string())
        })?;
        let text = |b: &[u8]| {
            std::str::from_utf8(b)
                .map(str::to_owned)
                .map_err(|_| Failure::InvalidArgument("string is not UTF-8".to_string()))
        };
        let (salt, lora) = (text(salt)?, text(lora)?);
        let hash = compute_salt_hash(Some(&salt), Some(&lora));
        st.ret[0] = lo(hash);
        st.ret[1] = hi(hash);
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
        st.ret[..4].copy_from_slice(&words_of(h));
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
        st.ret[..6].copy_from_slice(&[
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
        let text = hash_of(&[w0, w1, w2, w3])?.to_string();
        st.output_bytes(text.as_bytes())
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
        st.ret[0] = (a.cmp(&b) as i32 + 1) as u32;
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
        let (index, generation) = st.table.insert(Object::Sequence(seq))?;
        st.ret[0] = index;
        st.ret[1] = generation;
        Ok(())
    })
}

/// `ret` = block size, total tokens, block count, partial-block length, salt (lo, hi).
#[no_mangle]
pub extern "C" fn kv_seq_info(index: u32, generation: u32) -> i32 {
    run(|st| {
        let seq = st.table.sequence(index, generation)?;
        let info = [
            seq.block_size() as u32,
            seq.total_tokens() as u32,
            seq.block_count() as u32,
            seq.partial_tokens().len() as u32,
            lo(seq.salt_hash()),
            hi(seq.salt_hash()),
        ];
        st.ret[..6].copy_from_slice(&info);
        Ok(())
    })
}

/// Appends the `len` tokens in the input buffer: `ret` = (1, start, end) for the completed
/// blocks, or (0, 0, 0).
#[no_mangle]
pub extern "C" fn kv_seq_extend(index: u32, generation: u32, len: u32) -> i32 {
    run(|st| {
        let State { input, table, .. } = st;
        let tokens = input.get(..len as usize).ok_or_else(|| {
            Failure::InvalidArgument(format!("input length {} exceeds the input buffer", len))
        })?;
        let range = table.sequence(index, generation)?.extend_tokens(tokens)?;
        st.ret[0] = range.is_some() as u32;
        let range = range.unwrap_or(0..0);
        st.ret[1] = range.start as u32;
        st.ret[2] = range.end as u32;
        Ok(())
    })
}

/// Appends one token: `ret` = (1, index) of the block it completed, or (0, 0).
#[no_mangle]
pub extern "C" fn kv_seq_append(index: u32, generation: u32, token: u32) -> i32 {
    run(|st| {
        let done = st.table.sequence(index, generation)?.append_token(token)?;
        st.ret_option(done.map(|i| i as u32));
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
        st.ret_option(token);
        Ok(())
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
        let State { table, output, .. } = st;
        let blocks = block_range(table.sequence(index, generation)?, start, end)?;
        output.clear();
        match which {
            0 | 1 => {
                try_reserve(output, blocks.len())?;
                let pick = if which == 0 {
                    Block::block_hash
                } else {
                    Block::sequence_hash
                };
                output.extend(blocks.iter().map(pick));
            }
            2 => {
                try_reserve(output, blocks.len() * 2)?;
                for block in blocks {
                    let raw = block.lineage_hash().raw();
                    output.push(raw as u64);
                    output.push((raw >> 64) as u64);
                }
            }
            _ => {
                return Err(Failure::InvalidArgument(format!(
                    "unknown hash kind {}",
                    which
                )))
            }
        }
        st.ret[RET_OUT_PTR] = st.output.as_ptr() as usize as u32;
        st.ret[RET_OUT_LEN] = (st.output.len() * 8) as u32;
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

/// Complete block `i`: `ret` = found, position, block hash (lo, hi), sequence hash (lo, hi),
/// lineage hash (4 words); its tokens in the output (32-bit).
#[no_mangle]
pub extern "C" fn kv_seq_block(index: u32, generation: u32, i: u32) -> i32 {
    run(|st| {
        let seq = st.table.sequence(index, generation)?;
        let found = seq.block(i as usize).copied();
        let tokens: Vec<u32> = seq.block_tokens(i as usize).unwrap_or(&[]).to_vec();
        st.output_u32s(tokens.into_iter())?;
        st.ret[..10].copy_from_slice(&[0; 10]);
        if let Some(block) = found {
            let (bh, sh) = (block.block_hash(), block.sequence_hash());
            st.ret[..6].copy_from_slice(&[
                1,
                block.position() as u32,
                lo(bh),
                hi(bh),
                lo(sh),
                hi(sh),
            ]);
            st.ret[6..10].copy_from_slice(&words_of(block.lineage_hash()));
        }
        Ok(())
    })
}

/// Tokens of the partial block: output, 32-bit values.
#[no_mangle]
pub extern "C" fn kv_seq_partial(index: u32, generation: u32) -> i32 {
    run(|st| {
        let State { table, .. } = st;
        let partial: Vec<u32> = table.sequence(index, generation)?.partial_tokens().to_vec();
        st.output_u32s(partial.into_iter())
    })
}

// ---------------------------------------------------------------------------------------------
// Assignment records

/// New record with `offset`: handle in `ret[0..2]`.
#[no_mangle]
pub extern "C" fn kv_asg_new(offset: u32) -> i32 {
    run(|st| {
        let record = ExternalBlockAssignments::new(u64::from(offset));
        let (index, generation) = st.table.insert(Object::Assignments(record))?;
        st.ret[0] = index;
        st.ret[1] = generation;
        Ok(())
    })
}

/// `ret` = offset, assigned count, staged count, unassigned count.
#[no_mangle]
pub extern "C" fn kv_asg_info(index: u32, generation: u32) -> i32 {
    run(|st| {
        let a = st.table.assignments(index, generation)?;
        let info = [
            a.offset() as u32,
            a.assigned_count() as u32,
            a.staged_count() as u32,
            a.unassigned_count() as u32,
        ];
        st.ret[..4].copy_from_slice(&info);
        Ok(())
    })
}

/// Whether `id` is in the record: `ret[0]`.
#[no_mangle]
pub extern "C" fn kv_asg_contains(index: u32, generation: u32, id: u32) -> i32 {
    run(|st| {
        st.ret[0] = st.table.assignments(index, generation)?.contains(id) as u32;
        Ok(())
    })
}

/// Assigned (`which` = 0) or staged (1) pair `i`: `ret` = found, id, hash words.
#[no_mangle]
pub extern "C" fn kv_asg_get(index: u32, generation: u32, which: u32, i: u32) -> i32 {
    run(|st| {
        let a = st.table.assignments(index, generation)?;
        let pair = if which == 0 {
            a.get_assigned(i as usize)
        } else {
            a.get_staged(i as usize)
        };
        st.ret_pair(pair);
        Ok(())
    })
}

/// Assigned pair at absolute position `position`: `ret` = found, id, hash words.
#[no_mangle]
pub extern "C" fn kv_asg_at_position(index: u32, generation: u32, position: u32) -> i32 {
    run(|st| {
        let pair = st
            .table
            .assignments(index, generation)?
            .get_at_position(u64::from(position));
        st.ret_pair(pair);
        Ok(())
    })
}

/// Unassigned id that will land at `position`: `ret` = found, id.
#[no_mangle]
pub extern "C" fn kv_asg_pending_at_position(index: u32, generation: u32, position: u32) -> i32 {
    run(|st| {
        let id = st
            .table
            .assignments(index, generation)?
            .get_pending_at_position(u64::from(position));
        st.ret_option(id);
        Ok(())
    })
}

/// Ids of the assigned (`which` = 0), staged (1) or unassigned (2) collection: output, 32-bit.
#[no_mangle]
pub extern "C" fn kv_asg_ids(index: u32, generation: u32, which: u32) -> i32 {
    run(|st| {
        let State { table, .. } = st;
        let a = table.assignments(index, generation)?;
        let ids: Vec<u32> = match which {
            0 => a.assigned_block_ids().to_vec(),
            1 => a.staged_block_ids().to_vec(),
            _ => a.unassigned_block_ids().collect(),
        };
        st.output_u32s(ids.into_iter())
    })
}

/// Assigned (`which` = 0) or staged (1) pairs: output, 5 words each (id, hash words).
#[no_mangle]
pub extern "C" fn kv_asg_pairs(index: u32, generation: u32, which: u32) -> i32 {
    run(|st| {
        let a = st.table.assignments(index, generation)?;
        let pairs: Vec<(u32, SequenceHash)> = if which == 0 {
            a.assigned().collect()
        } else {
            a.staged().collect()
        };
        st.output_pairs(pairs.into_iter())
    })
}

/// `extend_block_ids` with the `len` ids in the input buffer: `ret[0]` = ids added.
#[no_mangle]
pub extern "C" fn kv_asg_extend_ids(index: u32, generation: u32, len: u32) -> i32 {
    run(|st| {
        let State { input, table, .. } = st;
        let ids = input.get(..len as usize).ok_or_else(|| {
            Failure::InvalidArgument(format!("input length {} exceeds the input buffer", len))
        })?;
        let added = table
            .assignments(index, generation)?
            .extend_block_ids(ids)?;
        st.ret[0] = added as u32;
        Ok(())
    })
}

/// `extend_assigned` with `count` pairs in the input buffer, 5 words each (id, hash words):
/// `ret[0]` = pairs added.
#[no_mangle]
pub extern "C" fn kv_asg_extend_assigned(index: u32, generation: u32, count: u32) -> i32 {
    run(|st| {
        let words = st.input(count.saturating_mul(5))?;
        let mut pairs = Vec::new();
        try_reserve(&mut pairs, count as usize)?;
        for chunk in words.chunks_exact(5) {
            pairs.push((chunk[0], hash_of(&chunk[1..])?));
        }
        let added = st
            .table
            .assignments(index, generation)?
            .extend_assigned(&pairs)?;
        st.ret[0] = added as u32;
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
        // Take the record out of its slot so the sequence can be borrowed beside it.
        let table = &mut st.table;
        table.assignments(index, generation)?;
        table.sequence(seq_index, seq_generation)?;
        let mut record = match table.get(index, generation)? {
            Object::Assignments(a) => std::mem::take(a),
            Object::Sequence(_) => return Err(Failure::WrongKind("an ExternalBlockAssignments")),
        };
        let result = table.sequence(seq_index, seq_generation).and_then(|seq| {
            let blocks = block_range(seq, start, end)?;
            Ok(if commit != 0 {
                record.assign_pending(blocks)?
            } else {
                record.stage_pending(blocks)?
            })
        });
        if let Ok(Object::Assignments(slot)) = table.get(index, generation) {
            *slot = record;
        }
        st.ret_range(result?);
        Ok(())
    })
}

/// `commit_staged`: `ret` = the new assigned indices.
#[no_mangle]
pub extern "C" fn kv_asg_commit(index: u32, generation: u32) -> i32 {
    run(|st| {
        let range = st.table.assignments(index, generation)?.commit_staged();
        st.ret_range(range);
        Ok(())
    })
}

/// `take_staged`: output, 5 words per pair.
#[no_mangle]
pub extern "C" fn kv_asg_take_staged(index: u32, generation: u32) -> i32 {
    run(|st| {
        let taken = st.table.assignments(index, generation)?.take_staged();
        st.output_pairs(taken.into_iter())
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
        let (a, b) = st
            .table
            .assignments_pair((a_index, a_generation), (b_index, b_generation))?;
        let plan: Vec<PlanEntry> = if pending == 0 {
            zip_assigned(a, b)
        } else {
            zip_assigned_pending(a, b)
        };
        let n = plan.len();
        st.begin_output(n * 3)?;
        for (i, entry) in plan.iter().enumerate() {
            st.put(i, entry.position as u32);
            st.put(n + i, entry.src);
            st.put(2 * n + i, entry.dst);
        }
        st.ret[0] = n as u32;
        Ok(())
    })
}
