//! Which room members this node may talk to right now.
//!
//! Every member keeps its WebRTC channel to every other; the instructor's scenario
//! decides which of them the node hears ([`RoomParams::linked`]: the scenario, and the
//! dashboard's observer hearing everyone), and a member the node
//! banned stays unheard however often the links are redrawn.
//!
//! The members of a room see a parameter change a few milliseconds apart, so the
//! first to heal a link (or to reset to a new epoch) says hello before the other is
//! listening. That hello is held, the latest one per member, and replayed when the
//! link opens on this side, so both ends complete the handshake whatever the order.

use std::collections::{BTreeMap, BTreeSet};

use matchbox_socket::PeerId as RoomId;
use node::Message;
use node::classroom::{MemberId, RoomParams, Scenario};

/// The kind byte of a hello, after the magic and version.
const HELLO_KIND_AT: usize = 6;

/// A room member's id as the classroom's control plane writes it.
pub fn member(room: RoomId) -> MemberId {
    MemberId::try_from(room.0.to_string()).expect("a UUID is a valid member id")
}

/// The chain a hello names, if `bytes` is a hello.
pub fn hello_network(bytes: &[u8]) -> Option<String> {
    if bytes.get(HELLO_KIND_AT) != Some(&0) {
        return None;
    }
    match Message::decode(bytes) {
        Ok(Message::Hello(hello)) => Some(hello.network),
        _ => None,
    }
}

#[derive(Debug, Default)]
pub struct Links {
    me: Option<MemberId>,
    params: RoomParams,
    connected: BTreeSet<RoomId>,
    /// Banned members and until when (Unix ms).
    banned: BTreeMap<RoomId, u64>,
    held: BTreeMap<RoomId, Vec<u8>>,
}

impl Links {
    pub fn me(&self) -> Option<&MemberId> {
        self.me.as_ref()
    }

    pub fn set_me(&mut self, me: MemberId) {
        self.me = Some(me);
    }

    pub fn set_params(&mut self, params: RoomParams) {
        self.params = params;
    }

    /// A member's channel opened.
    pub fn connect(&mut self, room: RoomId) {
        self.connected.insert(room);
    }

    /// A member's channel closed.
    pub fn disconnect(&mut self, room: RoomId) {
        self.connected.remove(&room);
        self.held.remove(&room);
    }

    pub fn ban(&mut self, room: RoomId, until: u64) {
        self.banned.insert(room, until);
    }

    /// Members whose channel is open.
    pub fn connected(&self) -> Vec<RoomId> {
        self.connected.iter().copied().collect()
    }

    /// Whether the node may exchange data with `room` at `now`. Until the server
    /// has told this node its own id, only a scenario-free room can be obeyed.
    pub fn may_talk(&self, room: RoomId, now: u64) -> bool {
        if self.banned.get(&room).is_some_and(|until| *until > now) {
            return false;
        }
        match &self.me {
            Some(me) => self.params.linked(me, &member(room)),
            None => self.params.scenario == Scenario::Normal,
        }
    }

    /// Keeps `hello` from `room` for when its link opens (or this node resets).
    pub fn hold_hello(&mut self, room: RoomId, hello: Vec<u8>) {
        self.held.insert(room, hello);
    }

    /// The hello held from `room`, if it names `network`.
    pub fn take_hello(&mut self, room: RoomId, network: &str) -> Option<Vec<u8>> {
        let hello = self.held.remove(&room)?;
        (hello_network(&hello).as_deref() == Some(network)).then_some(hello)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use ledger::BlockHash;
    use node::wire::{Hello, PROTOCOL_VERSION};

    fn scenario(scenario: Scenario) -> RoomParams {
        RoomParams {
            scenario,
            ..RoomParams::default()
        }
    }

    #[test]
    fn the_dashboard_s_observer_is_heard_across_a_cut() {
        let mut links = Links::default();
        links.set_me(member(room(1)));
        links.set_params(RoomParams {
            observers: vec![member(room(9))],
            ..scenario(Scenario::Collusion {
                group: vec![member(room(1))],
            })
        });
        assert!(links.may_talk(room(9), 0));
        assert!(!links.may_talk(room(2), 0));
    }

    fn room(n: u8) -> RoomId {
        RoomId(uuid::Uuid::from_bytes([n; 16]))
    }

    fn hello(network: &str) -> Vec<u8> {
        Message::Hello(Hello {
            version: PROTOCOL_VERSION,
            network: network.into(),
            genesis: BlockHash::from_byte_array([1; 32]),
            tip: BlockHash::from_byte_array([2; 32]),
            height: 0,
            session: 1,
            seen: 0,
        })
        .encode()
    }

    #[test]
    fn a_partition_cuts_the_far_side_and_a_ban_outlasts_the_heal() {
        let mut links = Links::default();
        links.set_me(member(room(1)));
        links.connect(room(2));
        links.connect(room(3));
        assert!(links.may_talk(room(2), 0) && links.may_talk(room(3), 0));
        links.set_params(scenario(Scenario::Partition {
            side: vec![member(room(1)), member(room(2))],
        }));
        assert!(links.may_talk(room(2), 0));
        assert!(!links.may_talk(room(3), 0));
        links.ban(room(2), 1_000);
        links.set_params(scenario(Scenario::Normal));
        assert!(!links.may_talk(room(2), 999));
        assert!(links.may_talk(room(2), 1_000), "bans expire");
        assert!(links.may_talk(room(3), 0));
    }

    #[test]
    fn without_an_id_only_a_normal_room_is_obeyed() {
        let mut links = Links::default();
        assert!(links.may_talk(room(2), 0));
        links.set_params(scenario(Scenario::Collusion {
            group: vec![member(room(2))],
        }));
        assert!(!links.may_talk(room(2), 0));
    }

    #[test]
    fn a_held_hello_is_replayed_only_for_its_own_chain() {
        let mut links = Links::default();
        assert_eq!(
            hello_network(&hello("classroom-1")).as_deref(),
            Some("classroom-1")
        );
        assert_eq!(hello_network(&Message::Ping(7).encode()), None);
        assert_eq!(hello_network(b"CLab\x01\x00\x00"), None);
        links.hold_hello(room(2), hello("classroom-0"));
        links.hold_hello(room(2), hello("classroom-1"));
        assert_eq!(
            links.take_hello(room(2), "classroom-1"),
            Some(hello("classroom-1"))
        );
        assert_eq!(
            links.take_hello(room(2), "classroom-1"),
            None,
            "replayed once"
        );
        links.hold_hello(room(3), hello("classroom-0"));
        assert_eq!(links.take_hello(room(3), "classroom-1"), None);
        links.connect(room(4));
        links.hold_hello(room(4), hello("x"));
        links.disconnect(room(4));
        assert_eq!(links.take_hello(room(4), "x"), None);
        assert!(links.connected().is_empty());
    }
}
