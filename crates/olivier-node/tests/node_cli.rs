//! The `olivier` binary across OS processes: a node (B) hosting a counter
//! named `tally`, and short-lived clients (A) that tell, ask and list it by
//! name over TCP, a Unix socket and WebSocket; a wrong secret, a missing
//! one, unknown names and commands fail with a readable error and a
//! non-zero exit; the node stops cleanly when its standard input closes.

#[path = "support/process.rs"]
mod process;

use process::{Node, SECRET, ok, olivier, scratch, unix};

/// Tells `tally` twice and asks it, over `endpoint`.
fn told_twice_then_asked(endpoint: &str) {
    ok(&["tell", "--node", endpoint, "shop/tally", "increment"]);
    ok(&["tell", "--node", endpoint, "shop/tally", "increment"]);
    assert_eq!(ok(&["ask", "--node", endpoint, "shop/tally", "get"]), "2");
    // NAME alone is the node's own.
    assert_eq!(ok(&["ask", "--node", endpoint, "tally", "get"]), "2");
}

#[test]
fn a_counter_on_a_node_is_told_and_asked_by_name_over_tcp() {
    let node = Node::start(&[
        "--name",
        "shop",
        "--listen",
        "tcp://127.0.0.1:0",
        "--host",
        "counter=tally",
    ]);
    told_twice_then_asked(&node.endpoint("tcp://"));
    let (status, stderr) = node.stop();
    assert!(status.success(), "the node stopped with {status}: {stderr}");
}

#[test]
fn a_counter_on_a_node_is_told_and_asked_by_name_over_a_unix_socket() {
    let folder = scratch("unix");
    let socket = folder.join("shop.sock");
    let node = Node::start(&[
        "--name",
        "shop",
        "--listen",
        &unix(&socket),
        "--host",
        "counter=tally",
    ]);
    assert_eq!(node.endpoint("unix:"), unix(&socket));
    told_twice_then_asked(&unix(&socket));
    let (status, stderr) = node.stop();
    assert!(status.success(), "the node stopped with {status}: {stderr}");
    assert!(
        !socket.exists(),
        "the socket file is removed when the node ends"
    );
    let _ = std::fs::remove_dir_all(folder);
}

#[test]
fn a_counter_on_a_node_is_told_and_asked_by_name_over_websocket() {
    let node = Node::start(&[
        "--name",
        "shop",
        "--listen",
        "ws://127.0.0.1:0",
        "--host",
        "counter=tally",
    ]);
    told_twice_then_asked(&node.endpoint("ws://"));
}

#[test]
fn ls_lists_the_hosted_names_and_the_directory() {
    let node = Node::start(&[
        "--name",
        "shop",
        "--listen",
        "tcp://127.0.0.1:0",
        "--host",
        "counter=tally",
        "--host",
        "reminder=bell",
    ]);
    assert!(
        node.lines.contains(&"hosting tally counter".to_owned()),
        "{:?}",
        node.lines
    );
    let listing = ok(&["ls", "--node", &node.endpoint("tcp://")]);
    assert_eq!(
        listing,
        "bell\treminder\ndirectory\tdirectory\ntally\tcounter"
    );
    // The reminder answers by name too.
    let answer = ok(&[
        "ask",
        "--node",
        &node.endpoint("tcp://"),
        "shop/bell",
        "remind",
        "50",
        "tea",
    ]);
    assert_eq!(answer, "tea (fired 1)");
}

#[test]
fn a_wrong_or_missing_secret_fails_with_a_readable_error() {
    let node = Node::start(&[
        "--name",
        "shop",
        "--listen",
        "tcp://127.0.0.1:0",
        "--host",
        "counter=tally",
    ]);
    let endpoint = node.endpoint("tcp://");
    let wrong = olivier(
        &["ask", "--node", &endpoint, "shop/tally", "get"],
        Some("not the cluster's secret"),
    );
    assert_eq!(wrong.status.code(), Some(1), "{wrong:?}");
    assert!(wrong.stdout.is_empty(), "{wrong:?}");
    assert!(
        wrong.stderr.contains("could not reach the node")
            && wrong.stderr.contains("authentication"),
        "{wrong:?}"
    );
    let missing = olivier(&["ls", "--node", &endpoint], None);
    assert_eq!(missing.status.code(), Some(1), "{missing:?}");
    assert!(
        missing.stderr.contains("no secret: set ALLOY_SECRET"),
        "{missing:?}"
    );
    let short = olivier(&["ls", "--node", &endpoint], Some("short"));
    assert!(short.stderr.contains("at least 16 bytes"), "{short:?}");
    // The right secret from a file works; the node was not hurt.
    let folder = scratch("secret");
    let file = folder.join("secret");
    std::fs::write(&file, format!("{SECRET}\n")).expect("write the secret file");
    let from_file = olivier(
        &[
            "ask",
            "--node",
            &endpoint,
            "--secret-file",
            &file.display().to_string(),
            "shop/tally",
            "get",
        ],
        None,
    );
    assert!(from_file.status.success(), "{from_file:?}");
    assert_eq!(from_file.stdout.trim(), "0");
    let _ = std::fs::remove_dir_all(folder);
}

