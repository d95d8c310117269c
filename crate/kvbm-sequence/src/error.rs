//! The errors of every fallible operation (SPEC §5), one enum for the crate: [`Error`].
//!
//! Place: `crate/kvbm-sequence/src/error.rs`. Variants are grouped by domain: sequences and
//! records (the SPEC's four kinds, positions, block size, lineage hashes), tier pools, the
//! router's load model, snapshots, and memory (every domain).
//!
//! The first four variants are the SPEC's error kinds, with its fields and messages. The others
//! reject input that is not what an operation takes (SPEC §5, last paragraph): they exist so that
//! no input, however wrong, makes the crate panic.

use std::fmt;

/// Why a token operation could not be carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenExtensionReason {
    /// The block cannot take more tokens.
    Full,
    /// The block does not hold enough tokens to be complete.
    Incomplete,
    /// The block holds no tokens.
    Empty,
    /// More tokens were asked for than the sequence holds (`unwind`).
    InsufficientTokens,
}

impl TokenExtensionReason {
    /// The reason's name, as the TypeScript facade spells it.
    pub fn name(self) -> &'static str {
        match self {
            TokenExtensionReason::Full => "Full",
            TokenExtensionReason::Incomplete => "Incomplete",
            TokenExtensionReason::Empty => "Empty",
            TokenExtensionReason::InsufficientTokens => "InsufficientTokens",
        }
    }
}

impl fmt::Display for TokenExtensionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenExtensionReason::Full => "block is full",
            TokenExtensionReason::Incomplete => "block is incomplete",
            TokenExtensionReason::Empty => "block is empty",
            TokenExtensionReason::InsufficientTokens => "insufficient tokens",
        })
    }
}

/// Every error the crate reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    // Sequences and tier records (SPEC §2–§5).
    /// `extend_block_ids`: a known id appeared after the first new id.
    OrderingViolation {
        /// The known id found out of place.
        known_id: u32,
        /// The first new id of the list.
        new_id: u32,
        /// Index of `known_id` in the list.
        known_index: usize,
        /// Index of `new_id` in the list.
        first_new_index: usize,
    },
    /// `stage_pending`: a block's embedded position is not the position it would be staged at.
    PositionMismatch {
        /// The position the block would be staged at.
        expected: u64,
        /// The position embedded in the block's lineage hash.
        actual: u64,
        /// The id that would have been paired with the block.
        block_id: u32,
    },
    /// An id that is already present (or repeated within one call).
    DuplicateBlockId {
        /// The offending id.
        block_id: u32,
    },
    /// A token operation that cannot be carried out.
    TokenExtension(TokenExtensionReason),
    /// A block position of 2^24 or more: the lineage hash cannot represent it.
    PositionOverflow {
        /// The position that was asked for.
        position: u64,
    },
    /// A block size of 0.
    InvalidBlockSize,
    /// A raw 128-bit value that no lineage hash has (mode 3, or a mode too wide for its position).
    InvalidLineageHash {
        /// The rejected raw value.
        raw: u128,
    },
    /// Blocks from a sequence of another block size or salt than the one the record or pool is
    /// bound to.
    BindingMismatch {
        /// The bound block size.
        expected_block_size: usize,
        /// The bound salt.
        expected_salt_hash: u64,
        /// The block size given.
        block_size: usize,
        /// The salt given.
        salt_hash: u64,
    },
    /// Two lists that must have the same length do not.
    LengthMismatch {
        /// Ids given.
        ids: usize,
        /// Blocks given.
        blocks: usize,
    },
    // Tier pools (SPEC §7).
    /// A pool cannot supply `requested` blocks: only `available` are free or evictable.
    PoolExhausted {
        /// Blocks asked for.
        requested: usize,
        /// Free plus inactive blocks.
        available: usize,
    },
    /// A block id the pool does not own.
    UnknownBlockId {
        /// The id.
        block_id: u32,
    },
    /// A block id in a state the operation does not take (releasing a free block, registering
    /// an inactive or registered one).
    InvalidBlockState {
        /// The id.
        block_id: u32,
        /// Its state: "free", "active", "inactive" or "registered".
        state: &'static str,
        /// What was asked: "release", "register".
        operation: &'static str,
    },
    // The router's load model (SPEC §6.4).
    /// A worker the load tracker does not have (never added, or removed).
    UnknownWorker {
        /// The worker's id.
        worker_id: u64,
        /// Its data-parallel rank.
        dp_rank: u32,
    },
    /// A request number the load tracker does not know, or (`running`) already runs.
    RequestState {
        /// The request number.
        request: u32,
        /// Whether it is running (refused by `add_request`) or unknown (refused by the rest).
        running: bool,
    },
    /// A cost or selection parameter that is not finite or out of its range (SPEC §6.6).
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
    },
    // Snapshots.
    /// Bytes that are not a snapshot this version can restore.
    InvalidSnapshot {
        /// What is wrong.
        reason: &'static str,
    },
    // Every domain.
    /// Memory for `requested` more items (tokens, blocks or ids) could not be reserved.
    OutOfMemory {
        /// How many items were asked for.
        requested: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::OrderingViolation {
                known_id,
                new_id,
                known_index,
                first_new_index,
            } => write!(
                f,
                "ordering violation: known block_id {} at index {} appeared after new block_id {} at index {}",
                known_id, known_index, new_id, first_new_index
            ),
            Error::PositionMismatch {
                expected,
                actual,
                block_id,
            } => write!(
                f,
                "position mismatch for block_id {}: expected {}, actual {}",
                block_id, expected, actual
            ),
            Error::DuplicateBlockId { block_id } => {
                write!(f, "duplicate block_id {} already present", block_id)
            }
            Error::TokenExtension(reason) => {
                write!(f, "token extension error: {}", reason)
            }
            Error::PositionOverflow { position } => write!(
                f,
                "position overflow: block position {} is not representable (positions must be below 2^24 = 16777216)",
                position
            ),
            Error::InvalidBlockSize => {
                f.write_str("invalid block size: blockSize must be at least 1")
            }
            Error::OutOfMemory { requested } => write!(
                f,
                "out of memory: could not reserve room for {} more items",
                requested
            ),
            Error::InvalidLineageHash { raw } => write!(
                f,
                "invalid lineage hash 0x{:032x}: its mode bits are not the canonical mode of its position",
                raw
            ),
            Error::PoolExhausted {
                requested,
                available,
            } => write!(
                f,
                "pool exhausted: {} blocks requested, {} free or evictable",
                requested, available
            ),
            Error::UnknownBlockId { block_id } => {
                write!(f, "unknown block_id {}: not a block of this pool", block_id)
            }
            Error::InvalidBlockState {
                block_id,
                state,
                operation,
            } => write!(f, "cannot {} block_id {}: it is {}", operation, block_id, state),
            Error::BindingMismatch {
                expected_block_size,
                expected_salt_hash,
                block_size,
                salt_hash,
            } => write!(
                f,
                "binding mismatch: bound to block size {} and salt {}, got blocks of block size {} and salt {}",
                expected_block_size, expected_salt_hash, block_size, salt_hash
            ),
            Error::InvalidSnapshot { reason } => {
                write!(f, "invalid snapshot: {}", reason)
            }
            Error::UnknownWorker { worker_id, dp_rank } => write!(
                f,
                "unknown worker {} (dp rank {}): add it with addWorker before booking requests on it",
                worker_id, dp_rank
            ),
            Error::RequestState { request, running } => {
                if *running {
                    write!(f, "request {} is already running", request)
                } else {
                    write!(f, "no running request {}", request)
                }
            }
            Error::InvalidParameter { name } => write!(
                f,
                "invalid parameter {}: must be a finite number in its range",
                name
            ),
            Error::LengthMismatch { ids, blocks } => write!(
                f,
                "length mismatch: {} block ids for {} blocks",
                ids, blocks
            ),
        }
    }
}

