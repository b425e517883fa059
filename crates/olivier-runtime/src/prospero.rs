//! Prospero: the supervision thread.
//!
//! Prospero is a dedicated OS thread, started with every system and raised
//! in priority where the OS allows it. It runs a single-threaded tokio
//! runtime of its own, so its timers and wake-ups never wait for the
//! system's workers. Each supervisor (the root, every explicit supervisor,
//! and every actor that has spawned children) is a *process* on this thread:
//! a task with its own queue that handles one event at a time, like an
//! OTP supervisor process, and asks the pure [`SupervisorCore`] what to do.
//!
//! Prospero also runs the lifecycle hooks of a running actor (`PreRestart`,
//! the fresh `init`, `PostRestart`, `PostStop`; the first `init` and
//! `PreStart` run where the actor is spawned): an actor's task only takes
//! messages. So a failed actor is restarted (fresh state, `PostRestart`
//! delivered) even while every worker is busy; it takes its next message
//! when a worker is free.
//!
//! Events flow down by awaiting (a supervisor awaits each child it stops)
//! and up by posting (a supervisor that gives up posts to its parent), so
//! no two processes ever wait on each other.
//!
//! [`SupervisorCore`]: alloy_actors::runtime::SupervisorCore

mod process;
mod queue;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use alloy_actors::{ActorError, ActorId, RestartType, SpawnReply, SupervisionStrategy};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::platform::{self, ProsperoPriority};
use crate::registry::Entry;
use crate::supervisor::{ChildError, ChildSummary};
use crate::system::SystemInner;
use crate::{SpawnError, StopError};
use process::{Kind, Process};
pub(crate) use process::{Started, start_child};
use queue::LocalQueue;

/// What the rest of the runtime asks of Prospero.
#[derive(Debug)]
pub(crate) enum Command {
    /// A message for the supervisor process of `supervisor` (created on
    /// first use for an actor that spawns).
    Supervisor {
        supervisor: ActorId,
        message: SupervisorMessage,
    },
    /// Stop an actor or supervisor for good (its supervisor does it).
    Stop {
        target: ActorId,
        reply: oneshot::Sender<Result<(), StopError>>,
    },
    /// Kill an actor or supervisor at once (its supervisor does it).
    Kill {
        target: ActorId,
        reply: oneshot::Sender<Result<(), StopError>>,
    },
    /// Stop everything, root last, and end Prospero.
    Shutdown,
}

/// What a supervisor process handles, one at a time.
#[derive(Debug)]
pub(crate) enum SupervisorMessage {
    /// Adopt a child started on the thread that spawned it.
    Adopt {
        started: Box<Started>,
        notify: Option<SpawnReply>,
        /// Answered once the child is adopted (its task started).
        adopted: Option<oneshot::Sender<()>>,
    },
    /// Start a child supervisor.
    SpawnSupervisor {
        id: ActorId,
        strategy: SupervisionStrategy,
        restart: RestartType,
        reply: oneshot::Sender<Result<(), SpawnError>>,
    },
    /// Kill one child at once (no hook), as an exit with reason `killed`.
    KillChild {
        child: ActorId,
        reply: oneshot::Sender<Result<(), StopError>>,
    },
    /// Stop one child and keep it listed, not running (OTP's
    /// `terminate_child`).
    TerminateChild {
        child: ActorId,
        reply: oneshot::Sender<Result<(), ChildError>>,
    },
    /// Start a listed child that is not running (OTP's `restart_child`).
    RestartChild {
        child: ActorId,
        reply: oneshot::Sender<Result<(), ChildError>>,
    },
    /// The children, in start order (OTP's `which_children`).
    WhichChildren {
        reply: oneshot::Sender<Vec<ChildSummary>>,
    },
    /// A child's task ended on its own (stop, failure, restart request).
    ChildExited { child: ActorId, incarnation: u64 },
    /// A child supervisor exceeded its restart intensity.
    ChildGaveUp { child: ActorId, reason: ActorError },
    /// Stop one child for good.
    StopChild {
        child: ActorId,
        reply: oneshot::Sender<Result<(), StopError>>,
    },
    /// Stop every child in reverse start order; `last` ends the process.
    StopAll {
        last: bool,
        reply: oneshot::Sender<()>,
    },
    /// Restart an explicit supervisor: start its children again in order.
    Restart {
        reply: oneshot::Sender<Result<(), ActorError>>,
    },
}

/// Starts the Prospero thread; returns once it runs, with the priority it got.
pub(crate) fn start(
    system: Weak<SystemInner>,
    commands: mpsc::UnboundedReceiver<Command>,
    root: ActorId,
    strategy: SupervisionStrategy,
    spin: Duration,
) -> std::io::Result<ProsperoPriority> {
    let (ready, started) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("olivier-prospero".to_owned())
        .spawn(move || {
            let priority = platform::raise_current_thread();
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    let _ = ready.send(Err(error));
                    return;
                }
            };
            let _ = ready.send(Ok(priority));
            let local = tokio::task::LocalSet::new();
            let ctx = Rc::new(Ctx::new(system));
            local.block_on(&runtime, main_loop(ctx, commands, root, strategy, spin));
        })?;
    started
        .recv()
        .map_err(|_| std::io::Error::other("the prospero thread ended before it was ready"))?
}

