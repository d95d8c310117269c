//! The allocator of the WebAssembly build: the system allocator plus a 1 MiB ballast.
//!
//! Large allocations all go through `try_reserve`, so running out of memory there is an error,
//! not an abort. Small ones (an error message, a few words) are infallible in Rust: when memory
//! is exhausted they would abort, which in WebAssembly traps the instance. So a small allocation
//! that fails releases the ballast and tries again, and every export first makes sure the ballast
//! is in place (or reports out-of-memory before doing anything).
//!
//! Memory grows in big steps. The system allocator grows linear memory by what one request
//! needs, 64 KiB pages at a time; every growth detaches the JavaScript views of the memory, and
//! V8 answers many small growths with a garbage collection each (a 1 M-block index ingested
//! cold took seconds for it; once memory is large, V8 still answers each growth with a full
//! collection, since every growth hands JavaScript a new buffer of the whole memory). So memory
//! doubles: when an allocation has grown it, the allocator at once allocates and frees a block as
//! large as the memory (16 MiB to 1 GiB), whose pages the system allocator then keeps and serves
//! from; and a large request that the free memory is unlikely to hold reserves itself and that
//! headroom in one growth first, instead of growing memory twice. [`reserve`] does the same for
//! a size the caller names.
//!
//! Native builds keep Rust's default allocator; this module is compiled there only for its tests.
//!
//! Place: `crate/kvbm-sequence-wasm/src/alloc.rs`.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

/// Size of the ballast.
const BALLAST: usize = 1 << 20;
/// Allocations up to this size may use the ballast.
const SMALL: usize = 64 << 10;
/// Allocations from this size on make room for themselves and the headroom in one growth.
const LARGE: usize = 1 << 20;

static BALLAST_PTR: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());

/// Bytes allocated and not yet freed, the ballast excluded (`memoryStats().heapBytes`).
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

/// Times linear memory grew (`memoryStats().memoryGrows`).
static GROWS: AtomicUsize = AtomicUsize::new(0);

/// Headroom reserved after a growth: as much as the memory, within these bounds.
const MIN_STEP: usize = 16 << 20;
const MAX_STEP: usize = 1 << 30;

/// Times linear memory grew since the module started.
pub fn grows() -> usize {
    GROWS.load(Ordering::Relaxed)
}

/// Pages of linear memory now.
#[cfg(target_arch = "wasm32")]
fn pages() -> usize {
    core::arch::wasm32::memory_size(0)
}

#[cfg(not(target_arch = "wasm32"))]
fn pages() -> usize {
    0
}

/// Makes `bytes` available without growing memory again: one block of that size, allocated
/// and freed, stays with the system allocator. False where memory cannot grow that far.
pub fn reserve(bytes: usize) -> bool {
    reserve_touching(bytes, false)
}

/// [`reserve`], and with `touch` writes one byte in every 4 KiB of the block first: the host
/// maps fresh linear memory page by page on first write (about 10 µs a page on a slow VM —
/// 0.7 s for 256 MiB), and memory a module has touched stays mapped, so a caller that reserves
/// at start-up pays that there instead of in its first burst of work.
pub fn reserve_touching(bytes: usize, touch: bool) -> bool {
    let layout = match Layout::from_size_align(bytes.max(1), 16) {
        Ok(layout) => layout,
        Err(_) => return false,
    };
    let before = pages();
    // SAFETY: the layout has a non-zero size; the block is freed at once with the same layout.
    let ptr = unsafe { System.alloc(layout) };
    if pages() != before {
        GROWS.fetch_add(1, Ordering::Relaxed);
    }
    if ptr.is_null() {
        return false;
    }
    if touch {
        for offset in (0..layout.size()).step_by(4096) {
            // SAFETY: `offset` is inside the block of `layout.size()` bytes allocated above.
            unsafe { ptr.add(offset).write_volatile(0) };
        }
    }
    // SAFETY: `ptr` was allocated just above with `layout`.
    unsafe { System.dealloc(ptr, layout) };
    true
}

