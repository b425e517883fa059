//! Actor identities: cheap to clone, printable as an address, parseable back.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The identity of one actor: a slash-separated path and an instance number.
///
/// An id prints as an address such as `system/parent/child#3` and parses back
/// from it. The path names the actor's place in its supervision tree; the
/// instance tells apart actors that reuse a path over time. Cloning is one
/// reference-count increment.
///
/// # Examples
///
/// ```
/// use alloy_actors::ActorId;
///
/// let parent = ActorId::root("shop")?;
/// let child = parent.child("cart", 7)?;
/// assert_eq!(child.to_string(), "shop/cart#7");
/// assert_eq!(child.name(), "cart");
/// assert_eq!(child.parent_path(), Some("shop"));
/// assert_eq!("shop/cart#7".parse::<ActorId>()?, child);
/// # Ok::<(), alloy_actors::ActorIdError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActorId {
    path: Arc<str>,
    instance: u64,
}

/// Why a text is not a valid actor id or path segment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ActorIdError {
    /// The address has no `#instance` suffix.
    #[error("actor address `{0}` has no `#instance` suffix")]
    MissingInstance(String),
    /// The instance after `#` is not a decimal `u64`.
    #[error("actor address `{0}` has an instance that is not a decimal u64")]
    BadInstance(String),
    /// A path segment is empty (`a//b`, a leading or trailing `/`, or no path at all).
    #[error("actor path `{0}` has an empty segment")]
    EmptySegment(String),
    /// A path segment holds `/`, `#`, whitespace or a control character.
    #[error("actor path segment `{segment}` holds the forbidden character {character:?}")]
    ForbiddenCharacter {
        /// The offending segment.
        segment: String,
        /// The first forbidden character in it.
        character: char,
    },
}

impl ActorId {
    /// Builds an id from a full path and an instance number.
    ///
    /// # Errors
    ///
    /// [`ActorIdError::EmptySegment`] or [`ActorIdError::ForbiddenCharacter`]
    /// when `path` is not a valid slash-separated path.
    pub fn new(path: &str, instance: u64) -> Result<Self, ActorIdError> {
        validate_path(path)?;
        Ok(Self {
            path: Arc::from(path),
            instance,
        })
    }

    /// The root of a tree: a one-segment path with instance 0.
    ///
    /// # Errors
    ///
    /// As [`ActorId::new`], and a root name may not contain `/`.
    pub fn root(system: &str) -> Result<Self, ActorIdError> {
        validate_segment(system)?;
        Self::new(system, 0)
    }

    /// The address of whatever actor `system` registered under `name`: the
    /// path `system/name` with instance 0, which no spawned actor has
    /// (instances start at 1). A runtime resolves it where it is delivered,
    /// so a sender need not know the actor's instance, nor where in the
    /// tree it lives.
    ///
    /// # Errors
    ///
    /// As [`ActorId::root`] for each of `system` and `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// use alloy_actors::ActorId;
    ///
    /// let named = ActorId::named("shop", "counter")?;
    /// assert_eq!(named.to_string(), "shop/counter#0");
    /// assert!(named.is_named());
    /// assert!(!"shop/counter#3".parse::<ActorId>()?.is_named());
    /// # Ok::<(), alloy_actors::ActorIdError>(())
    /// ```
    pub fn named(system: &str, name: &str) -> Result<Self, ActorIdError> {
        Self::root(system)?.child(name, 0)
    }

    /// Whether this id is a registered name's address ([`ActorId::named`]):
    /// two segments, instance 0, and a name that is not a runtime's own
    /// (`$…`).
    pub fn is_named(&self) -> bool {
        self.instance == 0
            && self
                .path
                .split_once('/')
                .is_some_and(|(_, name)| !name.contains('/') && !name.starts_with('$'))
    }

    /// The id of a child named `name` below this actor.
    ///
    /// # Errors
    ///
    /// As [`ActorId::root`] for `name`.
    pub fn child(&self, name: &str, instance: u64) -> Result<Self, ActorIdError> {
        validate_segment(name)?;
        let mut path = String::with_capacity(self.path.len() + 1 + name.len());
        path.push_str(&self.path);
        path.push('/');
        path.push_str(name);
        Ok(Self {
            path: Arc::from(path),
            instance,
        })
    }

    /// The slash-separated path, without the instance.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The instance number.
    pub fn instance(&self) -> u64 {
        self.instance
    }

    /// The same path with another instance number; the path is shared, not
    /// copied or validated again.
    ///
    /// # Examples
    ///
    /// ```
    /// use alloy_actors::ActorId;
    ///
    /// let first: ActorId = "shop/cart#1".parse()?;
    /// let second = first.with_instance(2);
    /// assert_eq!(second.to_string(), "shop/cart#2");
    /// assert_eq!(second.path(), first.path());
    /// # Ok::<(), alloy_actors::ActorIdError>(())
    /// ```
    pub fn with_instance(&self, instance: u64) -> Self {
        Self {
            path: Arc::clone(&self.path),
            instance,
        }
    }

    /// The last path segment: this actor's own name.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// The path of the parent, or `None` for a root.
    pub fn parent_path(&self) -> Option<&str> {
        self.path.rsplit_once('/').map(|(parent, _)| parent)
    }

    /// The first path segment: the system this actor belongs to.
    pub fn system(&self) -> &str {
        self.path.split('/').next().unwrap_or(&self.path)
    }

