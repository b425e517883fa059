//! Capabilities: what an actor is allowed to do, enforced by runtimes.

use std::fmt;

/// One thing an actor may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Capability {
    /// Start child actors.
    Spawn,
    /// Schedule timers.
    Schedule,
    /// Send to actors on other nodes (across a network transport).
    Remote,
    /// Keep durable state in a store that outlives the process.
    Persist,
}

impl Capability {
    const fn bit(self) -> u8 {
        1 << self as u8
    }

    /// Every capability.
    pub const ALL: [Capability; 4] = [
        Capability::Spawn,
        Capability::Schedule,
        Capability::Remote,
        Capability::Persist,
    ];
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Capability::Spawn => "spawn",
            Capability::Schedule => "schedule",
            Capability::Remote => "remote",
            Capability::Persist => "persist",
        })
    }
}

/// A set of [`Capability`] values.
///
/// The default grants what a local actor needs (spawn and schedule); remote
/// sends and durable state must be granted explicitly.
///
/// # Examples
///
/// ```
/// use alloy_actors::{Capabilities, Capability};
///
/// let caps = Capabilities::default();
/// assert!(caps.contains(Capability::Spawn));
/// assert!(!caps.contains(Capability::Remote));
/// let locked = Capabilities::none().with(Capability::Schedule);
/// assert!(!locked.contains(Capability::Spawn));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Capabilities(u8);

impl Capabilities {
    /// No capability at all.
    pub const fn none() -> Self {
        Self(0)
    }

    /// Every capability.
    pub const fn all() -> Self {
        let mut bits = 0;
        let mut i = 0;
        while i < Capability::ALL.len() {
            bits |= Capability::ALL[i].bit();
            i += 1;
        }
        Self(bits)
    }

    /// This set plus `capability`.
    pub const fn with(self, capability: Capability) -> Self {
        Self(self.0 | capability.bit())
    }

    /// This set minus `capability`.
    pub const fn without(self, capability: Capability) -> Self {
        Self(self.0 & !capability.bit())
    }

    /// Whether `capability` is granted.
    pub const fn contains(self, capability: Capability) -> bool {
        self.0 & capability.bit() != 0
    }

    /// The granted capabilities.
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL
            .into_iter()
            .filter(move |capability| self.contains(*capability))
    }
}

impl Default for Capabilities {
    fn default() -> Self {
        Self::none()
            .with(Capability::Spawn)
            .with(Capability::Schedule)
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl FromIterator<Capability> for Capabilities {
    fn from_iter<I: IntoIterator<Item = Capability>>(iter: I) -> Self {
        iter.into_iter()
            .fold(Self::none(), |set, capability| set.with(capability))
    }
}

/// An actor asked for something it is not allowed to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("actor `{actor}` lacks the {capability} capability")]
pub struct CapabilityError {
    /// The actor that asked.
    pub actor: crate::ActorId,
    /// What it lacked.
    pub capability: Capability,
}

impl Capabilities {
    /// Checks that every side effect is allowed, naming the first that is not.
    ///
    /// Spawning needs [`Capability::Spawn`], scheduling and cancelling timers
    /// [`Capability::Schedule`], and a tell or a timer to another system's
    /// actor [`Capability::Remote`] (see [`ActorId::sends_remote`]: the
    /// answer to an ask is never remote). Every runtime and the test kit
    /// call this one check, so they agree on what a behavior may do.
    ///
    /// [`ActorId::sends_remote`]: crate::ActorId::sends_remote
    ///
    /// # Examples
    ///
    /// ```
    /// use alloy_actors::{ActorId, AnyMessage, Capabilities, Capability, SideEffect};
    /// # #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
    /// # struct Ping;
    /// # impl alloy_actors::Message for Ping { const TYPE_NAME: &'static str = "example.Ping"; }
    ///
    /// let me: ActorId = "shop/cart#1".parse()?;
    /// let tell = |to: &str| -> Result<SideEffect, alloy_actors::ActorIdError> {
    ///     Ok(SideEffect::Tell {
    ///         target: to.parse()?,
    ///         message: AnyMessage::new(Ping),
    ///         priority: alloy_actors::ActorPriority::Normal,
    ///     })
    /// };
    /// let local = Capabilities::default();
    /// assert!(local.check(&me, &[tell("shop/till#2")?]).is_ok());
    /// assert!(local.check(&me, &[tell("bank/$ask#7")?]).is_ok());
    /// let denied = local.check(&me, &[tell("bank/alice#1")?]).unwrap_err();
    /// assert_eq!(denied.capability, Capability::Remote);
    /// assert!(local.with(Capability::Remote).check(&me, &[tell("bank/alice#1")?]).is_ok());
    /// # Ok::<(), alloy_actors::ActorIdError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CapabilityError`] for the first side effect that is not allowed.
    pub fn check(
        self,
        actor: &crate::ActorId,
        effects: &[crate::SideEffect],
    ) -> Result<(), CapabilityError> {
        use crate::SideEffect;
        for effect in effects {
            let needed: &[Capability] = match effect {
                SideEffect::Spawn { .. } => &[Capability::Spawn],
                SideEffect::Schedule { target, .. } if actor.sends_remote(target) => {
                    &[Capability::Schedule, Capability::Remote]
                }
                SideEffect::Schedule { .. } | SideEffect::CancelTimer { .. } => {
                    &[Capability::Schedule]
                }
                SideEffect::Tell { target, .. } if actor.sends_remote(target) => {
                    &[Capability::Remote]
                }
                SideEffect::Watch { target, .. } if actor.sends_remote(target) => {
                    &[Capability::Remote]
                }
                SideEffect::Tell { .. } | SideEffect::Log { .. } | SideEffect::Watch { .. } => &[],
            };
            if let Some(&capability) = needed.iter().find(|needed| !self.contains(**needed)) {
                return Err(CapabilityError {
                    actor: actor.clone(),
                    capability,
                });
            }
        }
        Ok(())
    }
}
