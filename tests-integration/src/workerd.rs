//! A local workerd under `wrangler dev`, and clients for it.

mod http;
mod process;
mod socket;
mod token;

pub use http::{HttpAnswer, get};
pub use process::{Wrangler, WranglerConfig};
pub use socket::{ActorSocket, FRAME_TIMEOUT, connect};
pub use token::{fresh, sign};
