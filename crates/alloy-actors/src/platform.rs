//! The one place that knows the target: `Send` where futures cross threads.
//!
//! On native targets the futures of the runtime traits must be `Send`, so a
//! tokio runtime can move them between workers; on wasm32 (a single-threaded
//! V8 isolate, where JavaScript handles are not `Send`) they need not be.
//! [`MaybeSend`] is `Send` on the first and nothing on the second.

#[cfg(not(target_arch = "wasm32"))]
mod bound {
    /// `Send` on native targets; no bound on wasm32.
    pub trait MaybeSend: Send {}
    impl<T: Send + ?Sized> MaybeSend for T {}
}

#[cfg(target_arch = "wasm32")]
mod bound {
    /// `Send` on native targets; no bound on wasm32.
    pub trait MaybeSend {}
    impl<T: ?Sized> MaybeSend for T {}
}

pub use bound::MaybeSend;
