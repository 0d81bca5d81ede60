//! Names for peers on both sides of the shell.
//!
//! The signaling server gives every peer a UUID; the node counts peers with small
//! numbers. A number is never reused, so a peer that leaves and comes back starts
//! with a clean record in the node rather than inheriting a stranger's.
//!
//! A peer the node dropped without a ban (slow, or on another chain) rests a moment
//! before we greet it again, so a slow laptop is not asked twice a second; its own
//! hello is taken at once. Rests belong to the node that dropped the peer, so a
//! reset (a new table) ends them.

use std::collections::BTreeMap;

use matchbox_socket::PeerId as RoomId;
use node::PeerId;

#[derive(Debug, Default)]
pub struct PeerTable {
    next: u64,
    by_room: BTreeMap<RoomId, PeerId>,
    by_node: BTreeMap<PeerId, RoomId>,
    resting_until: BTreeMap<RoomId, u64>,
}

impl PeerTable {
    /// A fresh node-side id for a newly connected peer.
    pub fn connect(&mut self, room: RoomId) -> PeerId {
        self.forget_room(room);
        self.next += 1;
        let peer = PeerId(self.next);
        self.by_room.insert(room, peer);
        self.by_node.insert(peer, room);
        peer
    }

    /// Drops a peer that left the room; its node-side id, if it had one.
    pub fn forget_room(&mut self, room: RoomId) -> Option<PeerId> {
        let peer = self.by_room.remove(&room)?;
        self.by_node.remove(&peer);
        Some(peer)
    }

    /// Drops a peer the node disconnected; later packets from it are ignored.
    pub fn forget_node(&mut self, peer: PeerId) -> Option<RoomId> {
        let room = self.by_node.remove(&peer)?;
        self.by_room.remove(&room);
        Some(room)
    }

    /// Leaves `room` for us to greet again only from `until` on.
    pub fn rest(&mut self, room: RoomId, until: u64) {
        self.resting_until.insert(room, until);
    }

    pub fn is_resting(&self, room: RoomId, now: u64) -> bool {
        self.resting_until
            .get(&room)
            .is_some_and(|until| *until > now)
    }

    pub fn node_id(&self, room: RoomId) -> Option<PeerId> {
        self.by_room.get(&room).copied()
    }

    pub fn room_id(&self, peer: PeerId) -> Option<RoomId> {
        self.by_node.get(&peer).copied()
    }

    pub fn len(&self) -> usize {
        self.by_room.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(n: u8) -> RoomId {
        RoomId(uuid::Uuid::from_bytes([n; 16]))
    }

    #[test]
    fn ids_map_both_ways_and_are_never_reused() {
        let mut table = PeerTable::default();
        let a = table.connect(room(1));
        let b = table.connect(room(2));
        assert_ne!(a, b);
        assert_eq!(table.node_id(room(2)), Some(b));
        assert_eq!(table.room_id(a), Some(room(1)));
        assert_eq!(table.forget_node(a), Some(room(1)));
        assert_eq!(table.node_id(room(1)), None);
        let again = table.connect(room(1));
        assert_ne!(again, a, "a returning peer gets a clean record");
        assert_eq!(table.forget_room(room(2)), Some(b));
        assert_eq!(table.room_id(b), None);
        assert_eq!(table.len(), 1);
        table.rest(room(2), 10);
        assert!(table.is_resting(room(2), 9) && !table.is_resting(room(2), 10));
    }
}
