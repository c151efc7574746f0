//! Peak heap bytes of `secret validate` (`Project::secret_plan`, building the project included) for
//! stacks declared lazily do not grow with the number of stacks, where stacks held by the project do:
//! counted by a global allocator, so the bound does not depend on the machine. Its own test binary
//! (the allocator is global) in this package because a global allocator needs `unsafe`, which the
//! rest of the workspace forbids.

#[path = "../../benches/fixture/mod.rs"]
mod fixture;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts live heap bytes and their peak (wraps [`System`]).
struct Counting {
    live: AtomicUsize,
    peak: AtomicUsize,
}

// SAFETY: every call is forwarded to `System` unchanged; only counters are updated beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = self.live.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            self.peak.fetch_max(now, Ordering::SeqCst);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) };
        self.live.fetch_sub(layout.size(), Ordering::SeqCst);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's pointer, layout and size.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            self.live.fetch_sub(layout.size(), Ordering::SeqCst);
            let now = self.live.fetch_add(new_size, Ordering::SeqCst) + new_size;
            self.peak.fetch_max(now, Ordering::SeqCst);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting {
    live: AtomicUsize::new(0),
    peak: AtomicUsize::new(0),
};

/// Peak heap bytes above what was live before, while `f` runs.
fn peak_of(f: impl FnOnce()) -> usize {
    let base = ALLOC.live.load(Ordering::SeqCst);
    ALLOC.peak.store(base, Ordering::SeqCst);
    f();
    ALLOC.peak.load(Ordering::SeqCst) - base
}

fn validate(project: kubricate::Project) {
    let plan = project.secret_plan().expect("the fixture validates");
    assert_eq!(plan.secrets.len(), 1);
}

#[test]
fn lazy_stacks_keep_secret_validate_flat_in_the_number_of_stacks() {
    use fixture::Shape::OneManager;
    let (small, large) = (100, 1000);
    let lazy = |n| peak_of(|| validate(fixture::project_lazy(OneManager, n, fixture::K)));
    let held = |n| peak_of(|| validate(fixture::project(OneManager, n, fixture::K)));
    // Warm-up: one-time allocations (the first run of anything) are not the stacks'.
    lazy(small);
    let (lazy_small, lazy_large) = (lazy(small), lazy(large));
    let (held_small, held_large) = (held(small), held(large));
    let per_stack = |a: usize, b: usize| b.saturating_sub(a) / (large - small);
    // What a lazy run keeps per stack: the duplicate-id check's 8-byte hash (and sort's scratch).
    assert!(
        per_stack(lazy_small, lazy_large) <= 32,
        "lazy: {lazy_small} bytes at {small} stacks, {lazy_large} at {large}"
    );
    // The bound measures something: held stacks are ~2.5 KB each.
    assert!(
        per_stack(held_small, held_large) >= 1000,
        "held: {held_small} bytes at {small} stacks, {held_large} at {large}"
    );
    println!(
        "peak heap bytes of secret_plan: lazy {lazy_small} / {lazy_large}, held {held_small} / {held_large} at {small} / {large} stacks"
    );
}
