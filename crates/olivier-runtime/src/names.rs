//! Registered names: a system names some of its actors, and a tell or ask
//! from this system or another addresses `system/name` (an
//! [`ActorId::named`] address) without knowing the actor's instance or
//! where it lives in the tree. The address is resolved where it is
//! delivered, each time, so it follows the name.

use std::any::TypeId;

use alloy_actors::{ActorId, ActorRef, Message};

use crate::error::NameError;
use crate::system::ActorSystem;

impl ActorSystem {
    /// Registers `name` for a running actor of this system and answers the
    /// named reference (`<system>/<name>#0`), which any system can use.
    /// The name lasts until [`ActorSystem::unregister`] or until the actor
    /// stops for good; a restarted actor keeps it (its id does not change).
    ///
    /// # Errors
    ///
    /// [`NameError::InvalidName`] for a name that is not a valid id segment
    /// or starts with `$`, [`NameError::UnknownActor`] when `actor` is not
    /// a running actor of this system, [`NameError::Taken`] when another
    /// actor holds the name.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use alloy_actors::ActorSpec;
    /// use alloy_counter::{Count, Counter, CounterMsg};
    /// use olivier_runtime::ActorSystem;
    ///
    /// # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
    /// # async fn main() -> anyhow::Result<()> {
    /// let shop = ActorSystem::builder().name("shop").build()?;
    /// let counter = shop.spawn(ActorSpec::new(Counter).name("counter")).await?;
    /// let named = shop.register("tally", &counter)?;
    /// assert_eq!(named.id().to_string(), "shop/tally#0");
    /// shop.tell(&named, CounterMsg::Increment)?;
    /// let looked_up = shop.lookup::<CounterMsg>("shop", "tally")?;
    /// let count = shop
    ///     .ask(&looked_up, |reply_to| CounterMsg::GetCount { reply_to }, Duration::from_secs(5))
    ///     .await?;
    /// assert_eq!(count, Count(1));
    /// shop.shutdown().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn register<M: Message>(
        &self,
        name: &str,
        actor: &ActorRef<M>,
    ) -> Result<ActorRef<M>, NameError> {
        let named = self.named(self.root().path(), name)?;
        let inner = self.inner();
        if !inner.is_local(actor.id()) || inner.registry.actor(actor.id()).is_none() {
            return Err(NameError::UnknownActor {
                actor: actor.id().clone(),
            });
        }
        inner
            .registry
            .register_name(name, actor.id())
            .map_err(|holder| NameError::Taken {
                name: name.to_owned(),
                by: holder,
            })?;
        // It may have stopped for good in between: then the name goes too.
        if inner.registry.actor(actor.id()).is_none() {
            inner.registry.unregister_name(name);
            return Err(NameError::UnknownActor {
                actor: actor.id().clone(),
            });
        }
        Ok(ActorRef::new(named))
    }

    /// Frees `name`; answers the actor it stood for, if any.
    pub fn unregister(&self, name: &str) -> Option<ActorId> {
        self.inner().registry.unregister_name(name)
    }

    /// The actor registered under `name` in this system (OTP's `whereis`).
    pub fn whereis(&self, name: &str) -> Option<ActorId> {
        self.inner().registry.whereis(name)
    }

    /// A typed reference to the actor `system` registered under `name`.
    /// For this system the name must be registered to a running actor
    /// that accepts `M`; another system's name is not checked here (a
    /// send to a name it does not hold is refused there and counted as a
    /// dead letter on both sides).
    ///
    /// # Errors
    ///
    /// [`NameError::InvalidName`], and for this system
    /// [`NameError::NotRegistered`] or [`NameError::WrongMessageType`].
    pub fn lookup<M: Message>(&self, system: &str, name: &str) -> Result<ActorRef<M>, NameError> {
        let named = self.named(system, name)?;
        if system != self.root().path() {
            return Ok(ActorRef::new(named));
        }
        let registry = &self.inner().registry;
        let cell = registry
            .whereis(name)
            .and_then(|actor| registry.actor(&actor))
            .ok_or_else(|| NameError::NotRegistered {
                name: name.to_owned(),
            })?;
        if cell.message_type != TypeId::of::<M>() {
            return Err(NameError::WrongMessageType {
                name: name.to_owned(),
                expected: cell.message_type_name(),
                found: M::TYPE_NAME,
            });
        }
        Ok(ActorRef::new(named))
    }

    fn named(&self, system: &str, name: &str) -> Result<ActorId, NameError> {
        let invalid = |source| NameError::InvalidName {
            name: name.to_owned(),
            source: Some(source),
        };
        let named = ActorId::named(system, name).map_err(invalid)?;
        if !named.is_named() {
            return Err(NameError::InvalidName {
                name: name.to_owned(),
                source: None,
            });
        }
        Ok(named)
    }
}
