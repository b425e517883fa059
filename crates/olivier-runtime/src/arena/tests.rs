//! Unit tests of the arena: budget, reset, restart, drops and the idle size.
//! What needs a counting global allocator (laziness measured in heap bytes,
//! memory returned on drop, the charge scope) is in `tests/arena_alloc.rs`.

use std::cell::Cell;
use std::io::Write;
use std::rc::Rc;

use super::*;

/// Counts its drops in a shared counter.
#[derive(Debug)]
struct Dropped(Rc<Cell<usize>>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

fn exhausted(error: &ArenaError) -> (usize, usize, usize) {
    match *error {
        ArenaError::Exhausted {
            budget,
            requested,
            in_use,
        } => (budget, requested, in_use),
        ref other => panic!("expected Exhausted, got {other:?}"),
    }
}

#[test]
fn an_idle_arena_is_two_words_and_allocates_nothing() {
    assert!(ActorArena::IDLE_SIZE <= 2 * size_of::<usize>());
    assert_eq!(ActorArena::IDLE_SIZE, size_of::<ActorArena>());
    let arena = ActorArena::default();
    assert!(arena.is_idle());
    assert_eq!(
        arena.stats(),
        ArenaStats {
            budget: 1 << 20,
            ..ArenaStats::default()
        }
    );
    // Checking a zero charge and resetting keep it idle.
    arena.charge(0).expect("nothing to charge");
    let mut arena = arena;
    arena.reset();
    arena.reset_for_restart();
    assert!(arena.is_idle());
}

#[test]
fn a_vector_draws_no_chunk_until_it_grows() {
    let arena = ActorArena::new(ArenaBudget::DEFAULT);
    let batch = arena.vec::<u64>();
    assert_eq!(batch.capacity(), 0);
    // The bookkeeping exists now, but no chunk and no scratch buffer.
    assert_eq!(arena.stats().reserved, size_of::<Inner>());
    assert_eq!(arena.in_use(), 0);
}

#[test]
fn a_request_over_the_budget_is_an_error_not_a_panic() {
    let arena = ActorArena::new(ArenaBudget::bytes(1000));
    let error = arena.try_vec_with_capacity::<u8>(1001).unwrap_err();
    assert_eq!(exhausted(&error), (1000, 1001, 0));
    assert_eq!(
        error.to_string(),
        "arena budget of 1000 bytes exhausted: 1001 bytes requested with 0 in use"
    );
    // Exactly the budget fits, in one chunk.
    let full = arena.try_vec_with_capacity::<u8>(1000).expect("fits");
    assert_eq!(arena.in_use(), 1000);
    assert!(full.capacity() >= 1000);
    // And then not one byte more.
    let error = arena.try_alloc_slice_copy(&[1u8]).unwrap_err();
    assert_eq!(exhausted(&error), (1000, 1, 1000));
}

#[test]
fn overflowing_sizes_are_exhausted_too() {
    let arena = ActorArena::new(ArenaBudget::UNLIMITED);
    let error = arena
        .try_vec_with_capacity::<u64>(usize::MAX / 2)
        .unwrap_err();
    assert_eq!(exhausted(&error).1, usize::MAX);
    let mut batch = arena.vec::<u64>();
    batch.try_push(1).map_err(|full| full.error).expect("room");
    assert!(batch.try_reserve(usize::MAX).is_err());
    assert_eq!(batch[..], [1]);
}

#[test]
fn pushing_grows_until_the_budget_and_hands_the_value_back() {
    let drops = Rc::new(Cell::new(0));
    let arena = ActorArena::new(ArenaBudget::kib(4));
    let mut batch = arena.vec();
    let mut pushed = 0;
    let full = loop {
        match batch.try_push(Dropped(Rc::clone(&drops))) {
            Ok(()) => pushed += 1,
            Err(full) => break full,
        }
    };
    let (budget, requested, in_use) = exhausted(&full.error);
    assert_eq!(budget, 4096);
    assert!(in_use + requested > budget, "{in_use} + {requested}");
    assert!(arena.in_use() <= budget);
    // The exact growth after the failed doubling used the budget well: a
    // doubling vector of 8-byte values reaches at least a quarter of it.
    assert!(pushed * size_of::<Dropped>() >= budget / 4, "{pushed}");
    assert_eq!(batch.len(), pushed);
    assert!(format!("{full:?}").starts_with("PushError { error: Exhausted"));
    assert!(
        full.to_string()
            .starts_with("value handed back: arena budget")
    );
    drop(full.into_inner());
    assert_eq!(drops.get(), 1);
    drop(batch);
    assert_eq!(drops.get(), pushed + 1);
}

#[test]
fn bytes_in_use_never_exceed_the_budget() {
    // Mixed sizes and alignments, so chunks are left with free tails.
    let budget = ArenaBudget::bytes(10_000);
    let mut arena = ActorArena::new(budget);
    for round in 0..3 {
        let mut refused = 0;
        for size in (1..400).step_by(7) {
            let words = arena.try_vec_with_capacity::<u64>(size / 8 + 1);
            let bytes = arena.try_alloc_slice_copy(&vec![0u8; size][..]);
            refused += usize::from(words.is_err()) + usize::from(bytes.is_err());
            assert!(arena.in_use() <= budget.get(), "round {round}, size {size}");
        }
        assert!(refused > 0, "the budget was reached in round {round}");
        let stats = arena.stats();
        assert!(
            stats.reserved <= 2 * budget.get() + (16 << 10) + size_of::<Inner>(),
            "{stats:?}"
        );
        arena.reset();
        assert_eq!(arena.in_use(), 0);
        // Between turns: one chunk, within the budget.
        assert!(arena.stats().reserved <= budget.get() + 64 + size_of::<Inner>());
    }
    assert!(arena.stats().high_water <= budget.get());
}

#[test]
fn reset_forgets_values_and_keeps_the_chunk() {
    let drops = Rc::new(Cell::new(0));
    let mut arena = ActorArena::new(ArenaBudget::DEFAULT);
    let mut batch = arena.vec();
    for _ in 0..100 {
        batch
            .try_push(Dropped(Rc::clone(&drops)))
            .map_err(|full| full.error)
            .expect("room");
    }
    drop(batch);
    assert_eq!(drops.get(), 100);
    let used = arena.in_use();
    assert!(used >= 100 * size_of::<Dropped>());
    arena.reset();
    let kept = arena.stats();
    assert_eq!(kept.in_use, 0);
    assert_eq!(kept.high_water, used);
    assert!(kept.reserved > size_of::<Inner>(), "a chunk is kept");
    // The same work again draws from the kept chunk: nothing more reserved.
    let mut batch = arena.vec();
    for _ in 0..100 {
        batch
            .try_push(Dropped(Rc::clone(&drops)))
            .map_err(|full| full.error)
            .expect("room");
    }
    drop(batch);
    assert_eq!(arena.stats().reserved, kept.reserved);
}

#[test]
fn reset_frees_a_chunk_larger_than_the_budget() {
    let mut arena = ActorArena::new(ArenaBudget::kib(64));
    arena
        .try_alloc_slice_copy(&[0u8; 60_000][..])
        .expect("fits");
    arena.set_budget(ArenaBudget::kib(8));
    arena.reset();
    assert_eq!(arena.stats().reserved, size_of::<Inner>());
    assert_eq!(arena.budget(), ArenaBudget::kib(8));
    let error = arena.try_alloc_slice_copy(&[0u8; 9000][..]).unwrap_err();
    assert_eq!(exhausted(&error), (8192, 9000, 0));
}

#[test]
fn a_restart_frees_the_chunks_and_the_scratch_buffer_and_keeps_the_stats() {
    let mut arena = ActorArena::new(ArenaBudget::DEFAULT);
    arena.try_alloc_slice_copy(&[1u8; 5000][..]).expect("fits");
    arena.charge(300).expect("fits");
    let mut scratch = arena.scratch_bytes();
    scratch.extend_from_slice(&[2u8; 2000]);
    drop(scratch);
    assert!(arena.stats().reserved >= 7000);
    arena.reset_for_restart();
    let stats = arena.stats();
    assert_eq!(stats.reserved, size_of::<Inner>());
    assert_eq!(stats.in_use, 0);
    assert_eq!(stats.high_water, 7000);
    assert_eq!(stats.charged_peak, 300);
    // It works as before.
    arena.try_alloc_slice_copy(&[1u8; 10][..]).expect("fits");
    assert_eq!(arena.in_use(), 10);
}

#[test]
fn drained_values_are_moved_out_and_the_rest_dropped() {
    let drops = Rc::new(Cell::new(0));
    let arena = ActorArena::new(ArenaBudget::DEFAULT);
    let mut batch = arena.try_vec_with_capacity(4).expect("room");
    for _ in 0..4 {
        batch
            .try_push(Dropped(Rc::clone(&drops)))
            .map_err(|full| full.error)
            .expect("room");
    }
    let mut drain = batch.drain();
    let first = drain.next().expect("four values");
    assert_eq!(drain.len(), 3);
    drop(drain);
    assert_eq!(drops.get(), 3, "the three left in the iterator");
    assert!(batch.is_empty() && batch.capacity() >= 4);
    drop(first);
    assert_eq!(drops.get(), 4);
}

#[test]
fn vector_basics() {
    let arena = ActorArena::new(ArenaBudget::DEFAULT);
    let mut batch = arena.vec();
    for value in 1..=5u32 {
        batch
            .try_push(value)
            .map_err(|full| full.error)
            .expect("room");
    }
    for value in &mut batch {
        *value *= 10;
    }
    assert_eq!((&batch).into_iter().sum::<u32>(), 150);
    assert_eq!(format!("{batch:?}"), "[10, 20, 30, 40, 50]");
    assert_eq!(batch.pop(), Some(50));
    batch.truncate(2);
    assert_eq!(batch[..], [10, 20]);
    batch.clear();
    assert!(batch.is_empty());
    // Zero-sized values never draw from the arena.
    let mut units = arena.vec::<()>();
    for _ in 0..1000 {
        units.try_push(()).map_err(|full| full.error).expect("room");
    }
    assert_eq!(units.len(), 1000);
}

#[test]
fn the_scratch_buffer_is_checked_against_the_budget_with_the_chunks() {
    let arena = ActorArena::new(ArenaBudget::bytes(100));
    arena.try_alloc_slice_copy(&[0u8; 60][..]).expect("fits");
    let mut scratch = arena.scratch_bytes();
    scratch.extend_from_slice(&[1u8; 40]);
    scratch.check().expect("60 + 40 fit 100");
    scratch.push(1);
    assert_eq!(exhausted(&scratch.check().unwrap_err()), (100, 41, 60));
    assert_eq!(
        exhausted(&scratch.try_reserve(100).unwrap_err()),
        (100, 141, 60)
    );
    scratch.clear();
    scratch.write_all(&[0u8; 40]).expect("fits");
    let error = scratch.write_all(&[0u8; 1]).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::OutOfMemory);
    assert!(format!("{scratch:?}").starts_with("ScratchBytes { len: 40, capacity: "));
    drop(scratch);
    assert_eq!(arena.stats().high_water, 101);
}

