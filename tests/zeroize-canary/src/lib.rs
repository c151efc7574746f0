//! A global allocator that checks, on every deallocation, whether the buffer being freed still holds
//! one of a few canary byte strings, and counts those that do. Installed by `tests/canary.rs` to prove
//! that kubricate zeroizes every copy of a secret value before freeing it: reading freed memory after
//! the fact would be undefined behaviour, reading it in `dealloc`, while it is still ours, is not.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The checking allocator (wraps [`System`]).
pub struct CanaryAlloc {
    armed: AtomicBool,
    found: AtomicUsize,
    needles: OnceLock<Vec<Vec<u8>>>,
}

impl CanaryAlloc {
    /// An allocator that checks nothing until [`arm`](Self::arm)ed.
    pub const fn new() -> Self {
        CanaryAlloc {
            armed: AtomicBool::new(false),
            found: AtomicUsize::new(0),
            needles: OnceLock::new(),
        }
    }

    /// Sets the byte strings to look for (once) and starts checking.
    pub fn arm(&self, needles: Vec<Vec<u8>>) {
        let _ = self.needles.set(needles);
        self.armed.store(true, Ordering::SeqCst);
    }

    /// Stops checking.
    pub fn disarm(&self) {
        self.armed.store(false, Ordering::SeqCst);
    }

    /// How many freed buffers held a needle since the last call; resets the count.
    pub fn take_found(&self) -> usize {
        self.found.swap(0, Ordering::SeqCst)
    }

    fn check(&self, bytes: &[u8]) {
        if !self.armed.load(Ordering::Relaxed) {
            return;
        }
        let Some(needles) = self.needles.get() else {
            return;
        };
        for n in needles {
            if !n.is_empty() && bytes.windows(n.len()).any(|w| w == n.as_slice()) {
                self.found.fetch_add(1, Ordering::SeqCst);
                return;
            }
        }
    }
}

impl Default for CanaryAlloc {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every call is forwarded to `System` with the caller's layout; `dealloc` and `realloc` only
// read the `layout.size()` bytes of a live allocation before it is released, which does not allocate.
unsafe impl GlobalAlloc for CanaryAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` is a live allocation of `layout.size()` bytes until the call below.
        let bytes = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
        self.check(bytes);
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A reallocation that moves frees the old buffer: check it as a deallocation. Allocate new,
        // copy, check and free old, so `System.realloc` cannot move it unseen.
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return std::ptr::null_mut();
        };
        // SAFETY: a non-zero size (realloc's contract) with the old alignment.
        let new = unsafe { System.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both are live, distinct allocations at least `min` bytes long.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}
