//! Attacks on a running `olivier` node from another process: a peer that
//! knows the secret floods it with refused frames and never reads the
//! answers, and strangers announce 4 MiB frames. The node keeps serving
//! (a client still asks its counter), its resident memory stays bounded,
//! and it stops cleanly.

#[path = "support/process.rs"]
#[allow(dead_code)]
mod process;

use std::net::SocketAddr;

use alloy_actors::Channel;
use barewire::{Envelope, Kind};
use olivier_runtime::remote::{
    HELLO_TYPE, Hello, PROOF_TYPE, Proof, REMOTE_PROTOCOL, Role, Secret, TcpChannel, proof,
};
use process::{Node, PATIENCE, SECRET, ok};
use tokio::io::AsyncWriteExt;

/// Resident memory of process `pid`, in bytes.
fn resident(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("its status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .expect("VmRSS");
    kib * 1024
}

fn system_frame(system: &str, message_type: &str, payload: &[u8]) -> Vec<u8> {
    let source = format!("{system}#0");
    Envelope::new(Kind::System, &source, "", message_type, payload).to_vec()
}

async fn within<T>(what: &str, work: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(PATIENCE, work).await {
        Ok(value) => value,
        Err(_) => panic!("timed out waiting for {what}"),
    }
}

/// Connects to `addr` as `name` and proves it knows the secret.
async fn authenticated(addr: SocketAddr, name: &str) -> TcpChannel {
    let secret = Secret::new(SECRET).expect("the secret");
    let mut channel = within("connect", TcpChannel::connect(addr, 4096))
        .await
        .expect("connect");
    let ours = Hello {
        protocol: REMOTE_PROTOCOL,
        system: name.to_owned(),
        max_frame_len: 1 << 20,
        nonce: [9; 32],
        link: 1,
    };
    let hello = barewire::to_vec(&ours).expect("encode");
    channel
        .send(system_frame(name, HELLO_TYPE, &hello))
        .await
        .expect("hello");
    let frame = within("the node's hello", channel.receive())
        .await
        .expect("a frame")
        .expect("the node's hello");
    let theirs: Hello =
        barewire::from_slice(Envelope::decode(&frame).expect("an envelope").payload)
            .expect("a hello");
    let mac = proof(&secret, Role::Connecting, &ours, &theirs);
    let payload = barewire::to_vec(&Proof { mac }).expect("encode");
    channel
        .send(system_frame(name, PROOF_TYPE, &payload))
        .await
        .expect("proof");
    let frame = within("the node's proof", channel.receive())
        .await
        .expect("a frame")
        .expect("the node's proof");
    assert_eq!(
        Envelope::decode(&frame).expect("an envelope").message_type,
        PROOF_TYPE
    );
    channel.set_max_frame_len(1 << 20);
    channel
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooded_node_keeps_serving_with_bounded_memory() {
    let node = Node::start(&[
        "--name",
        "shop",
        "--listen",
        "tcp://127.0.0.1:0",
        "--host",
        "counter=tally",
    ]);
    let endpoint = node.endpoint("tcp://");
    let addr: SocketAddr = endpoint
        .trim_start_matches("tcp://")
        .parse()
        .expect("an address");
    let before = resident(node.pid());

    // 4 000 refused tells of 256 KiB each (a gigabyte), never reading
    // the refusals: kept whole, in the refusals or in the dead letters'
    // backlog, they would take hundreds of megabytes.
    let mut flood = authenticated(addr, "flood").await;
    let payload = vec![0xab; 256 << 10];
    let junk = Envelope::new(
        Kind::Tell,
        "flood#0",
        "shop/nobody#1",
        "flood.Junk",
        &payload,
    )
    .to_vec();
    within("the flood", async {
        for _ in 0..4_000 {
            flood
                .send(junk.clone())
                .await
                .expect("the node keeps reading");
        }
    })
    .await;

    // Strangers announcing 4 MiB frames before any handshake.
    for _ in 0..50 {
        let mut stranger = within("connect", tokio::net::TcpStream::connect(addr))
            .await
            .expect("connect");
        let header = ((4u32 << 20) + 64).to_le_bytes();
        let _ = stranger.write_all(&header).await;
        let _ = stranger.write_all(&[b'n'; 4096]).await;
    }

    // The node still answers a client, from another process.
    let node_endpoint = endpoint.clone();
    let answer = tokio::task::spawn_blocking(move || {
        ok(&["ask", "--node", &node_endpoint, "shop/tally", "get"])
    })
    .await
    .expect("the client");
    assert_eq!(answer, "0");
    let grown = resident(node.pid()).saturating_sub(before);
    assert!(
        grown < 128 << 20,
        "the node's resident memory grew by {grown} bytes"
    );
    drop(flood);
    let (status, stderr) = tokio::task::spawn_blocking(move || node.stop())
        .await
        .expect("the stop");
    assert!(status.success(), "the node stopped with {status}: {stderr}");
}
