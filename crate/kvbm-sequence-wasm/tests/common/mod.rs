//! What the binding's tests share: the core tests' xorshift64* generator, status counts, every
//! export.
#![allow(dead_code)]

// The generator of the core crate's tests, shared rather than written twice.
#[path = "../../../kvbm-sequence/tests/common/mod.rs"]
mod core_common;
pub use core_common::Rng;

/// Counts of every status a fuzz run saw, indexed by status code.
pub struct Statuses(pub [usize; 32]);

impl Statuses {
    /// No status seen yet.
    pub fn new() -> Self {
        Statuses([0; 32])
    }

    /// Records `status`, which must be one of the module's codes.
    pub fn record(&mut self, status: i32) {
        assert!((0..=24).contains(&status), "status {}", status);
        self.0[status as usize] += 1;
    }

    /// Asserts more than `min_ok` successes and at least one of each of `expected`.
    pub fn assert_reached(&self, min_ok: usize, expected: &[i32]) {
        assert!(self.0[0] > min_ok, "{:?}", self.0);
        for &status in expected {
            assert!(
                self.0[status as usize] > 0,
                "status {} never seen: {:?}",
                status,
                self.0
            );
        }
    }
}

/// Every export of the binding, for the fuzz tests.
pub mod exports {
    pub use kvbm_sequence_wasm::exports::{
        assignments::*, buffers::*, decide::*, hashing::*, index::*, lineage::*, load::*, plan::*,
        pool::*, profiles::*, router_hash::*, sequence::*, snapshot::*,
    };
}
