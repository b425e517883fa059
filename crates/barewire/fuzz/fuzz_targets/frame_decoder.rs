//! Fuzzes the incremental frame decoder: the input's first bytes choose the
//! maximum frame size and how the rest is split into reads; whatever the
//! split, the frames (or the error) are those of reading it in one piece,
//! and no frame exceeds the maximum.
#![no_main]

use barewire::frame::FrameDecoder;
use libfuzzer_sys::fuzz_target;

/// Frames until the first error, and whether there was one.
fn frames(decoder: &mut FrameDecoder, into: &mut Vec<Vec<u8>>) -> bool {
    loop {
        match decoder.next_frame() {
            Ok(Some(frame)) => into.push(frame.to_vec()),
            Ok(None) => return false,
            Err(_) => return true,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&[max, split], stream)) = data.split_first_chunk::<2>() else {
        return;
    };
    let max = usize::from(max) * 4;

    let mut whole = FrameDecoder::with_max_frame_len(max);
    whole.push(stream);
    let mut expected = Vec::new();
    let whole_failed = frames(&mut whole, &mut expected);

    let mut pieces = FrameDecoder::with_max_frame_len(max);
    let mut got = Vec::new();
    let mut failed = false;
    let step = usize::from(split % 16) + 1;
    for chunk in stream.chunks(step) {
        pieces.push(chunk);
        if frames(&mut pieces, &mut got) {
            failed = true;
            break;
        }
    }
    assert_eq!(got, expected);
    assert_eq!(failed, whole_failed);
    assert!(got.iter().all(|frame| frame.len() <= max));
    if !failed {
        assert_eq!(pieces.finish().is_ok(), whole.finish().is_ok());
    }
});
