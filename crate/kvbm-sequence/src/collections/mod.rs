//! Containers the domains share: [`FastMap`] (hash map keyed by hashes and ids), [`HashCounts`]
//! (a multiset of hashes without tombstones, the load model's active blocks), [`id_set`]
//! (the store's open-addressing id set, read in place by the facade) and [`sort`] (one small
//! heapsort instead of std's four sort instances in the module).
//!
//! Place: `crate/kvbm-sequence/src/collections/mod.rs` — below every domain; imports nothing but std.

mod counts;
mod fast_map;
pub mod id_set;
pub mod sort;

pub use counts::HashCounts;
pub use fast_map::{FastMap, KeyHasher};
