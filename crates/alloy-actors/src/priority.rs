//! Message priorities, from supervision down to background work.

use serde::{Deserialize, Serialize};

/// How urgent a message is; a runtime's mailbox serves higher priorities first.
///
/// The order follows the seed's MoQ mapping: supervision commands and failure
/// notices first, then control (lifecycle, configuration), ordinary business
/// messages, bulk data and finally background telemetry. `Ord` sorts the most
/// urgent first.
///
/// # Examples
///
/// ```
/// use alloy_actors::ActorPriority;
///
/// assert!(ActorPriority::Supervision < ActorPriority::Normal);
/// assert_eq!(ActorPriority::default(), ActorPriority::Normal);
/// assert_eq!(ActorPriority::from_index(3), Some(ActorPriority::Bulk));
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub enum ActorPriority {
    /// Supervisor commands and failure notifications.
    Supervision = 0,
    /// Lifecycle events and configuration.
    Control = 1,
    /// Business messages.
    #[default]
    Normal = 2,
    /// Batch data and logs.
    Bulk = 3,
    /// Metrics and telemetry.
    Background = 4,
}

impl ActorPriority {
    /// Every priority, most urgent first.
    pub const ALL: [ActorPriority; 5] = [
        ActorPriority::Supervision,
        ActorPriority::Control,
        ActorPriority::Normal,
        ActorPriority::Bulk,
        ActorPriority::Background,
    ];

    /// The priority's index, 0 (most urgent) to 4; also its BAREWire enum value.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The priority with index `index`, if there is one.
    pub const fn from_index(index: usize) -> Option<Self> {
        match index {
            0 => Some(Self::Supervision),
            1 => Some(Self::Control),
            2 => Some(Self::Normal),
            3 => Some(Self::Bulk),
            4 => Some(Self::Background),
            _ => None,
        }
    }
}