/// The headroom to reserve when memory grows: as much again as there is, within bounds.
fn step() -> usize {
    pages().saturating_mul(65536).max(MIN_STEP).min(MAX_STEP)
}

/// After an allocation grew memory from `before` pages: counts it and reserves the headroom.
fn grew(before: usize) {
    if pages() == before {
        return;
    }
    GROWS.fetch_add(1, Ordering::Relaxed);
    // Where the headroom cannot be had, the allocation that grew memory still stands.
    reserve(step());
}

/// Before a large request that the free memory is unlikely to hold: reserves the request and
/// the headroom in one growth, where the request itself would grow memory and the headroom
/// after it grow it a second time (each growth costs V8 a full garbage collection once memory
/// is large).
fn make_room(size: usize) {
    if size < LARGE {
        return;
    }
    let free = pages()
        .saturating_mul(65536)
        .saturating_sub(ALLOCATED.load(Ordering::Relaxed).saturating_add(BALLAST));
    if size > free / 2 {
        reserve(size.saturating_add(step()));
    }
}

/// Bytes the module's objects and buffers hold now (the ballast excluded).
pub fn allocated_bytes() -> usize {
    ALLOCATED.load(Ordering::Relaxed)
}

/// Counts `ptr`'s bytes in where the allocation succeeded; returns `ptr`.
fn counted(ptr: *mut u8, size: usize) -> *mut u8 {
    if !ptr.is_null() {
        ALLOCATED.fetch_add(size, Ordering::Relaxed);
    }
    ptr
}

fn ballast_layout() -> Layout {
    // 1 MiB with alignment 16 is a valid layout.
    Layout::from_size_align(BALLAST, 16).unwrap_or_else(|_| Layout::new::<u128>())
}

/// Allocates the ballast where it is missing; false where memory is too short for it.
pub fn ensure_ballast() -> bool {
    if !BALLAST_PTR.load(Ordering::Relaxed).is_null() {
        return true;
    }
    // SAFETY: the layout has a non-zero size.
    let ptr = unsafe { System.alloc(ballast_layout()) };
    BALLAST_PTR.store(ptr, Ordering::Relaxed);
    !ptr.is_null()
}

/// Frees the ballast; false where it was already gone.
fn release_ballast() -> bool {
    let ptr = BALLAST_PTR.swap(std::ptr::null_mut(), Ordering::Relaxed);
    if ptr.is_null() {
        return false;
    }
    // SAFETY: `ptr` came from `System.alloc(ballast_layout())` and is freed once (swapped out).
    unsafe { System.dealloc(ptr, ballast_layout()) };
    true
}

/// The system allocator with the ballast fallback for small allocations.
pub struct BallastAllocator;

// SAFETY: every method forwards to `System`, which upholds the `GlobalAlloc` contract; the
// retry only frees memory this module owns.
unsafe impl GlobalAlloc for BallastAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        make_room(layout.size());
        let before = pages();
        let ptr = System.alloc(layout);
        grew(before);
        if ptr.is_null() && layout.size() <= SMALL && release_ballast() {
            return counted(System.alloc(layout), layout.size());
        }
        counted(ptr, layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        make_room(layout.size());
        let before = pages();
        let ptr = System.alloc_zeroed(layout);
        grew(before);
        if ptr.is_null() && layout.size() <= SMALL && release_ballast() {
            return counted(System.alloc_zeroed(layout), layout.size());
        }
        counted(ptr, layout.size())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        make_room(new_size);
        let before = pages();
        let mut new = System.realloc(ptr, layout, new_size);
        grew(before);
        if new.is_null() && new_size <= SMALL && release_ballast() {
            new = System.realloc(ptr, layout, new_size);
        }
        if !new.is_null() {
            ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
            ALLOCATED.fetch_add(new_size, Ordering::Relaxed);
        }
        new
    }
}
