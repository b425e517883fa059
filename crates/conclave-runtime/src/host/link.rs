//! The link socket: how a supervisor watches its children.
//!
//! A child's object opens one WebSocket to its parent's object (a stub
//! `fetch` with `Upgrade: websocket` and the [`LINK_HEADER`]); the parent
//! accepts it with the hibernation API, tagged with the child's address, so
//! the parent can still hibernate while its children are linked. A child
//! whose behavior fails (its error policy escalates) closes its link with
//! [`FAILURE_CODE`] and the failure as the reason; the parent's
//! `webSocketClose` turns that into the child's exit for its
//! `SupervisorCore`. A link that closes abnormally (the child's object went
//! away: reset, crashed, evicted) counts as a failure too; a close with
//! [`STOPPED_CODE`] is a child that stopped normally on its own (its
//! supervisor restarts it if it is permanent); 1000 says nothing.
//!
//! The child holds the client side, which cannot hibernate: a linked child
//! stays resident. A child that cannot link (its parent's class is unknown)
//! reports failures with a `SYSTEM ChildFailed` envelope instead.

use alloy_actors::Behavior;
use worker::{Env, Headers, Method, Request, RequestInit, WebSocket};

use super::ActorHost;
use super::store::Introduction;
use crate::gateway::{ACTOR_HEADER, LINK_HEADER};
use crate::wire;

/// The tag every link socket carries on the parent's side.
pub(crate) const LINK_TAG: &str = "conclave.link";

/// The attachment of a link a newer one from the same child replaced: its
/// close says nothing about the child.
pub(crate) const REPLACED: &str = "replaced";

/// The close code of a link whose child failed (an application code).
pub(crate) const FAILURE_CODE: u16 = 4000;

/// The close code of a link whose child stopped normally, on its own
/// (an application code that is not a failure).
pub(crate) const STOPPED_CODE: u16 = 4001;

/// The longest close reason a WebSocket carries, in bytes.
const MAX_REASON_BYTES: usize = 123;

/// The tag naming the child on the parent's side of its link.
pub(crate) fn child_tag(child: &str) -> String {
    format!("{LINK_TAG}:{child}")
}

/// The child a link socket's tag names, if it is a link's tag.
pub(crate) fn child_of_tag(tag: &str) -> Option<&str> {
    tag.strip_prefix(LINK_TAG)?.strip_prefix(':')
}

/// The child's side of its link, in the child's object.
#[derive(Debug, Default)]
pub(crate) enum Link {
    /// Not open yet (or closed to report a failure): open it at the next event.
    #[default]
    Unopened,
    /// Being opened by another event of this object.
    Opening,
    /// Open: a failure closes it.
    Open(WebSocket),
    /// This actor has no parent to link to.
    Unneeded,
}

/// How a child exited, as its parent reads it from the link's close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LinkExit {
    /// A normal close: the runtime moved the child's object, or its
    /// supervisor stopped it; nothing to decide.
    Normal,
    /// The child stopped normally on its own, with this reason.
    Stopped(String),
    /// The child failed, or its object went away.
    Failed(String),
}

/// Reads a link's close: 1000 is a stop; 1001 (going away) and 1012
/// (service restart) are the runtime moving or updating the child's object,
/// which keeps its state and links again at its next event, so neither is
/// a failure (a deploy must not restart every child); an application code
/// (4000-4999) is a failure with its reason; anything else is the child's
/// object ending abnormally, a failure.
pub(crate) fn exit_of(child: &str, code: usize, reason: &str) -> LinkExit {
    match code {
        1000 | 1001 | 1012 => LinkExit::Normal,
        code if code == usize::from(STOPPED_CODE) => LinkExit::Stopped(reason.to_owned()),
        code if is_failure_code(code) => LinkExit::Failed(reason.to_owned()),
        other => LinkExit::Failed(format!(
            "the link to {child} closed abnormally (code {other}{}{reason})",
            if reason.is_empty() { "" } else { ": " }
        )),
    }
}

/// Whether a close code is an application code (4000-4999) other than
/// [`STOPPED_CODE`]: a failure a child reported.
pub(crate) fn is_failure_code(code: usize) -> bool {
    (4000..=4999).contains(&code) && code != usize::from(STOPPED_CODE)
}

/// `error`, cut to the longest close reason a WebSocket carries, on a
/// character boundary.
pub(crate) fn close_reason(error: &str) -> &str {
    if error.len() <= MAX_REASON_BYTES {
        return error;
    }
    let mut end = MAX_REASON_BYTES;
    while !error.is_char_boundary(end) {
        end -= 1;
    }
    &error[..end]
}

