//! Per-thread bump regions that hold a parsed syntax tree and are reset in one step.
//!
//! ruff's parser allocates every node of a tree through the global allocator, and dropping
//! the tree visits every node again to free it. On the reference corpus those allocations
//! took about 4.5% of a scan's CPU and the drop 6%. oxc allocates its trees in an arena for
//! this reason. [`scoped`] runs a closure (the parser) with this thread's region in front of
//! the global allocator ([`WithRegions`]): each allocation is a pointer bump, and when the
//! tree is no longer needed the region is reset without visiting the tree.
//!
//! What makes the reset sound is what may point into a region at that moment:
//! - the value the closure returned, which [`Scoped`] only lends out (`Deref`) and which is
//!   not `Send`: every borrow of it has ended when it is dropped, on its own thread;
//! - anything else the closure allocated and left reachable from elsewhere (a lazily
//!   initialised static or thread-local): the closure must not create such things. ruff's
//!   parser does not (neither it nor its dependencies have lazy statics);
//! - memory freed or grown once the closure has returned: freeing a block of a region is a
//!   no-op and growing one moves it to the heap, so later owners hold heap memory.
//!
//! A value the closure left partly on the heap (the region ran out) is dropped normally
//! before the reset. A panic inside the closure retires the thread's region for good: its
//! payload may live there. A value that gains heap memory after the closure (interior
//! mutability) would leak it, since a value wholly in the region is never dropped: callers
//! must not cache into the tree (see `pysbx_analysis`, which reads concatenated literals
//! without the tree's own cache).
//!
//! Layout: one reservation of [`SLOTS`] slots of [`SLOT`] bytes, address space only
//! (`PROT_NONE`, no commit), made on first use; each thread that calls [`scoped`] claims a
//! slot and makes it writable. Whether a pointer belongs to a region is one range check. After
//! a reset, a thread keeps at most [`KEEP_RESIDENT`] bytes of its slot resident.

#![expect(unsafe_code, reason = "a global allocator front and the mappings behind it")]

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes of address space per thread: a tree larger than this spills onto the heap.
pub const SLOT: usize = 64 << 20;
/// Threads that can have a region (the others parse onto the heap).
pub const SLOTS: usize = 128;
/// Bytes of a slot kept resident after a reset; the rest is returned to the kernel. Most
/// files' trees fit in it; the few larger ones fault their pages in again (on the benchmark
/// tree, 2 MiB rather than 8 cost about 20,000 more page faults, under 0.1 s of CPU, and
/// saved 9 MiB of a two-worker scan's peak memory: see docs/benchmarks.md).
pub const KEEP_RESIDENT: usize = 2 << 20;

/// The reservation's bounds; both 0 until it is made (`END` is stored last).
static BASE: AtomicUsize = AtomicUsize::new(0);
static END: AtomicUsize = AtomicUsize::new(0);
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);
static RESERVE: Once = Once::new();

/// `Local::start` of a thread that cannot have a region (none left, or retired by a panic).
const NO_REGION: usize = usize::MAX;

struct Local {
    /// Allocations are served from the region (inside [`scoped`]'s closure).
    active: Cell<bool>,
    /// A [`Scoped`] holds the region (from [`scoped`] until the value is dropped).
    held: Cell<bool>,
    /// The slot's first byte; 0 before the thread has claimed one.
    start: Cell<usize>,
    /// The next free byte.
    next: Cell<usize>,
    /// The highest `next` since the slot's resident part was last trimmed.
    high: Cell<usize>,
    /// An allocation inside the closure did not fit and went to the heap.
    spilled: Cell<bool>,
}

thread_local! {
    // Constant-initialised and without a destructor: usable from the allocator at any time,
    // thread exit included, and never allocates.
    static LOCAL: Local = const {
        Local {
            active: Cell::new(false),
            held: Cell::new(false),
            start: Cell::new(0),
            next: Cell::new(0),
            high: Cell::new(0),
            spilled: Cell::new(false),
        }
    };
}

/// Whether `ptr` lies in some thread's region.
#[inline]
#[must_use]
pub fn owns(ptr: *mut u8) -> bool {
    // `END` first: once it is set, `BASE` (stored before it) is visible too.
    let end = END.load(Ordering::Acquire);
    let p = ptr.addr();
    p < end && p >= BASE.load(Ordering::Relaxed)
}

/// The least alignment of a region block: what `malloc` guarantees (`alignof(max_align_t)`).
///
/// Rust asks only for its types' own alignment, but C code handed a Rust allocation may rely
/// on more: a panic's exception object is allocated by Rust with 8-byte alignment and then
/// written by the C unwinder with 16-byte SSE stores (LLVM's libunwind, used on musl, crashed
/// on an 8-byte aligned block when a panic unwound through a scope). The system allocators
/// never return less, so neither does a region.
const MIN_ALIGN: usize = 16;

