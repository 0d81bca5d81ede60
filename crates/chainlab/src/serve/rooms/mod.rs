//! The room registry: pure bookkeeping for classroom signaling.
//!
//! It holds no sockets and reads no clock: the caller passes `now` and gets back who
//! must be told what, in the style of a sans-IO state machine. That keeps every rule
//! (join codes, peer caps, size and rate limits, instructor checks, expiry) testable
//! without a network.

mod bucket;
mod code;
mod seat;
mod secret;
mod status;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use node::classroom::{MemberId, RoomParams};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::Serialize;
use serde_json::Value;

pub use self::bucket::Rate;
use self::bucket::TokenBucket;
pub use self::code::JoinCode;
pub use self::seat::Seat;
pub use self::secret::InstructorSecret;
use self::status::Slot;
pub use self::status::{MemberStatus, StatusBoard, StatusError};
use super::protocol::PeerId;

#[derive(Clone, Debug)]
pub struct Limits {
    /// A classroom is a few dozen students; a full mesh of 60 is already 1770 links.
    pub peers_per_room: usize,
    /// Offers with many codecs stay under 8 KiB; 16 KiB leaves room without letting a
    /// peer push megabytes through the server.
    pub message_bytes: usize,
    /// Room parameters are the instructor's scenario JSON, larger than one signal.
    pub params_bytes: usize,
    /// A node's status is a dozen short fields.
    pub status_bytes: usize,
    pub rate: Rate,
    /// An empty room lingers this long so a class that reloads its tabs finds it again.
    pub empty_room_ttl: Duration,
    pub max_rooms: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            peers_per_room: 60,
            message_bytes: 16 * 1024,
            params_bytes: 64 * 1024,
            status_bytes: 4 * 1024,
            rate: Rate {
                burst: 600,
                per_second: 100,
            },
            empty_room_ttl: Duration::from_secs(30 * 60),
            max_rooms: 200,
        }
    }
}

/// Why a room request failed, worded for the person who made it.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RoomError {
    #[error("'{0}' is not a join code: codes are 6 letters and digits, like K7M2QX")]
    BadCode(String),
    #[error("no room has the code {0}: check the code on the instructor's screen")]
    NoSuchRoom(JoinCode),
    #[error("room {code} is full ({cap} peers)")]
    RoomFull { code: JoinCode, cap: usize },
    #[error("the server already holds {0} rooms; close an old one first")]
    TooManyRooms(usize),
    #[error("the instructor secret does not match room {0}")]
    WrongSecret(JoinCode),
    #[error("no peer {0} in this room")]
    NoSuchPeer(PeerId),
    #[error("room parameters of {size} bytes are over the {max}-byte limit")]
    ParamsTooLarge { size: usize, max: usize },
    #[error("these room parameters are refused: {0}")]
    BadParams(String),
}

/// Why a peer's message was refused. The first two end the peer's connection.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SignalError {
    #[error("message of {size} bytes is over the {max}-byte signal limit")]
    TooLarge { size: usize, max: usize },
    #[error("too many messages: at most {burst} at once, then {per_second} a second")]
    RateLimited { burst: u32, per_second: u32 },
    #[error("peer {0} is not in your room")]
    NotInRoom(PeerId),
    #[error("peer {0} is not connected")]
    UnknownSender(PeerId),
}

impl SignalError {
    /// A stale receiver is normal (that peer just left); the rest are misbehaviour.
    pub fn ends_connection(&self) -> bool {
        !matches!(self, Self::NotInRoom(_))
    }
}

/// What a new room gives its instructor.
#[derive(Debug)]
pub struct NewRoom {
    pub code: JoinCode,
    pub secret: InstructorSecret,
}

/// A successful join: the new peer's id and the roommates to tell about it.
#[derive(Debug)]
pub struct Joined {
    pub peer: PeerId,
    pub roommates: Vec<PeerId>,
}

/// A departure: the room it left and the roommates to tell.
#[derive(Debug, PartialEq)]
pub struct Left {
    pub code: JoinCode,
    pub roommates: Vec<PeerId>,
}

/// What anyone with the code may see about a room.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RoomInfo {
    pub code: JoinCode,
    pub peers: usize,
    /// Unix seconds, as the caller's wall clock gave them at creation.
    pub created: u64,
    pub params: Value,
}

struct Room {
    secret: InstructorSecret,
    created: u64,
    /// Validated [`RoomParams`] as JSON, or `null` while the defaults apply.
    params: Value,
    peers: BTreeMap<PeerId, Member>,
    /// Who holds each seat now, or held it last.
    seats: HashMap<Seat, PeerId>,
    empty_since: Option<Duration>,
}

/// A connected peer's limits and its latest status report.
struct Member {
    signals: TokenBucket,
    status: Slot,
}

pub struct Registry {
    limits: Limits,
    rng: ChaCha20Rng,
    rooms: HashMap<JoinCode, Room>,
    peers: HashMap<PeerId, JoinCode>,
}

