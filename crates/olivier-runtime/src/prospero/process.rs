//! A supervisor process on the Prospero thread: its children, its
//! [`SupervisorCore`], and the directives it carries out.

use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::sync::Arc;

use alloy_actors::runtime::{ChildExit, Directive, DynBehavior, SupervisorCore};
use alloy_actors::{
    ActorError, ActorId, ActorPriority, Capabilities, LifecycleEvent, RestartReason, RestartType,
    Shutdown, SpawnReply, SupervisionStrategy,
};
use tokio::sync::oneshot;
use tokio::task::AbortHandle;
use tokio::time::Instant;

use super::ctx::{Ctx, Kind};
use super::queue::LocalQueue;
use crate::actor_loop;
use crate::body::{Body, ExitCause, Settled};
use crate::children::{ChildError, ChildKind, ChildSummary};
use crate::incarnation::{HookRace, hook, instantiate};
use crate::kernel::SystemInner;
use crate::persistence::Durable;
use crate::protocol::{Started, SupervisorMessage};
use crate::registry::{ActorCell, Entry};
use crate::{SpawnError, StopError, SystemEvent, SystemFailure};

#[derive(Debug)]
enum Child {
    Actor(Box<ActorChild>),
    Supervisor(Rc<LocalQueue>),
}

/// What a supervisor keeps about an actor child: what its restarts and
/// stops need from its spec (not the whole spec: one is kept per child),
/// its cell, and who holds its body.
struct ActorChild {
    /// What a fresh body is instantiated from.
    behavior: Arc<dyn DynBehavior>,
    cell: Arc<ActorCell>,
    run: Run,
    /// The durable binding (its claim on the path lives as long as the
    /// child); boxed, as most actors have none.
    durable: Option<Box<Durable>>,
    /// How its supervisor stops it.
    shutdown: Shutdown,
    capabilities: Capabilities,
}

impl std::fmt::Debug for ActorChild {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActorChild")
            .field("behavior", &self.behavior.message_type_name())
            .field("cell", &self.cell)
            .field("run", &self.run)
            .field("durable", &self.durable)
            .field("shutdown", &self.shutdown)
            .field("capabilities", &self.capabilities)
            .finish()
    }
}

#[derive(Debug)]
enum Run {
    /// A task holds the body (and hands it back through the mailbox).
    Running {
        abort: AbortHandle,
        incarnation: u64,
    },
    /// Prospero holds the body (or none, after an abort or before a fresh start).
    Down(Option<Box<Body>>),
}

/// How a child is stopped.
#[derive(Debug, Clone)]
enum Purpose {
    /// For good: `PostStop`, mailbox closed, removed.
    Final,
    /// For a group restart: `PreRestart`, kept for the start phase.
    Restart { sibling: ActorId },
    /// Its supervisor gave up or is restarting: `PostStop`, its mailbox
    /// closed, kept listed in case the supervisor is restarted.
    Park,
}

/// One supervisor process.
#[derive(Debug)]
pub(super) struct Process {
    ctx: Rc<Ctx>,
    id: ActorId,
    kind: Kind,
    strategy: SupervisionStrategy,
    core: SupervisorCore,
    children: HashMap<ActorId, Child>,
    queue: Rc<LocalQueue>,
    followups: VecDeque<(ActorId, ExitCause)>,
    /// Spawns waiting for their adoption to be answered.
    adopted: Vec<oneshot::Sender<()>>,
    /// The child a halt already started the shutdown deadline of, which
    /// the exit hooks that follow share (one timeout for the whole stop).
    halted_until: Option<(ActorId, Instant)>,
    finished: bool,
}

impl Process {
    pub(super) fn new(
        ctx: Rc<Ctx>,
        id: ActorId,
        kind: Kind,
        strategy: SupervisionStrategy,
    ) -> Self {
        Self {
            ctx,
            id,
            kind,
            strategy,
            core: SupervisorCore::new(strategy),
            children: HashMap::new(),
            queue: Rc::new(LocalQueue::default()),
            followups: VecDeque::new(),
            adopted: Vec::new(),
            halted_until: None,
            finished: false,
        }
    }

    pub(super) fn queue(&self) -> Rc<LocalQueue> {
        Rc::clone(&self.queue)
    }

    /// Handles messages one at a time until the process ends.
    pub(super) async fn run(mut self) {
        while !self.finished {
            let message = self.queue.pop().await;
            self.handle(message).await;
            while let Some((child, cause)) = self.followups.pop_front() {
                self.child_down(child, cause).await;
            }
            for adopted in self.adopted.drain(..) {
                let _ = adopted.send(());
            }
        }
        if self
            .ctx
            .existing_route(&self.id)
            .is_some_and(|queue| Rc::ptr_eq(&queue, &self.queue))
        {
            self.ctx.remove_route(&self.id);
        }
        if matches!(self.kind, Kind::Bare { .. })
            && let Some(system) = self.system()
        {
            system.supervisors.lock().remove(&self.id);
        }
        for message in self.queue.close() {
            self.ctx.reject(message, &self.id);
        }
    }