    /// Whether this id answers an ask: its path is `<system>/$ask`, the
    /// temporary reply address a runtime makes for each ask
    /// ([`ActorId::ASK_REPLY_SEGMENT`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use alloy_actors::ActorId;
    ///
    /// assert!("shop/$ask#12".parse::<ActorId>()?.is_ask_reply());
    /// assert!(!"shop/cart#1".parse::<ActorId>()?.is_ask_reply());
    /// # Ok::<(), alloy_actors::ActorIdError>(())
    /// ```
    pub fn is_ask_reply(&self) -> bool {
        self.path
            .split_once('/')
            .is_some_and(|(_, rest)| rest == Self::ASK_REPLY_SEGMENT)
    }

    /// Whether a message from this actor to `target` leaves this actor's
    /// system: `target` names another system (its first path segment
    /// differs) and is not the reply address of an ask. Such a send needs
    /// [`Capability::Remote`](crate::Capability::Remote).
    ///
    /// # Examples
    ///
    /// ```
    /// use alloy_actors::ActorId;
    ///
    /// let me: ActorId = "shop/cart#1".parse()?;
    /// assert!(me.sends_remote(&"bank/alice#1".parse()?));
    /// assert!(!me.sends_remote(&"shop/till#2".parse()?));
    /// assert!(!me.sends_remote(&"bank/$ask#9".parse()?));
    /// # Ok::<(), alloy_actors::ActorIdError>(())
    /// ```
    pub fn sends_remote(&self, target: &ActorId) -> bool {
        target.system() != self.system() && !target.is_ask_reply()
    }

    /// The path segment under a system's root that ask reply addresses use.
    pub const ASK_REPLY_SEGMENT: &'static str = "$ask";

    /// The path segments from the root down to this actor.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.path.split('/')
    }

    /// Whether `self` lies strictly below `ancestor`'s path.
    pub fn is_descendant_of(&self, ancestor: &ActorId) -> bool {
        self.path.len() > ancestor.path.len()
            && self.path.starts_with(&*ancestor.path)
            && self.path.as_bytes()[ancestor.path.len()] == b'/'
    }
}

fn validate_path(path: &str) -> Result<(), ActorIdError> {
    if path.is_empty() {
        return Err(ActorIdError::EmptySegment(path.to_owned()));
    }
    for segment in path.split('/') {
        if segment.is_empty() {
            return Err(ActorIdError::EmptySegment(path.to_owned()));
        }
        validate_segment(segment)?;
    }
    Ok(())
}

fn validate_segment(segment: &str) -> Result<(), ActorIdError> {
    if segment.is_empty() {
        return Err(ActorIdError::EmptySegment(segment.to_owned()));
    }
    match segment
        .chars()
        .find(|c| *c == '/' || *c == '#' || c.is_whitespace() || c.is_control())
    {
        Some(character) => Err(ActorIdError::ForbiddenCharacter {
            segment: segment.to_owned(),
            character,
        }),
        None => Ok(()),
    }
}

impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.path, self.instance)
    }
}

impl fmt::Debug for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActorId({self})")
    }
}

impl FromStr for ActorId {
    type Err = ActorIdError;

    fn from_str(address: &str) -> Result<Self, Self::Err> {
        let (path, instance) = address
            .rsplit_once('#')
            .ok_or_else(|| ActorIdError::MissingInstance(address.to_owned()))?;
        let instance = if instance.bytes().all(|b| b.is_ascii_digit()) {
            instance.parse().ok()
        } else {
            None
        };
        let instance = instance.ok_or_else(|| ActorIdError::BadInstance(address.to_owned()))?;
        Self::new(path, instance)
    }
}

impl Serialize for ActorId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ActorId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AddressVisitor;
        impl serde::de::Visitor<'_> for AddressVisitor {
            type Value = ActorId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an actor address such as `system/parent/child#3`")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<ActorId, E> {
                text.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(AddressVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip() {
        let id = ActorId::root("sys")
            .and_then(|root| root.child("a", 1))
            .and_then(|a| a.child("b", 42))
            .unwrap();
        assert_eq!(id.to_string(), "sys/a/b#42");
        assert_eq!(id.to_string().parse::<ActorId>().unwrap(), id);
        assert_eq!(id.system(), "sys");
        assert_eq!(id.segments().collect::<Vec<_>>(), ["sys", "a", "b"]);
        assert!(id.is_descendant_of(&ActorId::new("sys/a", 0).unwrap()));
        assert!(!id.is_descendant_of(&ActorId::new("sys/ab", 0).unwrap()));
        assert_eq!(ActorId::root("sys").unwrap().parent_path(), None);
    }

    #[test]
    fn malformed_addresses_are_rejected_with_the_reason() {
        assert_eq!(
            "sys/a".parse::<ActorId>(),
            Err(ActorIdError::MissingInstance("sys/a".into()))
        );
        assert_eq!(
            "sys/a#x".parse::<ActorId>(),
            Err(ActorIdError::BadInstance("sys/a#x".into()))
        );
        assert_eq!(
            "sys/a#+1".parse::<ActorId>(),
            Err(ActorIdError::BadInstance("sys/a#+1".into()))
        );
        assert_eq!(
            "sys//a#1".parse::<ActorId>(),
            Err(ActorIdError::EmptySegment("sys//a".into()))
        );
        assert_eq!(
            "#1".parse::<ActorId>(),
            Err(ActorIdError::EmptySegment("".into()))
        );
        assert_eq!(
            ActorId::root("a b"),
            Err(ActorIdError::ForbiddenCharacter {
                segment: "a b".into(),
                character: ' '
            })
        );
        assert!(matches!(
            ActorId::root("sys").unwrap().child("x/y", 0),
            Err(ActorIdError::ForbiddenCharacter { character: '/', .. })
        ));
    }
}
