//! BARE values through serde: the encodings the specification defines, the
//! strict decoder's rejections (each with its error and offset), zero-copy
//! borrowing, encoder errors, and round-trip properties.

use std::collections::BTreeMap;

use barewire::{
    BareEnum, BareUnion, DecodeError, EncodeError, FixedData, Int, MAX_DEPTH, Uint, from_prefix,
    from_slice, to_vec,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize, Serializer};

fn hex(text: &str) -> Vec<u8> {
    let digits: String = text.split_whitespace().collect();
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

/// Encodes `value`, checks the bytes, and decodes them back to `value`.
fn vector<T>(value: T, bytes: &str)
where
    T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
{
    let expected = hex(bytes);
    assert_eq!(to_vec(&value).unwrap(), expected, "encoding of {value:?}");
    assert_eq!(
        from_slice::<T>(&expected).unwrap(),
        value,
        "decoding of {bytes}"
    );
}

#[test]
fn uint_and_int_use_the_specification_varints() {
    for (value, bytes) in [
        (0, "00"),
        (1, "01"),
        (126, "7e"),
        (127, "7f"),
        (128, "80 01"),
        (129, "81 01"),
        (255, "ff 01"),
        (16383, "ff 7f"),
        (16384, "80 80 01"),
        (u64::MAX, "ff ff ff ff ff ff ff ff ff 01"),
    ] {
        vector(Uint(value), bytes);
    }
    for (value, bytes) in [
        (0, "00"),
        (1, "02"),
        (-1, "01"),
        (63, "7e"),
        (-63, "7d"),
        (64, "80 01"),
        (-64, "7f"),
        (65, "82 01"),
        (-65, "81 01"),
        (255, "fe 03"),
        (-255, "fd 03"),
        (i64::MAX, "fe ff ff ff ff ff ff ff ff 01"),
        (i64::MIN, "ff ff ff ff ff ff ff ff ff 01"),
    ] {
        vector(Int(value), bytes);
    }
}

#[test]
fn fixed_width_numbers_are_little_endian() {
    vector(0x12u8, "12");
    vector(0x1234u16, "34 12");
    vector(0x1234_5678u32, "78 56 34 12");
    vector(0x0102_0304_0506_0708u64, "08 07 06 05 04 03 02 01");
    vector(-2i8, "fe");
    vector(-2i16, "fe ff");
    vector(-2i32, "fe ff ff ff");
    vector(i64::MIN, "00 00 00 00 00 00 00 80");
    vector(1.0f32, "00 00 80 3f");
    vector(-2.0f64, "00 00 00 00 00 00 00 c0");
    // Floats keep their exact bits, NaN payloads included.
    let nan = f64::from_bits(0x7ff8_0000_0000_0001);
    let bytes = to_vec(&nan).unwrap();
    assert_eq!(from_slice::<f64>(&bytes).unwrap().to_bits(), nan.to_bits());
}

#[test]
fn bool_str_data_and_void() {
    vector(false, "00");
    vector(true, "01");
    vector("BARE".to_owned(), "04 42 41 52 45");
    vector(String::new(), "00");
    vector(serde_bytes::ByteBuf::from(vec![0xca, 0xfe]), "02 ca fe");
    vector(vec![0xcau8, 0xfe], "02 ca fe"); // list<u8>: the same bytes as data
    vector([1u8, 2, 3, 4], "01 02 03 04"); // data[4]
    vector(FixedData([9u8; 3]), "09 09 09");
    vector((), "");
}

#[test]
fn aggregates_follow_the_specification() {
    vector(None::<u8>, "00");
    vector(Some(7u8), "01 07");
    vector(vec![1u16, 2], "02 01 00 02 00");
    vector([Uint(1), Uint(300)], "01 ac 02"); // list<uint>[2]: no length
    vector(
        BTreeMap::from([("a".to_owned(), 1u8), ("b".to_owned(), 2)]),
        "02 01 61 01 01 62 02",
    );

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Pair {
        name: String,
        age: Uint,
    }
    vector(
        Pair {
            name: "ok".into(),
            age: Uint(28),
        },
        "02 6f 6b 1c",
    );
}

#[derive(BareEnum, Debug, Clone, Copy, PartialEq)]
enum Department {
    Accounting,
    Administration,
    CustomerService,
    Development,
    Jsmith = 99,
}

#[derive(BareUnion, Debug, PartialEq)]
enum Shape<'a> {
    Circle(u32),
    #[bare(tag = 3)]
    Label(&'a str),
    Nothing,
    #[bare(tag = 300)]
    Department(Department),
}

#[test]
fn enums_and_unions_use_declared_values() {
    // The specification's example enum: implicit values count up from 0.
    vector(Department::Accounting, "00");
    vector(Department::Development, "03");
    vector(Department::Jsmith, "63");

    assert_eq!(to_vec(&Shape::Circle(1)).unwrap(), hex("00 01 00 00 00"));
    assert_eq!(to_vec(&Shape::Label("x")).unwrap(), hex("03 01 78"));
    assert_eq!(to_vec(&Shape::Nothing).unwrap(), hex("04"));
    assert_eq!(
        to_vec(&Shape::Department(Department::Jsmith)).unwrap(),
        hex("ac 02 63")
    );
    assert_eq!(
        from_slice::<Shape<'_>>(&hex("03 01 78")).unwrap(),
        Shape::Label("x")
    );
    assert_eq!(
        from_slice::<Shape<'_>>(&hex("ac 02 00")).unwrap(),
        Shape::Department(Department::Accounting)
    );

    // Undeclared values and tags are rejected where they start.
    assert_eq!(
        from_slice::<Department>(&hex("04")),
        Err(DecodeError::UnknownVariant {
            type_name: "Department",
            value: 4,
            offset: 0
        })
    );
    assert_eq!(
        from_slice::<(u8, Shape<'_>)>(&hex("00 01 05")),
        Err(DecodeError::UnknownVariant {
            type_name: "Shape",
            value: 1,
            offset: 1
        })
    );

    // serde's own derive: the variant index is the value, and out-of-range
    // indices are rejected too.
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum Plain {
        A,
        B(u8),
    }
    vector(Plain::B(9), "01 09");
    assert_eq!(
        from_slice::<Plain>(&hex("02")),
        Err(DecodeError::UnknownVariant {
            type_name: "Plain",
            value: 2,
            offset: 0
        })
    );
}

#[test]
fn derived_types_still_speak_self_describing_formats() {
    let json = serde_json::to_string(&Shape::Department(Department::Jsmith)).unwrap();
    assert_eq!(json, r#"{"Department":"Jsmith"}"#);
    let back: Shape<'_> = serde_json::from_str(r#"{"Label":"hi"}"#).unwrap();
    assert_eq!(back, Shape::Label("hi"));
}

#[test]
fn str_and_data_borrow_from_the_input() {
    #[derive(Deserialize)]
    struct Borrowed<'a> {
        text: &'a str,
        #[serde(borrow)]
        bytes: &'a [u8],
    }
    let input = hex("02 68 69 03 01 02 03");
    let value: Borrowed<'_> = from_slice(&input).unwrap();
    let range = input.as_ptr_range();
    assert_eq!(value.text, "hi");
    assert!(range.contains(&value.text.as_ptr()));
    assert_eq!(value.bytes, [1, 2, 3]);
    assert!(range.contains(&value.bytes.as_ptr()));
}

#[test]
fn from_prefix_returns_the_rest() {
    let input = hex("01 05 ff");
    let (value, rest) = from_prefix::<Option<u8>>(&input).unwrap();
    assert_eq!((value, rest), (Some(5), &[0xff][..]));
}

#[test]
fn malformed_input_is_rejected_with_what_and_where() {
    assert_eq!(
        from_slice::<(u8, bool)>(&hex("00 02")),
        Err(DecodeError::InvalidBool { offset: 1, byte: 2 })
    );
    assert_eq!(
        from_slice::<Option<u8>>(&hex("02 00")),
        Err(DecodeError::InvalidOptionalTag { offset: 0, byte: 2 })
    );
    assert_eq!(
        from_slice::<(u8, Uint)>(&hex("00 80 00")),
        Err(DecodeError::NonCanonicalVarint { offset: 1 })
    );
    assert_eq!(
        from_slice::<Int>(&hex("ff ff ff ff ff ff ff ff ff 02")),
        Err(DecodeError::VarintOverflow { offset: 0 })
    );
    assert_eq!(
        from_slice::<Uint>(&hex("80 80 80 80 80 80 80 80 80 80 01")),
        Err(DecodeError::VarintOverflow { offset: 0 })
    );
    // A length prefix is checked the same way: overlong is an error.
    assert_eq!(
        from_slice::<String>(&hex("81 00 61")),
        Err(DecodeError::NonCanonicalVarint { offset: 0 })
    );
    assert_eq!(
        from_slice::<String>(&hex("03 61 ff 62")),
        Err(DecodeError::InvalidUtf8 { offset: 2 })
    );
    assert_eq!(
        from_slice::<char>(&hex("00 d8 00 00")),
        Err(DecodeError::InvalidChar {
            offset: 0,
            value: 0xd800
        })
    );
    assert_eq!(
        from_slice::<u32>(&hex("01 02")),
        Err(DecodeError::UnexpectedEnd {
            offset: 0,
            needed: 4,
            available: 2
        })
    );
    assert_eq!(
        from_slice::<u8>(&hex("01 02")),
        Err(DecodeError::TrailingBytes {
            offset: 1,
            count: 1
        })
    );
    assert_eq!(
        from_slice::<BTreeMap<u8, u8>>(&hex("02 01 00 01 01")),
        Err(DecodeError::DuplicateMapKey { offset: 3 })
    );
    assert_eq!(
        from_slice::<(u8, [u8; 2])>(&hex("01 02")),
        Err(DecodeError::UnexpectedEnd {
            offset: 2,
            needed: 1,
            available: 0
        })
    );
}

#[test]
fn oversized_lengths_are_errors_not_allocations() {
    // 5 bytes claiming a 4 GiB string.
    assert_eq!(
        from_slice::<String>(&hex("ff ff ff ff 0f")),
        Err(DecodeError::LengthTooLarge {
            offset: 0,
            len: 0xffff_ffff,
            remaining: 0
        })
    );
    assert_eq!(
        from_slice::<Vec<u64>>(&hex("ff ff ff ff ff ff ff ff ff 01 00")),
        Err(DecodeError::LengthTooLarge {
            offset: 0,
            len: u64::MAX,
            remaining: 1
        })
    );
    assert_eq!(
        from_slice::<BTreeMap<String, String>>(&hex("80 80 04 00")),
        Err(DecodeError::LengthTooLarge {
            offset: 0,
            len: 65536,
            remaining: 1
        })
    );
    // Zero-sized elements cannot make the decoder loop past the input either.
    assert_eq!(
        from_slice::<Vec<()>>(&hex("ff ff ff ff ff ff ff ff ff 01")),
        Err(DecodeError::LengthTooLarge {
            offset: 0,
            len: u64::MAX,
            remaining: 0
        })
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    enum Tree {
        Leaf,
        Node(Box<Tree>),
    }
    let mut input = vec![1u8; 100_000];
    input.push(0);
    match from_slice::<Tree>(&input) {
        Err(DecodeError::TooDeep { limit, offset }) => {
            assert_eq!(limit, MAX_DEPTH);
            assert_eq!(offset, MAX_DEPTH);
        }
        other => panic!("expected TooDeep, got {other:?}"),
    }
    // Within the limit it decodes.
    let mut shallow = vec![1u8; 50];
    shallow.push(0);
    assert!(from_slice::<Tree>(&shallow).is_ok());
}

#[test]
fn self_describing_requests_are_unsupported() {
    assert!(matches!(
        from_slice::<serde_json::Value>(&[0]),
        Err(DecodeError::Unsupported { offset: 0, .. })
    ));
    assert!(matches!(
        to_vec(&1u128),
        Err(EncodeError::Unsupported { offset: 0, .. })
    ));
}

#[test]
fn type_errors_carry_the_offset_where_decoding_stood() {
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Positive(#[serde(deserialize_with = "positive")] i8);
    fn positive<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i8, D::Error> {
        let value = i8::deserialize(d)?;
        if value > 0 {
            Ok(value)
        } else {
            Err(serde::de::Error::custom("not positive"))
        }
    }
    match from_slice::<(u8, u8, Positive)>(&hex("01 02 ff")) {
        Err(DecodeError::Invalid { offset, message }) => {
            assert_eq!(offset, 3);
            assert_eq!(message, "not positive");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn encoder_errors_leave_the_buffer_as_it_was() {
    struct Liar;
    impl Serialize for Liar {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeSeq;
            let mut seq = serializer.serialize_seq(Some(3))?;
            seq.serialize_element(&1u8)?;
            seq.end()
        }
    }
    let mut buffer = vec![0xaa];
    match barewire::encode_into(&(7u8, Liar), &mut buffer) {
        Err(EncodeError::LengthMismatch {
            offset,
            declared,
            actual,
        }) => assert_eq!((offset, declared, actual), (1, 3, 1)),
        other => panic!("expected LengthMismatch, got {other:?}"),
    }
    assert_eq!(buffer, [0xaa]);

    #[derive(Serialize)]
    struct Skips {
        #[serde(skip_serializing_if = "Option::is_none")]
        maybe: Option<u8>,
    }
    assert!(matches!(
        to_vec(&Skips { maybe: None }),
        Err(EncodeError::Unsupported { offset: 0, .. })
    ));
}

#[test]
fn sequences_of_unknown_length_get_their_count_inserted() {
    struct Evens(u16);
    impl Serialize for Evens {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq((0..self.0).filter(|n| n % 2 == 0))
        }
    }
    let known: Vec<u16> = (0..400).filter(|n| n % 2 == 0).collect();
    assert_eq!(
        to_vec(&(1u8, Evens(400))).unwrap(),
        to_vec(&(1u8, known)).unwrap()
    );
}

#[test]
fn writer_and_vec_agree() {
    let value = (Uint(300), "x", Some(-1i16));
    let mut written = Vec::new();
    barewire::to_writer(&mut written, &value).unwrap();
    assert_eq!(written, to_vec(&value).unwrap());
}

/// A value of (almost) every kind, with maps as pair lists so that the
/// canonical encoding is unique and decode ∘ encode is the identity on bytes.
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Composite {
    uint: Uint,
    int: Int,
    small: (u8, u16, i8, i16),
    wide: (u32, u64, i32, i64),
    float_bits: (u32, u64),
    flag: bool,
    text: String,
    bytes: serde_bytes::ByteBuf,
    fixed: [u8; 5],
    maybe: Option<Vec<Option<String>>>,
    pairs: Vec<(Uint, Int)>,
    department: Department,
}

fn composite() -> impl Strategy<Value = Composite> {
    let department = prop_oneof![
        Just(Department::Accounting),
        Just(Department::Administration),
        Just(Department::CustomerService),
        Just(Department::Development),
        Just(Department::Jsmith),
    ];
    (
        (any::<u64>(), any::<i64>()),
        any::<(u8, u16, i8, i16)>(),
        any::<(u32, u64, i32, i64)>(),
        any::<(u32, u64)>(),
        any::<bool>(),
        ".*",
        proptest::collection::vec(any::<u8>(), 0..40),
        any::<[u8; 5]>(),
        proptest::option::of(proptest::collection::vec(
            proptest::option::of(".{0,6}"),
            0..5,
        )),
        proptest::collection::vec((any::<u64>(), any::<i64>()), 0..5),
        department,
    )
        .prop_map(
            |(
                (uint, int),
                small,
                wide,
                float_bits,
                flag,
                text,
                bytes,
                fixed,
                maybe,
                pairs,
                department,
            )| Composite {
                uint: Uint(uint),
                int: Int(int),
                small,
                wide,
                float_bits,
                flag,
                text,
                bytes: serde_bytes::ByteBuf::from(bytes),
                fixed,
                maybe,
                pairs: pairs.into_iter().map(|(u, i)| (Uint(u), Int(i))).collect(),
                department,
            },
        )
}

proptest! {
    #[test]
    fn composites_round_trip(value in composite()) {
        let bytes = to_vec(&value).unwrap();
        prop_assert_eq!(from_slice::<Composite>(&bytes).unwrap(), value);
    }

    /// The decoder accepts only canonical encodings: whatever it accepts
    /// re-encodes to exactly the same bytes. Arbitrary bytes never panic.
    #[test]
    fn whatever_decodes_re_encodes_identically(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(value) = from_slice::<Composite>(&bytes) {
            prop_assert_eq!(to_vec(&value).unwrap(), bytes);
        }
    }

    /// Mutating one byte of a valid message either fails cleanly or decodes
    /// to something that re-encodes to the mutated bytes.
    #[test]
    fn mutated_messages_fail_cleanly_or_stay_canonical(
        value in composite(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut bytes = to_vec(&value).unwrap();
        let at = at.index(bytes.len());
        bytes[at] = byte;
        if let Ok(decoded) = from_slice::<Composite>(&bytes) {
            prop_assert_eq!(to_vec(&decoded).unwrap(), bytes);
        }
    }
}

/// The specification's example schema (`tests/crosscheck/spec_example.bare`).
mod spec_example {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Order {
        order_id: i64,
        quantity: i32,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Customer {
        name: String,
        email: String,
        address: [String; 4],
        orders: Vec<Order>,
        metadata: BTreeMap<String, serde_bytes::ByteBuf>,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Employee {
        name: String,
        email: String,
        address: [String; 4],
        department: Department,
        hire_date: String,
        public_key: Option<FixedData<128>>,
        metadata: BTreeMap<String, serde_bytes::ByteBuf>,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum Person {
        Customer(Customer),
        Employee(Employee),
        TerminatedEmployee,
    }

    fn address() -> [String; 4] {
        ["a", "b", "c", "d"].map(String::from)
    }

    #[test]
    fn example_messages_decode_to_their_values() {
        vector(Person::TerminatedEmployee, "02");
        vector(
            Person::Employee(Employee {
                name: "JS".into(),
                email: String::new(),
                address: address(),
                department: Department::Jsmith,
                hire_date: "2020".into(),
                public_key: None,
                metadata: BTreeMap::new(),
            }),
            "01  02 4a 53  00  01 61 01 62 01 63 01 64  63  04 32 30 32 30  00  00",
        );
        vector(
            Person::Customer(Customer {
                name: String::new(),
                email: "@".into(),
                address: address(),
                orders: vec![Order {
                    order_id: 1,
                    quantity: -1,
                }],
                metadata: BTreeMap::from([(
                    "k".to_owned(),
                    serde_bytes::ByteBuf::from(vec![0xff]),
                )]),
            }),
            "00  00  01 40  01 61 01 62 01 63 01 64  01 01 00 00 00 00 00 00 00 ff ff ff ff \
             01 01 6b 01 ff",
        );
        // An employee with a public key: 128 bytes, no length prefix.
        // tag, name, email, 4 address lines, department, hire date, key present.
        let mut with_key = hex("01 00 00 00 00 00 00 00 00 01");
        with_key.extend([7u8; 128]);
        with_key.push(0);
        match from_slice::<Person>(&with_key).unwrap() {
            Person::Employee(employee) => {
                assert_eq!(employee.department, Department::Accounting);
                assert_eq!(employee.public_key, Some(FixedData([7; 128])));
            }
            other => panic!("expected an employee, got {other:?}"),
        }
        // Department 4 is not declared (the values are 0-3 and 99).
        let mut bad_department = with_key.clone();
        bad_department[7] = 4;
        assert_eq!(
            from_slice::<Person>(&bad_department),
            Err(DecodeError::UnknownVariant {
                type_name: "Department",
                value: 4,
                offset: 7
            })
        );
    }
}
