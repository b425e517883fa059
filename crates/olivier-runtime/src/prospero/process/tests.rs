//! Pins the size of what a supervisor keeps per actor child.

use std::mem::size_of;

use super::*;

/// Boxed once per child: the behavior, the shutdown timeout and the
/// capabilities rather than a clone of the whole spec (136 bytes), the body
/// boxed while Prospero holds it, no oneshot receiver while a task does
/// (was 264, with the spec and an inline body).
#[test]
#[cfg(target_pointer_width = "64")]
fn a_child_record_stays_small() {
    assert_eq!(size_of::<Run>(), 16);
    assert_eq!(size_of::<ActorChild>(), 72);
}