async fn main_loop(
    ctx: Rc<Ctx>,
    mut commands: mpsc::UnboundedReceiver<Command>,
    root: ActorId,
    strategy: SupervisionStrategy,
    spin: Duration,
) {
    let process = Process::new(Rc::clone(&ctx), root.clone(), Kind::Root, strategy);
    ctx.add_route(root.clone(), process.queue());
    tokio::task::spawn_local(process.run());
    let mut last_command = Instant::now();
    loop {
        // Right after a command, poll for the next one for a moment before
        // parking: supervision events come in bursts (a failure, then the
        // restart's exit notices; a spawn loop), and a parked thread costs
        // each of them a wake-up through the kernel.
        match commands.try_recv() {
            Ok(command) => {
                ctx.dispatch(&root, command);
                last_command = Instant::now();
                tokio::task::yield_now().await;
                continue;
            }
            Err(mpsc::error::TryRecvError::Disconnected) => break,
            Err(mpsc::error::TryRecvError::Empty) => {}
        }
        if ctx.finished.get() {
            break;
        }
        if last_command.elapsed() < spin {
            tokio::task::yield_now().await;
            continue;
        }
        tokio::select! {
            command = commands.recv() => match command {
                Some(command) => {
                    ctx.dispatch(&root, command);
                    last_command = Instant::now();
                }
                None => break,
            },
            () = ctx.done.notified() => break,
        }
    }
    ctx.finished.set(true);
    // Answer whatever is still queued so no caller waits forever.
    commands.close();
    while let Ok(command) = commands.try_recv() {
        if let Command::Supervisor {
            supervisor,
            message,
        } = command
        {
            ctx.reject(message, &supervisor);
        } else if let Command::Stop { reply, .. } | Command::Kill { reply, .. } = command {
            let _ = reply.send(Err(StopError::ShutDown));
        }
    }
}

/// What every process on the Prospero thread shares.
#[derive(Debug)]
struct Ctx {
    system: Weak<SystemInner>,
    start: Instant,
    routes: RefCell<HashMap<ActorId, Rc<LocalQueue>>>,
    supervisor_parents: RefCell<HashMap<ActorId, ActorId>>,
    done: Notify,
    finished: Cell<bool>,
}

impl Ctx {
    fn new(system: Weak<SystemInner>) -> Self {
        Self {
            system,
            start: Instant::now(),
            routes: RefCell::default(),
            supervisor_parents: RefCell::default(),
            done: Notify::new(),
            finished: Cell::new(false),
        }
    }

    fn system(&self) -> Option<Arc<SystemInner>> {
        self.system.upgrade()
    }

    /// The monotonic clock the supervisor cores see.
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn add_route(&self, id: ActorId, queue: Rc<LocalQueue>) {
        self.routes.borrow_mut().insert(id, queue);
    }

    fn remove_route(&self, id: &ActorId) {
        self.routes.borrow_mut().remove(id);
        self.supervisor_parents.borrow_mut().remove(id);
    }

    fn existing_route(&self, id: &ActorId) -> Option<Rc<LocalQueue>> {
        self.routes.borrow().get(id).cloned()
    }

    fn set_supervisor_parent(&self, id: ActorId, parent: ActorId) {
        self.supervisor_parents.borrow_mut().insert(id, parent);
    }

    /// Ends Prospero (after the root process finished).
    fn finish(&self) {
        self.finished.set(true);
        self.done.notify_one();
    }

    fn dispatch(self: &Rc<Self>, root: &ActorId, command: Command) {
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
    fn parent_of(&self, target: &ActorId) -> Option<ActorId> {
        match self.system().map(|system| system.registry.get(target)) {
            Some(Some(Entry::Actor(cell))) => Some(cell.parent.clone()),
            _ => self.supervisor_parents.borrow().get(target).cloned(),
        }
    }

    /// Hands a message to a supervisor process, creating the process of an
    /// actor that spawns its first child.
    fn route(self: &Rc<Self>, supervisor: &ActorId, message: SupervisorMessage) {
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
        let process = Process::new(
            Rc::clone(self),
            actor.clone(),
            Kind::Actor { cell },
            strategy,
        );
        let queue = process.queue();
        self.add_route(actor.clone(), Rc::clone(&queue));
        tokio::task::spawn_local(process.run());
        Some(queue)
    }

    /// Answers a message nobody will handle.
    fn reject(&self, message: SupervisorMessage, supervisor: &ActorId) {
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
                if let Some(system) = self.system() {
                    started.abandon(&system);
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
            | SupervisorMessage::RestartChild { reply, .. } => {
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
