//! The `directory` every node hosts: it answers the names the node
//! registered and the kind of each, so a client can list a node (`olivier
//! ls`) and learn how to talk to a name before it sends anything.

use alloy_actors::{ActorRef, Behavior, Context, Effect, Message};
use serde::{Deserialize, Serialize};

/// The name the directory is registered under on every node.
pub const DIRECTORY: &str = "directory";

/// The kind the directory lists itself as.
pub const DIRECTORY_KIND: &str = "directory";

/// One registered name and the kind of behavior behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The registered name (`tally` in `shop/tally`).
    pub name: String,
    /// The behavior kind ([`Kind::name`](crate::hosting::Kind::name), or
    /// [`DIRECTORY_KIND`]).
    pub kind: String,
}

/// What the directory accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DirectoryMsg {
    /// Answer every entry, sorted by name, to `reply_to`.
    List {
        /// Who gets the [`Listing`].
        reply_to: ActorRef<Listing>,
    },
}

impl Message for DirectoryMsg {
    const TYPE_NAME: &'static str = "olivier.node.DirectoryMsg";
}

/// The directory's answer: every registered name, sorted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing(pub Vec<Entry>);

impl Message for Listing {
    const TYPE_NAME: &'static str = "olivier.node.Listing";
}

impl Listing {
    /// The entry registered as `name`, if any.
    pub fn find(&self, name: &str) -> Option<&Entry> {
        self.0.iter().find(|entry| entry.name == name)
    }

    /// The names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(|entry| entry.name.as_str()).collect()
    }
}

/// The directory behavior: it holds the node's entries (the names are all
/// registered as the node starts) and answers them.
#[derive(Debug, Clone)]
pub struct Directory {
    listing: Listing,
}

impl Directory {
    /// A directory of `entries` and of itself, sorted by name.
    pub fn new(entries: impl IntoIterator<Item = Entry>) -> Self {
        let mut entries: Vec<Entry> = entries.into_iter().collect();
        entries.push(Entry {
            name: DIRECTORY.to_owned(),
            kind: DIRECTORY_KIND.to_owned(),
        });
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        entries.dedup_by(|a, b| a.name == b.name);
        Self {
            listing: Listing(entries),
        }
    }
}

impl Behavior for Directory {
    type State = ();
    type Message = DirectoryMsg;

    fn init(&self) {}

    fn receive(&self, _ctx: &Context<DirectoryMsg>, (): (), msg: DirectoryMsg) -> Effect<()> {
        match msg {
            DirectoryMsg::List { reply_to } => {
                Effect::from(()).tell(&reply_to, self.listing.clone())
            }
        }
    }
}
