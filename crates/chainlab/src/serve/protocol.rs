//! matchbox's signaling wire format, so that `matchbox_socket` clients (wasm in the
//! browser, native in tests) talk to our rooms unchanged.
//!
//! Every frame is one JSON text message. A client sends `{"Signal":{"receiver":ID,
//! "data":..}}` or `"KeepAlive"`; the server sends `{"IdAssigned":ID}` first, then
//! `{"NewPeer":ID}`, `{"PeerLeft":ID}` and `{"Signal":{"sender":ID,"data":..}}`. The
//! signal data (offer, answer, ICE candidate) stays opaque: the server only routes it.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// A peer's id inside the signaling server: a random UUID, as matchbox expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PeerId(Uuid);

impl PeerId {
    /// A version-4 UUID from 16 random bytes the caller drew from its own generator.
    pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
        Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for PeerId {
    type Err = uuid::Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse().map(Self)
    }
}

/// What a peer may send to the server.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub enum PeerRequest {
    Signal { receiver: PeerId, data: Value },
    KeepAlive,
}

/// What the server sends to a peer.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub enum PeerEvent {
    IdAssigned(PeerId),
    NewPeer(PeerId),
    PeerLeft(PeerId),
    Signal { sender: PeerId, data: Value },
}

impl PeerEvent {
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("peer events always serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "8f0c6f52-7d0b-4b5e-9a63-1f2d3c4b5a69";

    #[test]
    fn requests_parse_as_matchbox_writes_them() {
        let text = format!(r#"{{"Signal":{{"receiver":"{ID}","data":{{"Offer":"v=0"}}}}}}"#);
        let request: PeerRequest = serde_json::from_str(&text).unwrap();
        assert_eq!(
            request,
            PeerRequest::Signal {
                receiver: ID.parse().unwrap(),
                data: serde_json::json!({"Offer": "v=0"}),
            }
        );
        let keep_alive: PeerRequest = serde_json::from_str(r#""KeepAlive""#).unwrap();
        assert_eq!(keep_alive, PeerRequest::KeepAlive);
    }

    #[test]
    fn events_serialize_as_matchbox_reads_them() {
        let id: PeerId = ID.parse().unwrap();
        assert_eq!(
            PeerEvent::IdAssigned(id).to_text(),
            format!(r#"{{"IdAssigned":"{ID}"}}"#)
        );
        assert_eq!(
            PeerEvent::PeerLeft(id).to_text(),
            format!(r#"{{"PeerLeft":"{ID}"}}"#)
        );
        let signal = PeerEvent::Signal {
            sender: id,
            data: serde_json::json!({"IceCandidate": "c"}),
        };
        assert_eq!(
            signal.to_text(),
            format!(r#"{{"Signal":{{"sender":"{ID}","data":{{"IceCandidate":"c"}}}}}}"#)
        );
    }

    #[test]
    fn random_ids_are_version_4() {
        let id = PeerId::from_random_bytes([0xAB; 16]);
        assert_eq!(id.0.get_version_num(), 4);
    }
}
