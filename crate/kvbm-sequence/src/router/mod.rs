//! The router's side (SPEC §6): local block hashes ([`hashes`]), engine hash profiles
//! ([`profiles`]), the radix index of the workers' caches ([`index`]), the load model
//! ([`load`]) and the cost that picks a worker from them ([`cost`]).
//!
//! Place: `crate/kvbm-sequence/src/router/mod.rs` — events → index → the chosen worker in the data
//! flow.

pub mod cost;
pub mod decide;
pub mod hashes;
pub mod index;
pub mod load;
pub mod profiles;
