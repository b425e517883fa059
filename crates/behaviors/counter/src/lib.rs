//! The counter behavior.
