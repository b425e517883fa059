//! A supervisor's children as it stores them: address, class, restart
//! type, whether each runs, and how often each restarted.

use alloy_actors::RestartType;
use serde::{Deserialize, Serialize};

use crate::health::ChildHealth;

/// A parent-child link, stored by the parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ChildLink {
    /// The child's address.
    pub(crate) id: String,
    /// The child's Durable Object class (binding).
    pub(crate) class: String,
    /// 0 permanent, 1 transient, 2 temporary.
    pub(crate) restart: u8,
    /// Whether it runs (a transient child that stopped normally does not,
    /// and stays listed).
    pub(crate) running: bool,
    /// The restarts the child reported done, over the parent's stored life.
    pub(crate) restarts: u64,
}

impl ChildLink {
    /// A running child that never restarted.
    pub(crate) fn new(id: String, class: String, restart: RestartType) -> Self {
        Self {
            id,
            class,
            restart: restart_code(restart),
            running: true,
            restarts: 0,
        }
    }

    /// Its restart type.
    pub(crate) fn restart_type(&self) -> RestartType {
        restart_type(self.restart)
    }

    /// How the parent's health shows it.
    pub(crate) fn health(&self) -> ChildHealth {
        ChildHealth {
            id: self.id.clone(),
            restart: restart_name(self.restart_type()),
            running: self.running,
            restarts: self.restarts,
        }
    }
}

/// The stored code of a restart type.
pub(crate) fn restart_code(restart: RestartType) -> u8 {
    match restart {
        RestartType::Permanent => 0,
        RestartType::Transient => 1,
        RestartType::Temporary => 2,
    }
}

/// The restart type of a stored code (unknown codes are permanent).
pub(crate) fn restart_type(code: u8) -> RestartType {
    match code {
        1 => RestartType::Transient,
        2 => RestartType::Temporary,
        _ => RestartType::Permanent,
    }
}

/// OTP's name of a restart type.
pub(crate) fn restart_name(restart: RestartType) -> &'static str {
    match restart {
        RestartType::Permanent => "permanent",
        RestartType::Transient => "transient",
        RestartType::Temporary => "temporary",
    }
}

#[cfg(test)]
mod tests;
