//! One wrangler per test, with its own persistence folder and secret.

use tempfile::TempDir;
use tests_integration::workerd::{Wrangler, WranglerConfig};

/// The secret every test's wrangler gets.
pub(crate) const SECRET: &str = "conclave test secret";

/// A test's workerd: wrangler, the config to restart it, and its state folder.
pub(crate) struct Edge {
    pub(crate) wrangler: Option<Wrangler>,
    pub(crate) config: WranglerConfig,
    pub(crate) dir: TempDir,
}

impl Edge {
    /// Starts wrangler with a fresh state folder.
    pub(crate) fn start() -> anyhow::Result<Self> {
        let config = WranglerConfig::from_env()?;
        let dir = tempfile::Builder::new()
            .prefix("conclave-test-")
            .tempdir()?;
        let wrangler = Wrangler::start(&config, &dir.path().join("state"), SECRET)?;
        Ok(Self {
            wrangler: Some(wrangler),
            config,
            dir,
        })
    }

    /// The port of the running wrangler.
    pub(crate) fn port(&self) -> u16 {
        self.wrangler.as_ref().map_or(0, Wrangler::port)
    }

    /// Stops wrangler and starts it again on the same state folder.
    pub(crate) fn restart(&mut self) -> anyhow::Result<()> {
        if let Some(wrangler) = self.wrangler.take() {
            wrangler.stop()?;
        }
        self.wrangler = Some(Wrangler::start(
            &self.config,
            &self.dir.path().join("state"),
            SECRET,
        )?);
        Ok(())
    }
}
