//! Durable state as the recovery point: a durable actor that fails is
//! restarted from its last committed state, not from a fresh `init`, and
//! that state is what a new process finds on disk. A fresh state is written
//! only when asked for: the behavior's own restart, or `RestartWith`.

#[path = "support/child.rs"]
mod child;
#[path = "support/behaviors.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy_actors::{
    ActorError, ActorRef, ActorSpec, ActorState, Behavior, Capabilities, Capability, Context,
    Effect, ErrorPolicy, Message, SupervisionStrategy,
};
use olivier_runtime::{ActorSystem, Events, Persistence, StateStore, SystemEvent};
use serde::{Deserialize, Serialize};
use support::{PATIENCE, within};

/// The test that fails the account in one process and reads it in
/// another; its child processes run it too, as [`recovery_child`].
const RECOVERED: &str = "a_failed_durable_actor_keeps_its_last_committed_state";
/// Set in the child process: the folder of the store.
const CHILD_DIR: &str = "OLIVIER_RECOVERY_CHILD_DIR";

/// A bank account: deposits, a balance, and ways to fail.
struct Account;

#[derive(Debug, Clone, Serialize, Deserialize)]
enum AccountMsg {
    Deposit(i64),
    Balance {
        reply_to: ActorRef<Balance>,
    },
    /// Escalate a failure, after setting the balance to this (the handler's
    /// failed state, which must not become the recovery point).
    Fail(i64),
    /// Panic in the handler.
    Panic,
    /// Ask for a restart: the explicit reset.
    Reset,
}

impl Message for AccountMsg {
    const TYPE_NAME: &'static str = "tests.recovery.AccountMsg";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Balance(i64);

impl Message for Balance {
    const TYPE_NAME: &'static str = "tests.recovery.Balance";
}

impl Behavior for Account {
    type State = i64;
    type Message = AccountMsg;

    fn init(&self) -> i64 {
        0
    }

    fn receive(&self, _ctx: &Context<AccountMsg>, balance: i64, msg: AccountMsg) -> Effect<i64> {
        match msg {
            AccountMsg::Deposit(amount) => Effect::from(balance + amount),
            AccountMsg::Balance { reply_to } => {
                Effect::from(balance).tell(&reply_to, Balance(balance))
            }
            AccountMsg::Fail(garbage) => {
                Effect::from(garbage).escalate(ActorError::msg("the ledger is inconsistent"))
            }
            AccountMsg::Panic => panic!("the account panicked"),
            AccountMsg::Reset => Effect::from(balance).restart(),
        }
    }
}

fn fresh_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("olivier-recovery-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the test folder");
    dir
}

fn bank(store: &StateStore) -> ActorSystem {
    ActorSystem::builder()
        .name("bank")
        .default_supervision(SupervisionStrategy::one_for_one(
            10,
            Duration::from_secs(60),
        ))
        .persistence(Persistence::durable(store.clone()).actor("bank/alice"))
        .build()
        .expect("build the system")
}

fn account(policy: ErrorPolicy<i64>) -> ActorSpec<Account> {
    ActorSpec::new(Account)
        .name("alice")
        .capabilities(Capabilities::default().with(Capability::Persist))
        .error_policy(policy)
}

async fn balance(system: &ActorSystem, account: &ActorRef<AccountMsg>) -> i64 {
    system
        .ask(
            account,
            |reply_to| AccountMsg::Balance { reply_to },
            PATIENCE,
        )
        .await
        .expect("ask the balance")
        .0
}

async fn restarted(events: &mut Events, account: &ActorRef<AccountMsg>) {
    let waited = tokio::time::timeout(
        PATIENCE,
        events.wait_for(
            |event| matches!(event, SystemEvent::Restarted { actor, .. } if actor == account.id()),
        ),
    )
    .await;
    assert!(
        matches!(waited, Ok(Some(_))),
        "the account was not restarted"
    );
}

/// Set in the child process: what it does (`fail` or `read`).
const CHILD_MODE: &str = "OLIVIER_RECOVERY_CHILD_MODE";

