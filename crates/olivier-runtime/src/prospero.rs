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

mod ctx;
mod process;
mod queue;

use std::rc::Rc;
use std::sync::Weak;
use std::time::{Duration, Instant};

use alloy_actors::{ActorId, SupervisionStrategy};
use tokio::sync::mpsc;

use crate::error::StopError;
use crate::kernel::SystemInner;
use crate::platform::{self, ProsperoPriority};
use crate::protocol::Command;
use ctx::{Ctx, Kind};
use process::Process;
use queue::LocalQueue;

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
            let ctx = Rc::new(Ctx::new(system, start_process));
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

/// Starts a supervisor process as a task of the Prospero thread.
fn start_process(
    ctx: Rc<Ctx>,
    id: ActorId,
    kind: Kind,
    strategy: SupervisionStrategy,
) -> Rc<LocalQueue> {
    let process = Process::new(ctx, id, kind, strategy);
    let queue = process.queue();
    tokio::task::spawn_local(process.run());
    queue
}
