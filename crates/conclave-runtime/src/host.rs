//! One actor's Durable Object, generic over its behavior.
//!
//! [`ActorHost`] owns the actor's [`BehaviorCell`] and speaks for it: it
//! accepts hibernatable sockets, decodes each binary message as one
//! [`OwnedEnvelope`], runs the behavior, stores the new state and timer queue in
//! one storage transaction, and only then sends what the effects asked for.
//! State is loaded lazily, on the first event after construction (after
//! hibernation or eviction the object is constructed again).
//!
//! Where a [`SideEffect::Tell`](alloy_actors::SideEffect::Tell) goes:
//! - to the sender of the message being handled: back on its socket, as a
//!   `REPLY` carrying the ask's correlation id (or a `TELL` for a tell);
//! - to a client address other sockets were opened with (`?client=`): on those sockets;
//! - to another actor (`<CLASS>/<name>#0`): to its object, through the stub (`fetch`, see docs/conclave.md);
//! - otherwise: a dead letter, logged.
//!
//! A child's object links to its parent's with a WebSocket (`host/link.rs`): the
//! child reports a failure by closing it, and the parent supervises.

mod asks;
mod capabilities;
mod children;
mod effects;
mod handling;
mod link;
mod loaded;
mod outbox;
mod store;
mod supervise;

use std::cell::RefCell;
use std::sync::Arc;

use alloy_actors::runtime::BehaviorCell;
use alloy_actors::{ActorId, Behavior, Capabilities, ErrorPolicy, Message, SupervisionStrategy};
use worker::{Env, Method, Request, Response, State, WebSocket, WebSocketIncomingMessage};

use crate::gateway::{
    ACTOR_HEADER, CAPABILITIES_HEADER, CLASS_HEADER, CLIENT_HEADER, LINK_HEADER,
    PARENT_CLASS_HEADER, PARENT_HEADER,
};
use crate::health::ActorHealth;
use crate::wire::{self, ErrorCode, Kind, OwnedEnvelope};

use self::handling::HandlingMark;
use self::link::Link;
use self::loaded::Loaded;
use self::outbox::Outbox;
use self::store::Introduction;

/// The Durable Object side of one actor with behavior `B`.
///
/// A worker crate declares one object class per behavior with
/// [`actor_object!`](crate::actor_object), which forwards every event here.
pub struct ActorHost<B: Behavior> {
    state: State,
    env: Env,
    behavior: Arc<B>,
    started_ms: u64,
    strategy: SupervisionStrategy,
    root_capabilities: Capabilities,
    ask_timeout_ms: u64,
    actor: RefCell<Option<Loaded<B>>>,
    /// This actor's link to its parent (see `link`).
    link: RefCell<Link>,
}

impl<B: Behavior> std::fmt::Debug for ActorHost<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActorHost")
            .field("behavior", &std::any::type_name::<B>())
            .field("started_ms", &self.started_ms)
            .field("loaded", &self.actor.borrow().is_some())
            .finish_non_exhaustive()
    }
}

