//! # kvbm-sequence-wasm
//!
//! The WebAssembly binding of `kvbm-sequence`: `extern "C"` exports over 32-bit words for the
//! TypeScript facade. It only translates — words in, a call into the core crate, words out —
//! and it is the only place of the workspace with `unsafe` code (the exports themselves, the
//! allocator, one byte view of the input buffer).
//!
//! - [`contract`]: the wire contract, written once; the TypeScript side is generated from it;
//! - [`state`]: the object table, the input buffer and how every export runs and fails;
//! - [`reply`]: the return area and the output buffer; [`table`]: objects behind handles;
//! - `alloc`: the allocator with its ballast; `intrinsics`: a faster `__multi3`;
//! - [`exports`]: one file per domain, in the order data flows.
//!
//! Place: `crate/kvbm-sequence-wasm/src/lib.rs`.
#![warn(missing_docs)]

mod alloc;
pub mod contract;
pub mod exports;
mod intrinsics;
pub mod reply;
pub mod state;
pub mod table;
pub mod typescript;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: alloc::BallastAllocator = alloc::BallastAllocator;
