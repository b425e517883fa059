//! Fuzzes BARE value decoding: arbitrary bytes decoded as types that use
//! every BARE type must never panic; whatever decodes must re-encode to the
//! very same bytes (the decoder accepts only canonical encodings), and
//! decode again to the same value.
#![no_main]

use std::collections::{BTreeMap, HashMap};

use barewire::{BareEnum, BareUnion, FixedData, Int, Uint};
use libfuzzer_sys::fuzz_target;
use serde::{Deserialize, Serialize};

#[derive(BareEnum, Debug, Clone, Copy, PartialEq)]
enum Color {
    Red,
    Green = 2,
    Blue = 5,
    Ultraviolet = 300,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Point {
    x: i32,
    y: Int,
}

#[derive(BareUnion, Debug, PartialEq)]
enum Shape<'a> {
    Point(Point),
    #[bare(tag = 3)]
    Label(&'a str),
    Nothing,
    #[bare(tag = 200)]
    Color(Color),
    Nested(Box<Shape<'a>>),
}

/// Every BARE type, with maps as pair lists so the encoding is unique.
#[derive(Serialize, Deserialize, Debug)]
struct Canonical<'a> {
    uint: Uint,
    fixed_ints: (u8, u16, u32, u64, i8, i16, i32, i64),
    floats: (f32, f64),
    flag: bool,
    #[serde(borrow)]
    text: &'a str,
    #[serde(borrow)]
    bytes: &'a [u8],
    key: FixedData<4>,
    color: Color,
    maybe: Option<Vec<Option<Point>>>,
    fixed_list: [Uint; 2],
    #[serde(borrow)]
    shapes: Vec<Shape<'a>>,
    pairs: Vec<(&'a str, ())>,
    character: char,
}

/// Real maps: the decoder must reject duplicate keys.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Maps {
    ordered: BTreeMap<Int, Vec<u8>>,
    hashed: HashMap<String, Option<bool>>,
}

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = barewire::from_slice::<Canonical<'_>>(data) {
        let again = barewire::to_vec(&value).expect("a decoded value encodes");
        assert_eq!(again, data, "decode then encode changed the bytes");
    }
    if let Ok(value) = barewire::from_slice::<Maps>(data) {
        let again = barewire::to_vec(&value).expect("a decoded value encodes");
        assert_eq!(again.len(), data.len(), "maps re-encode to the same length");
        let back: Maps = barewire::from_slice(&again).expect("its own encoding decodes");
        assert_eq!(back, value);
    }
    let _ = barewire::from_prefix::<Shape<'_>>(data);
});
