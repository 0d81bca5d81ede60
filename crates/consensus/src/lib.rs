//! ChainLab's consensus simulators: one deterministic discrete-event engine and the
//! protocols a class meets when it asks how distributed nodes agree.
//!
//! Everything here is pure: no I/O, no clock, no global state. A run is fixed by its
//! parameters, its seed and the list of injected events, so the web lab can replay,
//! step backwards and fork any run (see [`timeline`]).
//!
//! How a lesson player uses it:
//! - build a simulator from a protocol's parameters (`pbft::PbftParams::build`,
//!   `raft::RaftParams::build`), wrap it in a [`Timeline`] and call `forward`, `back`,
//!   `seek` and `fork`;
//! - draw [`TraceEvent`]s (deliveries with send and arrival times, drops with a reason,
//!   timers, injections and protocol notes) and read node state at the current step
//!   through `Timeline::state().nodes()` (PBFT vote sets per sequence number against
//!   the quorum, Raft terms, votes, logs and election deadlines);
//! - the Byzantine generals ([`generals`]) and the Nakamoto race ([`race`]) are
//!   round-based, so they return their whole message tree or block trace at once.

pub mod engine;
pub mod generals;
pub mod network;
pub mod pbft;
pub mod race;
pub mod raft;
pub mod rng;
pub mod timeline;

pub use engine::{
    Ctx, Fault, Injection, NoTrace, Node, NodeId, Scheduled, Simulator, Sink, Time, TraceEvent,
    What,
};
pub use network::{LinkConfig, Network};
pub use rng::Rng;
pub use timeline::Timeline;
