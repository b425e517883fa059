//! Why barewire does not build on serde_bare 0.5: the same inputs, side by
//! side. Each case shows serde_bare accepting (or writing) what the BARE
//! specification forbids, and barewire refusing it. If a serde_bare release
//! fixes one, its case fails here and the crate docs should be revisited.
//! (serde_bare also cannot borrow: its `from_slice` requires
//! `T: DeserializeOwned`, so `&str` and `&[u8]` fields do not compile.)

use barewire::{BareEnum, DecodeError, Uint};

#[derive(BareEnum, Debug, Clone, Copy, PartialEq)]
enum Color {
    Red = 0,
    Blue = 5,
}

#[test]
fn bool_bytes_other_than_0_and_1() {
    assert_eq!(serde_bare::from_slice::<bool>(&[2]).ok(), Some(true));
    assert_eq!(
        barewire::from_slice::<bool>(&[2]),
        Err(DecodeError::InvalidBool { offset: 0, byte: 2 })
    );
}

#[test]
fn overlong_varints() {
    let zero_overlong = [0x80, 0x00];
    assert_eq!(
        serde_bare::from_slice::<serde_bare::Uint>(&zero_overlong)
            .ok()
            .map(|v| v.0),
        Some(0)
    );
    assert_eq!(
        barewire::from_slice::<Uint>(&zero_overlong),
        Err(DecodeError::NonCanonicalVarint { offset: 0 })
    );
}

#[test]
fn trailing_bytes() {
    assert_eq!(serde_bare::from_slice::<u8>(&[1, 2]).ok(), Some(1));
    assert_eq!(
        barewire::from_slice::<u8>(&[1, 2]),
        Err(DecodeError::TrailingBytes {
            offset: 1,
            count: 1
        })
    );
}

#[test]
fn explicit_enum_values_need_the_derive_in_either_format() {
    // Not a difference, checked so the crate docs stay honest: serde hands
    // every format a variant index, so neither crate sees a plain enum's
    // discriminants (both write 1 for `Blue = 5`), and the `BareEnum` derive
    // makes both write the declared value.
    #[derive(serde::Serialize)]
    enum SerdeColor {
        #[allow(dead_code)]
        Red = 0,
        Blue = 5,
    }
    assert_eq!(serde_bare::to_vec(&SerdeColor::Blue).unwrap(), [1]);
    assert_eq!(barewire::to_vec(&SerdeColor::Blue).unwrap(), [1]);
    assert_eq!(serde_bare::to_vec(&Color::Blue).unwrap(), [5]);
    assert_eq!(barewire::to_vec(&Color::Blue).unwrap(), [5]);
}
