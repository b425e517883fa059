//! The arena and the charge scope under a real global allocator: this test
//! binary installs `ArenaAlloc` around a counting allocator, so it can show
//! that an idle arena allocates nothing, that `ArenaStats::reserved` is what
//! the arena holds, that a drop returns every byte, and what a
//! `ChargeScope` counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use olivier_runtime::{ActorArena, ArenaAlloc, ArenaBudget, ArenaError, ChargeScope};

/// The system allocator, keeping the net heap bytes of each thread (tests
/// run on threads of their own, so each sees only its own allocations).
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

fn add_live(bytes: isize) {
    let _ = LIVE.try_with(|live| live.set(live.get() + bytes));
}

/// Net heap bytes this thread allocated so far.
fn live() -> isize {
    LIVE.with(Cell::get)
}

fn signed(bytes: usize) -> isize {
    isize::try_from(bytes).expect("a heap size fits isize")
}

// SAFETY: forwards to `System` with the caller's guarantees; the counting
// touches a constant-initialized thread-local `Cell` only.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees on `layout`.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            add_live(signed(layout.size()));
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        add_live(-signed(layout.size()));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's guarantees on `ptr`, `layout` and `new_size`.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            add_live(signed(new_size) - signed(layout.size()));
        }
        new
    }
}

#[global_allocator]
static GLOBAL: ArenaAlloc<Counting> = ArenaAlloc::wrap(Counting);

#[test]
fn an_idle_arena_allocates_nothing() {
    let before = live();
    let mut arena = ActorArena::new(ArenaBudget::DEFAULT);
    assert!(arena.is_idle());
    assert_eq!(arena.stats().reserved, 0);
    arena.charge(0).expect("nothing to charge");
    arena.charge(1000).expect("within the budget");
    assert!(arena.charge(2 << 20).is_err());
    arena.reset();
    arena.reset_for_restart();
    assert_eq!(live(), before, "not one heap byte, charges included");
    // The first use allocates the bookkeeping only: no chunk yet.
    let batch = arena.vec::<u64>();
    assert_eq!(batch.capacity(), 0);
    drop(batch);
    let bookkeeping = live() - before;
    assert!(bookkeeping > 0 && bookkeeping < 256, "{bookkeeping}");
    assert_eq!(signed(arena.stats().reserved), bookkeeping);
    drop(arena);
    assert_eq!(live(), before);
}

/// Fills `arena` with a batch of strings, a copied slice and a scratch
/// encode, across several chunks.
fn busy_turn(arena: &ActorArena) {
    let mut batch = arena.vec();
    for n in 0..2000 {
        batch
            .try_push(format!("envelope {n}"))
            .map_err(|full| full.error)
            .expect("within the budget");
    }
    arena
        .try_alloc_slice_copy(&[7u8; 3000][..])
        .expect("within the budget");
    let mut scratch = arena.scratch_bytes();
    barewire::encode_into(&batch[..], &mut scratch).expect("encodes");
    scratch.check().expect("within the budget");
}

#[test]
fn reserved_is_what_the_arena_holds_and_a_drop_returns_it_all() {
    let before = live();
    let mut arena = ActorArena::new(ArenaBudget::DEFAULT);
    busy_turn(&arena);
    // The strings were dropped with their batch: only the arena's memory is left.
    let held = live() - before;
    let stats = arena.stats();
    assert_eq!(signed(stats.reserved), held, "{stats:?}");
    assert!(stats.in_use > 2000 * size_of::<String>());

    arena.reset();
    let after_reset = live() - before;
    assert!(after_reset < held, "the older chunks went back");
    assert_eq!(signed(arena.stats().reserved), after_reset);
    // A turn like the first draws from what was kept.
    busy_turn(&arena);
    arena.reset();
    assert_eq!(live() - before, after_reset, "nothing more was kept");

    arena.reset_for_restart();
    let after_restart = live() - before;
    assert!(after_restart < 256, "only the bookkeeping: {after_restart}");
    assert_eq!(signed(arena.stats().reserved), after_restart);

    busy_turn(&arena);
    drop(arena);
    assert_eq!(live(), before, "a stop returns every byte");
}

#[test]
fn an_exhausted_turn_leaks_nothing() {
    let before = live();
    let arena = ActorArena::new(ArenaBudget::kib(8));
    let mut batch = arena.vec();
    // 8 KiB hold a few hundred strings: far fewer pushes than this.
    let full = (0..100_000)
        .find_map(|_| batch.try_push(String::from("kept")).err())
        .expect("the budget was never exhausted");
    assert!(matches!(
        full.error,
        ArenaError::Exhausted { budget: 8192, .. }
    ));
    assert_eq!(full.into_inner(), "kept");
    drop(batch);
    drop(arena);
    assert_eq!(live(), before);
}

/// A heap buffer of `bytes` bytes the optimizer cannot elide.
fn buffer(bytes: usize) -> Vec<u8> {
    std::hint::black_box(vec![1u8; bytes])
}

