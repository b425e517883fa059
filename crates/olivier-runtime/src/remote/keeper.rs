//! Connections a system keeps: it reconnects to the endpoint whenever the
//! link is lost (or cannot be opened), with an exponential, jittered
//! backoff, until the system ends.

use std::sync::Weak;
use std::time::Duration;

use super::connection;
use super::endpoint::Endpoint;
use super::events::PeerEvent;
use super::hub;
use super::{ConnectError, ConnectionError};
use crate::kernel::SystemInner;

/// Keeps `system` connected to `endpoint`.
pub(crate) async fn keep(system: Weak<SystemInner>, endpoint: Endpoint) {
    let Some(inner) = system.upgrade() else {
        return;
    };
    let (first, most) = {
        let options = hub::of(&inner).options;
        (
            options.reconnect_min,
            options.reconnect_max.max(options.reconnect_min),
        )
    };
    let mut exit = inner.exit_watch();
    drop(inner);
    let mut delay = first;
    let mut attempt = 0u32;
    // The system at the endpoint, once known.
    let mut known: Option<String> = None;
    loop {
        let Some(inner) = system.upgrade() else {
            return;
        };
        if exit.borrow().is_some() {
            return;
        }
        let remote = hub::of(&inner);
        // Connected already (the peer may have connected to us): that link.
        let live = known.as_deref().and_then(|name| remote.route(name).ok());
        let link = match live {
            Some(peer) => Ok(peer),
            None => match connection::connect(&inner, &endpoint).await {
                Ok(name) => {
                    let route = remote.route(&name);
                    known = Some(name);
                    route.map_err(|error| error.to_string())
                }
                Err(ConnectError::ShutDown) => return,
                // The peer's system holds a live link with us already (it
                // connected first): that link is the one to keep.
                Err(ConnectError::Handshake {
                    error: ConnectionError::NameTaken { system },
                    ..
                }) if remote.route(&system).is_ok() => {
                    let route = remote.route(&system);
                    known = Some(system);
                    route.map_err(|error| error.to_string())
                }
                Err(error) => Err(error.to_string()),
            },
        };
        match link {
            Ok(peer) => {
                drop(inner);
                attempt = 0;
                let up = tokio::time::Instant::now();
                tokio::select! {
                    _ = peer.closed() => {}
                    _ = exit.wait_for(Option::is_some) => return,
                }
                // A link that stayed up a while starts the backoff afresh;
                // one that flaps keeps it growing. Either way, a pause first.
                delay = if up.elapsed() >= most {
                    first
                } else {
                    delay.saturating_mul(2).min(most)
                };
                tokio::select! {
                    () = tokio::time::sleep(jittered(first)) => {}
                    _ = exit.wait_for(Option::is_some) => return,
                }
            }
            Err(detail) => {
                attempt = attempt.saturating_add(1);
                let wait = jittered(delay);
                tracing::debug!(target: "olivier::remote", %endpoint, attempt, ?wait, %detail, "reconnecting");
                remote.events.emit(PeerEvent::Reconnecting {
                    endpoint: endpoint.clone(),
                    attempt,
                    after: wait,
                    detail,
                });
                drop(inner);
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    _ = exit.wait_for(Option::is_some) => return,
                }
                delay = delay.saturating_mul(2).min(most);
            }
        }
    }
}

/// `delay` less up to a fifth, at random, so peers that lost each other
/// together do not retry in step.
fn jittered(delay: Duration) -> Duration {
    let fifth = delay / 5;
    let nanos = u64::try_from(fifth.as_nanos()).unwrap_or(u64::MAX).max(1);
    delay.saturating_sub(Duration::from_nanos(
        crate::random::unguessable_u64() % nanos,
    ))
}
