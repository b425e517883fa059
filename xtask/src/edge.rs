//! The Conclave edge runtime tasks (issue 6): not built yet.

/// Entry point of `cargo xtask edge ...`.
pub(crate) fn main(_args: &[String]) -> anyhow::Result<()> {
    anyhow::bail!("the edge tasks are not built yet (issue 6)")
}
