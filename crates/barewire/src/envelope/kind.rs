//! What an envelope's message is for.

use serde::{Deserialize, Serialize};

/// The envelope's `Kind` enum; the discriminants are the schema's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[repr(u8)]
pub enum Kind {
    /// A one-way message.
    #[default]
    Tell = 0,
    /// A request that expects a reply carrying the same correlation id.
    Ask = 1,
    /// The answer to an ask.
    Reply = 2,
    /// An ask that failed.
    Error = 3,
    /// A message from the runtime itself (supervision, lifecycle).
    System = 4,
}

impl Kind {
    /// Every kind, in value order.
    pub const ALL: [Kind; 5] = [
        Kind::Tell,
        Kind::Ask,
        Kind::Reply,
        Kind::Error,
        Kind::System,
    ];

    /// The kind with BARE enum value `value`, if it is declared.
    pub fn from_value(value: u64) -> Option<Self> {
        Self::ALL.get(usize::try_from(value).ok()?).copied()
    }
}
