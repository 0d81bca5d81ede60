//! PBFT's vocabulary: requests, digests and the messages of each phase.

use serde::{Deserialize, Serialize};

use crate::engine::NodeId;
pub(crate) use crate::rng::mix;

/// A simulated message digest. Real PBFT uses a cryptographic hash; here a 64-bit mix
/// is enough because replicas cannot forge what the simulator does not let them build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Digest(pub u64);

impl Digest {
    /// The digest of the null request a new primary uses to fill gaps.
    pub const NULL: Digest = Digest(0);

    /// Digest of an optional request (`None` is the null request).
    pub fn of(request: Option<&Request>) -> Digest {
        match request {
            None => Digest::NULL,
            Some(r) => Digest(mix(mix(mix(0x5EED, r.client as u64), r.timestamp), r.op) | 1),
        }
    }

    /// The state digest after applying `self` to `state`.
    pub fn chain(self, state: Digest) -> Digest {
        Digest(mix(state.0, self.0))
    }
}

/// A client operation; `timestamp` orders one client's requests and makes retries
/// idempotent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Request {
    /// The client node.
    pub client: NodeId,
    /// The client's request number.
    pub timestamp: u64,
    /// The operation (opaque).
    pub op: u64,
}

/// Proof that a request prepared at `seq` in `view` (2f matching prepares plus the
/// pre-prepare), carried in VIEW-CHANGE so no prepared request is lost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// View it prepared in.
    pub view: u64,
    /// Sequence number.
    pub seq: u64,
    /// The request (`None`: null request).
    pub request: Option<Request>,
}

/// The body of a VIEW-CHANGE: the sender's last stable checkpoint and its prepared set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewChangeBody {
    /// Sequence number of the sender's last stable checkpoint.
    pub stable: u64,
    /// Requests prepared after it.
    pub prepared: Vec<Certificate>,
}

/// PBFT's messages (Castro and Liskov, OSDI 1999).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Msg {
    /// Client to primary (or to everyone when retrying); backups relay it to the primary.
    Request { request: Request },
    /// Primary assigns `seq` to a request in `view`.
    PrePrepare {
        view: u64,
        seq: u64,
        request: Option<Request>,
    },
    /// A backup accepts the assignment.
    Prepare { view: u64, seq: u64, digest: Digest },
    /// The sender has a prepared certificate.
    Commit { view: u64, seq: u64, digest: Digest },
    /// The result of an executed request.
    Reply {
        view: u64,
        timestamp: u64,
        result: u64,
    },
    /// State digest after executing `seq`.
    Checkpoint { seq: u64, state: Digest },
    /// The sender suspects the primary and moves to `view`.
    ViewChange { view: u64, body: ViewChangeBody },
    /// "I am in `view`, executed up to `executed`, my last stable checkpoint is `low`":
    /// sent by a replica that made no progress for a while, so the others resend what
    /// it may have lost.
    Status { view: u64, executed: u64, low: u64 },
    /// A lagging replica asks for the executed history between `have` and a stable
    /// checkpoint `seq` it cannot reach by itself (state transfer).
    FetchState { have: u64, seq: u64 },
    /// The history asked for; the receiver checks it against the checkpoint digest.
    State {
        have: u64,
        entries: Vec<(Digest, Option<Request>)>,
    },
    /// The new primary's proof (2f+1 view changes) and the pre-prepares it re-issues.
    NewView {
        view: u64,
        proofs: Vec<(NodeId, ViewChangeBody)>,
        pre_prepares: Vec<(u64, Option<Request>)>,
    },
}

/// Work out the NEW-VIEW's pre-prepares from a set of VIEW-CHANGE bodies: every
/// sequence number between the highest stable checkpoint and the highest prepared
/// request, each with the request prepared in the highest view, or a null request.
pub fn reissue(proofs: &[(NodeId, ViewChangeBody)]) -> Vec<(u64, Option<Request>)> {
    let low = proofs.iter().map(|(_, b)| b.stable).max().unwrap_or(0);
    let certs = || {
        proofs
            .iter()
            .flat_map(|(_, b)| b.prepared.iter())
            .filter(|c| c.seq > low)
    };
    let high = certs().map(|c| c.seq).max().unwrap_or(low);
    (low + 1..=high)
        .map(|seq| {
            let best = certs().filter(|c| c.seq == seq).max_by_key(|c| c.view);
            (seq, best.and_then(|c| c.request))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reissue_keeps_highest_view_and_fills_gaps_with_null() {
        let a = Request {
            client: 9,
            timestamp: 1,
            op: 1,
        };
        let b = Request {
            client: 9,
            timestamp: 2,
            op: 2,
        };
        let proofs = vec![
            (
                1,
                ViewChangeBody {
                    stable: 0,
                    prepared: vec![Certificate {
                        view: 0,
                        seq: 1,
                        request: Some(a),
                    }],
                },
            ),
            (
                2,
                ViewChangeBody {
                    stable: 0,
                    prepared: vec![
                        Certificate {
                            view: 1,
                            seq: 1,
                            request: Some(b),
                        },
                        Certificate {
                            view: 0,
                            seq: 3,
                            request: Some(a),
                        },
                    ],
                },
            ),
        ];
        assert_eq!(
            reissue(&proofs),
            vec![(1, Some(b)), (2, None), (3, Some(a))]
        );
    }

    #[test]
    fn null_digest_differs_from_every_request_digest() {
        let r = Request {
            client: 0,
            timestamp: 0,
            op: 0,
        };
        assert_ne!(Digest::of(Some(&r)), Digest::NULL);
        assert_eq!(Digest::of(None), Digest::NULL);
    }
}
