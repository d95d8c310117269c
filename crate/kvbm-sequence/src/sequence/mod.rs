//! KVBM identity (SPEC §2–§4): the block sequence ([`block_sequence`]), the three-phase store
//! ([`store`]) under one tier's record ([`assignments`]), and transfer plans between two
//! records ([`plan`]).
//!
//! Place: `crate/kvbm-sequence/src/sequence/mod.rs` — hashes → records in the data flow.

pub mod assignments;
pub mod block_sequence;
pub mod plan;
pub mod store;

pub use block_sequence::{Block, BlockSequence};
