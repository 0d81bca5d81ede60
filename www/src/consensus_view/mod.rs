//! What the consensus widgets draw, computed from the `consensus` crate's real runs.
//!
//! Everything here is pure and compiles natively, so the numbers a learner sees (the
//! race chart, the generals' decision trees) are unit-tested without a browser.

pub mod arrows;
pub mod generals;
pub mod pbft;
pub mod race;
pub mod raft;
pub mod settings;
