//! `cargo xtask wasm`: build the target-agnostic crates for wasm32.

use crate::{setup, shell};

/// The crates that must build for `wasm32-unknown-unknown` as well as native.
pub(crate) const WASM_CRATES: &[&str] = &[
    "alloy-actors",
    "barewire",
    "alloy-counter",
    "alloy-reminder",
    "alloy-team",
];

/// Builds every crate in [`WASM_CRATES`] for wasm32, adding the target first if needed.
pub(crate) fn run() -> anyhow::Result<()> {
    setup::wasm_target()?;
    shell::step("wasm32: build alloy-actors, barewire and the behaviors");
    let mut command = shell::cargo();
    command.args(["build", "--target", setup::WASM_TARGET]);
    for krate in WASM_CRATES {
        command.args(["--package", krate]);
    }
    shell::run(&mut command)
}
