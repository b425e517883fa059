//! One wrangler per test, with its own persistence folder and secret.

use std::time::Duration;

use tempfile::TempDir;
use tests_integration::workerd::{Wrangler, WranglerConfig};

/// The secret every test's wrangler gets.
pub(crate) const SECRET: &str = "conclave test secret";

/// How long an ask may take in these tests.
pub(crate) const ASK_TIMEOUT: Duration = Duration::from_secs(20);

/// A test's workerd: wrangler, the config to restart it, and its state folder.
pub(crate) struct Edge {
    wrangler: Option<Wrangler>,
    config: WranglerConfig,
    dir: TempDir,
}

impl Edge {
    /// Starts wrangler with a fresh state folder.
    pub(crate) fn start() -> anyhow::Result<Self> {
        let config = WranglerConfig::from_env()?;
        let dir = tempfile::Builder::new()
            .prefix("conclave-test-")
            .tempdir()?;
        let mut edge = Self {
            wrangler: None,
            config,
            dir,
        };
        edge.start_again()?;
        Ok(edge)
    }

    /// The port of the running wrangler.
    pub(crate) fn port(&self) -> u16 {
        self.wrangler.as_ref().map_or(0, Wrangler::port)
    }

    /// Stops wrangler; the state folder stays.
    pub(crate) fn stop(&mut self) -> anyhow::Result<()> {
        match self.wrangler.take() {
            Some(wrangler) => wrangler.stop(),
            None => Ok(()),
        }
    }

    /// Starts wrangler (again) on the same state folder.
    pub(crate) fn start_again(&mut self) -> anyhow::Result<()> {
        self.stop()?;
        let state = self.dir.path().join("state");
        self.wrangler = Some(Wrangler::start(&self.config, &state, SECRET)?);
        Ok(())
    }

    /// Stops wrangler and starts it again on the same state folder.
    pub(crate) fn restart(&mut self) -> anyhow::Result<()> {
        self.stop()?;
        self.start_again()
    }
}

/// How long a test waits for a state it polls for; generous, for a loaded machine.
pub(crate) const POLL_DEADLINE: Duration = Duration::from_secs(60);

/// The idle time after which local workerd evicts an object (about 10 s), with a margin.
pub(crate) const IDLE_FOR_EVICTION: Duration = Duration::from_secs(11);

/// `GET /actors/<actor>?token=...`: the actor's health, as JSON (the
/// token is signed for the actor, with no client).
pub(crate) fn health(port: u16, actor: &str) -> anyhow::Result<serde_json::Value> {
    let token = tests_integration::workerd::fresh(SECRET, actor, None);
    let answer = tests_integration::workerd::get(port, &format!("/actors/{actor}?token={token}"))?;
    anyhow::ensure!(
        answer.status == 200,
        "health of {actor}: {} {}",
        answer.status,
        answer.body
    );
    answer.json()
}

/// Polls `actor`'s health every 200 ms until `holds` is true for it, or
/// fails after [`POLL_DEADLINE`] with `what` and the last health.
pub(crate) async fn health_until(
    port: u16,
    actor: &str,
    what: &str,
    holds: impl Fn(&serde_json::Value) -> bool,
) -> anyhow::Result<serde_json::Value> {
    let deadline = std::time::Instant::now() + POLL_DEADLINE;
    loop {
        let health = health(port, actor)?;
        if holds(&health) {
            return Ok(health);
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "{what}: not within {POLL_DEADLINE:?}; last health {health}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Leaves `actor` idle until workerd has evicted it: each round waits
/// [`IDLE_FOR_EVICTION`] untouched, then looks at the health (which re-creates
/// the object) for an instance other than `instance`, until [`POLL_DEADLINE`]
/// times 2. Returns the health of the new instance.
pub(crate) async fn after_eviction(
    port: u16,
    actor: &str,
    instance: &serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let deadline = std::time::Instant::now() + 2 * POLL_DEADLINE;
    loop {
        tokio::time::sleep(IDLE_FOR_EVICTION).await;
        let health = health(port, actor)?;
        if &health["instance_started_ms"] != instance {
            return Ok(health);
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "{actor} was never evicted: {health}"
        );
    }
}
