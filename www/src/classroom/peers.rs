//! Who is in the room, and which of them the node is talking to.
//!
//! The transport (WebRTC or BroadcastChannel) names members with strings; the node
//! counts peers with small numbers. A member can be present without being attached
//! to the node: cut off by a scenario, banned, or dropped by the node as slow. Node
//! ids are never reused, so a member that comes back starts with a clean record in
//! the node; a ban is kept here by member, where it survives that fresh id.
//!
//! A member the node dropped without a ban rests a moment before we greet it again,
//! so a slow laptop is not asked twice a second; its own hello is taken at once.

use std::collections::BTreeMap;

use node::PeerId;
use node::classroom::MemberId;

#[derive(Debug, Default)]
pub struct PeerTable {
    next: u64,
    present: BTreeMap<MemberId, Option<PeerId>>,
    by_node: BTreeMap<PeerId, MemberId>,
    banned_until: BTreeMap<MemberId, u64>,
    resting_until: BTreeMap<MemberId, u64>,
}

impl PeerTable {
    /// A member's transport connection opened.
    pub fn join(&mut self, member: MemberId) {
        self.present.entry(member).or_default();
    }

    /// A member's transport connection closed; its node id if it was attached.
    pub fn leave(&mut self, member: &MemberId) -> Option<PeerId> {
        let peer = self.present.remove(member).flatten()?;
        self.by_node.remove(&peer);
        Some(peer)
    }

    /// Gives a present, unattached, unbanned member a fresh node id.
    pub fn attach(&mut self, member: &MemberId, now: u64) -> Option<PeerId> {
        if self.is_banned(member, now) {
            return None;
        }
        let slot = self.present.get_mut(member)?;
        if slot.is_some() {
            return None;
        }
        self.next += 1;
        let peer = PeerId(self.next);
        *slot = Some(peer);
        self.by_node.insert(peer, member.clone());
        Some(peer)
    }

    /// Stops talking to a member that stays present; its node id if it had one.
    pub fn detach(&mut self, member: &MemberId) -> Option<PeerId> {
        let peer = self.present.get_mut(member)?.take()?;
        self.by_node.remove(&peer);
        Some(peer)
    }

    /// The node dropped a peer: the member stays present but is ignored.
    pub fn forget_node(&mut self, peer: PeerId) -> Option<MemberId> {
        let member = self.by_node.remove(&peer)?;
        if let Some(slot) = self.present.get_mut(&member) {
            *slot = None;
        }
        Some(member)
    }

    pub fn ban(&mut self, member: MemberId, until: u64) {
        self.banned_until.insert(member, until);
    }

    /// Leaves `member` for us to greet again only from `until` on.
    pub fn rest(&mut self, member: MemberId, until: u64) {
        self.resting_until.insert(member, until);
    }

    pub fn is_resting(&self, member: &MemberId, now: u64) -> bool {
        self.resting_until
            .get(member)
            .is_some_and(|until| *until > now)
    }

    pub fn is_banned(&self, member: &MemberId, now: u64) -> bool {
        self.banned_until
            .get(member)
            .is_some_and(|until| *until > now)
    }

    pub fn node_id(&self, member: &MemberId) -> Option<PeerId> {
        self.present.get(member).copied().flatten()
    }

    pub fn member(&self, peer: PeerId) -> Option<&MemberId> {
        self.by_node.get(&peer)
    }

    /// Every present member, attached or not.
    pub fn members(&self) -> impl Iterator<Item = &MemberId> {
        self.present.keys()
    }

    pub fn is_present(&self, member: &MemberId) -> bool {
        self.present.contains_key(member)
    }

    /// Members the node is talking to.
    pub fn attached(&self) -> usize {
        self.by_node.len()
    }

    /// Forgets every node id (the node was replaced), keeping members and bans;
    /// rests end, since the node that dropped those members is gone.
    pub fn detach_all(&mut self) {
        self.resting_until.clear();
        for slot in self.present.values_mut() {
            *slot = None;
        }
        self.by_node.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> MemberId {
        MemberId::try_from(text.to_string()).unwrap()
    }

    #[test]
    fn members_attach_with_fresh_ids_and_detach_without_leaving() {
        let mut table = PeerTable::default();
        table.join(id("a"));
        table.join(id("b"));
        assert_eq!(
            table.attach(&id("c"), 0),
            None,
            "only present members attach"
        );
        let a = table.attach(&id("a"), 0).unwrap();
        assert_eq!(table.attach(&id("a"), 0), None, "already attached");
        assert_eq!(table.member(a), Some(&id("a")));
        assert_eq!(table.detach(&id("a")), Some(a));
        assert!(table.is_present(&id("a")));
        let again = table.attach(&id("a"), 0).unwrap();
        assert_ne!(again, a, "a returning member gets a clean record");
        assert_eq!(table.forget_node(again), Some(id("a")));
        assert_eq!(table.node_id(&id("a")), None);
        assert_eq!(table.members().count(), 2);
        assert_eq!(table.leave(&id("a")), None, "it was no longer attached");
        assert!(!table.is_present(&id("a")));
    }

    #[test]
    fn a_banned_member_cannot_attach_until_the_ban_ends() {
        let mut table = PeerTable::default();
        table.join(id("m"));
        table.ban(id("m"), 1_000);
        table.rest(id("m"), 10);
        assert!(table.is_resting(&id("m"), 9) && !table.is_resting(&id("m"), 10));
        assert_eq!(table.attach(&id("m"), 999), None);
        assert!(table.attach(&id("m"), 1_000).is_some());
    }

    #[test]
    fn detach_all_keeps_members_and_drops_node_ids() {
        let mut table = PeerTable::default();
        table.join(id("a"));
        let peer = table.attach(&id("a"), 0).unwrap();
        table.detach_all();
        assert_eq!(table.attached(), 0);
        assert_eq!(table.member(peer), None);
        assert!(table.is_present(&id("a")));
    }
}
