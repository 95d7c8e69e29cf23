use super::*;

use std::alloc::System;

#[global_allocator]
static ALLOCATOR: WithRegions<System> = WithRegions(System);

/// A small tree shaped like a syntax tree: boxes, vectors and strings.
#[derive(Debug, PartialEq)]
enum Node {
    Leaf(String),
    Branch(Vec<Node>),
    Boxed(Box<Node>),
}

fn tree(depth: u32) -> Node {
    if depth == 0 {
        return Node::Leaf(format!("leaf-{depth}"));
    }
    Node::Branch(vec![Node::Boxed(Box::new(tree(depth - 1))), tree(depth - 1)])
}

fn first_leaf(node: &Node) -> &String {
    match node {
        Node::Leaf(s) => s,
        Node::Branch(v) => first_leaf(&v[0]),
        Node::Boxed(b) => first_leaf(b),
    }
}

fn ptr_of(s: &str) -> *mut u8 {
    s.as_ptr().cast_mut()
}

#[test]
fn a_tree_is_built_in_the_region_and_the_region_is_reused() {
    let first = scoped(|| tree(8));
    assert!(first.in_region());
    assert!(owns(ptr_of(first_leaf(&first))));
    assert_eq!(*first, tree(8), "the tree reads back as built");
    let at = ptr_of(first_leaf(&first));
    drop(first);
    let second = scoped(|| tree(8));
    assert!(second.in_region());
    assert_eq!(ptr_of(first_leaf(&second)), at, "the reset region serves the same bytes again");
    assert_eq!(*second, tree(8));
}

#[test]
fn memory_kept_after_the_scope_is_on_the_heap() {
    let mut kept = Vec::new();
    let built = scoped(|| {
        let v: Vec<u64> = (0..100).collect();
        let s = String::from("built inside");
        (v, s)
    });
    assert!(owns(built.0.as_ptr().cast_mut().cast()));
    // A copy made after the scope, and a block of the region grown after it, leave it.
    let mut grown = built.0.clone();
    grown.extend(0..1000);
    kept.push(grown);
    let moved: Vec<u64> = {
        let mut v = Vec::with_capacity(1);
        v.extend_from_slice(&built.0);
        v
    };
    assert!(!owns(kept[0].as_ptr().cast_mut().cast()));
    assert!(!owns(moved.as_ptr().cast_mut().cast()));
    drop(built);
    // Writing over the reset region leaves the kept copies intact.
    let over = scoped(|| vec![0xAAu8; 4096]);
    assert!(over.in_region());
    assert_eq!(kept[0][..100], (0..100).collect::<Vec<_>>()[..]);
    assert_eq!(moved, (0..100).collect::<Vec<_>>());
}

#[test]
fn growing_a_region_block_after_the_scope_moves_it_to_the_heap() {
    let layout = Layout::array::<u32>(4).unwrap_or_else(|_| unreachable!());
    // SAFETY: a block of `layout` is written in full before it is read, reallocated once
    // after the scope and its heap copy freed with the layout it then has.
    unsafe {
        let built = scoped(|| {
            let block = ALLOCATOR.alloc(layout);
            std::ptr::copy_nonoverlapping([1u32, 2, 3, 4].as_ptr(), block.cast::<u32>(), 4);
            block.addr()
        });
        assert!(built.in_region());
        let block: *mut u8 = std::ptr::with_exposed_provenance_mut(*built);
        assert!(owns(block));
        let moved = ALLOCATOR.realloc(block, layout, 64);
        assert!(!moved.is_null() && !owns(moved), "moved to the heap");
        assert_eq!(std::slice::from_raw_parts(moved.cast::<u32>(), 4), [1, 2, 3, 4]);
        ALLOCATOR.dealloc(moved, Layout::from_size_align_unchecked(64, layout.align()));
    }
}

#[test]
fn vectors_growing_inside_the_scope_grow_in_place() {
    let built = scoped(|| {
        let mut v: Vec<u64> = Vec::new();
        let mut moves = 0;
        let mut last = v.as_ptr();
        for i in 0..100_000 {
            v.push(i);
            if v.as_ptr() != last {
                moves += 1;
                last = v.as_ptr();
            }
        }
        (v, moves)
    });
    assert!(built.in_region());
    assert_eq!(built.1, 1, "the last block of the region grows without moving");
    assert_eq!(built.0.iter().sum::<u64>(), 99_999 * 100_000 / 2);
}

#[test]
fn a_value_that_allocated_nothing_holds_no_region() {
    let nothing = scoped(|| 42);
    assert!(!nothing.in_region());
    let next = scoped(|| String::from("next"));
    assert!(next.in_region(), "the region was left free");
    assert_eq!((*nothing, next.as_str()), (42, "next"));
}

#[test]
fn a_scope_inside_a_held_region_uses_the_heap() {
    let outer = scoped(|| String::from("outer"));
    assert!(outer.in_region());
    let inner = scoped(|| String::from("inner"));
    assert!(!inner.in_region());
    assert!(!owns(ptr_of(&inner)));
    assert_eq!((outer.as_str(), inner.as_str()), ("outer", "inner"));
}

