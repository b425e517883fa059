//! One actor's Durable Object: sockets, storage and the alarm.
//!
//! Proof-of-pipeline stage: every binary message increments a stored counter
//! and is answered with the new count (8 bytes, little-endian); a text
//! message `alarm <ms>` schedules a timer. The generic behavior adapter
//! replaces this protocol with BAREWire envelopes.

use std::cell::RefCell;

use worker::{Env, Request, Response, State, WebSocket, WebSocketIncomingMessage, WebSocketPair};

use crate::gateway::ACTOR_HEADER;
use crate::health::ActorHealth;
use crate::timers::TimerQueue;

const IDENTITY_KEY: &str = "identity";
const COUNT_KEY: &str = "count";
const TIMERS_KEY: &str = "timers";

/// The Durable Object side of an actor; a worker crate's `#[durable_object]`
/// struct holds one and forwards each event to it.
pub struct ActorHost {
    state: State,
    _env: Env,
    started_ms: u64,
    identity: RefCell<Option<String>>,
}

impl std::fmt::Debug for ActorHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActorHost")
            .field("identity", &self.identity)
            .field("started_ms", &self.started_ms)
            .finish_non_exhaustive()
    }
}

impl ActorHost {
    /// The host for a freshly constructed object.
    pub fn new(state: State, env: Env) -> Self {
        Self {
            state,
            _env: env,
            started_ms: worker::Date::now().as_millis(),
            identity: RefCell::new(None),
        }
    }

    /// Handles a request forwarded by the gateway: health or a socket.
    ///
    /// # Errors
    ///
    /// When storage or the WebSocket pair fails.
    pub async fn fetch(&self, request: Request) -> worker::Result<Response> {
        if let Some(actor) = request.headers().get(ACTOR_HEADER)? {
            self.remember_identity(&actor).await?;
        }
        let upgrade = request.headers().get("upgrade")?;
        if upgrade.is_some_and(|value| value.eq_ignore_ascii_case("websocket")) {
            let pair = WebSocketPair::new()?;
            self.state.accept_web_socket(&pair.server);
            return Response::from_websocket(pair.client);
        }
        let storage = self.state.storage();
        let handled = storage.get::<u64>(COUNT_KEY).await?.unwrap_or(0);
        let timers = storage
            .get::<TimerQueue>(TIMERS_KEY)
            .await?
            .unwrap_or_default();
        Response::from_json(&ActorHealth {
            status: "ok",
            actor: self.identity.borrow().clone().unwrap_or_default(),
            instance_started_ms: self.started_ms,
            sockets: self.state.get_websockets().len(),
            handled,
            pending_timers: timers.len(),
        })
    }

    async fn remember_identity(&self, actor: &str) -> worker::Result<()> {
        if self.identity.borrow().as_deref() == Some(actor) {
            return Ok(());
        }
        let storage = self.state.storage();
        if storage.get::<String>(IDENTITY_KEY).await?.as_deref() != Some(actor) {
            storage.put(IDENTITY_KEY, actor).await?;
        }
        *self.identity.borrow_mut() = Some(actor.to_owned());
        Ok(())
    }

    /// Handles one message from a hibernatable socket.
    ///
    /// # Errors
    ///
    /// When storage or the socket fails.
    pub async fn websocket_message(
        &self,
        socket: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        let storage = self.state.storage();
        match message {
            WebSocketIncomingMessage::Binary(_) => {
                let count = storage.get::<u64>(COUNT_KEY).await?.unwrap_or(0) + 1;
                storage
                    .transaction(move |txn| async move { txn.put(COUNT_KEY, count).await })
                    .await?;
                socket.send_with_bytes(count.to_le_bytes())
            }
            WebSocketIncomingMessage::String(text) => {
                let Some(ms) = text
                    .strip_prefix("alarm ")
                    .and_then(|ms| ms.parse::<u64>().ok())
                else {
                    return socket.send_with_str(format!("error: unknown command {text:?}"));
                };
                let mut timers = storage
                    .get::<TimerQueue>(TIMERS_KEY)
                    .await?
                    .unwrap_or_default();
                let due = worker::Date::now().as_millis() + ms;
                timers.schedule(due, None, text.into_bytes());
                let next = timers.next_due();
                storage.put(TIMERS_KEY, &timers).await?;
                if let Some(next) = next {
                    storage.set_alarm(alarm_time(next)).await?;
                }
                socket.send_with_str(format!("scheduled {}", timers.len()))
            }
        }
    }

    /// Handles a socket closing.
    ///
    /// # Errors
    ///
    /// Never in this stage.
    pub async fn websocket_close(
        &self,
        socket: WebSocket,
        code: usize,
        reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        let code = u16::try_from(code).unwrap_or(1011);
        // Echo the close; the socket may already be gone, which is fine.
        let _ = socket.close(Some(code.max(1000)), Some(reason));
        Ok(())
    }

    /// Handles a socket error.
    ///
    /// # Errors
    ///
    /// Never in this stage.
    pub async fn websocket_error(
        &self,
        _socket: WebSocket,
        error: worker::Error,
    ) -> worker::Result<()> {
        worker::console_warn!("socket error: {error}");
        Ok(())
    }

    /// Delivers every due timer, then sets the alarm for the next one.
    ///
    /// # Errors
    ///
    /// When storage fails.
    pub async fn alarm(&self) -> worker::Result<Response> {
        let storage = self.state.storage();
        let mut timers = storage
            .get::<TimerQueue>(TIMERS_KEY)
            .await?
            .unwrap_or_default();
        let due = timers.take_due(worker::Date::now().as_millis());
        storage.put(TIMERS_KEY, &timers).await?;
        if let Some(next) = timers.next_due() {
            storage.set_alarm(alarm_time(next)).await?;
        }
        for timer in &due {
            let text = String::from_utf8_lossy(&timer.payload);
            for socket in self.state.get_websockets() {
                let _ = socket.send_with_str(format!("fired {text}"));
            }
        }
        Response::ok(format!("delivered {}", due.len()))
    }
}

fn alarm_time(due_ms: u64) -> worker::ScheduledTime {
    worker::ScheduledTime::new(js_date(due_ms))
}

fn js_date(ms: u64) -> worker::js_sys::Date {
    // Alarm times are ms since the epoch, well inside f64's exact range.
    worker::js_sys::Date::new(&worker::wasm_bindgen::JsValue::from_f64(ms as f64))
}