    async fn handle(&mut self, message: SupervisorMessage) {
        match message {
            SupervisorMessage::Adopt {
                started,
                notify,
                adopted,
            } => {
                self.adopt(started, notify);
                // Answered once its follow-ups (an ignored start) are done.
                self.adopted.extend(adopted);
            }
            SupervisorMessage::SpawnSupervisor {
                id,
                strategy,
                restart,
                reply,
            } => self.spawn_supervisor(id, strategy, restart, reply),
            SupervisorMessage::KillChild { child, reply } => {
                let result = if self.children.contains_key(&child) {
                    self.kill(&child).await;
                    Ok(())
                } else {
                    Err(StopError::UnknownActor { target: child })
                };
                let _ = reply.send(result);
            }
            SupervisorMessage::TerminateChild { child, reply } => {
                let _ = reply.send(self.terminate_child(&child).await);
            }
            SupervisorMessage::RestartChild { child, reply } => {
                let _ = reply.send(self.restart_child(&child).await);
            }
            SupervisorMessage::DeleteChild { child, reply } => {
                let _ = reply.send(self.delete_child(&child).await);
            }
            SupervisorMessage::WhichChildren { reply } => {
                let _ = reply.send(self.which_children());
            }
            SupervisorMessage::ChildExited { child, incarnation } => {
                self.child_exited(child, incarnation);
            }
            SupervisorMessage::ChildGaveUp { child, reason } => match self.children.get(&child) {
                // OTP: a supervisor that gives up exits with `shutdown`,
                // which a transient entry treats as normal.
                Some(Child::Supervisor(_)) => self.decide(&child, ChildExit::Shutdown).await,
                // An actor whose children gave up has failed.
                Some(Child::Actor(_)) => {
                    let deadline = self.halt(&child).await;
                    self.halted_until = deadline.map(|deadline| (child.clone(), deadline));
                    self.decide(&child, ChildExit::Failed(reason)).await;
                    self.halted_until = None;
                }
                None => {}
            },
            SupervisorMessage::StopChild { child, reply } => {
                let result = if self.children.contains_key(&child) {
                    self.stop_child(&child, Purpose::Final).await;
                    Ok(())
                } else {
                    Err(StopError::UnknownActor { target: child })
                };
                let _ = reply.send(result);
            }
            SupervisorMessage::StopAll { last, reply } => {
                self.stop_all(last).await;
                let _ = reply.send(());
            }
            SupervisorMessage::Restart { reply } => {
                let result = self.restart_children().await;
                let _ = reply.send(result);
            }
        }
    }

    fn system(&self) -> Option<Arc<SystemInner>> {
        self.ctx.system()
    }

    fn emit(&self, event: SystemEvent) {
        if let Some(system) = self.system() {
            system.events.emit(event);
        }
    }

    // ----- starting -----

    /// Takes in a child started on the thread that spawned it.
    /// Its task starts here, so the child's exit notices always come after
    /// its adoption.
    fn adopt(&mut self, started: Box<Started>, notify: Option<SpawnReply>) {
        let Started {
            spec,
            cell,
            body,
            durable,
            ended,
        } = *started;
        let id = cell.id.clone();
        let Some(system) = self.system() else {
            return;
        };
        let run = match ended {
            None => {
                let run = launch(&system, &cell, body);
                system
                    .events
                    .emit(SystemEvent::Started { actor: id.clone() });
                run
            }
            Some(cause) => {
                self.followups.push_back((id.clone(), cause));
                Run::Down(Some(body))
            }
        };
        // (An ignored start is handled as a follow-up, once it is listed.)
        let config = spec.config();
        self.core.add_child(id.clone(), config.restart_type());
        self.children.insert(
            id.clone(),
            Child::Actor(Box::new(ActorChild {
                shutdown: config.shutdown(),
                capabilities: config.capabilities(),
                behavior: Arc::clone(spec.behavior()),
                cell,
                run,
                durable: durable.map(Box::new),
            })),
        );
        if let Some(notify) = notify {
            system.tell_erased(
                notify.target(),
                notify.notice(id),
                ActorPriority::Normal,
                None,
            );
        }
    }

    fn spawn_supervisor(
        &mut self,
        id: ActorId,
        strategy: SupervisionStrategy,
        restart: RestartType,
        reply: oneshot::Sender<Result<(), SpawnError>>,
    ) {
        let process = Process::new(
            Rc::clone(&self.ctx),
            id.clone(),
            Kind::Bare {
                parent: self.id.clone(),
            },
            strategy,
        );
        let queue = process.queue();
        self.ctx.add_route(id.clone(), Rc::clone(&queue));
        self.ctx.set_supervisor_parent(id.clone(), self.id.clone());
        if let Some(system) = self.system() {
            system.supervisors.lock().insert(id.clone());
        }
        tokio::task::spawn_local(process.run());
        self.core.add_child(id.clone(), restart);
        self.children.insert(id.clone(), Child::Supervisor(queue));
        self.emit(SystemEvent::SupervisorStarted { supervisor: id });
        let _ = reply.send(Ok(()));
    }

    // ----- exits -----

    fn child_exited(&mut self, child: ActorId, incarnation: u64) {
        let Some(Child::Actor(actor)) = self.children.get_mut(&child) else {
            return;
        };
        let current =
            matches!(&actor.run, Run::Running { incarnation: i, .. } if *i == incarnation);
        if !current {
            // Prospero already took this incarnation's body (a stop raced the exit).
            return;
        }
        let Run::Running { .. } = std::mem::replace(&mut actor.run, Run::Down(None)) else {
            return;
        };
        let (body, cause) = match actor_loop::take_exit(&actor.cell) {
            Some(exit) => (exit.body, exit.cause),
            None => (
                None,
                ExitCause::Failed(ActorError::msg(
                    "the actor's task ended without handing its state back",
                )),
            ),
        };
        actor.run = Run::Down(body);
        self.followups.push_back((child, cause));
    }

