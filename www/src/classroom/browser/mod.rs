//! The session's shell in a browser tab: the clock, the transports (WebRTC through
//! matchbox, or a BroadcastChannel between tabs), IndexedDB and the classroom
//! server's HTTP API. Everything here does I/O; the rules live in the pure
//! [`super::session::Session`].

pub mod api;
pub mod clock;
pub mod idb;
pub mod shell;
pub mod transport;
