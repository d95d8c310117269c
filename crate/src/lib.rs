//! # kvbm-sequence
//!
//! The identity-level block bookkeeping of NVIDIA Dynamo's KV Block Manager: a token sequence cut
//! into fixed-size blocks with chained XXH3 hashes ([`sequence`], [`hash`], [`lineage`]), each
//! storage tier's ordered record of which physical block holds which block ([`assignments`] over
//! the three-phase [`store`]) and the transfer plans between tiers ([`plan`]).
//!
//! The [`abi`] module is the WebAssembly boundary used by the TypeScript facade; it only
//! translates. Everything else is plain safe Rust.
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[allow(unsafe_code)] // `#[no_mangle]` exports, the wasm allocator, one byte view of the input
pub mod abi;
pub mod assignments;
pub mod errors;
pub mod hash;
pub mod id_set;
pub mod index;
pub mod lineage;
pub mod load;
pub mod plan;
pub mod pool;
pub mod profiles;
pub mod router_hash;
pub mod sequence;
pub mod snapshot;
pub mod sort;
pub mod store;
pub mod xxh3_lanes;

pub use assignments::ExternalBlockAssignments;
pub use errors::{BlockSequenceError, Result, TokenExtensionReason};
pub use hash::{compute_block_hashes, compute_salt_hash, compute_sequence_hashes};
pub use index::{EventResult, KvIndex, Matches, Score, StoredBlock, WorkerKey};
pub use lineage::SequenceHash;
pub use plan::{zip_assigned, zip_assigned_pending, Plan, PlanEntry};
pub use sequence::{Block, BlockSequence};
pub use store::BlockId;