    async fn child_down(&mut self, child: ActorId, cause: ExitCause) {
        match cause {
            ExitCause::Yielded => {}
            ExitCause::RestartRequested => {
                self.restart_in_place(&child, RestartReason::Requested, true)
                    .await;
            }
            ExitCause::RestartedByPolicy(error) => {
                self.restart_in_place(&child, RestartReason::Failed(error), false)
                    .await;
            }
            ExitCause::Stopped { reason } => {
                self.decide(&child, ChildExit::Normal { reason }).await;
            }
            ExitCause::Failed(error) => self.decide(&child, ChildExit::Failed(error)).await,
            ExitCause::Ignored => self.ignored(&child),
        }
    }

    /// A child whose start returned `Effect::Ignore` (OTP's `ignore`): it
    /// stays listed, not running, and is not restarted on its own.
    fn ignored(&mut self, child: &ActorId) {
        tracing::info!(target: "olivier::prospero", actor = %child, "the actor declined to start (ignore)");
        self.core.child_stopped(child);
        if let Some(Child::Actor(actor)) = self.children.get_mut(child) {
            actor.run = Run::Down(None);
            let cell = Arc::clone(&actor.cell);
            if let Some(system) = self.system() {
                self.close_down(&system, child, &cell);
            }
        }
    }

    // ----- requests from outside -----

    /// Kills a child at once, without its hooks (OTP's `exit(Pid, kill)`),
    /// then decides as after any exit with reason `killed`, a failure.
    async fn kill(&mut self, child: &ActorId) {
        match self.children.get_mut(child) {
            Some(Child::Actor(actor)) => {
                if let Run::Running { abort, .. } =
                    std::mem::replace(&mut actor.run, Run::Down(None))
                {
                    abort.abort();
                    actor.cell.mailbox.supersede();
                } else {
                    // Already down: there is nothing to kill.
                    return;
                }
                tracing::warn!(target: "olivier::prospero", actor = %child, "killed");
                self.emit(SystemEvent::Killed {
                    actor: child.clone(),
                });
            }
            Some(Child::Supervisor(_)) => {
                // A killed supervisor's children go down with it.
                self.stop_child(child, Purpose::Park).await;
                self.emit(SystemEvent::Killed {
                    actor: child.clone(),
                });
            }
            None => return,
        }
        self.decide(child, ChildExit::Killed).await;
    }

    /// Stops a child (its hooks run, bounded as any stop) and keeps it
    /// listed, not running, until `restart_child` or a stop.
    async fn terminate_child(&mut self, child: &ActorId) -> Result<(), ChildError> {
        let Some(info) = self.core.child(child) else {
            return Err(ChildError::NotFound {
                child: child.clone(),
            });
        };
        if !info.running {
            return Ok(());
        }
        match self.children.get(child) {
            Some(Child::Supervisor(queue)) => {
                let queue = Rc::clone(queue);
                stop_all_of(&queue, false).await;
            }
            Some(Child::Actor(actor)) => {
                let cell = Arc::clone(&actor.cell);
                self.stop_child(child, Purpose::Park).await;
                self.put_down(child, None);
                if let Some(system) = self.system() {
                    self.close_down(&system, child, &cell);
                }
            }
            None => {}
        }
        self.core.child_stopped(child);
        Ok(())
    }

    /// Starts a listed child that is not running: a fresh `init` (and the
    /// stored state of a durable actor), then `PostRestart`.
    async fn restart_child(&mut self, child: &ActorId) -> Result<(), ChildError> {
        let Some(info) = self.core.child(child) else {
            return Err(ChildError::NotFound {
                child: child.clone(),
            });
        };
        if info.running {
            return Err(ChildError::Running {
                child: child.clone(),
            });
        }
        match self.start_again(child, RestartReason::Manual).await {
            Ok(()) => {
                self.core.child_started(child);
                Ok(())
            }
            Err(error) => {
                // It stays listed, not running: no open mailbox, no id.
                if let Some(Child::Actor(actor)) = self.children.get_mut(child) {
                    actor.run = Run::Down(None);
                    let cell = Arc::clone(&actor.cell);
                    if let Some(system) = self.system() {
                        self.close_down(&system, child, &cell);
                    }
                }
                self.restart_failed(child, &error);
                Err(ChildError::StartFailed {
                    child: child.clone(),
                    error,
                })
            }
        }
    }

    /// Removes a listed child that is not running (OTP's `delete_child`):
    /// its entry, its durable claim and its restart type go.
    async fn delete_child(&mut self, child: &ActorId) -> Result<(), ChildError> {
        let Some(info) = self.core.child(child) else {
            return Err(ChildError::NotFound {
                child: child.clone(),
            });
        };
        if info.running {
            return Err(ChildError::Running {
                child: child.clone(),
            });
        }
        self.stop_child(child, Purpose::Final).await;
        self.core.remove_child(child);
        self.children.remove(child);
        Ok(())
    }

    /// The children in start order, as the core lists them.
    fn which_children(&self) -> Vec<ChildSummary> {
        self.core
            .children()
            .map(|info| ChildSummary {
                id: info.id.clone(),
                kind: match self.children.get(&info.id) {
                    Some(Child::Supervisor(_)) => ChildKind::Supervisor,
                    _ => ChildKind::Worker,
                },
                restart: info.restart,
                running: info.running,
            })
            .collect()
    }

