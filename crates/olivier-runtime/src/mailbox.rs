//! The mailbox: a yield request that overtakes five user priority queues,
//! bounded by the actor's backpressure policy.
//!
//! One actor task consumes a mailbox at a time; any thread may push. The
//! mailbox outlives the tasks of one actor (it is kept across restarts), so
//! it carries the current incarnation: a task that was superseded (aborted
//! after a shutdown timeout) finds out under the same lock that hands out
//! messages, and takes no more; the actor loop checks again
//! ([`Mailbox::is_current`]) before it settles an outcome.

use std::collections::VecDeque;
use std::pin::pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};

use alloy_actors::{ActorId, ActorPriority, AnyMessage, BackpressurePolicy};
use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::body::TaskExit;

/// What a task hands back when it ends.
pub(crate) type Exit = Box<TaskExit>;

/// A user message on its way to an actor.
#[derive(Debug)]
pub(crate) struct Envelope {
    pub(crate) message: AnyMessage,
    pub(crate) sender: Option<ActorId>,
}

/// What the consumer gets next.
#[derive(Debug)]
pub(crate) enum Next {
    /// Prospero asks the task to hand its actor back and end.
    Yield,
    /// The task was superseded; it must end without touching the actor.
    Superseded,
    /// A user message.
    User(Envelope),
}

/// The outcome of a push that was accepted by the policy.
#[derive(Debug)]
pub(crate) enum Pushed {
    /// Queued.
    Queued,
    /// Queued, pushing out this older message (`DropOldest`).
    Evicted(Envelope),
    /// Not queued: dropped by the policy (`DropNewest`, or `DropOldest`
    /// when the new message is the least urgent).
    Dropped(Envelope),
}

/// A push that was refused; the envelope is handed back.
#[derive(Debug)]
pub(crate) enum Refused {
    /// The mailbox is full and its policy is `Reject`.
    Full(Envelope),
    /// The actor has stopped for good.
    Closed(Envelope),
}

#[derive(Debug)]
struct Queues {
    /// One queue per priority, allocated on the first message: an idle
    /// actor's mailbox holds no queue.
    user: Option<Box<[VecDeque<Envelope>; 5]>>,
    len: usize,
    incarnation: u64,
    /// The consumer found nothing and waits: the next push wakes it (and
    /// takes the waker). While it is busy, pushes skip the wake-up.
    waiting: Option<Waker>,
    /// What the current incarnation's task handed back when it ended,
    /// until Prospero takes it (a new incarnation drops what is left).
    exit: Option<Exit>,
    closed: bool,
    /// The current incarnation was asked to yield. A request is for one
    /// incarnation and a task yields once, so a flag that a new
    /// incarnation clears is the whole yield queue.
    yield_asked: bool,
}

impl Queues {
    fn user_mut(&mut self) -> &mut [VecDeque<Envelope>; 5] {
        self.user.get_or_insert_with(Box::default)
    }
}

/// What only senders that wait for room and waiters for the closing need,
/// allocated by the first of them: most mailboxes never have either.
#[derive(Debug, Default)]
struct Waiters {
    room: Notify,
    closed: Notify,
}

/// An actor's mailbox.
#[derive(Debug)]
pub(crate) struct Mailbox {
    queues: Mutex<Queues>,
    /// The incarnation, or `CLOSED`: a copy written under the lock, read
    /// without it once per message.
    current: AtomicU64,
    waiters: OnceLock<Box<Waiters>>,
    policy: BackpressurePolicy,
}

/// `Mailbox::current` once the mailbox is closed (no incarnation matches it).
const CLOSED: u64 = u64::MAX;

impl Mailbox {
    pub(crate) fn new(policy: BackpressurePolicy) -> Self {
        Self {
            queues: Mutex::new(Queues {
                user: None,
                len: 0,
                incarnation: 0,
                waiting: None,
                exit: None,
                closed: false,
                yield_asked: false,
            }),
            current: AtomicU64::new(0),
            waiters: OnceLock::new(),
            policy,
        }
    }

