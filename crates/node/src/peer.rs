//! What a node remembers about each peer, and how it scores bad behaviour.
//!
//! Scoring follows Bitcoin Core's idea: clearly malicious data (bad proof of work,
//! bad signatures, undecodable bytes) costs the whole budget at once, while things an
//! honest but confused peer might do (a double spend it saw first, headers that do
//! not connect) cost a fraction, so only a pattern of them gets a peer banned.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::wire::{Hello, InvItem};

/// A peer as the shell names it (a room member, a data channel).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct PeerId(pub u64);

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "peer {}", self.0)
    }
}

/// After this long (ms) an unanswered request counts as lost.
pub const REQUEST_TIMEOUT_MS: u64 = 10_000;
/// After this long (ms) an unanswered ping means the peer is gone.
pub const PING_TIMEOUT_MS: u64 = 60_000;

/// Our hello is sent again this often (ms) until the peer shows it heard it: the
/// first message on a fresh data channel can be lost.
pub const HELLO_RETRY_MS: u64 = 2_000;

/// One point of misbehaviour score is forgiven per this many ms.
pub const FORGIVE_MS: u64 = 10_000;

/// Score at which a peer is banned.
pub const BAN_SCORE: u32 = 100;

/// Something a peer did wrong.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum Misbehavior {
    /// Bytes that are not a valid message.
    #[error("sent a message that does not decode: {0}")]
    Undecodable(String),
    /// A message above the size limit.
    #[error("sent a message of {0} bytes, over the size limit")]
    Oversized(usize),
    /// Too many unrequested messages in one window.
    #[error("flooded us with more than {0} unrequested messages per second")]
    Flood(u32),
    /// A block that breaks a consensus rule.
    #[error("sent an invalid block: {0}")]
    InvalidBlock(String),
    /// A header with bad proof of work or bits.
    #[error("sent an invalid header: {0}")]
    InvalidHeader(String),
    /// A transaction that breaks a rule (bad signature, no inputs, ...).
    #[error("sent an invalid transaction: {0}")]
    InvalidTx(String),
    /// A transaction spending what a pooled transaction already spends.
    #[error("sent a double spend: {0}")]
    DoubleSpend(String),
    /// Headers nobody asked for.
    #[error("sent headers nobody asked for")]
    UnrequestedHeaders,
    /// Headers whose first one does not attach to anything we know.
    #[error("sent headers that do not connect to our chain")]
    DisconnectedHeaders,
    /// A pushed block that did not improve our chain.
    #[error("pushed an unrequested block {0} on a branch with less work than ours")]
    LowWorkBlock(String),
    /// A block whose timestamp is too far ahead of our clock.
    #[error("sent a block from the future: {0}")]
    FutureBlock(String),
}

impl Misbehavior {
    /// How much of the [`BAN_SCORE`] budget this costs.
    pub fn score(&self) -> u32 {
        match self {
            Misbehavior::Undecodable(_)
            | Misbehavior::Oversized(_)
            | Misbehavior::Flood(_)
            | Misbehavior::InvalidBlock(_)
            | Misbehavior::InvalidHeader(_)
            | Misbehavior::InvalidTx(_) => BAN_SCORE,
            Misbehavior::UnrequestedHeaders | Misbehavior::LowWorkBlock(_) => 34,
            Misbehavior::DoubleSpend(_) => 20,
            // Also what an honest peer's answer looks like after a locator raced a
            // reorg: ten in a row before a ban.
            Misbehavior::DisconnectedHeaders => 10,
            Misbehavior::FutureBlock(_) => 10,
        }
    }
}

/// A set that forgets its oldest members beyond a capacity, so per-peer memory stays
/// bounded however much a peer announces.
#[derive(Clone, Debug)]
pub(crate) struct RecentSet<T: Ord + Copy> {
    members: BTreeSet<T>,
    order: VecDeque<T>,
    capacity: usize,
}

impl<T: Ord + Copy> RecentSet<T> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            members: BTreeSet::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    pub(crate) fn insert(&mut self, item: T) {
        if self.members.insert(item) {
            self.order.push_back(item);
            if self.order.len() > self.capacity
                && let Some(oldest) = self.order.pop_front()
            {
                self.members.remove(&oldest);
            }
        }
    }

    pub(crate) fn contains(&self, item: &T) -> bool {
        self.members.contains(item)
    }
}

/// Inventory remembered per peer.
const KNOWN_CAPACITY: usize = 10_000;

