//! What every supervisor process on the Prospero thread shares: the
//! routes to their queues, and the dispatch of commands to them.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use alloy_actors::{ActorError, ActorId, SupervisionStrategy};
use tokio::sync::{Notify, oneshot};

use super::queue::LocalQueue;
use crate::children::ChildError;
use crate::error::{SpawnError, StopError};
use crate::incarnation::abandon;
use crate::kernel::SystemInner;
use crate::protocol::{Command, SupervisorMessage};
use crate::registry::{ActorCell, Entry};

/// What kind of supervisor a process is.
#[derive(Debug)]
pub(super) enum Kind {
    /// The system's root: giving up shuts the system down.
    Root,
    /// An explicit supervisor: restarting it starts its children again.
    Bare { parent: ActorId },
    /// An actor that spawned children: they are stopped for good whenever
    /// the actor stops or restarts.
    Actor { cell: Arc<ActorCell> },
}

/// Starts a supervisor process on the Prospero thread and answers its queue
/// (`prospero.rs` gives the context this, so the context never names the
/// process it starts).
pub(super) type StartProcess = fn(Rc<Ctx>, ActorId, Kind, SupervisionStrategy) -> Rc<LocalQueue>;

/// What every process on the Prospero thread shares.
pub(super) struct Ctx {
    system: Weak<SystemInner>,
    start_process: StartProcess,
    start: Instant,
    routes: RefCell<HashMap<ActorId, Rc<LocalQueue>>>,
    supervisor_parents: RefCell<HashMap<ActorId, ActorId>>,
    pub(super) done: Notify,
    pub(super) finished: Cell<bool>,
}

impl Ctx {
    pub(super) fn new(system: Weak<SystemInner>, start_process: StartProcess) -> Self {
        Self {
            system,
            start_process,
            start: Instant::now(),
            routes: RefCell::default(),
            supervisor_parents: RefCell::default(),
            done: Notify::new(),
            finished: Cell::new(false),
        }
    }

    pub(super) fn system(&self) -> Option<Arc<SystemInner>> {
        self.system.upgrade()
    }

    /// The monotonic clock the supervisor cores see.
    pub(super) fn now(&self) -> Duration {
        self.start.elapsed()
    }

    pub(super) fn add_route(&self, id: ActorId, queue: Rc<LocalQueue>) {
        self.routes.borrow_mut().insert(id, queue);
    }

    pub(super) fn remove_route(&self, id: &ActorId) {
        self.routes.borrow_mut().remove(id);
        self.supervisor_parents.borrow_mut().remove(id);
    }

    pub(super) fn existing_route(&self, id: &ActorId) -> Option<Rc<LocalQueue>> {
        self.routes.borrow().get(id).cloned()
    }

    pub(super) fn set_supervisor_parent(&self, id: ActorId, parent: ActorId) {
        self.supervisor_parents.borrow_mut().insert(id, parent);
    }

    /// Ends Prospero (after the root process finished).
    pub(super) fn finish(&self) {
        self.finished.set(true);
        self.done.notify_one();
    }

    pub(super) fn dispatch(self: &Rc<Self>, root: &ActorId, command: Command) {
        match command {
            Command::Supervisor {
                supervisor,
                message,
            } => self.route(&supervisor, message),
            Command::Stop { target, reply } => match self.parent_of(&target) {
                Some(parent) => self.route(
                    &parent,
                    SupervisorMessage::StopChild {
                        child: target,
                        reply,
                    },
                ),
                None => {
                    let _ = reply.send(Err(StopError::UnknownActor { target }));
                }
            },
            Command::Kill { target, reply } => match self.parent_of(&target) {
                Some(parent) => self.route(
                    &parent,
                    SupervisorMessage::KillChild {
                        child: target,
                        reply,
                    },
                ),
                None => {
                    let _ = reply.send(Err(StopError::UnknownActor { target }));
                }
            },
            Command::Shutdown => {
                let (reply, _) = oneshot::channel();
                self.route(root, SupervisorMessage::StopAll { last: true, reply });
            }
        }
    }

