//! How the binary tunes the process for speed: the allocator (huge pages),
//! malloc keeping freed memory, the workers kept awake between the passes
//! of a step, and how many threads a command may use. None of it changes
//! results (docs/PERFORMANCE.md).

use std::sync::atomic::{AtomicBool, Ordering};

/// The system allocator, asking Linux to back large buffers with 2 MiB
/// pages (transparent huge pages, where the system leaves them to
/// `madvise`). A run of a million firms reads its agents at random over
/// gigabytes: with 4 KiB pages nearly every such read also misses the
/// address-translation cache. Results do not depend on it.
struct HugePages;

/// Buffers of at least this many bytes are advised (the aligned 2 MiB
/// pages inside them).
const HUGE_BUFFER: usize = 4 << 20;

/// Advise the 2 MiB-aligned pages inside `[p, p + size)` as huge.
fn advise_huge(p: *mut u8, size: usize) {
    #[cfg(target_os = "linux")]
    if !p.is_null() && size >= HUGE_BUFFER {
        const PAGE: usize = 2 << 20;
        let start = (p as usize).next_multiple_of(PAGE);
        let end = (p as usize + size) & !(PAGE - 1);
        if end > start {
            // SAFETY: the range lies inside a live allocation of ours;
            // `MADV_HUGEPAGE` only sets how its pages are backed and never
            // changes its contents. A refusal leaves the default.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
}

// SAFETY: every call is passed to the system allocator unchanged; the
// advice only concerns pages of the block it returned.
unsafe impl std::alloc::GlobalAlloc for HugePages {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = unsafe { std::alloc::System.alloc(layout) };
        advise_huge(p, layout.size());
        p
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = unsafe { std::alloc::System.alloc_zeroed(layout) };
        advise_huge(p, layout.size());
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(p, layout) }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: std::alloc::Layout, size: usize) -> *mut u8 {
        let q = unsafe { std::alloc::System.realloc(p, layout, size) };
        advise_huge(q, size);
        q
    }
}

#[global_allocator]
static ALLOCATOR: HugePages = HugePages;

/// Keep memory freed between steps in the process instead of returning it
/// to the system. By default glibc serves large buffers (a step's
/// per-agent scratch vectors) with fresh `mmap`s and unmaps them when
/// freed, so every step page-faults and zeroes them again: on
/// `bench_1m` that was tens of millions of faults and about 8 % of the
/// run. Results do not depend on it; peak memory rises by a few percent
/// (docs/PERFORMANCE.md).
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets allocator parameters; it is called once,
    // before any other thread exists. A refused setting leaves the default.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}

/// Run `f` on this thread while the pool's workers stay awake, looking
/// for work, until it returns. A step is a long series of short parallel
/// passes between short serial parts; an idle rayon worker goes to sleep
/// after a few microseconds and takes tens of microseconds to wake up,
/// which at hundreds of passes a step cost 7 % of `bench_100k` on 2
/// threads (docs/PERFORMANCE.md). Only
/// *when* work is picked up changes, never what is computed: results do
/// not depend on it.
pub fn with_workers_awake<R>(f: impl FnOnce() -> R) -> R {
    // One thread asked for: one core busy, as before. More threads than
    // cores: workers kept spinning would take turns on the cores and
    // delay the ones with work, so they sleep between passes as usual.
    let threads = rayon::current_num_threads();
    if threads < 2 || threads > cores() {
        return f();
    }
    let done = AtomicBool::new(false);
    rayon::in_place_scope(|scope| {
        // This thread is not a worker: one job per worker, each run by a
        // worker (jobs spawned from outside the pool never run here).
        for _ in 0..rayon::current_num_threads() {
            scope.spawn(|_| {
                // Between jobs it yields its core to any other runnable
                // thread (an immediate return on an otherwise idle core).
                while !done.load(Ordering::Acquire) {
                    if rayon::yield_now() != Some(rayon::Yield::Executed) {
                        std::thread::yield_now();
                    }
                }
            });
        }
        // Set when `f` returns or unwinds, so that the jobs end and the
        // scope can close either way.
        struct Done<'a>(&'a AtomicBool);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                self.0.store(true, Ordering::Release);
            }
        }
        let _done = Done(&done);
        f()
    })
}

/// Cores of this machine (1 if unknown).
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Most threads (or jobs) a command may use: twice the machine's cores,
/// and at least 64. Threads beyond the cores only add waiting (results do
/// not depend on their number), and each thread holds per-pass buffers.
pub fn thread_cap() -> usize {
    (2 * cores()).max(64)
}