#[test]
fn a_scope_counts_what_its_thread_holds() {
    let outside = buffer(10_000);
    let scope = ChargeScope::enter();
    assert_eq!(
        (scope.net(), scope.charged()),
        (0, 0),
        "what came before is not counted"
    );
    let mut bytes: Vec<u8> = Vec::with_capacity(1000);
    assert_eq!((scope.net(), scope.charged()), (1000, 1000));
    bytes.reserve_exact(1500); // to a capacity of 1500
    assert_eq!(scope.net(), 1500, "a growth counts its new bytes");
    bytes.shrink_to(200);
    assert_eq!(scope.net(), 200, "a shrink gives bytes back");
    assert_eq!(scope.charged(), 1500, "the peak stays");
    drop(bytes);
    assert_eq!(scope.net(), 0, "frees are subtracted");
    drop(outside);
    assert_eq!(scope.net(), -10_000, "even of what came before");
    let zeroed = vec![0u64; 100];
    assert_eq!(scope.net(), -9200, "zeroed allocations count");
    assert_eq!(scope.exit(), 1500);
    drop(zeroed);
    // Out of any scope, nothing is counted.
    let after = ChargeScope::enter();
    assert_eq!((after.net(), after.exit()), (0, 0));
}

#[test]
fn the_net_and_the_peak_match_the_heap() {
    // The counting allocator underneath is the reference: the scope must
    // see exactly the live bytes it sees, and their highest point.
    let before = live();
    let scope = ChargeScope::enter();
    let mut highest = 0;
    let mut kept = Vec::new();
    for round in 0..50usize {
        let temporary = buffer(1000 + round * 37);
        highest = highest.max(live() - before);
        kept.push(buffer(round));
        highest = highest.max(live() - before);
        drop(temporary);
    }
    assert_eq!(scope.net(), live() - before);
    assert_eq!(signed(scope.charged()), highest);
    drop(kept);
    assert_eq!((scope.net(), signed(scope.exit())), (0, highest));
}

#[test]
fn churning_temporaries_is_charged_once_not_per_allocation() {
    // A handler that builds and drops a 10 kB buffer 100 times holds 10 kB:
    // within a 64 KiB budget, though it allocated a megabyte in all.
    let arena = ActorArena::new(ArenaBudget::kib(64));
    let scope = ChargeScope::enter();
    for _ in 0..100 {
        drop(buffer(10_000));
    }
    let peak = scope.exit();
    assert!((10_000..10_100).contains(&peak), "{peak}");
    arena.charge(peak).expect("the peak is within the budget");
}

#[test]
fn a_temporary_freed_before_the_end_still_counts_at_its_peak() {
    let arena = ActorArena::new(ArenaBudget::kib(64));
    let scope = ChargeScope::enter();
    drop(buffer(100_000));
    let kept = buffer(10);
    assert_eq!(scope.net(), 10);
    let peak = scope.exit();
    assert_eq!(peak, 100_000);
    assert_eq!(
        arena.charge(peak),
        Err(ArenaError::Exhausted {
            budget: 65_536,
            requested: 100_000,
            in_use: 0
        })
    );
    drop(kept);
}

#[test]
fn scopes_nest_inclusively() {
    let outer = ChargeScope::enter();
    let a = Vec::<u8>::with_capacity(100);
    let inner = ChargeScope::enter();
    let b = Vec::<u8>::with_capacity(50);
    assert_eq!((outer.net(), inner.net()), (150, 50));
    drop(b);
    assert_eq!((outer.net(), inner.net()), (100, 0));
    assert_eq!(inner.exit(), 50);
    let c = Vec::<u8>::with_capacity(10);
    assert_eq!((outer.net(), outer.charged()), (110, 150));

    // The outer scope ends first: the inner one still counts, exactly.
    let inner = ChargeScope::enter();
    drop(outer);
    let d = Vec::<u8>::with_capacity(7);
    drop(c);
    assert_eq!((inner.net(), inner.exit()), (-3, 7));
    // Both ended: nothing is counted any more.
    let e = Vec::<u8>::with_capacity(1000);
    let probe = ChargeScope::enter();
    assert_eq!(probe.exit(), 0);
    drop((a, d, e));
}

#[test]
fn a_scope_counts_its_own_thread_only() {
    let scope = ChargeScope::enter();
    let before = scope.charged();
    std::thread::spawn(|| {
        // Another thread, inside its own scope: charged there.
        let theirs = ChargeScope::enter();
        drop(buffer(1 << 20));
        assert!(theirs.charged() >= 1 << 20);
    })
    .join()
    .expect("no panic");
    // Spawning allocated a little here, the megabyte was elsewhere.
    assert!(scope.charged() - before < 1 << 16, "{}", scope.charged());
}

#[test]
fn the_arena_fails_a_message_that_held_more_than_the_budget() {
    let arena = ActorArena::new(ArenaBudget::kib(64));
    // What the actor loop does around `receive`.
    let handle = |size: usize| {
        let scope = ChargeScope::enter();
        let state = buffer(size); // the behavior's allocation
        let charged = scope.exit();
        drop(state);
        arena.charge(charged)
    };
    handle(1000).expect("within the budget");
    for _ in 0..1000 {
        handle(60_000).expect("each message alone is within the budget");
    }
    assert_eq!(
        handle(100_000),
        Err(ArenaError::Exhausted {
            budget: 65_536,
            requested: 100_000,
            in_use: 0
        })
    );
}
