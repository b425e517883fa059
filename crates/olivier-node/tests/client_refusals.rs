//! The client library in process: when the directory lists a name the node
//! does not hold (it stopped, say), the node's refusal of a tell reaches
//! the client as a typed error rather than a silent success, and an ask
//! fails at once rather than at its timeout.

use std::time::{Duration, Instant};

use alloy_actors::ActorSpec;
use olivier_node::client::{Client, ClientError};
use olivier_node::commands::CommandError;
use olivier_node::directory::{DIRECTORY, Directory, Entry};
use olivier_runtime::remote::{Endpoint, Secret};
use olivier_runtime::{ActorSystem, AskError, DeadLetterReason};

const PATIENCE: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_the_directory_lists_but_the_node_lacks_is_refused_and_reported() {
    let secret = Secret::new("the client refusal test's secret").expect("a secret");
    let shop = ActorSystem::builder()
        .name("shop")
        .secret(secret.clone())
        .listen_on(Endpoint::Tcp(([127, 0, 0, 1], 0).into()))
        .build()
        .expect("a node");
    let ghost = Entry {
        name: "ghost".to_owned(),
        kind: "counter".to_owned(),
    };
    let directory = shop
        .spawn(ActorSpec::new(Directory::new([ghost])).name(DIRECTORY))
        .await
        .expect("the directory");
    shop.register(DIRECTORY, &directory).expect("registered");
    let endpoint = shop.listen_endpoints().remove(0);

    let client = Client::connect(secret, &endpoint, PATIENCE)
        .await
        .expect("connected");
    assert_eq!(client.node(), "shop");
    let told = client.tell("shop/ghost", &["increment".to_owned()]).await;
    assert!(
        matches!(
            told,
            Err(ClientError::Refused {
                reason: DeadLetterReason::RefusedByPeer { .. },
                ..
            })
        ),
        "{told:?}"
    );
    let started = Instant::now();
    let asked = client.ask("ghost", &["get".to_owned()]).await;
    assert!(
        matches!(
            &asked,
            Err(ClientError::Command(CommandError::Ask { source, .. }))
                if matches!(**source, AskError::RefusedByPeer { .. })
        ),
        "{asked:?}"
    );
    assert!(started.elapsed() < PATIENCE / 2, "the ask failed at once");
    client.close().await;
    shop.shutdown().await.expect("shut down");
}
