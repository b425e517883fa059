//! The pure vocabulary of Alloy actors.
#![forbid(unsafe_code)]
