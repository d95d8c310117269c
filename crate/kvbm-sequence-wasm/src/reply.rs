//! What an export hands back: the 16-word return area (scalars, error fields, the output
//! buffer's address and length) and the 8-byte-aligned output buffer (bulk results, messages).
//!
//! Place: `crate/kvbm-sequence-wasm/src/reply.rs`.

use crate::contract::{code, RET_OUT_LEN, RET_OUT_PTR, RET_WORDS};
use crate::state::{Failure, Outcome};
use kvbm_sequence::error::{try_reserve, Error, TokenExtensionReason};
use kvbm_sequence::hashing::lineage::SequenceHash;
use kvbm_sequence::sequence::plan::Plan;
use kvbm_sequence::words::lineage_words;
use std::ops::Range;

/// The return area and the output buffers: 64-bit cells (8-byte aligned, for hashes and
/// bytes) and 32-bit words (ids, tokens, plans); the return area says which one holds the
/// current result.
#[derive(Default)]
pub(crate) struct Reply {
    pub(crate) ret: [u32; RET_WORDS],
    output: Vec<u64>,
    words: Vec<u32>,
}

impl Reply {
    /// Address of the return area (stable: the state lives in static storage).
    pub(crate) fn ret_ptr(&self) -> u32 {
        self.ret.as_ptr() as usize as u32
    }

    /// Frees the output buffers' memory.
    pub(crate) fn release(&mut self) {
        self.output = Vec::new();
        self.words = Vec::new();
        self.publish(0);
    }

    /// Records the 64-bit output's address and byte length in the return area.
    fn publish(&mut self, bytes: usize) {
        self.ret[RET_OUT_PTR] = self.output.as_ptr() as usize as u32;
        self.ret[RET_OUT_LEN] = bytes as u32;
    }

    /// Records the 32-bit output's address and byte length in the return area.
    fn publish_words(&mut self) {
        self.ret[RET_OUT_PTR] = self.words.as_ptr() as usize as u32;
        self.ret[RET_OUT_LEN] = (self.words.len() * 4) as u32;
    }

    /// An output of `n` 64-bit values (zeroed), to be filled by the caller.
    pub(crate) fn u64s(&mut self, n: usize) -> Result<&mut [u64], Failure> {
        self.output.clear();
        try_reserve(&mut self.output, n)?;
        self.output.resize(n, 0);
        self.publish(n * 8);
        Ok(&mut self.output)
    }

    /// An output of 64-bit values.
    pub(crate) fn u64s_from(&mut self, values: impl ExactSizeIterator<Item = u64>) -> Outcome {
        self.output.clear();
        try_reserve(&mut self.output, values.len())?;
        self.output.extend(values);
        self.publish(self.output.len() * 8);
        Ok(())
    }

    /// An output of (at most) `n` 32-bit values.
    pub(crate) fn u32s_from(&mut self, n: usize, values: impl Iterator<Item = u32>) -> Outcome {
        self.words.clear();
        try_reserve(&mut self.words, n)?;
        self.words.extend(values.take(n));
        self.publish_words();
        Ok(())
    }

    /// An output of 32-bit values copied from a slice.
    pub(crate) fn u32s(&mut self, values: &[u32]) -> Outcome {
        self.words.clear();
        try_reserve(&mut self.words, values.len())?;
        self.words.extend_from_slice(values);
        self.publish_words();
        Ok(())
    }

    /// Pairs, 5 words each: the id, then the hash's four words.
    pub(crate) fn pairs(
        &mut self,
        pairs: impl ExactSizeIterator<Item = (u32, SequenceHash)>,
    ) -> Outcome {
        let n = pairs.len() * 5;
        let words = pairs.flat_map(|(id, h)| {
            let [w0, w1, w2, w3] = lineage_words(h);
            [id, w0, w1, w2, w3]
        });
        self.u32s_from(n, words)
    }

    /// A plan of n entries: n positions, then n source ids, then n destination ids; `ret[0]`
    /// = n.
    pub(crate) fn plan(&mut self, plan: Plan<'_>) -> Outcome {
        let (first, src, [front, back]) = plan.as_slices();
        let n = src.len();
        self.words.clear();
        try_reserve(&mut self.words, 3 * n)?;
        self.words.extend((0..n as u64).map(|i| (first + i) as u32));
        self.words.extend_from_slice(src);
        let from_front = front.len().min(n);
        self.words.extend_from_slice(&front[..from_front]);
        self.words
            .extend_from_slice(back.get(..n - from_front).unwrap_or(&[]));
        self.publish_words();
        self.ret[0] = n as u32;
        Ok(())
    }