#[test]
fn unknown_names_and_commands_fail_and_say_why() {
    let node = Node::start(&[
        "--name",
        "shop",
        "--listen",
        "tcp://127.0.0.1:0",
        "--host",
        "counter=tally",
    ]);
    let endpoint = node.endpoint("tcp://");
    let nobody = olivier(
        &["tell", "--node", &endpoint, "shop/nobody", "increment"],
        Some(SECRET),
    );
    assert_eq!(nobody.status.code(), Some(1), "{nobody:?}");
    assert!(
        nobody
            .stderr
            .contains("node `shop` has no actor named `nobody` (it has: directory, tally)"),
        "{nobody:?}"
    );
    let verb = olivier(
        &["tell", "--node", &endpoint, "tally", "multiply"],
        Some(SECRET),
    );
    assert_eq!(verb.status.code(), Some(1), "{verb:?}");
    assert!(
        verb.stderr.contains("a counter has no command `multiply`"),
        "{verb:?}"
    );
    let no_answer = olivier(
        &["ask", "--node", &endpoint, "tally", "increment"],
        Some(SECRET),
    );
    assert!(
        no_answer.stderr.contains("use `olivier tell`"),
        "{no_answer:?}"
    );
    let elsewhere = olivier(
        &["ask", "--node", &endpoint, "bank/tally", "get"],
        Some(SECRET),
    );
    assert!(
        elsewhere.stderr.contains("which is `shop`"),
        "{elsewhere:?}"
    );
    // None of it reached the counter.
    assert_eq!(ok(&["ask", "--node", &endpoint, "tally", "get"]), "0");
    // Nothing listens there: a readable error, not a hang.
    let (status, _) = node.stop();
    assert!(status.success());
    let gone = olivier(
        &["ls", "--node", &endpoint, "--timeout", "2s"],
        Some(SECRET),
    );
    assert_eq!(gone.status.code(), Some(1), "{gone:?}");
    assert!(gone.stderr.contains("could not reach the node"), "{gone:?}");
}

#[test]
fn a_node_connects_to_another_and_bad_options_are_refused() {
    let shop = Node::start(&[
        "--name",
        "shop",
        "--listen",
        "tcp://127.0.0.1:0",
        "--host",
        "counter=tally",
    ]);
    let till = Node::start(&[
        "--name",
        "till",
        "--connect",
        &shop.endpoint("tcp://"),
        "--metrics",
        "127.0.0.1:0",
    ]);
    let connected = format!("connected shop {}", shop.endpoint("tcp://"));
    assert!(till.lines.contains(&connected), "{:?}", till.lines);
    assert!(
        till.lines
            .iter()
            .any(|l| l.starts_with("metrics http://127.0.0.1:")),
        "{:?}",
        till.lines
    );
    // A node without --listen listens on TCP, on a port of its own.
    assert!(till.endpoint("tcp://127.0.0.1:").len() > "tcp://127.0.0.1:".len());

    let kind = olivier(&["node", "--name", "x", "--host", "abacus=a"], Some(SECRET));
    assert_eq!(kind.status.code(), Some(2), "{kind:?}");
    assert!(
        kind.stderr.contains("no behavior kind `abacus`"),
        "{kind:?}"
    );
    let endpoint = olivier(
        &["node", "--name", "x", "--listen", "http://127.0.0.1:1"],
        Some(SECRET),
    );
    assert_eq!(endpoint.status.code(), Some(2), "{endpoint:?}");
    let taken = olivier(
        &["node", "--name", "x", "--listen", &shop.endpoint("tcp://")],
        Some(SECRET),
    );
    assert_eq!(taken.status.code(), Some(1), "{taken:?}");
    assert!(taken.stderr.contains("the node did not start"), "{taken:?}");
}

#[cfg(unix)]
#[test]
fn a_node_stops_cleanly_on_sigterm() {
    let node = Node::start(&["--name", "shop", "--host", "counter=tally"]);
    let (status, stderr) = node.terminate();
    assert!(status.success(), "{status}: {stderr}");
    assert!(
        stderr.contains("node `shop` stopping (SIGTERM)"),
        "{stderr}"
    );
}