    /// The waiters' notifications, allocated on first use.
    fn waiters(&self) -> &Waiters {
        self.waiters.get_or_init(Box::default)
    }

    pub(crate) fn policy(&self) -> BackpressurePolicy {
        self.policy
    }

    /// How many user messages wait.
    pub(crate) fn depth(&self) -> usize {
        self.queues.lock().len
    }

    /// Pushes a user message, applying the backpressure policy.
    pub(crate) fn push(
        &self,
        envelope: Envelope,
        priority: ActorPriority,
    ) -> Result<Pushed, Refused> {
        let mut queues = self.queues.lock();
        if queues.closed {
            return Err(Refused::Closed(envelope));
        }
        let pushed = match self.policy.capacity() {
            Some(capacity) if queues.len >= capacity => match self.policy {
                BackpressurePolicy::Reject(_) => return Err(Refused::Full(envelope)),
                BackpressurePolicy::DropOldest(_) => {
                    // The victim is the oldest message of the least urgent
                    // class, counting the new message's own class.
                    let least = (priority.index()..5)
                        .rev()
                        .find(|class| !queues.user_mut()[*class].is_empty());
                    match least.and_then(|class| queues.user_mut()[class].pop_front()) {
                        Some(victim) => {
                            queues.user_mut()[priority.index()].push_back(envelope);
                            Pushed::Evicted(victim)
                        }
                        None => Pushed::Dropped(envelope),
                    }
                }
                _ => Pushed::Dropped(envelope),
            },
            _ => {
                queues.user_mut()[priority.index()].push_back(envelope);
                queues.len += 1;
                Pushed::Queued
            }
        };
        let wake = match pushed {
            Pushed::Dropped(_) => None,
            _ => queues.waiting.take(),
        };
        drop(queues);
        if let Some(consumer) = wake {
            consumer.wake();
        }
        Ok(pushed)
    }

    /// Pushes a user message, waiting for room when the mailbox is full
    /// (whatever its policy).
    pub(crate) async fn push_waiting(
        &self,
        envelope: Envelope,
        priority: ActorPriority,
    ) -> Result<Pushed, Refused> {
        // Allocated before the check under the lock: a consumer that makes
        // room after the check finds it, so the wake-up is not lost.
        let waiters = self.waiters();
        loop {
            let mut room = pin!(waiters.room.notified());
            room.as_mut().enable();
            {
                let mut queues = self.queues.lock();
                if queues.closed {
                    return Err(Refused::Closed(envelope));
                }
                let full = self
                    .policy
                    .capacity()
                    .is_some_and(|capacity| queues.len >= capacity);
                if !full {
                    queues.user_mut()[priority.index()].push_back(envelope);
                    queues.len += 1;
                    let wake = queues.waiting.take();
                    drop(queues);
                    if let Some(consumer) = wake {
                        consumer.wake();
                    }
                    return Ok(Pushed::Queued);
                }
            }
            room.await;
        }
    }

    /// Asks the task of `incarnation` to yield, overtaking user messages
    /// (a request for a superseded incarnation is ignored).
    pub(crate) fn push_yield(&self, incarnation: u64) {
        let mut queues = self.queues.lock();
        if queues.incarnation != incarnation {
            return;
        }
        queues.yield_asked = true;
        let wake = queues.waiting.take();
        drop(queues);
        if let Some(consumer) = wake {
            consumer.wake();
        }
    }

    /// Starts a new incarnation: the previous task, if it still runs, gets
    /// no more messages. Returns the new incarnation.
    pub(crate) fn supersede(&self) -> u64 {
        let mut queues = self.queues.lock();
        queues.incarnation += 1;
        queues.yield_asked = false;
        let incarnation = queues.incarnation;
        if !queues.closed {
            self.current.store(incarnation, Ordering::Release);
        }
        let wake = queues.waiting.take();
        // A superseded task's hand-back: dropped outside the lock (its
        // state's destructor may send to this very mailbox).
        let stale = queues.exit.take();
        drop(queues);
        drop(stale);
        // Wake a superseded task that waits, so it ends.
        if let Some(superseded) = wake {
            superseded.wake();
        }
        incarnation
    }