    /// A restart the actor chose (its behavior or its error policy), not
    /// counted by the supervisor.
    async fn restart_in_place(&mut self, child: &ActorId, reason: RestartReason, pre: bool) {
        let Some(system) = self.system() else { return };
        let Some(mut body) = self.down_body(child) else {
            return;
        };
        if pre {
            let deadline = self.hook_deadline(child);
            let event = LifecycleEvent::PreRestart {
                reason: reason.clone(),
            };
            match run_hook(&system, body, deadline, event, false).await {
                Some(back) => body = back,
                None => {
                    self.hook_cut_off(child);
                    self.stop_grandchildren(child, false).await;
                    self.followups.push_back((
                        child.clone(),
                        ExitCause::Failed(ActorError::msg(
                            "killed: its PreRestart hook ran past its shutdown timeout",
                        )),
                    ));
                    return;
                }
            }
        }
        body.cancel_timers();
        self.stop_grandchildren(child, false).await;
        // A policy restart already installed the policy's state.
        if let Err(error) = self.revive(&system, child, body, reason, pre).await {
            self.restart_failed(child, &error);
            self.followups
                .push_back((child.clone(), ExitCause::Failed(error)));
        }
    }

    async fn decide(&mut self, child: &ActorId, exit: ChildExit) {
        let directive = self.core.child_exited(child, &exit, self.ctx.now());
        self.execute(directive, child.clone(), exit).await;
    }

    /// Carries out a directive of the core, and the ones that failed
    /// restarts lead to.
    async fn execute(&mut self, directive: Directive, origin: ActorId, exit: ChildExit) {
        let mut directive = directive;
        let mut origin = origin;
        let mut exit = exit;
        loop {
            match directive {
                Directive::Nothing => {
                    self.bring_down(&origin, &exit, false).await;
                    if !self.in_core(&origin) {
                        self.stop_child(&origin, Purpose::Final).await;
                    } else if let Some(Child::Actor(actor)) = self.children.get_mut(&origin) {
                        // OTP keeps a transient child that ended normally
                        // listed, not running: its body and mailbox go.
                        actor.run = Run::Down(None);
                        let cell = Arc::clone(&actor.cell);
                        if let Some(system) = self.system() {
                            self.close_down(&system, &origin, &cell);
                        }
                    }
                    return;
                }
                Directive::Restart {
                    failed,
                    stop,
                    start,
                } => {
                    let restarting = start.contains(&failed);
                    self.bring_down(&failed, &exit, restarting).await;
                    if !restarting {
                        self.stop_child(&failed, Purpose::Final).await;
                    }
                    for sibling in &stop {
                        let purpose = if start.contains(sibling) {
                            Purpose::Restart {
                                sibling: failed.clone(),
                            }
                        } else {
                            // A temporary sibling: stopped and removed.
                            Purpose::Final
                        };
                        self.stop_child(sibling, purpose).await;
                    }
                    let mut next = None;
                    for child in &start {
                        let reason = if *child == failed {
                            restart_reason(&exit)
                        } else {
                            RestartReason::SiblingFailed {
                                sibling: failed.clone(),
                            }
                        };
                        match self.start_again(child, reason).await {
                            Ok(()) => self.core.child_started(child),
                            Err(error) => {
                                self.restart_failed(child, &error);
                                // OTP: a failed restart counts as another restart.
                                let now = self.ctx.now();
                                next = Some(self.core.start_failed(child, error.clone(), now));
                                origin = child.clone();
                                exit = ChildExit::Failed(error);
                                break;
                            }
                        }
                    }
                    match next {
                        Some(following) => directive = following,
                        None => return,
                    }
                }
                Directive::GiveUp { stop, reason } => {
                    self.bring_down(&origin, &exit, false).await;
                    for child in &stop {
                        self.stop_child(child, Purpose::Park).await;
                    }
                    self.give_up(reason).await;
                    return;
                }
                other => {
                    tracing::error!(target: "olivier::prospero", supervisor = %self.id, ?other, "directive not supported");
                    return;
                }
            }
        }
    }

    /// Reports a restart attempt that failed (its `init` or `PostRestart`);
    /// the next attempt follows as OTP's does, counted toward intensity.
    fn restart_failed(&self, child: &ActorId, error: &ActorError) {
        tracing::warn!(target: "olivier::prospero", actor = %child, %error, "restart failed");
        self.emit(SystemEvent::RestartFailed {
            actor: child.clone(),
            error: error.clone(),
        });
    }

    fn in_core(&self, child: &ActorId) -> bool {
        self.core.contains(child)
    }

    /// Finishes the exit of a child that is down: `PreRestart` (when it
    /// failed and will restart) or `PostStop`, its own children stopped.
    /// The hooks run off Prospero's thread, bounded by the child's shutdown
    /// timeout; one that runs past it is cut off (the child is killed).
    async fn bring_down(&mut self, child: &ActorId, exit: &ChildExit, restarting: bool) {
        let Some(system) = self.system() else { return };
        let Some(mut body) = self.down_body(child) else {
            if matches!(self.children.get(child), Some(Child::Actor(_))) {
                self.stop_grandchildren(child, false).await;
            }
            return;
        };
        let deadline = self.hook_deadline(child);
        if restarting && let ChildExit::Failed(error) = exit {
            let event = LifecycleEvent::PreRestart {
                reason: RestartReason::Failed(error.clone()),
            };
            match run_hook(&system, body, deadline, event, false).await {
                Some(back) => body = back,
                None => {
                    self.hook_cut_off(child);
                    self.stop_grandchildren(child, false).await;
                    return;
                }
            }
        }
        body.cancel_timers();
        self.stop_grandchildren(child, false).await;
        if !restarting || matches!(exit, ChildExit::Normal { .. }) {
            // A normal stop's final state is committed; after a failure it
            // is not (the recovery point stays the last committed state).
            let normal = matches!(exit, ChildExit::Normal { .. });
            match post_stop(&system, body, deadline, normal).await {
                Some(back) => body = back,
                None => {
                    self.hook_cut_off(child);
                    return;
                }
            }
        }
        self.put_down(child, Some(body));
    }