    /// Bytes (a message or a text form), zero-padded to whole cells.
    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> Outcome {
        self.output.clear();
        try_reserve(&mut self.output, (bytes.len() + 7) / 8)?;
        self.output.extend(bytes.chunks(8).map(|chunk| {
            let mut cell = [0u8; 8];
            cell[..chunk.len()].copy_from_slice(chunk);
            u64::from_le_bytes(cell)
        }));
        self.publish(bytes.len());
        Ok(())
    }

    /// `ret[0..2]` = a range.
    pub(crate) fn range(&mut self, range: Range<usize>) {
        self.ret[..2].copy_from_slice(&[range.start as u32, range.end as u32]);
    }

    /// `ret[0..2]` = (1, value) or (0, 0).
    pub(crate) fn option(&mut self, value: Option<u32>) {
        self.ret[..2].copy_from_slice(&[value.is_some() as u32, value.unwrap_or(0)]);
    }

    /// Reports running out of memory before anything was done, without allocating.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn out_of_memory(&mut self) -> i32 {
        self.ret = [0; RET_WORDS];
        code::OUT_OF_MEMORY
    }

    /// Reports `failure`: its fields go to the return area, its message to the output buffer;
    /// returns its status code.
    pub(crate) fn fail(&mut self, failure: Failure) -> i32 {
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
        if self.bytes(message.as_bytes()).is_err() {
            self.publish(0);
        }
        status
    }

    fn core_fields(&mut self, e: &Error) -> i32 {
        match *e {
            Error::OrderingViolation {
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
            Error::PositionMismatch {
                expected,
                actual,
                block_id,
            } => {
                self.ret[..3].copy_from_slice(&[expected as u32, actual as u32, block_id]);
                code::POSITION_MISMATCH
            }
            Error::DuplicateBlockId { block_id } => {
                self.ret[0] = block_id;
                code::DUPLICATE_BLOCK_ID
            }
            Error::TokenExtension(reason) => {
                self.ret[0] = match reason {
                    TokenExtensionReason::Full => 0,
                    TokenExtensionReason::Incomplete => 1,
                    TokenExtensionReason::Empty => 2,
                    TokenExtensionReason::InsufficientTokens => 3,
                };
                code::TOKEN_EXTENSION
            }
            Error::PositionOverflow { position } => {
                self.ret[..2].copy_from_slice(&[position as u32, (position >> 32) as u32]);
                code::POSITION_OVERFLOW
            }
            Error::InvalidBlockSize => code::INVALID_BLOCK_SIZE,
            Error::OutOfMemory { requested } => {
                self.ret[0] = requested as u32;
                code::OUT_OF_MEMORY
            }
            Error::PoolExhausted {
                requested,
                available,
            } => {
                self.ret[..2].copy_from_slice(&[requested as u32, available as u32]);
                code::POOL_EXHAUSTED
            }
            Error::UnknownBlockId { block_id } => {
                self.ret[0] = block_id;
                code::UNKNOWN_BLOCK_ID
            }
            Error::InvalidBlockState {
                block_id,
                state,
                operation,
            } => {
                let state = match state {
                    "free" => 0,
                    "active" => 1,
                    "inactive" => 2,
                    _ => 3,
                };
                let operation = u32::from(operation != "release");
                self.ret[..3].copy_from_slice(&[block_id, state, operation]);
                code::INVALID_BLOCK_STATE
            }
            Error::BindingMismatch {
                expected_block_size,
                expected_salt_hash,
                block_size,
                salt_hash,
            } => {
                self.ret[..6].copy_from_slice(&[
                    expected_block_size as u32,
                    expected_salt_hash as u32,
                    (expected_salt_hash >> 32) as u32,
                    block_size as u32,
                    salt_hash as u32,
                    (salt_hash >> 32) as u32,
                ]);
                code::BINDING_MISMATCH
            }
            Error::InvalidSnapshot { .. } => code::INVALID_SNAPSHOT,
            Error::UnknownWorker { worker_id, dp_rank } => {
                self.ret[..3].copy_from_slice(&[
                    worker_id as u32,
                    (worker_id >> 32) as u32,
                    dp_rank,
                ]);
                code::UNKNOWN_WORKER
            }
            Error::RequestState { .. } | Error::InvalidParameter { .. } => code::INVALID_ARGUMENT,
            Error::LengthMismatch { ids, blocks } => {
                self.ret[..2].copy_from_slice(&[ids as u32, blocks as u32]);
                code::LENGTH_MISMATCH
            }
            Error::InvalidLineageHash { raw } => {
                self.ret[..4].copy_from_slice(&lineage_words(
                    SequenceHash::from_raw(raw).unwrap_or_default(),
                ));
                code::INVALID_LINEAGE_HASH
            }
        }
    }
}
