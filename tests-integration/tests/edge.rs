//! Conclave in a real local workerd: started by these tests through
//! `wrangler dev`, driven over real sockets. Run with `cargo xtask edge test`.

mod edge {
    pub(crate) mod support;

    mod asks;
    mod auth;
    mod capabilities;
    mod counter;
    mod durable;
    mod failure;
    mod frames;
    mod health;
    mod intensity;
    mod objects;
    mod restart_types;
    mod supervision;
    mod timers;
}