    /// Hands back what the task of `incarnation` ended with, for Prospero
    /// to take; refused (and returned) once that incarnation is superseded
    /// or the mailbox closed, as nobody will take it.
    pub(crate) fn hand_back(&self, incarnation: u64, exit: Exit) -> Result<(), Exit> {
        let mut queues = self.queues.lock();
        if queues.incarnation != incarnation || queues.closed {
            return Err(exit);
        }
        let previous = queues.exit.replace(exit);
        drop(queues);
        drop(previous);
        Ok(())
    }

    /// Takes what the current incarnation's task handed back, if it did.
    pub(crate) fn take_exit(&self) -> Option<Exit> {
        self.queues.lock().exit.take()
    }

    /// Whether `incarnation` is still the current one (and the mailbox open).
    pub(crate) fn is_current(&self, incarnation: u64) -> bool {
        self.current.load(Ordering::Acquire) == incarnation
    }

    /// The next thing for the task of `incarnation`: a yield request first,
    /// then user messages by priority (the actor loop polls
    /// [`Mailbox::poll_next`] itself).
    #[cfg(test)]
    pub(crate) fn next(&self, incarnation: u64) -> impl std::future::Future<Output = Next> + '_ {
        std::future::poll_fn(move |cx| self.poll_next(incarnation, cx))
    }

    /// Takes the next thing for the task of `incarnation`; when there is
    /// none, its waker is kept for the next push, under the same lock (so
    /// no wake-up is lost).
    pub(crate) fn poll_next(&self, incarnation: u64, cx: &mut Context<'_>) -> Poll<Next> {
        let mut queues = self.queues.lock();
        if queues.incarnation != incarnation || queues.closed {
            return Poll::Ready(Next::Superseded);
        }
        if std::mem::take(&mut queues.yield_asked) {
            return Poll::Ready(Next::Yield);
        }
        if queues.len > 0 {
            let taken = queues.user_mut().iter_mut().find_map(VecDeque::pop_front);
            if let Some(envelope) = taken {
                queues.len -= 1;
                let bounded = self.policy.capacity().is_some();
                drop(queues);
                if bounded && let Some(waiters) = self.waiters.get() {
                    waiters.room.notify_one();
                }
                return Poll::Ready(Next::User(envelope));
            }
        }
        // The caller waits; a push from now on wakes it.
        match &mut queues.waiting {
            Some(kept) if kept.will_wake(cx.waker()) => {}
            kept => *kept = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// Closes the mailbox for good and hands back what was queued, most
    /// urgent first.
    pub(crate) fn close(&self) -> Vec<Envelope> {
        let mut queues = self.queues.lock();
        queues.closed = true;
        queues.incarnation += 1;
        self.current.store(CLOSED, Ordering::Release);
        queues.len = 0;
        queues.yield_asked = false;
        let wake = queues.waiting.take();
        let stale = queues.exit.take();
        let drained = match queues.user.take() {
            Some(user) => {
                let user: [VecDeque<Envelope>; 5] = *user;
                user.into_iter().flatten().collect()
            }
            None => Vec::new(),
        };
        drop(queues);
        drop(stale);
        if let Some(consumer) = wake {
            consumer.wake();
        }
        if let Some(waiters) = self.waiters.get() {
            waiters.room.notify_waiters();
            waiters.closed.notify_waiters();
        }
        drained
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.queues.lock().closed
    }

    /// Resolves once the mailbox is closed.
    pub(crate) async fn closed(&self) {
        // Allocated before the check: `close` finds it after it closed.
        let mut closed = pin!(self.waiters().closed.notified());
        closed.as_mut().enable();
        if self.is_closed() {
            return;
        }
        closed.await;
    }
}

#[cfg(test)]
mod tests;
