//! Framing: partial reads, several frames per read, the maximum frame size,
//! truncated streams, and the tokio codec over a real async stream.

use barewire::frame::{FrameDecoder, encode_envelope_frame, encode_frame};
use barewire::{Envelope, FrameError, Kind};
use proptest::prelude::*;

fn stream_of(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut stream = Vec::new();
    for frame in frames {
        encode_frame(frame, &mut stream).unwrap();
    }
    stream
}

fn drain(decoder: &mut FrameDecoder, into: &mut Vec<Vec<u8>>) -> Result<(), FrameError> {
    while let Some(frame) = decoder.next_frame()? {
        into.push(frame.to_vec());
    }
    Ok(())
}

#[test]
fn the_length_prefix_is_four_bytes_little_endian() {
    let mut out = Vec::new();
    encode_frame(&[9; 258], &mut out).unwrap();
    assert_eq!(out[..4], [2, 1, 0, 0]);
    assert_eq!(out.len(), 262);
}

#[test]
fn several_frames_in_one_read() {
    let frames = vec![b"one".to_vec(), Vec::new(), b"three".to_vec()];
    let mut decoder = FrameDecoder::new();
    decoder.push(&stream_of(&frames));
    let mut got = Vec::new();
    drain(&mut decoder, &mut got).unwrap();
    assert_eq!(got, frames);
    assert_eq!(decoder.buffered_len(), 0);
    decoder.finish().unwrap();
}

#[test]
fn oversized_headers_fail_before_any_body_arrives() {
    let mut decoder = FrameDecoder::with_max_frame_len(10);
    let mut stream = stream_of(&[b"fine".to_vec()]);
    stream.extend(11u32.to_le_bytes());
    decoder.push(&stream);
    assert_eq!(decoder.next_frame().unwrap(), Some(&b"fine"[..]));
    match decoder.next_frame() {
        Err(FrameError::TooLarge { offset, len, max }) => {
            assert_eq!((offset, len, max), (8, 11, 10))
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    // The stream cannot be resynchronised: the error sticks.
    decoder.push(&[0; 11]);
    assert!(matches!(
        decoder.next_frame(),
        Err(FrameError::TooLarge { .. })
    ));
    assert!(matches!(decoder.finish(), Err(FrameError::TooLarge { .. })));
}

#[test]
fn a_stream_ending_inside_a_frame_is_truncated() {
    let stream = stream_of(&[b"abc".to_vec(), b"defgh".to_vec()]);
    let mut decoder = FrameDecoder::new();
    decoder.push(&stream[..stream.len() - 2]);
    let mut got = Vec::new();
    drain(&mut decoder, &mut got).unwrap();
    assert_eq!(got, [b"abc".to_vec()]);
    match decoder.finish() {
        Err(FrameError::Truncated {
            offset,
            needed,
            available,
        }) => assert_eq!((offset, needed, available), (7, 9, 7)),
        other => panic!("expected Truncated, got {other:?}"),
    }
    let mut header_only = FrameDecoder::new();
    header_only.push(&[1, 0]);
    assert!(matches!(
        header_only.finish(),
        Err(FrameError::Truncated {
            offset: 0,
            needed: 4,
            available: 2
        })
    ));
}

#[test]
fn envelope_frames_carry_envelopes() {
    let envelope = Envelope::new(Kind::Reply, "a", "b", "Done", b"\x01\x02");
    let mut stream = Vec::new();
    encode_envelope_frame(&envelope, &mut stream).unwrap();
    encode_envelope_frame(&envelope, &mut stream).unwrap();
    let mut decoder = FrameDecoder::new();
    decoder.push(&stream);
    for _ in 0..2 {
        let frame = decoder.next_frame().unwrap().unwrap();
        assert_eq!(Envelope::decode(frame).unwrap(), envelope);
    }
}

proptest! {
    /// Whatever the read sizes, the frames come out whole and in order.
    #[test]
    fn any_split_of_the_stream_yields_the_same_frames(
        frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..50), 0..10),
        cuts in proptest::collection::vec(1usize..20, 1..40),
    ) {
        let stream = stream_of(&frames);
        let mut decoder = FrameDecoder::new();
        let mut got = Vec::new();
        let mut at = 0;
        for cut in cuts.iter().cycle() {
            if at >= stream.len() {
                break;
            }
            let end = (at + cut).min(stream.len());
            decoder.push(&stream[at..end]);
            drain(&mut decoder, &mut got).unwrap();
            at = end;
        }
        prop_assert_eq!(got, frames);
        prop_assert!(decoder.finish().is_ok());
    }

    /// Arbitrary bytes never panic; every frame returned respects the limit.
    #[test]
    fn arbitrary_streams_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut decoder = FrameDecoder::with_max_frame_len(64);
        decoder.push(&bytes);
        while let Ok(Some(frame)) = decoder.next_frame() {
            prop_assert!(frame.len() <= 64);
        }
    }
}

