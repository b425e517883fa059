//! How urgently an envelope should be delivered.

use serde::{Deserialize, Serialize};

/// The envelope's `Priority` enum; the discriminants are the schema's values.
/// A lower value is more urgent, and `Ord` follows the value.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[repr(u8)]
pub enum Priority {
    /// Supervision signals: failures, restarts, stops.
    Supervision = 0,
    /// Control messages of the runtime.
    Control = 1,
    /// Ordinary messages.
    #[default]
    Normal = 2,
    /// Large transfers that may wait behind normal traffic.
    Bulk = 3,
    /// Whatever can wait the longest.
    Background = 4,
}

impl Priority {
    /// Every priority, most urgent first.
    pub const ALL: [Priority; 5] = [
        Priority::Supervision,
        Priority::Control,
        Priority::Normal,
        Priority::Bulk,
        Priority::Background,
    ];

    /// The priority with BARE enum value `value`, if it is declared.
    pub fn from_value(value: u64) -> Option<Self> {
        Self::ALL.get(usize::try_from(value).ok()?).copied()
    }
}