/// Opens `child`'s link to its parent's object, `parent_path` in `parent_class`.
///
/// # Errors
///
/// When the stub cannot be reached or does not answer with a socket.
pub(crate) async fn open(
    env: &Env,
    parent_class: &str,
    parent_path: &str,
    child: &str,
) -> worker::Result<WebSocket> {
    let stub = env
        .durable_object(parent_class)?
        .id_from_name(parent_path)?
        .get_stub()?;
    let headers = Headers::new();
    headers.set("upgrade", "websocket")?;
    headers.set(ACTOR_HEADER, parent_path)?;
    headers.set(LINK_HEADER, child)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let request = Request::new_with_init("https://conclave.internal/link", &init)?;
    let response = stub.fetch_with_request(request).await?;
    let status = response.status_code();
    let socket = response.websocket().ok_or_else(|| {
        worker::Error::RustError(format!(
            "{parent_path} answered {child}'s link with {status}, not a socket"
        ))
    })?;
    socket.accept()?;
    Ok(socket)
}

impl<B: Behavior> ActorHost<B>
where
    B::State: Sync,
{
    /// Accepts `child`'s link on the parent's side, hibernatable and tagged.
    ///
    /// A child has one link: a new one replaces what is left of the old,
    /// whose object was re-created without closing it (evicted, or its Wasm
    /// instance reinitialized). That is not a failure: the child's state is
    /// stored, and a crash mid-message cannot be told apart from an eviction.
    pub(super) fn accept_link(&self, child: &str, server: &WebSocket) {
        let tag = child_tag(child);
        for old in self.state.get_websockets_with_tag(&tag) {
            worker::console_log!("link of {child} replaced: its object was re-created");
            let _ = old.serialize_attachment(REPLACED);
            let _ = old.close(Some(1000), Some("replaced by a new link"));
        }
        self.state
            .accept_websocket_with_tags(server, &[LINK_TAG, &tag]);
    }

    /// (link sockets held, distinct children linked).
    pub(super) fn links(&self) -> (usize, usize) {
        let sockets = self.state.get_websockets_with_tag(LINK_TAG);
        let children: std::collections::BTreeSet<String> = sockets
            .iter()
            .flat_map(|socket| self.state.get_tags(socket))
            .filter(|tag| child_of_tag(tag).is_some())
            .collect();
        (sockets.len(), children.len())
    }

    /// Opens this actor's link to its parent, if it has a parent, runs, and
    /// has no link yet. A link that cannot open is logged; failures are then
    /// reported with `SYSTEM ChildFailed` envelopes.
    pub(super) async fn ensure_link(&self) {
        if !matches!(*self.link.borrow(), Link::Unopened) {
            return;
        }
        let target = {
            let actor = self.actor.borrow();
            let Some(loaded) = actor.as_ref() else {
                return;
            };
            if loaded.stopped().is_some() {
                return;
            }
            match loaded.parent_object() {
                Some(parent) => (parent, loaded.id.to_string()),
                None => {
                    *self.link.borrow_mut() = Link::Unneeded;
                    return;
                }
            }
        };
        let ((class, path), me) = target;
        // Other events may run while the link opens: they see it opening.
        *self.link.borrow_mut() = Link::Opening;
        let opened = open(&self.env, &class, &path, &me).await;
        let stopped = self
            .actor
            .borrow()
            .as_ref()
            .is_some_and(|loaded| loaded.stopped().is_some());
        let next = match opened {
            Ok(socket) if stopped => {
                let _ = socket.close(Some(1000), Some("stopped"));
                Link::Unopened
            }
            Ok(socket) => Link::Open(socket),
            // Tried again at the next event: a transient failure must not
            // leave the child unwatched for the object's lifetime (its
            // failures still reach the parent as `SYSTEM ChildFailed`).
            Err(error) => {
                worker::console_warn!("{me}: no link to {path} yet: {error}");
                Link::Unopened
            }
        };
        let mut link = self.link.borrow_mut();
        // A failure reported meanwhile (without the link) reset it: keep that.
        if matches!(*link, Link::Opening) {
            *link = next;
        } else if let Link::Open(socket) = next {
            let _ = socket.close(Some(1000), Some("superseded"));
        }
    }

    /// A child's link closed: its exit goes to the supervisor core.
    pub(super) async fn link_closed(
        &self,
        child: &str,
        code: usize,
        reason: &str,
    ) -> worker::Result<()> {
        if let Err(error) = self.ensure_loaded(&Introduction::default()).await {
            worker::console_error!("link of {child} closed, but the actor did not load: {error}");
            return Ok(());
        }
        match exit_of(child, code, reason) {
            LinkExit::Normal => Ok(()),
            LinkExit::Stopped(reason) => {
                let me = self.address();
                let stopped = wire::SystemMsg::ChildStopped {
                    child: child.to_owned(),
                    reason,
                };
                self.internal(wire::system(child, &me, &stopped)).await
            }
            LinkExit::Failed(error) => {
                let me = self.address();
                let failed = wire::SystemMsg::ChildFailed {
                    child: child.to_owned(),
                    error,
                };
                self.internal(wire::system(child, &me, &failed)).await
            }
        }
    }
}

#[cfg(test)]
mod tests;