    /// When the hooks of `child` that start now must have ended: its
    /// shutdown timeout from now; none for `Infinity`. A `BrutalKill`
    /// child's own exit hooks (after it failed or stopped itself, which no
    /// kill interrupts) get the default timeout.
    fn hook_deadline(&mut self, child: &ActorId) -> Option<Instant> {
        if let Some((halted, deadline)) = self.halted_until.take() {
            if &halted == child {
                return Some(deadline);
            }
            self.halted_until = Some((halted, deadline));
        }
        let shutdown = match self.children.get(child) {
            Some(Child::Actor(actor)) => actor.shutdown,
            _ => Shutdown::default(),
        };
        let timeout = match shutdown {
            Shutdown::BrutalKill => Shutdown::default().timeout(),
            other => other.timeout(),
        };
        timeout.map(|timeout| Instant::now() + timeout)
    }

    /// Reports a hook that ran past its deadline: the child was killed
    /// (OTP's `shutdown_error` with reason `killed`); its body is gone.
    fn hook_cut_off(&mut self, child: &ActorId) {
        // The bound its hooks had (see `hook_deadline`).
        let timeout = match self.children.get(child) {
            Some(Child::Actor(actor)) => match actor.shutdown {
                Shutdown::BrutalKill => Shutdown::default().timeout(),
                other => other.timeout(),
            },
            _ => None,
        }
        .unwrap_or_default();
        tracing::warn!(
            target: "olivier::prospero",
            actor = %child,
            ?timeout,
            "a lifecycle hook ran past the shutdown timeout: the actor was killed"
        );
        self.emit(SystemEvent::Aborted {
            actor: child.clone(),
            timeout,
        });
        self.put_down(child, None);
    }

    /// Takes the body of a child that is down.
    fn down_body(&mut self, child: &ActorId) -> Option<Box<Body>> {
        match self.children.get_mut(child) {
            Some(Child::Actor(actor)) => match &mut actor.run {
                Run::Down(body) => body.take(),
                Run::Running { .. } => None,
            },
            _ => None,
        }
    }

    fn put_down(&mut self, child: &ActorId, body: Option<Box<Body>>) {
        if let Some(Child::Actor(actor)) = self.children.get_mut(child) {
            actor.run = Run::Down(body);
        }
    }

    /// Brings a running child's task to a halt and takes its body back.
    ///
    /// `BrutalKill` aborts the task at once (no hook runs; OTP's reason
    /// `killed`, not an error). Otherwise a yield request, which overtakes
    /// its messages, is awaited until the child's shutdown deadline (for
    /// ever with `Infinity`); past it the task is aborted (reported as
    /// OTP's `shutdown_error`). Returns the deadline, which the hooks that
    /// follow share.
    async fn halt(&mut self, child: &ActorId) -> Option<Instant> {
        let deadline = self.hook_deadline(child);
        let Some(Child::Actor(actor)) = self.children.get_mut(child) else {
            return deadline;
        };
        let run = std::mem::replace(&mut actor.run, Run::Down(None));
        let Run::Running { abort, incarnation } = run else {
            actor.run = run;
            return deadline;
        };
        let cell = Arc::clone(&actor.cell);
        let shutdown = actor.shutdown;
        if shutdown == Shutdown::BrutalKill {
            abort.abort();
            cell.mailbox.supersede();
            tracing::debug!(target: "olivier::prospero", actor = %child, "killed (brutal_kill)");
            self.emit(SystemEvent::Killed {
                actor: child.clone(),
            });
            return deadline;
        }
        let deadline = shutdown.timeout().map(|timeout| Instant::now() + timeout);
        cell.mailbox.push_yield(incarnation);
        self.emit(SystemEvent::Stopping {
            actor: child.clone(),
        });
        let handed = match self.system() {
            Some(system) => handed_back(&system, &cell, deadline).await,
            // The system is gone, so is every task (each holds it): what
            // it handed back is there, if anything.
            None => Some(actor_loop::take_exit(&cell).and_then(|exit| exit.body)),
        };
        let body = match handed {
            Some(body) => body,
            None => {
                abort.abort();
                cell.mailbox.supersede();
                let timeout = shutdown.timeout().unwrap_or_default();
                tracing::warn!(
                    target: "olivier::prospero",
                    actor = %child,
                    ?timeout,
                    "actor did not stop within its shutdown timeout: killed without its stop hook"
                );
                self.emit(SystemEvent::Aborted {
                    actor: child.clone(),
                    timeout,
                });
                None
            }
        };
        self.put_down(child, body);
        deadline
    }