/// A block of this thread's region, if the region is serving allocations and has room.
#[inline]
fn bump(layout: Layout) -> Option<*mut u8> {
    LOCAL.with(|l| {
        if !l.active.get() {
            return None;
        }
        let mask = layout.align().max(MIN_ALIGN) - 1;
        let at = l.next.get().checked_add(mask)? & !mask;
        let end = at.checked_add(layout.size())?;
        if end > l.start.get() + SLOT {
            l.spilled.set(true);
            return None;
        }
        l.next.set(end);
        Some(std::ptr::with_exposed_provenance_mut(at))
    })
}

/// Frees a block of a region: gives it back if it is the last one of an active region,
/// else leaves it until the reset.
#[inline]
fn release(ptr: *mut u8, layout: Layout) {
    LOCAL.with(|l| {
        let p = ptr.addr();
        if l.active.get() && p >= l.start.get() && p + layout.size() == l.next.get() {
            l.next.set(p);
        }
    });
}

/// Resizes a block of a region within the region: in place when it is the last block or
/// shrinks, else as a new block with the contents copied. `None` when the region is not
/// serving allocations or has no room: the caller moves the block to the heap.
#[inline]
fn resize(ptr: *mut u8, layout: Layout, new_size: usize) -> Option<*mut u8> {
    LOCAL.with(|l| {
        if !l.active.get() {
            return None;
        }
        let p = ptr.addr();
        let last = p >= l.start.get() && p + layout.size() == l.next.get();
        if last && p + new_size <= l.start.get() + SLOT {
            l.next.set(p + new_size);
            return Some(ptr);
        }
        if new_size <= layout.size() {
            return Some(ptr);
        }
        let new = Layout::from_size_align(new_size, layout.align()).ok().and_then(bump)?;
        // SAFETY: `ptr` holds `layout.size()` bytes; `new` is a fresh block of `new_size`
        // (more) bytes at or after the old `next`, so the two do not overlap.
        unsafe { std::ptr::copy_nonoverlapping(ptr, new, layout.size()) };
        Some(new)
    })
}

/// Makes the reservation, once per process; whether it exists.
fn reserve() -> bool {
    RESERVE.call_once(|| {
        // SAFETY: a new private anonymous mapping; no existing memory is affected.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                SLOTS * SLOT,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p != libc::MAP_FAILED {
            let base = p.expose_provenance();
            BASE.store(base, Ordering::Relaxed);
            END.store(base + SLOTS * SLOT, Ordering::Release);
        }
    });
    END.load(Ordering::Acquire) != 0
}

/// A slot for this thread, writable; `None` when the reservation failed or every slot is
/// taken.
fn claim() -> Option<usize> {
    if !reserve() {
        return None;
    }
    let index = NEXT_SLOT.fetch_add(1, Ordering::Relaxed);
    if index >= SLOTS {
        return None;
    }
    let start = BASE.load(Ordering::Relaxed) + index * SLOT;
    // SAFETY: the slot lies in the reservation and belongs to this thread alone.
    let made = unsafe {
        libc::mprotect(
            std::ptr::with_exposed_provenance_mut(start),
            SLOT,
            libc::PROT_READ | libc::PROT_WRITE,
        )
    };
    (made == 0).then_some(start)
}

impl Local {
    /// Starts serving allocations from the region; `false` when the thread has none free.
    fn enter(&self) -> bool {
        if self.held.get() || self.start.get() == NO_REGION {
            return false;
        }
        if self.start.get() == 0 {
            let start = claim().unwrap_or(NO_REGION);
            self.start.set(start);
            self.next.set(start);
            self.high.set(start);
            if start == NO_REGION {
                return false;
            }
        }
        self.held.set(true);
        self.spilled.set(false);
        self.next.set(self.start.get());
        self.active.set(true);
        true
    }

    /// Empties the region; trims its resident part to [`KEEP_RESIDENT`] bytes.
    fn reset(&self) {
        let start = self.start.get();
        let high = self.high.get().max(self.next.get());
        let keep = start + KEEP_RESIDENT;
        if high > keep {
            // SAFETY: the range lies in this thread's slot, and nothing in the region is in
            // use any more (the caller's contract); the pages read as zero when next touched.
            unsafe {
                libc::madvise(
                    std::ptr::with_exposed_provenance_mut(keep),
                    high - keep,
                    libc::MADV_DONTNEED,
                );
            }
            self.high.set(keep);
        } else {
            self.high.set(high);
        }
        self.next.set(start);
        self.spilled.set(false);
        self.held.set(false);
    }
}

/// Retires the thread's region if the closure unwinds: the panic's payload, allocated in the
/// region, outlives the scope.
struct RetireOnUnwind;

