//! Unit tests of the counting behind [`ChargeScope`]. This test binary does
//! not install `ArenaAlloc`, so its own heap use is never counted: each
//! test feeds the thread's counts by hand, as the allocator would, and
//! checks what the scopes read. (`tests/arena_alloc.rs` does the same with
//! a real allocator.)

use super::*;

#[test]
fn differences_are_signed_and_survive_wrapping() {
    assert_eq!(signed_difference(10, 3), 7);
    assert_eq!(signed_difference(3, 10), -7);
    assert_eq!(signed_difference(2, usize::MAX), 3, "across the wrap");
    assert_eq!(higher(usize::MAX, 2), 2, "2 comes after the wrap");
    assert_eq!(higher(5, 9), 9);
    assert_eq!(higher(9, 5), 9);
}

#[test]
fn frees_are_subtracted_and_the_peak_is_kept() {
    let scope = ChargeScope::enter();
    for _ in 0..10 {
        allocated(10_000);
        freed(10_000);
    }
    assert_eq!(scope.net(), 0);
    assert_eq!(scope.charged(), 10_000, "one buffer at a time");
    allocated(300);
    assert_eq!((scope.net(), scope.exit()), (300, 10_000));
}

#[test]
fn freeing_what_came_before_goes_below_zero_and_charges_nothing() {
    let scope = ChargeScope::enter();
    freed(64); // a message allocated by its sender
    assert_eq!((scope.net(), scope.charged()), (-64, 0));
    allocated(32);
    assert_eq!((scope.net(), scope.charged()), (-32, 0));
    allocated(100);
    assert_eq!((scope.net(), scope.exit()), (68, 68));
}

#[test]
fn nothing_is_counted_outside_a_scope() {
    allocated(1 << 20);
    freed(1 << 10);
    let scope = ChargeScope::enter();
    assert_eq!((scope.net(), scope.charged()), (0, 0));
    drop(scope);
    allocated(5000);
    let scope = ChargeScope::enter();
    assert_eq!((scope.net(), scope.exit()), (0, 0));
}

#[test]
fn an_outer_scope_keeps_the_peak_of_an_inner_one() {
    let outer = ChargeScope::enter();
    allocated(1000);
    freed(1000);
    let inner = ChargeScope::enter();
    allocated(400);
    assert_eq!(inner.charged(), 400);
    freed(400);
    assert_eq!(inner.exit(), 400);
    assert_eq!(outer.charged(), 1000, "its own peak came first");

    let inner = ChargeScope::enter();
    allocated(3000);
    freed(3000);
    drop(inner);
    assert_eq!(
        (outer.net(), outer.exit()),
        (0, 3000),
        "the inner peak was higher"
    );
}

#[test]
fn an_outer_scope_read_while_an_inner_one_lives_misses_its_earlier_peak() {
    // The documented limit of the peak: it is exact once the inner scope ends.
    let outer = ChargeScope::enter();
    allocated(1000);
    freed(1000);
    let inner = ChargeScope::enter();
    allocated(10);
    assert_eq!(
        outer.charged(),
        10,
        "the 1000 before the inner scope is missed"
    );
    assert_eq!(outer.net(), 10, "the net is exact");
    drop(inner);
    assert_eq!(outer.exit(), 1000);
}

#[test]
fn an_outer_scope_ended_first_leaves_the_inner_one_exact() {
    let outer = ChargeScope::enter();
    allocated(5000);
    let inner = ChargeScope::enter();
    allocated(10);
    drop(outer);
    allocated(20);
    freed(30);
    allocated(7);
    assert_eq!((inner.net(), inner.exit()), (7, 30));
    // Both ended: nothing is counted any more.
    allocated(1 << 20);
    let probe = ChargeScope::enter();
    assert_eq!((probe.net(), probe.exit()), (0, 0));
}