#[test]
fn the_scratch_buffer_is_kept_cleared_within_the_budget_only() {
    let arena = ActorArena::new(ArenaBudget::kib(1));
    let mut scratch = arena.scratch_bytes();
    scratch.extend_from_slice(&[7u8; 500]);
    let capacity = scratch.capacity();
    let address = scratch.as_ptr();
    drop(scratch);
    let scratch = arena.scratch_bytes();
    assert!(scratch.is_empty());
    assert_eq!((scratch.capacity(), scratch.as_ptr()), (capacity, address));
    // Two at once: the second starts without a buffer.
    let second = arena.scratch_bytes();
    assert_eq!(second.capacity(), 0);
    drop(second);
    drop(scratch);
    // Grown past the budget: freed when given back.
    let mut scratch = arena.scratch_bytes();
    scratch.extend_from_slice(&[7u8; 5000]);
    drop(scratch);
    assert_eq!(arena.scratch_bytes().capacity(), 0);
}

#[test]
fn barewire_encodes_into_the_scratch_buffer() {
    let arena = ActorArena::new(ArenaBudget::DEFAULT);
    let mut scratch = arena.scratch_bytes();
    barewire::encode_into(&("BARE", 7u16), &mut scratch).expect("encodes");
    scratch.check().expect("fits");
    assert_eq!(scratch[..], [4, b'B', b'A', b'R', b'E', 7, 0]);
}

