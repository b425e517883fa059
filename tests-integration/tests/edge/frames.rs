//! Malformed and misdirected frames get an `ERROR` back; the object keeps working.

use alloy_counter::{Count, CounterMsg};
use alloy_reminder::ReminderMsg;
use barewire::Kind;
use conclave_runtime::wire::ErrorCode;
use tests_integration::workerd::{self, ActorClient, fresh_as};

use super::support::{ASK_TIMEOUT, Edge, SECRET};

#[tokio::test]
async fn bad_frames_are_answered_with_errors_and_the_actor_keeps_counting() -> anyhow::Result<()> {
    let edge = Edge::start()?;
    let actor = "COUNTER/sturdy";
    let mut client = ActorClient::open(
        edge.port(),
        actor,
        "sturdy",
        &fresh_as(SECRET, actor, "sturdy"),
    )
    .await?;
    client.tell(&CounterMsg::Increment).await?;

    // A whole frame whose body has the right version byte, then bytes
    // that are no envelope.
    client
        .send_raw(vec![7, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
        .await?;
    let (_, body) = client.next_error(ASK_TIMEOUT).await?;
    assert_eq!(body.code, ErrorCode::MalformedFrame, "{body:?}");

    client.send_text("hello").await?;
    let (_, body) = client.next_error(ASK_TIMEOUT).await?;
    assert_eq!(body.code, ErrorCode::MalformedFrame, "{body:?}");

    // An envelope without its frame header (what Conclave spoke before it
    // spoke barewire's framing).
    let unframed = client
        .envelope(Kind::Tell, &CounterMsg::Increment)?
        .as_envelope()
        .to_vec();
    client.send_raw(unframed).await?;
    let (_, body) = client.next_error(ASK_TIMEOUT).await?;
    assert_eq!(body.code, ErrorCode::MalformedFrame, "{body:?}");

    let mut truncated = workerd::frame(&client.envelope(Kind::Tell, &CounterMsg::Increment)?)?;
    truncated.pop();
    client.send_raw(truncated).await?;
    let (_, body) = client.next_error(ASK_TIMEOUT).await?;
    assert_eq!(body.code, ErrorCode::MalformedFrame, "{body:?}");

    let mut wrong_type = client.envelope(Kind::Ask, &ReminderMsg::Fail)?;
    let correlation = client.correlation();
    wrong_type.correlation = Some(correlation);
    client.send(&wrong_type).await?;
    let (answer, body) = client.next_error(ASK_TIMEOUT).await?;
    assert_eq!(body.code, ErrorCode::WrongMessageType, "{body:?}");
    assert_eq!(
        answer.correlation,
        Some(correlation),
        "the error answers its ask"
    );

    let mut bad_payload = client.envelope(Kind::Tell, &CounterMsg::Increment)?;
    bad_payload.payload = vec![0x7f, 0x7f, 0x7f];
    client.send(&bad_payload).await?;
    let (_, body) = client.next_error(ASK_TIMEOUT).await?;
    assert_eq!(body.code, ErrorCode::MalformedPayload, "{body:?}");

    let mut future = workerd::frame(&client.envelope(Kind::Tell, &CounterMsg::Increment)?)?;
    future[4] = 99; // the envelope's version, after the 4-byte length
    client.send_raw(future).await?;
    let (_, body) = client.next_error(ASK_TIMEOUT).await?;
    assert_eq!(body.code, ErrorCode::UnsupportedVersion, "{body:?}");

    // The socket was opened as client/sturdy#0: it cannot speak as another client.
    let mut spoofed = client.envelope(Kind::Ask, &CounterMsg::Increment)?;
    spoofed.source = "client/victim#0".into();
    let correlation = client.correlation();
    spoofed.correlation = Some(correlation);
    client.send(&spoofed).await?;
    let (answer, body) = client.next_error(ASK_TIMEOUT).await?;
    assert_eq!(body.code, ErrorCode::WrongSource, "{body:?}");
    assert_eq!(answer.correlation, Some(correlation));

    let reply = client.envelope(Kind::Reply, &CounterMsg::Increment)?;
    client.send(&reply).await?;
    let (_, body) = client.next_error(ASK_TIMEOUT).await?;
    assert_eq!(body.code, ErrorCode::UnexpectedKind, "{body:?}");

    // None of the refused frames changed the count.
    client.tell(&CounterMsg::Increment).await?;
    let get_count = CounterMsg::GetCount {
        reply_to: client.me(),
    };
    let count: Count = client.ask(&get_count, ASK_TIMEOUT).await?;
    assert_eq!(count, Count(2));
    Ok(())
}
