//! What the PBFT and Raft widgets share: a scrubbable run with the clock it is drawn
//! at, the play / step / speed / timeline controls, and the message arrows read from
//! the trace. One copy, so both clusters behave and read alike on a projector.

mod arrows;
mod controls;
mod run;
mod text;

pub use arrows::{arrow, arrow_marker, recent};
pub use controls::{Drive, TimelineControls, use_player};
pub use run::Run;
