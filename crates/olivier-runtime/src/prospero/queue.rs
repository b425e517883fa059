//! The queue of one supervisor process on the Prospero thread.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use tokio::sync::Notify;

use crate::protocol::SupervisorMessage;

/// A single-threaded queue with an async pop.
#[derive(Debug, Default)]
pub(super) struct LocalQueue {
    items: RefCell<VecDeque<SupervisorMessage>>,
    ready: Notify,
    closed: Cell<bool>,
}

impl LocalQueue {
    /// Queues a message; a closed queue hands it back.
    // Handing the message back is the rare path; boxing every message for it
    // would cost the common one.
    #[allow(clippy::result_large_err)]
    pub(super) fn push(&self, message: SupervisorMessage) -> Result<(), SupervisorMessage> {
        if self.closed.get() {
            return Err(message);
        }
        self.items.borrow_mut().push_back(message);
        self.ready.notify_one();
        Ok(())
    }

    pub(super) async fn pop(&self) -> SupervisorMessage {
        loop {
            let next = self.items.borrow_mut().pop_front();
            if let Some(message) = next {
                return message;
            }
            self.ready.notified().await;
        }
    }

    /// Closes the queue and hands back what was left in it.
    pub(super) fn close(&self) -> Vec<SupervisorMessage> {
        self.closed.set(true);
        self.items.borrow_mut().drain(..).collect()
    }
}