#[test]
fn a_charge_counts_with_the_bytes_in_use() {
    let arena = ActorArena::new(ArenaBudget::bytes(1000));
    arena.try_alloc_slice_copy(&[0u8; 600][..]).expect("fits");
    arena.charge(400).expect("600 + 400 fit 1000");
    assert_eq!(exhausted(&arena.charge(401).unwrap_err()), (1000, 401, 600));
    arena.charge(10).expect("fits");
    assert_eq!(arena.stats().charged_peak, 401);
}

#[test]
fn a_charge_allocates_nothing() {
    let arena = ActorArena::new(ArenaBudget::bytes(1000));
    arena.charge(1000).expect("exactly the budget");
    assert_eq!(exhausted(&arena.charge(1001).unwrap_err()), (1000, 1001, 0));
    assert!(arena.is_idle(), "a charged arena has no bookkeeping");
    assert_eq!(arena.stats().charged_peak, 0, "and so records no peak");
}

#[test]
fn without_the_allocator_a_scope_charges_nothing() {
    // The unit-test binary uses the system allocator directly.
    let scope = ChargeScope::enter();
    let bytes = vec![0u8; 10_000];
    assert_eq!(scope.charged(), 0);
    drop(bytes);
    assert_eq!(scope.exit(), 0);
}

#[test]
fn an_arena_moves_between_threads() {
    fn send<T: Send>(value: T) -> T {
        value
    }
    let mut arena = send(ActorArena::default());
    arena.try_alloc_slice_copy(&[1u8; 100][..]).expect("fits");
    let mut arena = std::thread::spawn(move || {
        arena.reset();
        arena
    })
    .join()
    .expect("no panic");
    assert_eq!(arena.in_use(), 0);
    arena.reset_for_restart();
    assert!(format!("{arena:?}").starts_with("ActorArena { stats: ArenaStats {"));
}