    /// The supervisor of a running actor or of a supervisor.
    pub(super) fn parent_of(&self, target: &ActorId) -> Option<ActorId> {
        match self.system().map(|system| system.registry.get(target)) {
            Some(Some(Entry::Actor(cell))) => Some(cell.parent.clone()),
            _ => self.supervisor_parents.borrow().get(target).cloned(),
        }
    }

    /// Hands a message to a supervisor process, creating the process of an
    /// actor that spawns its first child.
    pub(super) fn route(self: &Rc<Self>, supervisor: &ActorId, message: SupervisorMessage) {
        let queue = self
            .existing_route(supervisor)
            .or_else(|| self.adopt(supervisor));
        match queue {
            Some(queue) => {
                if let Err(message) = queue.push(message) {
                    self.reject(message, supervisor);
                }
            }
            None => self.reject(message, supervisor),
        }
    }

    fn adopt(self: &Rc<Self>, actor: &ActorId) -> Option<Rc<LocalQueue>> {
        if self.finished.get() {
            return None;
        }
        let system = self.system()?;
        let cell = system.registry.actor(actor)?;
        if cell.is_closing() {
            return None;
        }
        let strategy = cell.supervision(system.default_supervision);
        let queue = (self.start_process)(
            Rc::clone(self),
            actor.clone(),
            Kind::Actor { cell },
            strategy,
        );
        self.add_route(actor.clone(), Rc::clone(&queue));
        Some(queue)
    }

    /// Answers a message nobody will handle.
    pub(super) fn reject(&self, message: SupervisorMessage, supervisor: &ActorId) {
        let gone = || {
            if self.finished.get() || self.system().is_none() {
                SpawnError::ShutDown
            } else {
                SpawnError::SupervisorGone {
                    supervisor: supervisor.clone(),
                }
            }
        };
        match message {
            SupervisorMessage::Adopt { started, .. } => {
                tracing::warn!(target: "olivier::prospero", supervisor = %supervisor, "adoption refused: {}", gone());
                // Children its `PreStart` spawned were adopted by a process
                // of its own: that process stops them and ends.
                if let Some(queue) = self.existing_route(started.id()) {
                    let (reply, _) = oneshot::channel();
                    let _ = queue.push(SupervisorMessage::StopAll { last: true, reply });
                }
                // Its `PostStop` may block: it runs on the blocking pool,
                // never on Prospero's thread.
                if let Some(system) = self.system() {
                    let handle = system.handle.clone();
                    handle.spawn_blocking(move || abandon(started, &system));
                }
            }
            SupervisorMessage::SpawnSupervisor { reply, .. } => {
                let _ = reply.send(Err(gone()));
            }
            SupervisorMessage::StopChild { child, reply } => {
                let _ = reply.send(Err(StopError::UnknownActor { target: child }));
            }
            SupervisorMessage::StopAll { reply, .. } => {
                let _ = reply.send(());
            }
            SupervisorMessage::KillChild { child, reply } => {
                let _ = reply.send(Err(StopError::UnknownActor { target: child }));
            }
            SupervisorMessage::TerminateChild { reply, .. }
            | SupervisorMessage::RestartChild { reply, .. }
            | SupervisorMessage::DeleteChild { reply, .. } => {
                let _ = reply.send(Err(ChildError::SupervisorGone {
                    supervisor: supervisor.clone(),
                }));
            }
            SupervisorMessage::WhichChildren { reply } => {
                let _ = reply.send(Vec::new());
            }
            SupervisorMessage::Restart { reply } => {
                let _ = reply.send(Err(ActorError::msg(format!(
                    "supervisor `{supervisor}` has stopped"
                ))));
            }
            SupervisorMessage::ChildExited { .. } | SupervisorMessage::ChildGaveUp { .. } => {}
        }
    }
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("routes", &self.routes.borrow().len())
            .field("finished", &self.finished.get())
            .finish_non_exhaustive()
    }
}
