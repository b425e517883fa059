//! Registered names: an actor addressed as `system/name`, from its own
//! system and from another over TCP, without its instance; the name
//! follows restarts, is freed when the actor stops for good, and a name
//! nobody holds is refused and counted.

#[path = "support/raw.rs"]
mod raw;
#[path = "support/behaviors.rs"]
mod support;

use std::net::SocketAddr;

use alloy_actors::{ActorId, ActorRef, ActorSpec};
use alloy_counter::{Count, Counter, CounterMsg};
use olivier_runtime::remote::RemoteOptions;
use olivier_runtime::{ActorSystem, AskError, DeadLetterReason, NameError, SystemEvent};
use support::{PATIENCE, within};

fn system(name: &str, listen: bool) -> ActorSystem {
    let builder = ActorSystem::builder()
        .name(name)
        .secret(raw::secret())
        .remote(RemoteOptions::default());
    let builder = if listen {
        builder.listen(SocketAddr::from(([127, 0, 0, 1], 0)))
    } else {
        builder
    };
    builder.build().expect("build a system")
}

async fn count_of(system: &ActorSystem, counter: &ActorRef<CounterMsg>) -> Result<i64, AskError> {
    system
        .ask(
            counter,
            |reply_to| CounterMsg::GetCount { reply_to },
            PATIENCE,
        )
        .await
        .map(|Count(count)| count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_actor_is_told_and_asked_by_name_here_and_from_another_system() {
    let shop = system("shop", true);
    let till = system("till", false);
    let counter = shop
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .expect("spawn");
    let named = shop.register("tally", &counter).expect("register");
    assert_eq!(named.id(), &ActorId::named("shop", "tally").expect("an id"));
    assert_eq!(shop.whereis("tally").as_ref(), Some(counter.id()));
    shop.tell(&named, CounterMsg::Increment)
        .expect("tell by name");
    within(
        "connect",
        till.connect(shop.listen_addr().expect("listening")),
    )
    .await
    .expect("connect");
    // Till knows only the system and the name.
    let there = till
        .lookup::<CounterMsg>("shop", "tally")
        .expect("a reference by name");
    till.tell(&there, CounterMsg::Increment)
        .expect("remote tell by name");
    assert_eq!(count_of(&till, &there).await, Ok(2));
    assert_eq!(count_of(&shop, &counter).await, Ok(2));
    within("the shutdown", till.shutdown()).await.expect("till");
    within("the shutdown", shop.shutdown()).await.expect("shop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_follows_restarts_and_is_freed_when_its_actor_stops() {
    let shop = system("names", false);
    let counter = shop
        .spawn(ActorSpec::new(Counter).name("counter"))
        .await
        .expect("spawn");
    let other = shop
        .spawn(ActorSpec::new(Counter).name("other"))
        .await
        .expect("spawn");
    let named = shop.register("tally", &counter).expect("register");
    assert_eq!(
        shop.register("tally", &other),
        Err(NameError::Taken {
            name: "tally".to_owned(),
            by: counter.id().clone()
        })
    );
    assert_eq!(
        shop.register("tally", &counter).map(|r| r.id().clone()),
        Ok(named.id().clone()),
        "registering again is no error"
    );
    assert!(matches!(
        shop.register("$ask", &counter),
        Err(NameError::InvalidName { .. })
    ));
    assert!(matches!(
        shop.lookup::<Count>("names", "tally"),
        Err(NameError::WrongMessageType { .. })
    ));
    assert_eq!(
        shop.lookup::<CounterMsg>("names", "nobody"),
        Err(NameError::NotRegistered {
            name: "nobody".to_owned()
        })
    );

    shop.stop(counter.id()).await.expect("stop");
    assert_eq!(shop.whereis("tally"), None, "freed with its actor");
    let mut letters = shop.dead_letters();
    assert!(shop.tell(&named, CounterMsg::Increment).is_err());
    let letter = within("the dead letter", letters.recv())
        .await
        .expect("a dead letter");
    assert_eq!(letter.reason, DeadLetterReason::UnknownActor);
    // Free again: another actor takes it, and the same address reaches it.
    shop.register("tally", &other).expect("register again");
    shop.tell(&named, CounterMsg::Increment).expect("tell");
    assert_eq!(count_of(&shop, &other).await, Ok(1));
    assert_eq!(shop.unregister("tally").as_ref(), Some(other.id()));
    assert_eq!(shop.whereis("tally"), None);
    within("the shutdown", shop.shutdown()).await.expect("shop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_held_across_a_restart_still_reaches_the_actor() {
    use alloy_actors::{ActorError, Behavior, Context, Effect, Message};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, Serialize, Deserialize)]
    enum Msg {
        Fail,
        Get { reply_to: ActorRef<Count> },
    }
    impl Message for Msg {
        const TYPE_NAME: &'static str = "tests.names.Msg";
    }
    struct Fragile;
    impl Behavior for Fragile {
        type State = i64;
        type Message = Msg;
        fn init(&self) -> i64 {
            7
        }
        fn receive(&self, _ctx: &Context<Msg>, n: i64, msg: Msg) -> Effect<i64> {
            match msg {
                Msg::Fail => Effect::from(n).escalate(ActorError::msg("told to fail")),
                Msg::Get { reply_to } => Effect::from(n).tell(&reply_to, Count(n)),
            }
        }
    }

    let shop = system("restarts", false);
    let fragile = shop
        .spawn(ActorSpec::new(Fragile).name("fragile"))
        .await
        .expect("spawn");
    let named = shop.register("svc", &fragile).expect("register");
    let mut events = shop.events();
    shop.tell(&named, Msg::Fail).expect("tell");
    within(
        "the restart",
        events.wait_for(
            |e| matches!(e, SystemEvent::Restarted { actor, .. } if actor == fragile.id()),
        ),
    )
    .await
    .expect("an event");
    let Count(n) = shop
        .ask(&named, |reply_to| Msg::Get { reply_to }, PATIENCE)
        .await
        .expect("ask by name after the restart");
    assert_eq!(n, 7);
    within("the shutdown", shop.shutdown()).await.expect("shop");
}
