//! ChainLab's consensus simulators: one deterministic discrete-event engine and the
//! protocols a class meets when it asks how distributed nodes agree.
//!
//! Everything here is pure: no I/O, no clock, no global state. A run is fixed by its
//! parameters, its seed and the list of injected events, so the web lab can replay,
//! step backwards and fork any run (see [`timeline`]).

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
