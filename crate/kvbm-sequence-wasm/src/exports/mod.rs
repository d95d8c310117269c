//! Every export, one file per domain, in the order data flows: buffers, hashing, lineage
//! hashes, sequences, assignment records, plans, pools, router hashes, engine profiles, the
//! index, the load model, the selection cost and the whole decision, snapshots. Names and parameters are those of
//! [`crate::contract::EXPORTS`].
//!
//! Place: `crate/kvbm-sequence-wasm/src/exports/mod.rs`.

pub mod assignments;
pub mod buffers;
pub mod decide;
pub mod hashing;
pub mod index;
pub mod lineage;
pub mod load;
pub mod plan;
pub mod pool;
pub mod profiles;
pub mod router_hash;
pub mod sequence;
pub mod sim;
pub mod snapshot;