    /// Stops one child (and its subtree, depth first).
    async fn stop_child(&mut self, child: &ActorId, purpose: Purpose) {
        match self.children.get(child) {
            None => {}
            Some(Child::Supervisor(queue)) => {
                let queue = Rc::clone(queue);
                let last = matches!(purpose, Purpose::Final);
                stop_all_of(&queue, last).await;
                if last {
                    self.children.remove(child);
                    self.core.remove_child(child);
                    self.ctx.remove_route(child);
                    self.emit(SystemEvent::Stopped {
                        actor: child.clone(),
                    });
                }
            }
            Some(Child::Actor(actor)) => {
                let cell = Arc::clone(&actor.cell);
                let Some(system) = self.system() else { return };
                if matches!(purpose, Purpose::Final) {
                    cell.set_closing(true);
                }
                let deadline = self.halt(child).await;
                let mut body = self.down_body(child);
                match &purpose {
                    Purpose::Restart { sibling } => {
                        if let Some(taken) = body.take() {
                            let event = LifecycleEvent::PreRestart {
                                reason: RestartReason::SiblingFailed {
                                    sibling: sibling.clone(),
                                },
                            };
                            body = run_hook(&system, taken, deadline, event, false).await;
                            match &mut body {
                                Some(body) => body.cancel_timers(),
                                None => self.hook_cut_off(child),
                            }
                        }
                        self.stop_grandchildren(child, false).await;
                    }
                    Purpose::Final | Purpose::Park => {
                        let last = matches!(purpose, Purpose::Final);
                        self.stop_grandchildren(child, last).await;
                        if let Some(taken) = body.take() {
                            body = post_stop(&system, taken, deadline, true).await;
                            if body.is_none() {
                                self.hook_cut_off(child);
                            }
                        }
                    }
                }
                if matches!(purpose, Purpose::Final) {
                    drop(body);
                    self.children.remove(child);
                    self.core.remove_child(child);
                    self.close_down(&system, child, &cell);
                    // After it is unregistered: a name registered meanwhile
                    // is freed too.
                    system.registry.forget_names_of(child);
                } else {
                    self.put_down(child, body);
                    if matches!(purpose, Purpose::Park) {
                        // Down until its supervisor starts it again (in a
                        // new cell): what it is sent meanwhile is a dead
                        // letter, not a message that waits for ever.
                        self.close_down(&system, child, &cell);
                    }
                }
            }
        }
    }

    /// Ends a stopped child's presence in the system: unregistered, what
    /// its mailbox held counted as dead letters, `Stopped` emitted (once).
    fn close_down(&self, system: &SystemInner, child: &ActorId, cell: &ActorCell) {
        if cell.mailbox.is_closed() {
            return;
        }
        system.actor_gone(child, "it stopped");
        system.bury(child, cell.mailbox.close());
        system.events.emit(SystemEvent::Stopped {
            actor: child.clone(),
        });
    }

    /// Stops the children of an actor child (its own supervisor process).
    async fn stop_grandchildren(&mut self, child: &ActorId, last: bool) {
        if let Some(queue) = self.ctx.existing_route(child) {
            stop_all_of(&queue, last).await;
        }
    }

    /// Stops every child in reverse start order.
    async fn stop_all(&mut self, last: bool) {
        let purpose = if last || !matches!(self.kind, Kind::Bare { .. }) {
            Purpose::Final
        } else {
            Purpose::Park
        };
        let order: Vec<ActorId> = self
            .core
            .children()
            .rev()
            .map(|info| info.id.clone())
            .collect();
        for child in &order {
            self.stop_child(child, purpose.clone()).await;
        }
        if matches!(purpose, Purpose::Final) {
            let rest: Vec<ActorId> = self.children.keys().cloned().collect();
            for child in &rest {
                self.stop_child(child, Purpose::Final).await;
            }
            self.core = SupervisorCore::new(self.strategy);
        }
        if last {
            self.finished = true;
            if matches!(self.kind, Kind::Root) {
                self.end_system(None);
            }
        }
    }

    // ----- restarting -----

    /// Starts a stopped child again (fresh state, `PostRestart`).
    async fn start_again(
        &mut self,
        child: &ActorId,
        reason: RestartReason,
    ) -> Result<(), ActorError> {
        let Some(system) = self.system() else {
            return Err(ActorError::msg("the actor system is gone"));
        };
        match self.children.get_mut(child) {
            None => Ok(()),
            Some(Child::Supervisor(queue)) => {
                let (reply, answer) = oneshot::channel();
                if queue.push(SupervisorMessage::Restart { reply }).is_err() {
                    return Err(ActorError::msg(format!("supervisor `{child}` has stopped")));
                }
                match answer.await {
                    Ok(result) => result,
                    Err(_) => Err(ActorError::msg(format!("supervisor `{child}` has stopped"))),
                }
            }
            Some(Child::Actor(actor)) => {
                if matches!(actor.run, Run::Running { .. }) {
                    return Ok(());
                }
                if actor.cell.mailbox.is_closed() {
                    // Listed but not running (a transient child that ended
                    // normally, a terminated or ignored child): a new cell.
                    let cell = Arc::new(actor.cell.renewed());
                    system
                        .registry
                        .insert(child.clone(), Entry::Actor(Arc::clone(&cell)));
                    actor.cell = cell;
                }
                let behavior = Arc::clone(&actor.behavior);
                let capabilities = actor.capabilities;
                let durable = actor.durable.as_deref().map(Durable::rebind);
                let cell = Arc::clone(&actor.cell);
                let body = match self.down_body(child) {
                    Some(body) => body,
                    None => instantiate(
                        &system,
                        (&*behavior, capabilities),
                        child,
                        &self.id,
                        durable,
                        &cell,
                    ),
                };
                self.revive(&system, child, body, reason, true).await
            }
        }
    }

