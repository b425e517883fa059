//! Alloy's task runner.
fn main() {}
