//! A local workerd under `wrangler dev`, and clients for it.

mod client;
mod http;
mod process;
mod socket;
mod token;

pub use client::{ActorClient, decode_as, frame, unframe};
pub use http::{HttpAnswer, get};
pub use process::{ASK_DEADLINE, Wrangler, WranglerConfig};
pub use socket::{ActorSocket, FRAME_TIMEOUT, connect, connect_as, upgrade_at};
pub use token::{client_address, fresh, fresh_as, sign};