impl Registry {
    /// `seed` is the only randomness: codes, secrets and peer ids all come from it.
    pub fn new(limits: Limits, seed: [u8; 32]) -> Self {
        Self {
            limits,
            rng: ChaCha20Rng::from_seed(seed),
            rooms: HashMap::new(),
            peers: HashMap::new(),
        }
    }

    pub fn create_room(&mut self, now: Duration, created_unix: u64) -> Result<NewRoom, RoomError> {
        if self.rooms.len() >= self.limits.max_rooms {
            return Err(RoomError::TooManyRooms(self.limits.max_rooms));
        }
        let code = loop {
            let candidate = JoinCode::random(&mut self.rng);
            if !self.rooms.contains_key(&candidate) {
                break candidate;
            }
        };
        let secret = InstructorSecret::random(&mut self.rng);
        let room = Room {
            secret,
            created: created_unix,
            params: Value::Null,
            peers: BTreeMap::new(),
            seats: HashMap::new(),
            empty_since: Some(now),
        };
        self.rooms.insert(code, room);
        Ok(NewRoom { code, secret })
    }

    pub fn find(&self, text: &str) -> Result<JoinCode, RoomError> {
        let code = JoinCode::parse(text).ok_or_else(|| RoomError::BadCode(text.to_string()))?;
        if self.rooms.contains_key(&code) {
            Ok(code)
        } else {
            Err(RoomError::NoSuchRoom(code))
        }
    }

    pub fn info(&self, code: JoinCode) -> Result<RoomInfo, RoomError> {
        let room = self.rooms.get(&code).ok_or(RoomError::NoSuchRoom(code))?;
        Ok(RoomInfo {
            code,
            peers: room.peers.len(),
            created: room.created,
            params: room.params.clone(),
        })
    }

