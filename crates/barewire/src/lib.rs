//! BAREWire: the one protocol every Alloy transport carries.
//!
//! Three layers, usable on their own:
//!
//! 1. **BARE values** ([`to_vec`], [`encode_into`], [`to_writer`],
//!    [`from_slice`], [`from_prefix`]): every type of the BARE specification
//!    (draft-devault-bare) through serde, so a message only derives
//!    `Serialize` and `Deserialize`. Decoding is strict and zero-copy.
//! 2. **The envelope** ([`Envelope`], [`OwnedEnvelope`]): source, target,
//!    kind, priority, correlation, message type, timestamp and the
//!    BARE-encoded payload, hand-coded for speed and byte-identical to the
//!    published schema `docs/barewire.bare`.
//! 3. **Framing** ([`frame`]): 4-byte little-endian length prefixes, an
//!    incremental [`FrameDecoder`](frame::FrameDecoder) and, with the
//!    `tokio-codec` feature, a `tokio_util` codec.
//!
//! # From serde to BARE
//!
//! | Rust / serde                                | BARE                         |
//! |---------------------------------------------|------------------------------|
//! | [`Uint`], `#[serde(with = "barewire::uint")]` | `uint`                     |
//! | [`Int`], `#[serde(with = "barewire::int")]`   | `int`                      |
//! | `u8` … `u64`, `i8` … `i64`                  | `u8` … `u64`, `i8` … `i64`   |
//! | `f32`, `f64`                                | `f32`, `f64`                 |
//! | `bool`                                      | `bool`                       |
//! | `String`, `&str`                            | `str`                        |
//! | `serde_bytes::ByteBuf`, `&[u8]`, `Vec<u8>`  | `data` (`Vec<u8>` as `list<u8>`, the same bytes) |
//! | `[u8; N]`, [`FixedData<N>`](FixedData)      | `data[N]`                    |
//! | `()`, unit struct                           | `void`                       |
//! | `Option<T>`                                 | `optional<T>`                |
//! | `Vec<T>`, any sequence                      | `list<T>`                    |
//! | `[T; N]`, tuples                            | `list<T>[N]` (fixed length)  |
//! | `HashMap`, `BTreeMap`                       | `map<K><V>`                  |
//! | struct, tuple struct                        | `struct` (fields in order)   |
//! | enum of unit variants                       | `enum`                       |
//! | enum with data                              | `union` (variant = member)   |
//! | `char`                                      | `u32` (a Unicode scalar value) |
//!
//! Enum values and union tags are serde's variant index (0, 1, 2, … in
//! declaration order), which is what a BARE schema means when it sets no
//! value. To declare explicit values, as a schema's `BLUE = 5` or
//! `| Label = 3` does, derive [`BareEnum`] or [`BareUnion`] instead of
//! serde's derives:
//!
//! ```
//! # #[cfg(feature = "derive")] fn main() {
//! use barewire::{BareEnum, BareUnion};
//!
//! #[derive(BareEnum, Debug, Clone, Copy, PartialEq)]
//! enum Color { Red = 0, Blue = 5 }
//!
//! #[derive(BareUnion, Debug, PartialEq)]
//! enum Shape {
//!     Circle(u32),
//!     #[bare(tag = 3)]
//!     Label(String),
//!     Nothing, // void member, tag 4
//! }
//!
//! assert_eq!(barewire::to_vec(&Color::Blue).unwrap(), [5]);
//! assert_eq!(barewire::to_vec(&Shape::Nothing).unwrap(), [4]);
//! // A value or tag the type does not declare is an error.
//! let error = barewire::from_slice::<Color>(&[1]).unwrap_err();
//! assert_eq!(
//!     error,
//!     barewire::DecodeError::UnknownVariant { type_name: "Color", value: 1, offset: 0 },
//! );
//! # }
//! # #[cfg(not(feature = "derive"))] fn main() {}
//! ```
//!
//! serde features that need a self-describing format (`deserialize_any`,
//! `#[serde(flatten)]`, untagged or internally tagged enums, skipped fields)
//! are reported as [`DecodeError::Unsupported`] / [`EncodeError::Unsupported`].
//!
//! # Strictness
//!
//! The decoder accepts exactly the canonical encoding, as the specification
//! requires, and a whole message must consume its whole input:
//!
//! - `uint`/`int` in at most 10 bytes, in the fewest bytes the value needs,
//!   and within 64 bits ([`DecodeError::NonCanonicalVarint`],
//!   [`DecodeError::VarintOverflow`]);
//! - `bool` and the `optional` tag are 0 or 1; `str` is UTF-8; a `char`
//!   is a Unicode scalar value;
//! - enum values and union tags are declared ones; map keys are unique;
//! - trailing bytes are an error ([`DecodeError::TrailingBytes`]).
//!
//! Bad input never panics and never allocates more than it justifies: a
//! length prefix larger than the bytes that remain is rejected before
//! anything is reserved ([`DecodeError::LengthTooLarge`]), and nesting is
//! limited to [`MAX_DEPTH`] levels. One consequence goes beyond the
//! specification: a `list` or `map` may not claim more elements than bytes
//! remain, which only rejects lists of zero-sized elements (`void`, empty
//! structs) longer than the rest of the input — the price of refusing
//! a 5-byte input that would loop 2⁶⁴ times.
//!
//! # Why not serde_bare
//!
//! BAREWire has its own serializer and deserializer and keeps serde_bare
//! (0.5, the crate it could have built on) as a dev-dependency only, to
//! compare against. Two reasons, both checked in this crate:
//!
//! - **Correctness.** serde_bare is lenient where BARE is strict
//!   (`tests/serde_bare_differences.rs` runs each case against both): it
//!   accepts `bool` bytes other than 0 and 1, overlong varints (`80 00` for
//!   0) and trailing bytes. Its `from_slice` requires `DeserializeOwned`,
//!   so nothing can borrow from the input. (Explicit enum values are not a
//!   difference: serde hands every format a variant index, so both crates
//!   need the [`BareEnum`] / [`BareUnion`] derives to write declared values.)
//! - **Speed.** In `benches/envelope.rs` (figures in `docs/benchmarks.md`),
//!   decoding an envelope with a counter-sized payload took 110 ns with the
//!   hand-written envelope codec and 167 ns through this crate's serde
//!   decoder, against 701 ns with serde_bare, 297 ns with bincode and 184 ns
//!   with postcard; with a 4 KiB payload 109 ns against 1217 ns with
//!   serde_bare, whose copies dominate. Encoding: 77 ns against 167 ns
//!   (serde_bare), 154 ns (bincode) and 164 ns (postcard).
//!
//! The envelope, the hot path of every transport, is encoded and decoded by
//! hand; tests and fuzzing check that its bytes are exactly those of the
//! serde path over the published schema, and those of an independent BARE
//! implementation (@bare-ts, driven from `tests/crosscheck.rs`).
#![forbid(unsafe_code)]

mod de;
mod envelope;
mod error;
mod fixed;
pub mod frame;
mod integer;
mod ser;
mod varint;

pub use de::{Deserializer, MAX_DEPTH, from_prefix, from_slice};
pub use envelope::{CorrelationId, Envelope, Kind, OwnedEnvelope, PROTOCOL_VERSION, Priority};
pub use error::{DecodeError, EncodeError, FrameError};
pub use fixed::FixedData;
pub use integer::{Int, Uint, int, uint};
pub use ser::{FixedEncoder, SeqEncoder, Serializer, encode_into, to_vec, to_writer};

#[cfg(feature = "derive")]
pub use barewire_derive::{BareEnum, BareUnion};

#[doc(hidden)]
pub mod __private {
    //! Items the derives expand to; not part of the public API.
    pub use serde;
}
