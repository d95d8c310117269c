//! # kvbm-sequence
//!
//! NVIDIA Dynamo's KV-cache bookkeeping as plain safe Rust: the core crate of the workspace. Its
//! WebAssembly binding (`crate/kvbm-sequence-wasm`) only translates; every behaviour lives here.
//!
//! Table of contents, in the order data flows (tokens → hashes → records/pools → events →
//! index → the chosen worker):
//! - [`hashing`]: XXH3 block hashes, the sequence-hash chain, salts, the 128-bit lineage hash
//!   (SPEC §1);
//! - [`sequence`]: the block sequence, one tier's three-phase record, transfer plans (SPEC
//!   §2–§4);
//! - [`tiers`]: tier pools with states, eviction and the KV events they publish (SPEC §7);
//! - [`events`]: the KV event shapes shared by tiers and router (SPEC §6.2);
//! - [`router`]: router hashes, engine hash profiles, the radix index, the load model (SPEC §6);
//! - [`sim`]: the simulated engines, their timing, the routing policies and the report (SPEC §9);
//! - [`snapshot`]: one word format for every object; [`words`]: the one 32-bit word codec of
//!   snapshots and the WebAssembly boundary;
//! - [`error`]: the crate's [`Error`], variants grouped by domain;
//! - [`collections`]: containers shared below every domain.
//!
//! Place: `crate/kvbm-sequence/src/lib.rs`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod collections;
pub mod error;
pub mod events;
pub mod hashing;
pub mod router;
pub mod sequence;
pub mod sim;
pub mod snapshot;
pub mod tiers;
pub mod words;

/// A physical block id of one storage tier (SPEC: u32, 0 is valid).
pub type BlockId = u32;
/// A worker's id, as Dynamo numbers them (u64).
pub type WorkerId = u64;
/// A 64-bit block hash: a block hash, a sequence hash or an engine's block id.
pub type Hash64 = u64;

#[allow(deprecated)]
pub use error::BlockSequenceError;
pub use error::{Error, Result, TokenExtensionReason};
pub use hashing::lineage::SequenceHash;
pub use hashing::{compute_block_hashes, compute_salt_hash, compute_sequence_hashes};
pub use router::index::{EventResult, KvIndex, Matches, Score, StoredBlock, WorkerKey};
pub use sequence::assignments::ExternalBlockAssignments;
pub use sequence::plan::{zip_assigned, zip_assigned_pending, Plan, PlanEntry};
pub use sequence::{Block, BlockSequence};