impl std::error::Error for Error {}

/// Reserves room for `additional` more items in `vec`, reporting failure as an error rather than
/// aborting: in WebAssembly, memory is bounded and an abort would kill the instance.
pub fn try_reserve<T>(vec: &mut Vec<T>, additional: usize) -> Result<()> {
    vec.try_reserve(additional).map_err(|_| Error::OutOfMemory {
        requested: additional,
    })
}

/// `n` copies of `value` in a vector reserved as [`try_reserve`] does.
pub fn filled<T: Clone>(n: usize, value: T) -> Result<Vec<T>> {
    let mut out = Vec::new();
    try_reserve(&mut out, n)?;
    out.resize(n, value);
    Ok(out)
}

/// For the `try_reserve` of other collections (maps, deques): maps their failure to
/// `OutOfMemory` for `requested` items, as [`try_reserve`] does for vectors.
pub fn out_of_memory<E>(requested: usize) -> impl FnOnce(E) -> Error {
    move |_| Error::OutOfMemory { requested }
}

/// The error type's name before the crate held more than sequences; kept for one release.
#[deprecated(note = "renamed to `kvbm_sequence::Error`")]
pub type BlockSequenceError = Error;

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering_violation_message_matches_spec() {
        let e = Error::OrderingViolation {
            known_id: 7,
            new_id: 9,
            known_index: 3,
            first_new_index: 1,
        };
        assert_eq!(
            e.to_string(),
            "ordering violation: known block_id 7 at index 3 appeared after new block_id 9 at index 1"
        );
    }

    #[test]
    fn position_mismatch_message_matches_spec() {
        let e = Error::PositionMismatch {
            expected: 2,
            actual: 5,
            block_id: 42,
        };
        assert_eq!(
            e.to_string(),
            "position mismatch for block_id 42: expected 2, actual 5"
        );
    }

    #[test]
    fn duplicate_message_matches_spec() {
        let e = Error::DuplicateBlockId { block_id: 0 };
        assert_eq!(e.to_string(), "duplicate block_id 0 already present");
    }

    #[test]
    fn token_extension_message_starts_as_spec_says() {
        let e = Error::TokenExtension(TokenExtensionReason::InsufficientTokens);
        assert_eq!(e.to_string(), "token extension error: insufficient tokens");
    }
}
