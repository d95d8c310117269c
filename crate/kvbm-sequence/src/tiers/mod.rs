//! Tier pools (SPEC §7): a fixed set of block ids of one tier with free / active / inactive
//! states and eviction, publishing the KV events a router hears ([`pool`]).
//!
//! Place: `crate/kvbm-sequence/src/tiers/mod.rs` — records → pools → events in the data flow. It
//! depends on hashing and sequences, never on the router: the event shapes it publishes
//! ([`crate::events`]) sit below both.

pub mod pool;