#[test]
fn a_value_larger_than_the_region_spills_and_is_dropped() {
    let big = scoped(|| {
        let small = String::from("first, in the region");
        let large = vec![7u8; SLOT + 1];
        (small, large)
    });
    assert!(!big.in_region());
    assert!(owns(ptr_of(&big.0)));
    assert!(!owns(big.1.as_ptr().cast_mut()));
    assert_eq!(big.1.len(), SLOT + 1);
    drop(big);
    // The region is free again afterwards.
    let next = scoped(|| String::from("again"));
    assert!(next.in_region());
}

#[test]
fn dispose_hands_over_only_values_that_need_dropping() {
    let mut dropped = 0;
    scoped(|| tree(3)).dispose(|_| dropped += 1);
    assert_eq!(dropped, 0, "a tree wholly in the region is not dropped");
    let outer = scoped(|| String::from("holds the region"));
    scoped(|| tree(3)).dispose(|_| dropped += 1);
    assert_eq!(dropped, 1, "a tree on the heap is");
    drop(outer);
}

#[test]
fn region_blocks_are_aligned_as_malloc_aligns() {
    // Sizes and alignments that a plain bump allocator would pack 8 bytes apart or less.
    let built = scoped(|| {
        let mut blocks: Vec<Box<[u8]>> = Vec::new();
        for size in [1usize, 3, 8, 9, 24, 40] {
            blocks.push(vec![7u8; size].into_boxed_slice());
        }
        (Box::new(1u64), Box::new(2u32), blocks)
    });
    assert!(built.in_region());
    let (a, b, blocks) = &*built;
    assert_eq!(std::ptr::from_ref::<u64>(a).addr() % 16, 0);
    assert_eq!(std::ptr::from_ref::<u32>(b).addr() % 16, 0);
    for block in blocks {
        assert_eq!(block.as_ptr().addr() % 16, 0, "a block of {} bytes", block.len());
    }
}

#[test]
fn a_panic_inside_the_scope_retires_the_region() {
    std::thread::spawn(|| {
        let caught = std::panic::catch_unwind(|| {
            scoped(|| -> String { std::panic::panic_any(String::from("payload in the region")) })
        });
        let payload = caught.err().and_then(|p| p.downcast::<String>().ok());
        // The payload is still readable: the region was not reset.
        assert_eq!(payload.as_deref().map(String::as_str), Some("payload in the region"));
        let after = scoped(|| String::from("after"));
        assert!(!after.in_region());
        assert_eq!(after.as_str(), "after");
    })
    .join()
    .unwrap_or_else(|_| panic!("the thread failed"));
}

#[test]
fn threads_have_regions_of_their_own() {
    let handles: Vec<_> = (0..4u32)
        .map(|t| {
            std::thread::spawn(move || {
                for round in 0..50 {
                    let built = scoped(|| (tree(5), format!("thread {t} round {round}")));
                    assert!(built.in_region());
                    assert_eq!(built.0, tree(5));
                    assert_eq!(built.1, format!("thread {t} round {round}"));
                }
                let built = scoped(|| String::from("mine"));
                (ptr_of(&built).addr() - BASE.load(Ordering::Relaxed)) / SLOT
            })
        })
        .collect();
    let mut slots: Vec<usize> = handles
        .into_iter()
        .map(|h| h.join().unwrap_or_else(|_| panic!("a thread failed")))
        .collect();
    slots.sort_unstable();
    slots.dedup();
    assert_eq!(slots.len(), 4, "each thread used its own slot");
}

/// How many of the pages of `len` bytes at `addr` (page-aligned) are resident.
fn resident_pages(addr: usize, len: usize) -> usize {
    let pages = len / 4096;
    let mut flags = vec![0u8; pages];
    // SAFETY: the range lies in this thread's mapped slot; `flags` has one byte per page.
    let rc = unsafe {
        libc::mincore(std::ptr::with_exposed_provenance_mut(addr), len, flags.as_mut_ptr())
    };
    assert_eq!(rc, 0, "mincore");
    flags.iter().filter(|f| **f & 1 != 0).count()
}

#[test]
fn a_reset_keeps_only_the_first_bytes_of_the_slot_resident() {
    std::thread::spawn(|| {
        let size = KEEP_RESIDENT * 3;
        let big = scoped(|| vec![0xAAu8; size]);
        assert!(big.in_region());
        let start = LOCAL.with(|l| l.start.get());
        let beyond = (start + KEEP_RESIDENT, size - KEEP_RESIDENT);
        assert_eq!(resident_pages(beyond.0, beyond.1), beyond.1 / 4096, "written: resident");
        drop(big);
        assert_eq!(resident_pages(beyond.0, beyond.1), 0, "given back past KEEP_RESIDENT");
        assert_eq!(resident_pages(start, KEEP_RESIDENT), KEEP_RESIDENT / 4096, "kept");
        // The region serves again, from zeroed pages past the kept part.
        let again = scoped(|| vec![0u8; size]);
        assert!(again.in_region() && again.iter().all(|&b| b == 0));
    })
    .join()
    .unwrap_or_else(|_| panic!("the thread failed"));
}