impl<B: Behavior> ActorHost<B>
where
    B::State: Sync,
{
    /// The host for a freshly constructed object; nothing is loaded yet.
    pub fn new(state: State, env: Env, behavior: B) -> Self {
        let ask_timeout_ms = ask_timeout_ms(&env);
        Self {
            state,
            env,
            behavior: Arc::new(behavior),
            started_ms: now_ms(),
            strategy: SupervisionStrategy::default(),
            root_capabilities: Self::ROOT_CAPABILITIES,
            ask_timeout_ms,
            actor: RefCell::new(None),
            link: RefCell::new(Link::default()),
        }
    }

    /// Supervises this actor's children with `strategy` (one-for-one, at most
    /// 3 restarts in 5 s, by default).
    #[must_use]
    pub fn with_supervision(mut self, strategy: SupervisionStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// What a root actor of this class may do unless
    /// [`with_capabilities`](Self::with_capabilities) says otherwise: spawn,
    /// schedule and [`Capability::Remote`](alloy_actors::Capability::Remote).
    /// Clients reach root objects by construction, and on Conclave a tell to
    /// a client (`client/...`) is a send to another system, which needs
    /// `Remote` (an answer to an ask's `$ask` reply address needs none). A
    /// child has what its spec grants ([`Capabilities::default`] unless the
    /// spec says otherwise).
    pub const ROOT_CAPABILITIES: Capabilities = capabilities::ROOT;

    /// Grants `granted` to this class's root actors instead of
    /// [`ROOT_CAPABILITIES`](Self::ROOT_CAPABILITIES); children keep their
    /// spec's. Every outcome's side effects are checked with
    /// [`Capabilities::check`], as on Olivier and in the test kit, and a
    /// refused one fails the actor.
    ///
    /// ```text
    /// conclave_runtime::actor_object!(Counter hosts Counter = Counter, supervising with
    ///     SupervisionStrategy::default(), granting Capabilities::default());
    /// ```
    #[must_use]
    pub fn with_capabilities(mut self, granted: Capabilities) -> Self {
        self.root_capabilities = granted;
        self
    }

    /// Handles a request: a socket upgrade or health from the gateway, or a
    /// `POST` of one envelope from another actor's object.
    ///
    /// # Errors
    ///
    /// When storage or the WebSocket pair fails.
    pub async fn fetch(&self, mut request: Request) -> worker::Result<Response> {
        let headers = request.headers();
        let intro = Introduction {
            identity: headers.get(ACTOR_HEADER)?,
            parent: headers.get(PARENT_HEADER)?,
            class: headers.get(CLASS_HEADER)?,
            parent_class: headers.get(PARENT_CLASS_HEADER)?,
            capabilities: headers.get(CAPABILITIES_HEADER)?,
        };
        if let Err(error) = self.ensure_loaded(&intro).await {
            return Response::error(error.to_string(), 500);
        }
        if request.method() == Method::Post {
            let frame = request.bytes().await?;
            return match wire::decode_frame(&frame) {
                Ok(envelope) => {
                    self.ensure_link().await;
                    self.internal(envelope).await?;
                    Response::empty()
                }
                Err(error) => Response::error(error.to_string(), 400),
            };
        }
        let upgrade = request.headers().get("upgrade")?;
        if upgrade.is_some_and(|value| value.eq_ignore_ascii_case("websocket")) {
            let pair = worker::WebSocketPair::new()?;
            // A child's link (only objects send this header; the gateway never forwards it).
            if let Some(child) = request.headers().get(LINK_HEADER)? {
                self.accept_link(&child, &pair.server);
                return Response::from_websocket(pair.client);
            }
            match request.headers().get(CLIENT_HEADER)? {
                Some(client) => self
                    .state
                    .accept_websocket_with_tags(&pair.server, &[&client]),
                None => self.state.accept_web_socket(&pair.server),
            }
            return Response::from_websocket(pair.client);
        }
        let (link_sockets, linked_children) = self.links();
        let health = {
            let actor = self.actor.borrow();
            let loaded = actor.as_ref();
            ActorHealth {
                status: "ok",
                actor: loaded.map(|l| l.name().to_owned()).unwrap_or_default(),
                instance_started_ms: self.started_ms,
                sockets: self
                    .state
                    .get_websockets()
                    .len()
                    .saturating_sub(link_sockets),
                links: linked_children,
                handled: loaded.map_or(0, |l| l.handled),
                pending_timers: loaded.map_or(0, |l| l.timers.len()),
                stopped: loaded.and_then(|l| l.stopped().map(str::to_owned)),
                children: loaded.map_or(0, Loaded::child_count),
                recent_restarts: loaded.map_or(0, |l| l.recent_restarts(now_ms())),
                timers_refused: loaded.map_or(0, |l| l.refusals.timers),
                asks_refused: loaded.map_or(0, |l| l.refusals.asks),
                restarts: loaded.map_or(0, |l| l.record.restarts),
                dead_letters: loaded.map_or(0, |l| l.record.dead_letters.count),
                last_dead_letter: loaded.and_then(|l| l.record.dead_letters.last.clone()),
                which_children: loaded.map(Loaded::which_children).unwrap_or_default(),
            }
        };
        Response::from_json(&health)
    }

    /// Handles one message from a hibernatable socket: one envelope per
    /// binary message; anything else is answered with an `ERROR` frame.
    ///
    /// # Errors
    ///
    /// When storage or the socket fails.
    pub async fn websocket_message(
        &self,
        socket: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        let me = self.address();
        let frame = match message {
            WebSocketIncomingMessage::Binary(frame) => frame,
            WebSocketIncomingMessage::String(_) => {
                let detail = "text frames are not envelopes; send binary".to_owned();
                return send(
                    &socket,
                    &wire::error_for(None, &me, ErrorCode::MalformedFrame, detail),
                );
            }
        };
        let envelope = match wire::decode_frame(&frame) {
            Ok(envelope) => envelope,
            Err(error) => {
                let answer = wire::error_for(None, &me, error.code, error.detail);
                return send(&socket, &answer);
            }
        };
        // A socket opened as a client (its token signed that address) speaks
        // only as that client; one opened without a client address (its
        // token signed none) may not speak as any client.
        match self.state.get_tags(&socket).into_iter().next() {
            Some(client) if envelope.source != client => {
                let detail = format!(
                    "this socket speaks as `{client}`, not as `{}`",
                    envelope.source
                );
                let mut answer =
                    wire::error_for(Some(&envelope), &me, ErrorCode::WrongSource, detail);
                answer.target = client;
                return send(&socket, &answer);
            }
            None if is_client_address(&envelope.source) => {
                let detail = format!(
                    "this socket was opened without `?client=`: it cannot speak as `{}`",
                    envelope.source
                );
                let answer = wire::error_for(Some(&envelope), &me, ErrorCode::WrongSource, detail);
                return send(&socket, &answer);
            }
            _ => {}
        }
        if let Err(error) = self.ensure_loaded(&Introduction::default()).await {
            let answer = wire::error_for(
                Some(&envelope),
                &me,
                ErrorCode::ActorFailed,
                error.to_string(),
            );
            return send(&socket, &answer);
        }
        self.ensure_link().await;
        self.deliver(envelope, Some(&socket)).await
    }

    /// Handles a socket closing: the close is returned. A child's link
    /// closing is that child's exit, which this actor supervises.
    ///
    /// # Errors
    ///
    /// When a child's exit cannot be stored or its directive sent; a socket
    /// that is already gone is fine.
    pub async fn websocket_close(
        &self,
        socket: WebSocket,
        code: usize,
        reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        let tags = self.state.get_tags(&socket);
        if let Some(child) = tags.iter().find_map(|tag| link::child_of_tag(tag)) {
            let _ = socket.close(Some(1000), Some("link closed"));
            let replaced = socket
                .deserialize_attachment::<String>()
                .ok()
                .flatten()
                .is_some_and(|mark| mark == link::REPLACED);
            // A replaced link's close says nothing, unless it reports a failure.
            if replaced && !link::is_failure_code(code) {
                return Ok(());
            }
            return self.link_closed(child, code, &reason).await;
        }
        // 1005/1006 are reserved and may not be sent back.
        let code = u16::try_from(code)
            .ok()
            .filter(|code| (1000..1005).contains(code) || *code >= 3000);
        let _ = socket.close(Some(code.unwrap_or(1000)), Some(reason));
        Ok(())
    }

    /// Handles a socket error: logged.
    ///
    /// # Errors
    ///
    /// Never.
    pub async fn websocket_error(
        &self,
        _socket: WebSocket,
        error: worker::Error,
    ) -> worker::Result<()> {
        worker::console_warn!("{}: socket error: {error}", self.address());
        Ok(())
    }

    /// Delivers every due timer, in order, then sets the alarm for the next.
    ///
    /// # Errors
    ///
    /// When storage fails.
    pub async fn alarm(&self) -> worker::Result<Response> {
        if let Err(error) = self.ensure_loaded(&Introduction::default()).await {
            return Response::error(error.to_string(), 500);
        }
        self.ensure_link().await;
        // One due timer at a time, each delivery saving the queue without
        // it: a failure leaves the undelivered ones stored, and the memory
        // is dropped so the platform's retry of the alarm reloads them.
        let now = now_ms();
        let mut count = 0;
        loop {
            let next = {
                let mut actor = self.actor.borrow_mut();
                let Some(loaded) = actor.as_mut() else {
                    return Response::error("no actor", 500);
                };
                loaded.alarm_ms = None;
                loaded.timers.take_next_due(now)
            };
            let Some(timer) = next else {
                break;
            };
            count += 1;
            match wire::decode_stored(&timer.payload) {
                Ok(envelope) => {
                    if let Err(error) = self.internal(envelope).await {
                        *self.actor.borrow_mut() = None;
                        return Err(error);
                    }
                }
                Err(error) => worker::console_error!("{}: bad timer: {error}", self.address()),
            }
        }
        // The queue changed even when nothing was delivered.
        self.persist().await?;
        Response::ok(format!("delivered {count}"))
    }

    fn address(&self) -> String {
        self.actor
            .borrow()
            .as_ref()
            .map(|loaded| loaded.id.to_string())
            .unwrap_or_default()
    }

    async fn ensure_loaded(&self, intro: &Introduction) -> Result<(), store::LoadError> {
        if self.actor.borrow().is_some() {
            return Ok(());
        }
        let behavior = Arc::clone(&self.behavior);
        let loaded = store::load(
            &self.state,
            behavior,
            intro,
            self.strategy,
            self.root_capabilities,
        )
        .await?;
        let fresh = loaded.is_fresh();
        *self.actor.borrow_mut() = Some(loaded);
        let mut outbox = Outbox::default();
        if let Some(loaded) = self.actor.borrow_mut().as_mut() {
            if fresh {
                // A new actor: init and PreStart, then store its first state.
                let outcome = loaded.cell_start();
                loaded.settle(outcome, None, now_ms(), &mut outbox);
            }
            // The previous instance died in a handler: a supervised failure.
            loaded.recover_interrupted(now_ms(), &mut outbox);
        }
        if fresh || !outbox.is_empty() {
            self.persist().await.map_err(store::LoadError::Storage)?;
            self.send_out(outbox, None)
                .await
                .map_err(store::LoadError::Storage)?;
        }
        Ok(())
    }

    /// Runs one envelope through the behavior, stores, then sends.
    ///
    /// The handling mark is stored before the behavior runs and deleted
    /// with its result: a panic (the instance traps on wasm32) leaves it
    /// for the next instance to find (see `handling`).
    async fn deliver(
        &self,
        envelope: OwnedEnvelope,
        socket: Option<&WebSocket>,
    ) -> worker::Result<()> {
        let admitted = {
            let actor = self.actor.borrow();
            let Some(loaded) = actor.as_ref() else {
                return Err(worker::Error::RustError("actor not loaded".into()));
            };
            check(&envelope, <B::Message as Message>::TYPE_NAME)
                .and_then(|()| loaded.admit(&envelope))
        };
        let message = match admitted {
            Ok(message) => message,
            Err((code, detail)) => {
                let refusal = wire::error_for(Some(&envelope), &self.address(), code, detail);
                return match socket {
                    Some(socket) => send(socket, &refusal),
                    None => {
                        worker::console_warn!("refused {}: {refusal:?}", envelope.message_type);
                        Ok(())
                    }
                };
            }
        };
        store::mark_handling(&self.state.storage(), &HandlingMark::of(&envelope)).await?;
        let mut outbox = Outbox::default();
        {
            let mut actor = self.actor.borrow_mut();
            let Some(loaded) = actor.as_mut() else {
                return Err(worker::Error::RustError("actor not loaded".into()));
            };
            let now = now_ms();
            loaded.handle(message, &envelope, now, &mut outbox);
            // Answers to earlier asks first, then this ask waits if unanswered.
            let current = &envelope.source;
            loaded.claim_replies(
                outbox
                    .routed_mut()
                    .filter(|out| &out.target != current || envelope.kind != Kind::Ask),
            );
            loaded.await_reply(
                &envelope,
                &mut outbox,
                now.saturating_add(self.ask_timeout_ms),
            );
        }
        self.persist().await?;
        self.send_out(outbox, socket.map(|s| (s, &envelope))).await
    }

    /// Handles an envelope another object (or a timer) sent: for this actor
    /// (a message or a `SYSTEM` envelope), or passing through on its way to
    /// a child or a client.
    async fn internal(&self, mut envelope: OwnedEnvelope) -> worker::Result<()> {
        let routes = self.routes();
        if envelope.target != routes.me {
            // Passing through: it may answer an ask a client made here.
            let claimed = match self.actor.borrow_mut().as_mut() {
                Some(loaded) => {
                    let before = envelope.correlation;
                    loaded.claim_replies(std::iter::once(&mut envelope));
                    envelope.correlation != before
                }
                None => false,
            };
            if claimed {
                self.persist().await?;
            }
            return outbox::route(&self.state, &self.env, &routes, &envelope).await;
        }
        if envelope.kind != Kind::System {
            return self.deliver(envelope, None).await;
        }
        let mut outbox = Outbox::default();
        if let Some(loaded) = self.actor.borrow_mut().as_mut() {
            loaded.system(&envelope, now_ms(), &mut outbox);
            loaded.claim_replies(outbox.routed_mut());
        }
        self.persist().await?;
        self.send_out(outbox, None).await
    }

    /// Sends what a handler produced, once its state is stored: this
    /// actor's failure closes its link (the parent reads the close), or,
    /// without a link, goes as a `SYSTEM ChildFailed` envelope.
    async fn send_out(
        &self,
        mut outbox: Outbox,
        current: Option<(&WebSocket, &OwnedEnvelope)>,
    ) -> worker::Result<()> {
        for (envelope, error) in outbox.take_escalations() {
            let link = std::mem::take(&mut *self.link.borrow_mut());
            let closed = match &link {
                Link::Open(socket) => socket
                    .close(Some(link::FAILURE_CODE), Some(link::close_reason(&error)))
                    .is_ok(),
                Link::Unopened | Link::Opening | Link::Unneeded => false,
            };
            if !closed {
                if !matches!(link, Link::Open(_)) {
                    *self.link.borrow_mut() = link;
                }
                outbox.push(envelope);
            }
        }
        let (stopped, itself) = match self.actor.borrow_mut().as_mut() {
            Some(loaded) => (loaded.stopped().is_some(), loaded.take_stopped_itself()),
            None => (false, None),
        };
        if stopped {
            let mut link = self.link.borrow_mut();
            match (&*link, itself) {
                // It stopped on its own: its supervisor decides (a normal exit).
                (Link::Open(socket), Some(reason)) => {
                    let _ =
                        socket.close(Some(link::STOPPED_CODE), Some(link::close_reason(&reason)));
                    *link = Link::Unopened;
                }
                // Its supervisor stopped it: it lets go of its parent.
                (Link::Open(socket), None) => {
                    let _ = socket.close(Some(1000), Some("stopped"));
                    *link = Link::Unopened;
                }
                (_, Some(reason)) => {
                    let routes = self.routes();
                    if let Some(parent) = routes.parent {
                        let message = wire::SystemMsg::ChildStopped {
                            child: routes.me.clone(),
                            reason,
                        };
                        outbox.push(wire::system(&routes.me, &parent, &message));
                    }
                }
                (_, None) => {}
            }
        }
        let routes = self.routes();
        outbox.flush(&self.state, &self.env, &routes, current).await
    }

    fn routes(&self) -> outbox::Routes {
        self.actor
            .borrow()
            .as_ref()
            .map(Loaded::routes)
            .unwrap_or_default()
    }

    /// Stores state, timers and counters in one transaction, and moves the alarm.
    async fn persist(&self) -> worker::Result<()> {
        let written = self.write_snapshot().await;
        if written.is_err() {
            // Memory is now ahead of storage: forget it, so the next event
            // reloads what was stored instead of building on what was not.
            *self.actor.borrow_mut() = None;
        }
        written
    }

    async fn write_snapshot(&self) -> worker::Result<()> {
        let (snapshot, alarm) = {
            let mut actor = self.actor.borrow_mut();
            let Some(loaded) = actor.as_mut() else {
                return Ok(());
            };
            (loaded.snapshot()?, loaded.alarm_change())
        };
        snapshot.write(&self.state.storage()).await?;
        if let Some(due_ms) = alarm {
            let date =
                worker::js_sys::Date::new(&worker::wasm_bindgen::JsValue::from_f64(due_ms as f64));
            self.state
                .storage()
                .set_alarm(worker::ScheduledTime::new(date))
                .await?;
        }
        Ok(())
    }
}

/// Whether `envelope` is something this actor can take.
fn check(envelope: &OwnedEnvelope, accepts: &str) -> Result<(), (ErrorCode, String)> {
    if !matches!(envelope.kind, Kind::Tell | Kind::Ask) {
        return Err((
            ErrorCode::UnexpectedKind,
            format!("an actor takes TELL or ASK, not {:?}", envelope.kind),
        ));
    }
    if envelope.message_type != accepts {
        return Err((
            ErrorCode::WrongMessageType,
            format!(
                "actor accepts `{accepts}` but was sent `{}`",
                envelope.message_type
            ),
        ));
    }
    Ok(())
}

fn send(socket: &WebSocket, envelope: &OwnedEnvelope) -> worker::Result<()> {
    let frame = wire::encode_frame(envelope)
        .map_err(|error| worker::Error::RustError(error.to_string()))?;
    socket.send_with_bytes(frame)
}

/// The binding (var) that sets how long an object waits for an ask's reply, in ms.
pub const ASK_TIMEOUT_BINDING: &str = "CONCLAVE_ASK_TIMEOUT_MS";

/// The ask deadline when [`ASK_TIMEOUT_BINDING`] is not set.
pub const DEFAULT_ASK_TIMEOUT_MS: u64 = 30_000;

fn ask_timeout_ms(env: &Env) -> u64 {
    env.var(ASK_TIMEOUT_BINDING)
        .ok()
        .and_then(|var| var.to_string().parse().ok())
        .unwrap_or(DEFAULT_ASK_TIMEOUT_MS)
}

/// Now, in ms since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}

/// The policy Conclave gives a behavior: escalate (the default).
pub(crate) fn policy<S>() -> Arc<ErrorPolicy<S>> {
    Arc::new(ErrorPolicy::default())
}

/// The id of the actor in object `<CLASS>/<name>`.
pub(crate) fn actor_id(name: &str) -> Result<ActorId, alloy_actors::ActorIdError> {
    ActorId::new(name, 0)
}

/// Constructs a cell for `behavior` as actor `id` under `parent`.
pub(crate) fn cell<B: Behavior>(
    behavior: Arc<B>,
    id: ActorId,
    parent: Option<ActorId>,
) -> BehaviorCell<B> {
    BehaviorCell::new(behavior, policy(), alloy_actors::Context::new(id, parent))
}

/// Whether `source` is a client's address (`client/<name>#<n>`), which only
/// a socket whose token signed it may use.
fn is_client_address(source: &str) -> bool {
    source
        .parse::<alloy_actors::ActorId>()
        .is_ok_and(|id| id.system() == "client")
}