    /// Gives a body a fresh state (unless `fresh` is false: the error
    /// policy installed one), delivers `PostRestart`, and starts its task.
    async fn revive(
        &mut self,
        system: &Arc<SystemInner>,
        child: &ActorId,
        mut body: Box<Body>,
        reason: RestartReason,
        fresh: bool,
    ) -> Result<(), ActorError> {
        if !matches!(self.children.get(child), Some(Child::Actor(_))) {
            return Ok(());
        }
        // A restarted actor starts with an empty arena (its failure may
        // have been this very budget).
        body.arena.reset_for_restart();
        let requested = matches!(reason, RestartReason::Requested);
        // The fresh state and `PostRestart` run off Prospero's thread;
        // the supervisor waits for them, as OTP's waits for a start.
        let started = off_thread(system, body, None, move |system, body, race| {
            if fresh {
                // A fresh state from `init`; a durable actor then goes back
                // to its last committed state (its recovery point), unless
                // its own behavior asked for the restart: the explicit reset.
                body.actor.reset().map_err(|failure| failure.to_error())?;
                if !requested {
                    body.recover_committed()?;
                }
            }
            Ok(hook(system, body, LifecycleEvent::PostRestart, true, race))
        })
        .await;
        let Some(Child::Actor(actor)) = self.children.get_mut(child) else {
            return Ok(());
        };
        let (body, settled) = match started {
            Some((body, Ok(Some(settled)))) => (body, settled),
            Some((body, Err(error))) => {
                actor.run = Run::Down(Some(body));
                return Err(error);
            }
            Some((_, Ok(None))) | None => {
                actor.run = Run::Down(None);
                return Err(ActorError::msg(
                    "the restart's hooks ended without handing the actor back",
                ));
            }
        };
        actor.cell.set_closing(false);
        match settled {
            Settled::Running | Settled::Resumed(_) => {
                actor.run = launch(system, &actor.cell, body);
            }
            Settled::Exit(ExitCause::Failed(error)) => {
                actor.run = Run::Down(Some(body));
                return Err(error);
            }
            Settled::Exit(ExitCause::RestartRequested | ExitCause::RestartedByPolicy(_)) => {
                // Counted as a failed restart, so a PostRestart that always
                // asks for another is bounded by the restart intensity.
                actor.run = Run::Down(Some(body));
                return Err(ActorError::msg(
                    "its PostRestart hook asked for another restart",
                ));
            }
            Settled::Exit(cause) => {
                actor.run = Run::Down(Some(body));
                self.followups.push_back((child.clone(), cause));
            }
        }
        actor.cell.stats.restart();
        tracing::info!(target: "olivier::prospero", actor = %child, ?reason, "actor restarted");
        system.events.emit(SystemEvent::Restarted {
            actor: child.clone(),
            reason,
        });
        Ok(())
    }

    /// Restarts an explicit supervisor: a fresh restart history, then its
    /// children started again in start order.
    async fn restart_children(&mut self) -> Result<(), ActorError> {
        let order: Vec<(ActorId, RestartType)> = self
            .core
            .children()
            .map(|info| (info.id.clone(), info.restart))
            .collect();
        self.core = SupervisorCore::new(self.strategy);
        let reason = RestartReason::SupervisorRestarted {
            supervisor: self.id.clone(),
        };
        for (child, restart) in order {
            if restart == RestartType::Temporary {
                // OTP never restarts a temporary child, not even with its
                // supervisor: it is removed.
                self.stop_child(&child, Purpose::Final).await;
                self.children.remove(&child);
                continue;
            }
            self.core.add_child(child.clone(), restart);
            if let Err(error) = self.start_again(&child, reason.clone()).await {
                self.stop_all(false).await;
                return Err(error);
            }
        }
        Ok(())
    }

    /// The restart intensity is exceeded: fail to this supervisor's own
    /// supervisor, or end the system at the root.
    async fn give_up(&mut self, reason: ActorError) {
        tracing::error!(target: "olivier::prospero", supervisor = %self.id, %reason, "supervisor gave up");
        self.emit(SystemEvent::SupervisorGaveUp {
            supervisor: self.id.clone(),
            reason: reason.clone(),
        });
        match &self.kind {
            Kind::Root => {
                let rest: Vec<ActorId> = self.children.keys().cloned().collect();
                for child in &rest {
                    self.stop_child(child, Purpose::Final).await;
                }
                self.finished = true;
                self.end_system(Some(SystemFailure::RootGaveUp { reason }));
            }
            Kind::Bare { parent } => {
                let parent = parent.clone();
                self.ctx.route(
                    &parent,
                    SupervisorMessage::ChildGaveUp {
                        child: self.id.clone(),
                        reason,
                    },
                );
            }
            Kind::Actor { cell } => {
                let parent = cell.parent.clone();
                let rest: Vec<ActorId> = self.children.keys().cloned().collect();
                for child in &rest {
                    self.stop_child(child, Purpose::Final).await;
                }
                self.core = SupervisorCore::new(self.strategy);
                self.ctx.route(
                    &parent,
                    SupervisorMessage::ChildGaveUp {
                        child: self.id.clone(),
                        reason,
                    },
                );
            }
        }
    }

