//! The KV events' shapes (SPEC §6.2) that a tier publishes and the router's index consumes:
//! below both, so that neither domain imports the other.
//!
//! Place: `crate/kvbm-sequence/src/events.rs` — pools → events → index in the data flow.

/// One block of a `stored` event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredBlock {
    /// The engine's id of the block (`ExternalSequenceBlockHash`).
    pub block_hash: u64,
    /// The router's local hash of the block's content (`LocalBlockHash`).
    pub tokens_hash: u64,
}

/// A KV event of the pool, in the shapes of SPEC §6.2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolEvent {
    /// Blocks registered: `(block_hash = sequence hash, tokens_hash = block hash)` in order,
    /// the first a child of `parent` (the previous position's sequence hash).
    Stored {
        /// The parent's sequence hash, `None` at position 0.
        parent: Option<u64>,
        /// `(sequence hash, block hash)` per block.
        blocks: Vec<(u64, u64)>,
    },
    /// Blocks evicted, by sequence hash.
    Removed {
        /// Sequence hashes.
        hashes: Vec<u64>,
    },
}