impl Drop for RetireOnUnwind {
    fn drop(&mut self) {
        LOCAL.with(|l| {
            l.active.set(false);
            l.start.set(NO_REGION);
        });
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Region {
    /// The value is on the heap (no region was free): dropped as usual.
    None,
    /// The value lies wholly in the region: never dropped, the region is reset.
    Whole,
    /// Part of the value spilled onto the heap: dropped, then the region is reset.
    Spilled,
}

/// The value [`scoped`] built; dereferences to it. Dropping it (or [`Scoped::dispose`])
/// releases the region.
pub struct Scoped<T> {
    value: ManuallyDrop<T>,
    region: Region,
    /// Not `Send`: the region is reset on the thread that owns it.
    _thread: PhantomData<*const ()>,
}

/// Runs `f` with this thread's allocations served from its region, when the global allocator
/// is a [`WithRegions`] and the thread has a region free (not already holding a value); else
/// as a plain call.
///
/// `f` must not leave memory it allocates reachable from anywhere but its result (no lazy
/// statics or thread-locals first initialised inside it): the region is reset when the
/// result is dropped.
pub fn scoped<T>(f: impl FnOnce() -> T) -> Scoped<T> {
    if !LOCAL.with(Local::enter) {
        return Scoped {
            value: ManuallyDrop::new(f()),
            region: Region::None,
            _thread: PhantomData,
        };
    }
    let retire = RetireOnUnwind;
    let value = f();
    std::mem::forget(retire);
    let region = LOCAL.with(|l| {
        l.active.set(false);
        if l.spilled.get() {
            Region::Spilled
        } else if l.next.get() > l.start.get() {
            Region::Whole
        } else {
            // Nothing came from the region: the global allocator is not a `WithRegions`
            // (the value, if it owns memory, owns heap memory), or `f` allocated nothing.
            l.reset();
            Region::None
        }
    });
    Scoped { value: ManuallyDrop::new(value), region, _thread: PhantomData }
}

impl<T> Scoped<T> {
    /// Whether the value lies wholly in a region (then it is never dropped).
    #[must_use]
    pub fn in_region(&self) -> bool {
        self.region == Region::Whole
    }

    /// Releases the region; `drop_value` receives the value when it must really be dropped
    /// (some of it is on the heap), for a caller that drops deep trees its own way.
    pub fn dispose(self, drop_value: impl FnOnce(T)) {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is neither used nor dropped again.
        let value = unsafe { ManuallyDrop::take(&mut this.value) };
        match this.region {
            Region::None => drop_value(value),
            Region::Whole => {
                std::mem::forget(value);
                LOCAL.with(Local::reset);
            }
            Region::Spilled => {
                drop_value(value);
                LOCAL.with(Local::reset);
            }
        }
    }
}

impl<T> Deref for Scoped<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> Drop for Scoped<T> {
    fn drop(&mut self) {
        if self.region != Region::Whole {
            // SAFETY: the value is not used again.
            unsafe { ManuallyDrop::drop(&mut self.value) };
        }
        if self.region != Region::None {
            LOCAL.with(Local::reset);
        }
    }
}

/// A global allocator `A` with the regions in front: inside [`scoped`] allocations come from
/// the thread's region, blocks of a region are never passed to `A`.
pub struct WithRegions<A>(pub A);

// SAFETY: region blocks are aligned and sized as asked, disjoint (a bump allocator), valid
// until their region is reset (see the crate's documentation), and never handed to `A`;
// everything else is `A`'s.
unsafe impl<A: GlobalAlloc> GlobalAlloc for WithRegions<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match bump(layout) {
            Some(p) => p,
            // SAFETY: forwarded with the caller's guarantees.
            None => unsafe { self.0.alloc(layout) },
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match bump(layout) {
            Some(p) => {
                // SAFETY: a fresh block of `layout.size()` bytes (reused memory: not zero).
                unsafe { p.write_bytes(0, layout.size()) };
                p
            }
            // SAFETY: forwarded with the caller's guarantees.
            None => unsafe { self.0.alloc_zeroed(layout) },
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if owns(ptr) {
            release(ptr, layout);
        } else {
            // SAFETY: forwarded with the caller's guarantees; `ptr` came from `A`.
            unsafe { self.0.dealloc(ptr, layout) }
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !owns(ptr) {
            // SAFETY: forwarded with the caller's guarantees; `ptr` came from `A`.
            return unsafe { self.0.realloc(ptr, layout, new_size) };
        }
        if let Some(p) = resize(ptr, layout, new_size) {
            return p;
        }
        // Out of the region: onto the heap, where whoever holds the block now frees it.
        // SAFETY: the caller guarantees `new_size` rounded to `layout.align()` is a valid size.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a non-zero size, as the caller guarantees.
        let new = unsafe { self.0.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks hold at least the smaller size; a heap block and a region
            // block never overlap.
            unsafe { std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size)) };
        }
        new
    }
}

#[cfg(test)]
mod tests;
