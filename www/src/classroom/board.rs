//! The room's status board (`GET /api/rooms/<code>/status`): every member's last
//! [`PeerStatus`]. The dashboard's table and the students' address book read it.

use ledger::Address;
use node::classroom::{MemberId, PeerStatus, RoomParams};
use serde::Deserialize;

/// One member's last report.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Member {
    pub member: MemberId,
    pub status: PeerStatus,
    /// Milliseconds since it reported.
    pub age_ms: u64,
}

/// What the server answers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Board {
    pub params: RoomParams,
    pub members: Vec<Member>,
}

#[derive(Deserialize)]
struct Wire {
    #[serde(default)]
    params: serde_json::Value,
    #[serde(default)]
    members: Vec<Member>,
}

impl Board {
    pub fn from_json(text: &str) -> Result<Self, String> {
        let wire: Wire = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(Self {
            params: RoomParams::from_json(&wire.params)?,
            members: wire.members,
        })
    }

    pub fn get(&self, member: &MemberId) -> Option<&Member> {
        self.members.iter().find(|m| &m.member == member)
    }

    /// The name of whoever owns `address`.
    pub fn name_of(&self, address: &Address) -> Option<&str> {
        self.members
            .iter()
            .find(|m| &m.status.address == address)
            .map(|m| m.status.name.as_str())
    }

    /// Classmates one can pay, by name, without `me`.
    pub fn address_book(&self, me: Option<&MemberId>) -> Vec<(String, Address)> {
        let mut book: Vec<(String, Address)> = self
            .members
            .iter()
            .filter(|m| Some(&m.member) != me)
            .map(|m| (m.status.name.clone(), m.status.address))
            .collect();
        book.sort();
        book.dedup_by(|a, b| a.1 == b.1);
        book
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
        "params": {"epoch": 1, "chain": {"start_bits": 545259519}},
        "members": [
            {"member": "b", "age_ms": 120, "status": {"name": "Bo", "role": "student",
             "address": "ADDR_B", "epoch": 1, "height": 3, "tip": "TIP",
             "hashrate": 1000.5, "mining": true, "peers": 2, "balance": 5000000000}},
            {"member": "a", "age_ms": 50, "status": {"name": "Ann", "role": "native",
             "address": "ADDR_A", "epoch": 1, "height": 3, "tip": "TIP",
             "hashrate": 0.0, "mining": false, "peers": 2, "balance": 0}}
        ]
    }"#;

    fn sample() -> String {
        let a = ledger::PrivateKey::from_entropy([1; 32]).unwrap().address();
        let b = ledger::PrivateKey::from_entropy([2; 32]).unwrap().address();
        let tip = ledger::BlockHash::from_byte_array([7; 32]);
        SAMPLE
            .replace("ADDR_A", &a.to_string())
            .replace("ADDR_B", &b.to_string())
            .replace("TIP", &tip.to_string())
    }

    #[test]
    fn the_board_reads_params_and_members_and_builds_the_address_book() {
        let board = Board::from_json(&sample()).unwrap();
        assert_eq!(board.params.epoch, 1);
        assert_eq!(board.params.chain.start_bits, 0x207f_ffff);
        assert_eq!(board.members.len(), 2);
        let me = MemberId::try_from("a".to_string()).unwrap();
        let book = board.address_book(Some(&me));
        assert_eq!(book.len(), 1);
        assert_eq!(book[0].0, "Bo");
        assert_eq!(board.name_of(&book[0].1), Some("Bo"));
        assert_eq!(board.get(&me).unwrap().status.name, "Ann");
    }

    #[test]
    fn null_params_are_the_defaults_and_bad_documents_say_why() {
        let board = Board::from_json(r#"{"params": null, "members": []}"#).unwrap();
        assert_eq!(board.params, RoomParams::default());
        let error = Board::from_json(r#"{"params": {"epoch": "x"}}"#).unwrap_err();
        assert!(error.contains("invalid type"), "{error}");
    }
}
