//! The failure an actor escalates.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A failure raised by behavior code and handed to supervision.
///
/// It keeps the display text of the error it was built from, and the error
/// itself when there is one, so a native runtime can walk its `source()`
/// chain. On the wire only the text travels. Cloning shares the source.
///
/// # Examples
///
/// ```
/// use alloy_actors::ActorError;
///
/// let parse = "x".parse::<u32>().unwrap_err();
/// let failure = ActorError::new(parse);
/// assert_eq!(failure.to_string(), "invalid digit found in string");
/// assert!(std::error::Error::source(&failure).is_some());
///
/// let plain = ActorError::msg("disk on fire");
/// assert_eq!(plain.message(), "disk on fire");
/// ```
#[derive(Clone)]
pub struct ActorError {
    message: String,
    source: Option<Arc<dyn Error + Send + Sync + 'static>>,
}

impl ActorError {
    /// Wraps an error, keeping it as the source.
    pub fn new<E: Error + Send + Sync + 'static>(error: E) -> Self {
        Self {
            message: error.to_string(),
            source: Some(Arc::new(error)),
        }
    }

    /// A failure described by text alone.
    pub fn msg(message: impl fmt::Display) -> Self {
        Self {
            message: message.to_string(),
            source: None,
        }
    }

    /// The failure's text.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ActorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for ActorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActorError({:?})", self.message)
    }
}

impl Error for ActorError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn Error + 'static))
    }
}

impl PartialEq for ActorError {
    /// Two failures are equal when their texts are; sources are not compared.
    fn eq(&self, other: &Self) -> bool {
        self.message == other.message
    }
}

impl Eq for ActorError {}

impl Serialize for ActorError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.message)
    }
}

impl<'de> Deserialize<'de> for ActorError {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(ActorError::msg)
    }
}

impl From<&str> for ActorError {
    fn from(text: &str) -> Self {
        ActorError::msg(text)
    }
}

impl From<String> for ActorError {
    fn from(text: String) -> Self {
        ActorError::msg(text)
    }
}
