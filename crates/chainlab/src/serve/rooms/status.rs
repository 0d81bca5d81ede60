//! What each member last reported about its node, for the dashboard and the
//! students' address book.
//!
//! The server checks a report against the classroom's rules (a readable name, a
//! sane hash rate) before anyone else reads it, so one broken or hostile tab cannot
//! put garbage on the projector. Reports are kept per member and vanish with it.

use std::time::Duration;

use node::classroom::PeerStatus;
use serde::Serialize;

use super::bucket::{Rate, TokenBucket};
use crate::serve::protocol::PeerId;

/// A node reports every 2 s and at once after a new tip; four a second leaves room
/// for a burst of tips without letting a tab in a loop hammer the server.
pub const STATUS_RATE: Rate = Rate {
    burst: 4,
    per_second: 4,
};

/// Why a member's report was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StatusError {
    #[error("a status of {size} bytes is over the {max}-byte limit")]
    TooLarge { size: usize, max: usize },
    #[error("{0} is not connected to this room")]
    NotAMember(PeerId),
    #[error("too many status reports: at most {} a second", STATUS_RATE.per_second)]
    TooFast,
    #[error("not a valid status: {0}")]
    Invalid(String),
}

/// A member's latest report and when it came.
#[derive(Clone, Debug)]
pub struct Report {
    pub status: PeerStatus,
    pub at: Duration,
}

/// One member's slot: its rate limit, and its report once it has sent one.
#[derive(Clone, Debug)]
pub struct Slot {
    bucket: TokenBucket,
    pub report: Option<Report>,
}

impl Slot {
    pub fn new(now: Duration) -> Self {
        Self {
            bucket: TokenBucket::full(STATUS_RATE, now),
            report: None,
        }
    }

    /// Stores `body` as this member's status if it is valid and not too soon.
    pub fn record(&mut self, body: &[u8], now: Duration) -> Result<(), StatusError> {
        if !self.bucket.take(now) {
            return Err(StatusError::TooFast);
        }
        let status: PeerStatus =
            serde_json::from_slice(body).map_err(|e| StatusError::Invalid(e.to_string()))?;
        status
            .validate()
            .map_err(|e| StatusError::Invalid(e.to_string()))?;
        self.report = Some(Report { status, at: now });
        Ok(())
    }
}

/// One row of `GET /api/rooms/<code>/status`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct MemberStatus {
    pub member: PeerId,
    pub status: PeerStatus,
    /// Milliseconds since the member last reported: the dashboard greys stale rows.
    pub age_ms: u64,
}

/// `GET /api/rooms/<code>/status`: the room's parameters and every member's report.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StatusBoard {
    pub params: serde_json::Value,
    pub members: Vec<MemberStatus>,
}