/// Per-connection state.
#[derive(Clone, Debug)]
pub(crate) struct Peer {
    /// Their handshake, once received (its session is their side of the conversation).
    pub(crate) hello: Option<Hello>,
    /// Our side of the conversation, sent in every hello.
    pub(crate) session: u64,
    /// Whether their hello showed they heard our session.
    pub(crate) acked: bool,
    /// When we last sent our hello (ms).
    pub(crate) hello_sent_at: u64,
    /// Accumulated misbehaviour.
    pub(crate) score: u32,
    /// What they have announced or we have sent them: never announce it back.
    pub(crate) known: RecentSet<InvItem>,
    /// What we asked them for, and when (ms).
    pub(crate) requested: BTreeMap<InvItem, u64>,
    /// When we sent them getheaders, if unanswered.
    pub(crate) headers_asked: Option<u64>,
    /// Start of the current rate window (ms).
    pub(crate) window_start: u64,
    /// Unrequested messages in the current window.
    pub(crate) window_count: u32,
    /// Our unanswered ping: nonce and when it was sent (ms).
    pub(crate) ping: Option<(u64, u64)>,
    /// Score has been forgiven up to this time (ms).
    pub(crate) forgiven_at: u64,
}

impl Peer {
    pub(crate) fn new(now: u64, session: u64) -> Self {
        Self {
            hello: None,
            session,
            acked: false,
            hello_sent_at: now,
            score: 0,
            known: RecentSet::new(KNOWN_CAPACITY),
            requested: BTreeMap::new(),
            headers_asked: None,
            window_start: now,
            window_count: 0,
            ping: None,
            forgiven_at: now,
        }
    }

    /// The peer began a new conversation (it reconnected, healed or reset): what it
    /// knew, what we asked of it and whether it heard us belong to the old one. Its
    /// score and its rate window stay, so greeting again never wipes a record.
    pub(crate) fn restart(&mut self) {
        self.hello = None;
        self.acked = false;
        self.known = RecentSet::new(KNOWN_CAPACITY);
        self.requested.clear();
        self.headers_asked = None;
        self.ping = None;
    }

    /// Whether our hello should go out again at `now`.
    pub(crate) fn hello_due(&self, now: u64) -> bool {
        !self.acked && now.saturating_sub(self.hello_sent_at) >= HELLO_RETRY_MS
    }

    /// Forgets one point of score per [`FORGIVE_MS`] of good behaviour, so the odd
    /// honest mistake (relaying the losing side of a double spend) never adds up to
    /// a ban over a long lesson, while a burst of bad data still does.
    pub(crate) fn forgive(&mut self, now: u64) {
        let points = now.saturating_sub(self.forgiven_at) / FORGIVE_MS;
        self.score = self
            .score
            .saturating_sub(u32::try_from(points).unwrap_or(u32::MAX));
        self.forgiven_at += points * FORGIVE_MS;
    }

    /// Blocks we asked this peer for that have not arrived.
    pub(crate) fn blocks_outstanding(&self) -> usize {
        self.requested
            .keys()
            .filter(|item| matches!(item, InvItem::Block(_)))
            .count()
    }

    /// Why this peer should be dropped at `now`, if it should: a block we asked for
    /// has not come within the request timeout, or a ping went unanswered.
    pub(crate) fn unresponsive(&self, now: u64) -> Option<&'static str> {
        let stalled = self.requested.iter().any(|(item, at)| {
            matches!(item, InvItem::Block(_)) && now.saturating_sub(*at) >= REQUEST_TIMEOUT_MS
        });
        let silent = self
            .ping
            .is_some_and(|(_, sent)| now.saturating_sub(sent) >= PING_TIMEOUT_MS);
        if stalled {
            Some("stalled: requested blocks did not arrive in time")
        } else if silent {
            Some("did not answer a ping")
        } else {
            None
        }
    }

    /// Counts one unrequested message; true if the peer is over `limit` per `window`.
    pub(crate) fn over_rate(&mut self, now: u64, window: u64, limit: u32) -> bool {
        if now.saturating_sub(self.window_start) >= window {
            self.window_start = now;
            self.window_count = 0;
        }
        self.window_count += 1;
        self.window_count > limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_set_forgets_the_oldest() {
        let mut set = RecentSet::new(2);
        set.insert(1);
        set.insert(2);
        set.insert(2);
        set.insert(3);
        assert!(!set.contains(&1));
        assert!(set.contains(&2) && set.contains(&3));
    }

    #[test]
    fn rate_window_resets() {
        let mut peer = Peer::new(0, 1);
        assert!(!(0..3).any(|_| peer.over_rate(10, 1_000, 3)));
        assert!(peer.over_rate(20, 1_000, 3));
        assert!(!peer.over_rate(1_020, 1_000, 3));
    }

    #[test]
    fn score_is_forgiven_slowly() {
        let mut peer = Peer::new(0, 1);
        peer.score = 20;
        peer.forgive(FORGIVE_MS * 5 + 1);
        assert_eq!(peer.score, 15);
        peer.forgive(FORGIVE_MS * 6 - 1);
        assert_eq!(peer.score, 15);
        peer.forgive(FORGIVE_MS * 100);
        assert_eq!(peer.score, 0);
    }

    #[test]
    fn malicious_data_bans_at_once_and_confusion_does_not() {
        assert!(Misbehavior::InvalidTx("bad signature".into()).score() >= BAN_SCORE);
        assert!(Misbehavior::DoubleSpend("x".into()).score() < BAN_SCORE);
        assert_eq!(Misbehavior::DoubleSpend("x".into()).score() * 5, BAN_SCORE);
    }
}