    fn end_system(&self, failure: Option<SystemFailure>) {
        if let Some(system) = self.system() {
            system.finish(failure);
        }
        self.ctx.finish();
    }
}

/// Starts a task for `body` on the system's runtime.
fn launch(system: &Arc<SystemInner>, cell: &Arc<ActorCell>, body: Box<Body>) -> Run {
    let incarnation = cell.mailbox.supersede();
    let task = system.handle.spawn(actor_loop::run(
        Arc::clone(system),
        Arc::clone(cell),
        body,
        incarnation,
    ));
    Run::Running {
        abort: task.abort_handle(),
        incarnation,
    }
}

/// Waits up to `timeout` for the current task of `cell` to hand back what
/// it ended with: its body (none if the task ended without it), or `None`
/// when the time ran out.
async fn handed_back(
    system: &SystemInner,
    cell: &ActorCell,
    deadline: Option<Instant>,
) -> Option<Option<Box<Body>>> {
    loop {
        // Registered before the look, so a hand-back after it wakes us.
        let mut woken = std::pin::pin!(system.handed_back.notified());
        woken.as_mut().enable();
        if let Some(exit) = actor_loop::take_exit(cell) {
            return Some(exit.body);
        }
        let Some(deadline) = deadline else {
            woken.await;
            continue;
        };
        if tokio::time::timeout_at(deadline, woken).await.is_err() {
            // One last look: it may have come as the time ran out.
            return actor_loop::take_exit(cell).map(|exit| exit.body);
        }
    }
}

async fn stop_all_of(queue: &LocalQueue, last: bool) {
    let (reply, done) = oneshot::channel();
    if queue
        .push(SupervisorMessage::StopAll { last, reply })
        .is_ok()
    {
        let _ = done.await;
    }
}

fn restart_reason(exit: &ChildExit) -> RestartReason {
    match exit {
        ChildExit::Failed(error) => RestartReason::Failed(error.clone()),
        ChildExit::Normal { reason } => RestartReason::Exited {
            reason: reason.clone(),
        },
        ChildExit::Shutdown => RestartReason::Exited {
            reason: "shut down".to_owned(),
        },
        ChildExit::Killed => RestartReason::Failed(ActorError::msg("killed")),
        other => RestartReason::Failed(ActorError::msg(format!("{other:?}"))),
    }
}

/// Runs `work` on `body` off Prospero's thread (on the runtime's blocking
/// pool: a hook is plain code that may block) and waits for it until
/// `deadline`, or for ever with none. Past the deadline the work is cut
/// off, as OTP kills a child that does not stop in time: the body is
/// abandoned, whatever the hook returns later is neither committed nor
/// performed ([`HookRace`] decides that once), its pending timers are
/// cancelled, and `None` comes back. A hook that was already settling at
/// the deadline (committing its state) is waited for instead.
///
/// A cut-off hook still holds its blocking thread until it returns (Rust
/// cannot kill a thread); the pool grows for the next one.
async fn off_thread<T: Send + 'static>(
    system: &Arc<SystemInner>,
    body: Box<Body>,
    deadline: Option<Instant>,
    work: impl FnOnce(&Arc<SystemInner>, &mut Body, &HookRace) -> T + Send + 'static,
) -> Option<(Box<Body>, T)> {
    let race = Arc::new(HookRace::default());
    // The timers the body had: a cut-off body is gone, and they go with it.
    let timers = body.timer_handles();
    let mut task = {
        let (owner, race) = (Arc::clone(system), Arc::clone(&race));
        let mut body = body;
        system.handle.spawn_blocking(move || {
            let done = work(&owner, &mut body, &race);
            (body, done)
        })
    };
    let joined = match deadline {
        Some(deadline) => match tokio::time::timeout_at(deadline, &mut task).await {
            Ok(joined) => joined,
            Err(_) if race.cut() => {
                for timer in timers {
                    timer.abort();
                }
                return None;
            }
            // It was settling when the time ran out: its commit ends it.
            Err(_) => task.await,
        },
        None => task.await,
    };
    match joined {
        Ok(done) => Some(done),
        Err(error) => {
            tracing::error!(target: "olivier::prospero", %error, "a lifecycle hook's thread ended without its actor");
            None
        }
    }
}

/// Delivers `event` off Prospero's thread until `deadline` (see
/// [`off_thread`]); `None` when it was cut off.
async fn run_hook(
    system: &Arc<SystemInner>,
    body: Box<Body>,
    deadline: Option<Instant>,
    event: LifecycleEvent,
    commit: bool,
) -> Option<Box<Body>> {
    off_thread(system, body, deadline, move |system, body, race| {
        let _ = hook(system, body, event, commit, race);
    })
    .await
    .map(|(body, ())| body)
}

/// Delivers `PostStop` (once: the state is dropped after it) and cancels
/// timers, off Prospero's thread until `deadline`; `None` when it was cut
/// off. With `commit` the hook's state is committed (a normal stop).
async fn post_stop(
    system: &Arc<SystemInner>,
    mut body: Box<Body>,
    deadline: Option<Instant>,
    commit: bool,
) -> Option<Box<Body>> {
    if !body.actor.has_state() {
        body.cancel_timers();
        return Some(body);
    }
    off_thread(system, body, deadline, move |system, body, race| {
        let _ = hook(system, body, LifecycleEvent::PostStop, commit, race);
        body.actor.discard();
        body.cancel_timers();
    })
    .await
    .map(|(body, ())| body)
}

#[cfg(test)]
mod tests;
