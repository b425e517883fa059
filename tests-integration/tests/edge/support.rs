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
