//! BAREWire: the one protocol every Alloy transport carries.
//!
//! The codec, envelope and framing are being built under issue 4; this crate
//! currently exports nothing.
#![forbid(unsafe_code)]
