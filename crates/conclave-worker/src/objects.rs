//! The Durable Object classes, one per hosted behavior.
// `#[durable_object]` generates wasm-bindgen exports (constructor, fetch, ...)
// that cannot carry docs.
#![allow(missing_docs)]

use conclave_runtime::ActorHost;
use worker::{
    DurableObject, Env, Request, Response, Result, State, WebSocket, WebSocketIncomingMessage,
    durable_object,
};

/// The counter behavior (`alloy-counter`), one object per counter.
#[durable_object]
#[derive(Debug)]
pub struct Counter {
    host: ActorHost,
}

impl DurableObject for Counter {
    fn new(state: State, env: Env) -> Self {
        Self {
            host: ActorHost::new(state, env),
        }
    }

    async fn fetch(&self, request: Request) -> Result<Response> {
        self.host.fetch(request).await
    }

    async fn websocket_message(
        &self,
        socket: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        self.host.websocket_message(socket, message).await
    }

    async fn websocket_close(
        &self,
        socket: WebSocket,
        code: usize,
        reason: String,
        was_clean: bool,
    ) -> Result<()> {
        self.host
            .websocket_close(socket, code, reason, was_clean)
            .await
    }

    async fn websocket_error(&self, socket: WebSocket, error: worker::Error) -> Result<()> {
        self.host.websocket_error(socket, error).await
    }

    async fn alarm(&self) -> Result<Response> {
        self.host.alarm().await
    }
}