    pub fn join(&mut self, code: JoinCode, now: Duration) -> Result<Joined, RoomError> {
        let cap = self.limits.peers_per_room;
        let room = self
            .rooms
            .get_mut(&code)
            .ok_or(RoomError::NoSuchRoom(code))?;
        if room.peers.len() >= cap {
            return Err(RoomError::RoomFull { code, cap });
        }
        let peer = PeerId::from_random_bytes(self.rng.r#gen());
        let roommates = room.peers.keys().copied().collect();
        let member = Member {
            signals: TokenBucket::full(self.limits.rate, now),
            status: Slot::new(now),
        };
        room.peers.insert(peer, member);
        room.empty_since = None;
        self.peers.insert(peer, code);
        Ok(Joined { peer, roommates })
    }

    /// Gives `peer` the place of whoever held `seat` before it (the same tab, before a
    /// reload): the room's parameters now name `peer` wherever they named that one.
    /// True if the parameters changed.
    pub fn take_seat(&mut self, peer: PeerId, seat: Seat) -> bool {
        let max_seats = 4 * self.limits.peers_per_room;
        let Some(room) = self
            .peers
            .get(&peer)
            .and_then(|code| self.rooms.get_mut(code))
        else {
            return false;
        };
        if room.seats.len() >= max_seats && !room.seats.contains_key(&seat) {
            let present = &room.peers;
            room.seats.retain(|_, holder| present.contains_key(holder));
        }
        let Some(previous) = room.seats.insert(seat, peer) else {
            return false;
        };
        let Ok(mut params) = RoomParams::from_json(&room.params) else {
            return false;
        };
        if !params.rename_member(&member_id(previous), &member_id(peer)) {
            return false;
        }
        room.params = serde_json::to_value(&params).expect("room parameters always serialize");
        true
    }

    /// Forgets a peer; `None` when it was already gone (kicked, or its room closed).
    pub fn leave(&mut self, peer: PeerId, now: Duration) -> Option<Left> {
        let code = self.peers.remove(&peer)?;
        let room = self.rooms.get_mut(&code)?;
        room.peers.remove(&peer);
        if room.peers.is_empty() {
            room.empty_since = Some(now);
        }
        Some(Left {
            code,
            roommates: room.peers.keys().copied().collect(),
        })
    }

    /// Charges one message of `size` bytes to `peer`: every frame counts, keep-alives too.
    pub fn admit(&mut self, peer: PeerId, size: usize, now: Duration) -> Result<(), SignalError> {
        let max = self.limits.message_bytes;
        if size > max {
            return Err(SignalError::TooLarge { size, max });
        }
        let code = self
            .peers
            .get(&peer)
            .ok_or(SignalError::UnknownSender(peer))?;
        let bucket = self
            .rooms
            .get_mut(code)
            .and_then(|room| room.peers.get_mut(&peer))
            .map(|member| &mut member.signals)
            .ok_or(SignalError::UnknownSender(peer))?;
        if bucket.take(now) {
            Ok(())
        } else {
            let Rate { burst, per_second } = self.limits.rate;
            Err(SignalError::RateLimited { burst, per_second })
        }
    }

    /// A signal may only reach a peer in the sender's own room.
    pub fn route(&self, sender: PeerId, receiver: PeerId) -> Result<(), SignalError> {
        let from = self
            .peers
            .get(&sender)
            .ok_or(SignalError::UnknownSender(sender))?;
        match self.peers.get(&receiver) {
            Some(to) if to == from && sender != receiver => Ok(()),
            _ => Err(SignalError::NotInRoom(receiver)),
        }
    }

    /// Closes a room: returns the peers whose connections must end.
    pub fn close(&mut self, code: JoinCode, secret: &str) -> Result<Vec<PeerId>, RoomError> {
        self.check_secret(code, secret)?;
        let room = self
            .rooms
            .remove(&code)
            .ok_or(RoomError::NoSuchRoom(code))?;
        let peers: Vec<PeerId> = room.peers.into_keys().collect();
        for peer in &peers {
            self.peers.remove(peer);
        }
        Ok(peers)
    }

    /// Removes one peer at the instructor's request.
    pub fn kick(
        &mut self,
        code: JoinCode,
        secret: &str,
        peer: PeerId,
        now: Duration,
    ) -> Result<Left, RoomError> {
        self.check_secret(code, secret)?;
        if self.peers.get(&peer) != Some(&code) {
            return Err(RoomError::NoSuchPeer(peer));
        }
        self.leave(peer, now).ok_or(RoomError::NoSuchPeer(peer))
    }

    /// Stores the instructor's parameters once they are valid and a legal next step
    /// from the current ones (the chain's rules change only with a new epoch), so
    /// every node of the room can obey whatever the server hands out.
    pub fn set_params(
        &mut self,
        code: JoinCode,
        secret: &str,
        params: Value,
        size: usize,
    ) -> Result<(), RoomError> {
        self.check_secret(code, secret)?;
        let max = self.limits.params_bytes;
        if size > max {
            return Err(RoomError::ParamsTooLarge { size, max });
        }
        let room = self
            .rooms
            .get_mut(&code)
            .ok_or(RoomError::NoSuchRoom(code))?;
        let current = RoomParams::from_json(&room.params).map_err(RoomError::BadParams)?;
        let next = RoomParams::from_json(&params).map_err(RoomError::BadParams)?;
        current
            .check_transition(&next)
            .map_err(|e| RoomError::BadParams(e.to_string()))?;
        room.params = serde_json::to_value(&next).expect("room parameters always serialize");
        Ok(())
    }

    /// Records what `member` reports about its node.
    pub fn report_status(
        &mut self,
        code: JoinCode,
        member: PeerId,
        body: &[u8],
        now: Duration,
    ) -> Result<(), StatusError> {
        let max = self.limits.status_bytes;
        if body.len() > max {
            return Err(StatusError::TooLarge {
                size: body.len(),
                max,
            });
        }
        self.rooms
            .get_mut(&code)
            .and_then(|room| room.peers.get_mut(&member))
            .ok_or(StatusError::NotAMember(member))?
            .status
            .record(body, now)
    }

    /// The room's parameters and every member's latest report, in member order.
    pub fn status_board(&self, code: JoinCode, now: Duration) -> Result<StatusBoard, RoomError> {
        let room = self.rooms.get(&code).ok_or(RoomError::NoSuchRoom(code))?;
        let members = room
            .peers
            .iter()
            .filter_map(|(peer, member)| {
                let report = member.status.report.as_ref()?;
                let age = now.saturating_sub(report.at).as_millis();
                Some(MemberStatus {
                    member: *peer,
                    status: report.status.clone(),
                    age_ms: u64::try_from(age).unwrap_or(u64::MAX),
                })
            })
            .collect();
        Ok(StatusBoard {
            params: room.params.clone(),
            members,
        })
    }

    /// Drops rooms that have been empty longer than the TTL; returns their codes.
    pub fn expire(&mut self, now: Duration) -> Vec<JoinCode> {
        let ttl = self.limits.empty_room_ttl;
        let stale: Vec<JoinCode> = self
            .rooms
            .iter()
            .filter(|(_, room)| {
                room.empty_since
                    .is_some_and(|since| now.saturating_sub(since) >= ttl)
            })
            .map(|(code, _)| *code)
            .collect();
        for code in &stale {
            self.rooms.remove(code);
        }
        stale
    }

    fn check_secret(&self, code: JoinCode, secret: &str) -> Result<(), RoomError> {
        let room = self.rooms.get(&code).ok_or(RoomError::NoSuchRoom(code))?;
        if room.secret.matches(secret) {
            Ok(())
        } else {
            Err(RoomError::WrongSecret(code))
        }
    }
}

#[cfg(test)]
mod tests;

/// How the room's parameters name a peer: the UUID's text, as the tabs see it.
fn member_id(peer: PeerId) -> MemberId {
    MemberId::try_from(peer.to_string()).expect("a UUID is a valid member id")
}