/// The child process's part. `fail`: brings the account to 100, fails it
/// once by an escalation and once by a panic, and prints the balance after
/// each restart and the one on disk. `read`: rehydrates the account and
/// prints its balance. Either way the process then ends abruptly, with no
/// shutdown.
async fn recovery_child() {
    let dir = std::env::var(CHILD_DIR).expect("run by its parent test, with the store's folder");
    let mode = std::env::var(CHILD_MODE).expect("run by its parent test, with a mode");
    let store = StateStore::open(Path::new(&dir).join("state.redb")).expect("open the store");
    let system = bank(&store);
    let alice = within("the spawn", system.spawn(account(ErrorPolicy::Escalate)))
        .await
        .expect("spawn the account");
    match mode.as_str() {
        "fail" => {
            for _ in 0..4 {
                system
                    .tell(&alice, AccountMsg::Deposit(25))
                    .expect("deposit");
            }
            println!("balance-before={}", balance(&system, &alice).await);
            // An escalation: the supervisor restarts the account.
            let mut events = system.events();
            system.tell(&alice, AccountMsg::Fail(-7)).expect("tell");
            restarted(&mut events, &alice).await;
            println!(
                "balance-after-escalation={}",
                balance(&system, &alice).await
            );
            // A panic: the same.
            system.tell(&alice, AccountMsg::Panic).expect("tell");
            restarted(&mut events, &alice).await;
            println!("balance-after-panic={}", balance(&system, &alice).await);
            let mut stored = store.state::<i64>("bank/alice");
            let on_disk = within("the load", stored.load()).await.expect("load");
            println!("balance-on-disk={}", on_disk.unwrap_or(i64::MIN));
        }
        "read" => println!("balance-rehydrated={}", balance(&system, &alice).await),
        other => panic!("unknown mode {other}"),
    }
    std::io::Write::flush(&mut std::io::stdout()).expect("flush stdout");
    std::process::exit(0);
}

/// Runs this test as a child process in `mode`; what it printed.
async fn child(dir: &Path, mode: &str) -> String {
    let output = child::output(
        child::command(RECOVERED)
            .env(CHILD_DIR, dir)
            .env(CHILD_MODE, mode),
        PATIENCE,
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the child failed: {:?}\nstdout: {stdout}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The value the child printed as `name=`.
fn printed(stdout: &str, name: &str) -> i64 {
    let key = format!("{name}=");
    stdout
        .lines()
        .find_map(|line| line.split_once(key.as_str()).map(|(_, rest)| rest))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("the child printed no `{name}`: {stdout}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_durable_actor_keeps_its_last_committed_state() {
    if child::is_child(RECOVERED) {
        return recovery_child().await;
    }
    let dir = fresh_dir("failure");
    let failed = child(&dir, "fail").await;
    assert_eq!(printed(&failed, "balance-before"), 100);
    // Not init's 0, nor the failed handler's -7: the last committed 100.
    assert_eq!(printed(&failed, "balance-after-escalation"), 100);
    assert_eq!(printed(&failed, "balance-after-panic"), 100);
    assert_eq!(printed(&failed, "balance-on-disk"), 100);
    // And a new process finds 100 on disk.
    let read = child(&dir, "read").await;
    assert_eq!(printed(&read, "balance-rehydrated"), 100);
    std::fs::remove_dir_all(&dir).expect("remove the test folder");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_state_is_written_only_when_asked_for() {
    let dir = fresh_dir("reset");
    let store = StateStore::open(dir.join("state.redb")).expect("open the store");
    let system = bank(&store);
    let mut stored = store.state::<i64>("bank/alice");

    // The behavior's own restart is the explicit reset: init's 0 is committed.
    let alice = system
        .spawn(account(ErrorPolicy::Escalate))
        .await
        .expect("spawn the account");
    system
        .tell(&alice, AccountMsg::Deposit(100))
        .expect("deposit");
    assert_eq!(balance(&system, &alice).await, 100);
    let mut events = system.events();
    system.tell(&alice, AccountMsg::Reset).expect("tell");
    restarted(&mut events, &alice).await;
    assert_eq!(balance(&system, &alice).await, 0);
    assert_eq!(stored.load().await.expect("load"), Some(0));
    within("the stop", system.stop(alice.id()))
        .await
        .expect("stop");

    // `RestartWith(s)` installs and commits `s`.
    let alice = system
        .spawn(account(ErrorPolicy::RestartWith(42)))
        .await
        .expect("spawn the account again");
    system
        .tell(&alice, AccountMsg::Deposit(100))
        .expect("deposit");
    assert_eq!(balance(&system, &alice).await, 100);
    system.tell(&alice, AccountMsg::Fail(-7)).expect("tell");
    restarted(&mut events, &alice).await;
    assert_eq!(balance(&system, &alice).await, 42);
    assert_eq!(stored.load().await.expect("load"), Some(42));

    within("the shutdown", system.shutdown())
        .await
        .expect("shutdown");
    drop((system, stored, store));
    std::fs::remove_dir_all(&dir).expect("remove the test folder");
}