#[cfg(feature = "tokio-codec")]
mod tokio_codec {
    use super::*;
    use barewire::frame::FrameCodec;
    use bytes::{Bytes, BytesMut};
    use futures_util::{SinkExt, StreamExt};
    use tokio::io::AsyncWriteExt;
    use tokio_util::codec::{Decoder, Encoder, FramedRead, FramedWrite};

    #[tokio::test]
    async fn frames_cross_an_async_stream_in_small_pieces() {
        let (client, server) = tokio::io::duplex(7); // tiny buffer: partial reads
        let writer = tokio::spawn(async move {
            let mut sink = FramedWrite::new(client, FrameCodec::new());
            for i in 0..20u8 {
                let payload = vec![i; usize::from(i) * 3];
                let envelope = Envelope::new(Kind::Tell, "src", "dst", "Bytes", &payload);
                sink.send(&envelope).await.unwrap();
            }
            sink.send(Bytes::from_static(b"raw")).await.unwrap();
            SinkExt::<Bytes>::close(&mut sink).await.unwrap();
        });
        let mut frames = FramedRead::new(server, FrameCodec::new());
        for i in 0..20u8 {
            let frame = frames.next().await.unwrap().unwrap();
            let envelope = Envelope::decode(&frame).unwrap();
            assert_eq!(envelope.payload, vec![i; usize::from(i) * 3]);
        }
        assert_eq!(&frames.next().await.unwrap().unwrap()[..], b"raw");
        assert!(frames.next().await.is_none());
        writer.await.unwrap();
    }

    #[tokio::test]
    async fn a_stream_ending_mid_frame_is_an_error() {
        let (mut client, server) = tokio::io::duplex(64);
        client.write_all(&[5, 0, 0, 0, b'a']).await.unwrap();
        drop(client);
        let mut frames = FramedRead::new(server, FrameCodec::new());
        match frames.next().await {
            Some(Err(FrameError::Truncated {
                offset,
                needed,
                available,
            })) => assert_eq!((offset, needed, available), (0, 9, 5)),
            other => panic!("expected Truncated, got {other:?}"),
        }
    }

    #[test]
    fn oversized_frames_are_refused_both_ways() {
        let mut codec = FrameCodec::with_max_frame_len(4);
        let mut wire = BytesMut::from(&[0xff, 0xff, 0xff, 0xff, 0][..]);
        assert!(matches!(
            codec.decode(&mut wire),
            Err(FrameError::TooLarge {
                offset: 0,
                len: 0xffff_ffff,
                max: 4
            })
        ));
        assert!(
            wire.capacity() < 1024,
            "nothing reserved for the claimed frame"
        );
        assert!(matches!(
            codec.encode(&b"12345"[..], &mut BytesMut::new()),
            Err(FrameError::PayloadTooLarge { len: 5, max: 4 })
        ));
    }
}
