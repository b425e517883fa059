//! What an actor may do: the one check of alloy-actors, applied where
//! Olivier applies it, and the capabilities' stored and header form.
//!
//! Every outcome of a handler or of `PreStart` is checked before its side
//! effects are performed or its state stored (as Olivier's `settle` does);
//! a refused side effect is the actor's failure ([`allowed`]). The effects
//! of the other lifecycle hooks (`PreRestart`, `PostStop`, `PostRestart`),
//! whose outcomes Conclave does not treat as failures, are dropped and
//! logged when refused, as Olivier does for cleanup hooks.

use alloy_actors::runtime::Failure;
use alloy_actors::{ActorError, ActorId, Capabilities, Capability, SideEffect};

/// What a root actor's object grants by default: the local defaults
/// (spawn, schedule) and [`Capability::Remote`], since clients reach root
/// objects by construction and a tell to a client (`client/...`) is a send
/// to another system.
pub(crate) const ROOT: Capabilities = Capabilities::none()
    .with(Capability::Spawn)
    .with(Capability::Schedule)
    .with(Capability::Remote);

/// Checks `effects` of actor `id` against `granted` with
/// [`Capabilities::check`], the test kit's and Olivier's check.
///
/// # Errors
///
/// The failure a refused side effect is: an escalation naming the missing
/// capability.
pub(crate) fn allowed(
    granted: Capabilities,
    id: &ActorId,
    effects: &[SideEffect],
) -> Result<(), Failure> {
    granted
        .check(id, effects)
        .map_err(|denied| Failure::Escalated(ActorError::new(denied)))
}

/// The capabilities as a header value and stored string: their names,
/// comma-separated (`spawn,schedule`); none is the empty string.
pub(crate) fn encode(granted: Capabilities) -> String {
    granted
        .iter()
        .map(|capability| capability.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads what [`encode`] wrote; a name this build does not know grants nothing.
pub(crate) fn decode(names: &str) -> Capabilities {
    names
        .split(',')
        .filter_map(|name| {
            Capability::ALL
                .into_iter()
                .find(|capability| capability.to_string() == name.trim())
        })
        .collect()
}

#[cfg(test)]
mod tests;
