//! Two Olivier systems talking over the remote transport (BAREWire frames
//! on TCP).
//!
//! ```sh
//! cargo run -p olivier-runtime --example remote                      # both systems in this process
//! cargo run -p olivier-runtime --example remote -- serve 127.0.0.1:7070
//! cargo run -p olivier-runtime --example remote -- connect 127.0.0.1:7070 shop/counter#1
//! ```
//!
//! Both sides prove they know the cluster's secret, read from
//! `ALLOY_SECRET` (at least 16 bytes; this example falls back to a fixed
//! one, which a real deployment must not).

use std::net::SocketAddr;
use std::time::Duration;

use alloy_actors::{ActorRef, ActorSpec};
use alloy_counter::{Count, Counter, CounterMsg};
use anyhow::Context as _;
use olivier_runtime::ActorSystem;
use olivier_runtime::remote::Secret;

/// The shared secret: `ALLOY_SECRET`, or the example's own.
fn secret() -> anyhow::Result<Secret> {
    let text =
        std::env::var("ALLOY_SECRET").unwrap_or_else(|_| "the remote example's secret".to_owned());
    Ok(Secret::new(text)?)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => both().await,
        ["serve", addr] => serve(addr.parse()?).await,
        ["connect", addr, counter] => {
            let counter = ActorRef::new(counter.parse().context("a counter id")?);
            connect(addr.parse()?, counter).await
        }
        _ => anyhow::bail!("usage: remote [serve <addr> | connect <addr> <counter id>]"),
    }
}

/// The shop: a counter, reachable from other systems.
async fn shop(addr: SocketAddr) -> anyhow::Result<(ActorSystem, ActorRef<CounterMsg>)> {
    let shop = ActorSystem::builder()
        .name("shop")
        .secret(secret()?)
        .listen(addr)
        .build()?;
    let counter = shop.spawn(ActorSpec::new(Counter).name("counter")).await?;
    Ok((shop, counter))
}

/// The till: increments the shop's counter and asks for the count.
async fn till(addr: SocketAddr, counter: &ActorRef<CounterMsg>) -> anyhow::Result<()> {
    let till = ActorSystem::builder()
        .name("till")
        .secret(secret()?)
        .build()?;
    let peer = till.connect(addr).await?;
    println!("till connected to `{peer}` at {addr}");
    for _ in 0..3 {
        till.tell(counter, CounterMsg::Increment)?;
    }
    let Count(count) = till
        .ask(
            counter,
            |reply_to| CounterMsg::GetCount { reply_to },
            Duration::from_secs(5),
        )
        .await?;
    println!("till asked {} over TCP: count = {count}", counter.id());
    till.shutdown().await?;
    Ok(())
}

async fn both() -> anyhow::Result<()> {
    let (shop, counter) = shop(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = shop.listen_addr().context("the shop listens")?;
    println!("shop listens on {addr}; its counter is {}", counter.id());
    till(addr, &counter).await?;
    shop.shutdown().await?;
    Ok(())
}

async fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    let (shop, counter) = shop(addr).await?;
    let addr = shop.listen_addr().context("the shop listens")?;
    println!("shop listens on {addr}; its counter is {}", counter.id());
    println!(
        "run: cargo run -p olivier-runtime --example remote -- connect {addr} {}",
        counter.id()
    );
    shop.terminated().await?;
    Ok(())
}

async fn connect(addr: SocketAddr, counter: ActorRef<CounterMsg>) -> anyhow::Result<()> {
    till(addr, &counter).await
}
