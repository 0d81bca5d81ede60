//! The classroom's browser half, pure part: one student's (or the dashboard's) node
//! in a room, testable natively by feeding it packets and parameters.
//!
//! - [`session`]: the node, the wallet, the room's members and the instructor's
//!   parameters as one state machine (links cut by scenarios, epoch resets, the
//!   double-spend attacker's steps, the propagation log, the status it reports).
//! - [`peers`]: room members ⇄ node peer ids, and bans by member.
//! - [`history`]: the wallet's payments, confirmed or reversed.
//! - [`feed`]: the student's event feed, worded in English and Chinese.
//! - [`board`]: the room's status board (names, addresses, heights).
//! - [`local`]: the BroadcastChannel network of one browser's tabs.
//! - [`join`]: room codes and names as a student types them.
//! - `browser` (wasm only): the tab's shell around the session (transports,
//!   IndexedDB, the server's API, the loop).

pub mod board;
#[cfg(target_arch = "wasm32")]
pub mod browser;
pub mod feed;
pub mod history;
pub mod join;
pub mod local;
pub mod peers;
pub mod session;
pub mod tree;
