//! The classroom's control plane: what the instructor asks of every node in a room
//! (which chain, which scenario) and what each node reports back.
//!
//! Blocks and transactions travel peer to peer over WebRTC. These small JSON documents
//! travel through `chainlab serve` instead: the instructor's dashboard PUTs
//! [`RoomParams`], every node (tab or native) watches them over server-sent events and
//! PUTs its [`PeerStatus`]. Going through the server keeps the instructor in control
//! even of a class it has partitioned. The types and rules here are pure: the server
//! validates with them, tabs and the native node obey them.

use std::fmt;

use ledger::{Address, Amount, BlockHash, ChainParams, CompactTarget, Target};
use serde::{Deserialize, Serialize};

/// Longest display name a student may choose, in characters.
pub const MAX_NAME_CHARS: usize = 24;

/// Longest member id accepted (matchbox's ids are 36-character UUIDs).
const MAX_MEMBER_ID: usize = 64;

/// Most members a scenario may name (a room holds at most a few dozen).
const MAX_GROUP: usize = 256;

/// Why the instructor's parameters or a node's status were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    #[error("{field} must be between {min} and {max}, got {got}")]
    OutOfRange {
        field: &'static str,
        min: u64,
        max: u64,
        got: u64,
    },
    #[error("the starting difficulty bits {0:#010x} do not encode a usable target")]
    BadBits(u32),
    #[error("the starting difficulty bits {0:#010x} are easier than the classroom allows")]
    TooEasy(u32),
    #[error("changing the chain's rules needs a reset (a new epoch), or nodes would disagree")]
    ChainChangedWithoutReset,
    #[error("the epoch can only move forward ({old} -> {new})")]
    EpochWentBack { old: u32, new: u32 },
    #[error("a member id must be 1 to {MAX_MEMBER_ID} printable characters")]
    BadMemberId,
    #[error("a scenario names at most {MAX_GROUP} members")]
    GroupTooLarge,
    #[error("the scenario's group is empty: choose at least one member")]
    EmptyGroup,
    #[error("the attacker and the merchant must be two different members")]
    SelfDoubleSpend,
    #[error("the amount must be a positive number of coins")]
    BadAmount,
    #[error("a name must be 1 to {MAX_NAME_CHARS} characters without control characters")]
    BadName,
    #[error("the hash rate must be a finite, non-negative number")]
    BadHashrate,
}

/// A member of a room: the id the signaling server assigned to its connection.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MemberId(String);

impl MemberId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MemberId {
    type Error = ParamsError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let printable = text.chars().all(|c| c.is_ascii_graphic());
        if text.is_empty() || text.len() > MAX_MEMBER_ID || !printable {
            return Err(ParamsError::BadMemberId);
        }
        Ok(Self(text))
    }
}

impl From<MemberId> for String {
    fn from(id: MemberId) -> Self {
        id.0
    }
}

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Everything the instructor decides for a room. `null` or `{}` means the defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoomParams {
    /// Bumped by "reset the room": every node drops its chain and starts the new one.
    pub epoch: u32,
    /// The rules of this epoch's chain.
    pub chain: ChainSettings,
    /// What the class is acting out right now.
    pub scenario: Scenario,
    /// Silent observers (the instructor's dashboard): linked to every side of a cut,
    /// which is safe because their nodes never relay ([`node::Node::observe_only`]).
    ///
    /// [`node::Node::observe_only`]: crate::Node::observe_only
    pub observers: Vec<MemberId>,
}

impl RoomParams {
    /// Reads the parameters the server holds (`null` before the instructor set any).
    pub fn from_json(value: &serde_json::Value) -> Result<Self, String> {
        if value.is_null() {
            return Ok(Self::default());
        }
        let params: Self = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
        params.validate().map_err(|e| e.to_string())?;
        Ok(params)
    }

    pub fn validate(&self) -> Result<(), ParamsError> {
        self.chain.validate()?;
        if self.observers.len() > MAX_GROUP {
            return Err(ParamsError::GroupTooLarge);
        }
        self.scenario.validate()
    }

    /// Whether `a` and `b` may exchange data now: the scenario decides, except that an
    /// observer hears everybody.
    pub fn linked(&self, a: &MemberId, b: &MemberId) -> bool {
        self.observers.contains(a) || self.observers.contains(b) || self.scenario.linked(a, b)
    }

    /// Puts `to` wherever the scenario or the observers name `from`. A tab that
    /// reloads joins the room again under a new id; this keeps it on its side of a
    /// partition, in its secret group, or in its role of a double spend. True if
    /// anything changed.
    pub fn rename_member(&mut self, from: &MemberId, to: &MemberId) -> bool {
        let mut named: Vec<&mut MemberId> = self.observers.iter_mut().collect();
        match &mut self.scenario {
            Scenario::Normal => {}
            Scenario::Partition { side: group } | Scenario::Collusion { group } => {
                named.extend(group.iter_mut());
            }
            Scenario::DoubleSpend {
                attacker,
                merchant,
                group,
                ..
            } => {
                named.extend([attacker, merchant]);
                named.extend(group.iter_mut());
            }
        }
        let mut changed = false;
        for id in named.into_iter().filter(|id| **id == *from) {
            *id = to.clone();
            changed = true;
        }
        changed
    }

    /// Whether the room may go from `self` to `next`: rules change only with a reset,
    /// so that no two nodes of one epoch ever validate by different rules.
    pub fn check_transition(&self, next: &RoomParams) -> Result<(), ParamsError> {
        next.validate()?;
        if next.epoch < self.epoch {
            return Err(ParamsError::EpochWentBack {
                old: self.epoch,
                new: next.epoch,
            });
        }
        if next.epoch == self.epoch && next.chain != self.chain {
            return Err(ParamsError::ChainChangedWithoutReset);
        }
        Ok(())
    }

    /// The rules of this epoch's chain. Each epoch has its own name and genesis, so
    /// nodes still on an old chain part from new ones at their first hello.
    pub fn chain_params(&self) -> ChainParams {
        let settings = &self.chain;
        let base = ChainParams::classroom();
        let limit = Target::from_compact(CompactTarget::from_consensus(settings.start_bits))
            .expect("validated settings have usable bits");
        ChainParams {
            name: format!("classroom-{}", self.epoch),
            pow_limit: limit,
            pow_target_spacing: settings.block_seconds,
            pow_target_timespan: settings.block_seconds * settings.retarget_blocks,
            initial_subsidy: Amount::from_sat(settings.reward_coins * Amount::COIN.to_sat())
                .expect("validated rewards are in range"),
            halving_interval: settings.halving_blocks,
            genesis_time: base.genesis_time + self.epoch,
            ..base
        }
    }
}

/// The chain rules an instructor may choose for a class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChainSettings {
    /// Seconds the class aims for between blocks.
    pub block_seconds: u32,
    /// Blocks between difficulty adjustments.
    pub retarget_blocks: u32,
    /// Starting (and easiest) difficulty as compact bits.
    pub start_bits: u32,
    /// Whole coins in a block's reward before the first halving.
    pub reward_coins: u64,
    /// Blocks between halvings of the reward.
    pub halving_blocks: u32,
}

impl Default for ChainSettings {
    /// The classroom chain of [`ChainParams::classroom`].
    fn default() -> Self {
        let base = ChainParams::classroom();
        Self {
            block_seconds: base.pow_target_spacing,
            retarget_blocks: base.pow_target_timespan / base.pow_target_spacing,
            start_bits: base.pow_limit.to_compact().to_consensus(),
            reward_coins: base.initial_subsidy.to_sat() / Amount::COIN.to_sat(),
            halving_blocks: base.halving_interval,
        }
    }
}

impl ChainSettings {
    /// The easiest start allowed: regtest's, where every other hash is a block.
    const EASIEST_BITS: u32 = 0x207f_ffff;

    pub fn validate(&self) -> Result<(), ParamsError> {
        in_range("block_seconds", self.block_seconds.into(), 2, 600)?;
        in_range("retarget_blocks", self.retarget_blocks.into(), 2, 2016)?;
        in_range("reward_coins", self.reward_coins, 1, 1000)?;
        in_range("halving_blocks", self.halving_blocks.into(), 1, 1_000_000)?;
        let bits = self.start_bits;
        let target = Target::from_compact(CompactTarget::from_consensus(bits))
            .map_err(|_| ParamsError::BadBits(bits))?;
        let easiest = Target::from_compact(CompactTarget::from_consensus(Self::EASIEST_BITS))
            .expect("regtest bits are valid");
        if target > easiest {
            return Err(ParamsError::TooEasy(bits));
        }
        Ok(())
    }
}

fn in_range(field: &'static str, got: u64, min: u64, max: u64) -> Result<(), ParamsError> {
    if (min..=max).contains(&got) {
        Ok(())
    } else {
        Err(ParamsError::OutOfRange {
            field,
            min,
            max,
            got,
        })
    }
}

/// What the class is acting out. Ending a scenario (back to [`Scenario::Normal`]) heals
/// every link it cut, and the nodes then sync and reorganise to the most work.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Scenario {
    /// Everybody talks to everybody.
    #[default]
    Normal,
    /// The class split in two: `side` on one side, every other member on the other.
    Partition { side: Vec<MemberId> },
    /// A 51% collusion: `group` mines in secret, talking only among itself, until the
    /// instructor releases its chain.
    Collusion { group: Vec<MemberId> },
    /// `attacker` pays `merchant` in public, then mines in secret with `group` a chain
    /// where the same coins go back to the attacker; released, it undoes the payment.
    DoubleSpend {
        attacker: MemberId,
        merchant: MemberId,
        amount: Amount,
        group: Vec<MemberId>,
    },
}

/// Which side of a cut a member is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// No cut: the whole class.
    Everyone,
    /// The named group (a partition's `side`, the secret miners).
    Group,
    /// Everybody else.
    Rest,
}

impl Scenario {
    pub fn validate(&self) -> Result<(), ParamsError> {
        match self {
            Scenario::Normal => Ok(()),
            Scenario::Partition { side: group } | Scenario::Collusion { group } => {
                check_group(group)
            }
            Scenario::DoubleSpend {
                attacker,
                merchant,
                amount,
                group,
            } => {
                check_group(group)?;
                if attacker == merchant || group.contains(merchant) {
                    return Err(ParamsError::SelfDoubleSpend);
                }
                if amount.to_sat() == 0 || !amount.is_in_range() {
                    return Err(ParamsError::BadAmount);
                }
                Ok(())
            }
        }
    }

    /// The members cut off from the rest, if any. A double spend's attacker is always
    /// in its secret group.
    fn group(&self) -> Option<(&[MemberId], Option<&MemberId>)> {
        match self {
            Scenario::Normal => None,
            Scenario::Partition { side: group } | Scenario::Collusion { group } => {
                Some((group, None))
            }
            Scenario::DoubleSpend {
                attacker, group, ..
            } => Some((group, Some(attacker))),
        }
    }

    /// Which side of the cut `member` is on.
    pub fn side_of(&self, member: &MemberId) -> Side {
        match self.group() {
            None => Side::Everyone,
            Some((group, extra)) if group.contains(member) || extra == Some(member) => Side::Group,
            Some(_) => Side::Rest,
        }
    }

    /// Whether `a` and `b` may exchange blocks and transactions right now. A node
    /// obeys this by disconnecting (for its node) from the peers on the other side and
    /// dropping whatever they still send.
    pub fn linked(&self, a: &MemberId, b: &MemberId) -> bool {
        self.side_of(a) == self.side_of(b)
    }
}

fn check_group(group: &[MemberId]) -> Result<(), ParamsError> {
    if group.is_empty() {
        return Err(ParamsError::EmptyGroup);
    }
    if group.len() > MAX_GROUP {
        return Err(ParamsError::GroupTooLarge);
    }
    Ok(())
}

/// Who is behind a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Student,
    Instructor,
    /// `chainlab node`, keeping the class chain when every tab has closed.
    Native,
}

/// What a node tells the room every few seconds: the dashboard's table and the
/// students' address book are built from these.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerStatus {
    /// The name a student chose (shown to the class).
    pub name: String,
    pub role: Role,
    /// Where to send this member coins.
    pub address: Address,
    /// The epoch of the chain this node is on.
    pub epoch: u32,
    /// Height and hash of its active tip.
    pub height: u32,
    pub tip: BlockHash,
    /// Hashes per second while mining (0 when idle).
    pub hashrate: f64,
    pub mining: bool,
    /// Peers it is connected to.
    pub peers: u32,
    /// Its wallet's confirmed balance.
    pub balance: Amount,
}

impl PeerStatus {
    pub fn validate(&self) -> Result<(), ParamsError> {
        let chars = self.name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS || self.name.chars().any(char::is_control) {
            return Err(ParamsError::BadName);
        }
        if !self.hashrate.is_finite() || self.hashrate < 0.0 {
            return Err(ParamsError::BadHashrate);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn id(text: &str) -> MemberId {
        MemberId::try_from(text.to_string()).unwrap()
    }

    #[test]
    fn null_and_empty_params_are_the_classroom_chain() {
        for value in [json!(null), json!({})] {
            let params = RoomParams::from_json(&value).unwrap();
            assert_eq!(params, RoomParams::default());
            let chain = params.chain_params();
            let classroom = ChainParams::classroom();
            assert_eq!(chain.pow_limit, classroom.pow_limit);
            assert_eq!(chain.pow_target_spacing, classroom.pow_target_spacing);
            assert_eq!(chain.pow_target_timespan, classroom.pow_target_timespan);
            assert_eq!(chain.initial_subsidy, classroom.initial_subsidy);
            assert_eq!(chain.halving_interval, classroom.halving_interval);
        }
    }

    #[test]
    fn each_epoch_is_a_different_chain() {
        let first = RoomParams::default().chain_params();
        let second = RoomParams {
            epoch: 1,
            ..RoomParams::default()
        }
        .chain_params();
        assert_ne!(first.name, second.name);
        assert_ne!(first.genesis_time, second.genesis_time);
    }

    /// A double spend by "a" with helper "b" against merchant "m", as the dashboard
    /// writes it.
    fn double_spend() -> serde_json::Value {
        json!({
            "kind": "double_spend",
            "attacker": "a",
            "merchant": "m",
            "amount": 500_000_000u64,
            "group": ["a", "b"],
        })
    }

    #[test]
    fn a_renamed_member_keeps_its_place_in_every_role() {
        let value = json!({ "scenario": double_spend(), "observers": ["o"] });
        let mut params = RoomParams::from_json(&value).unwrap();
        assert!(params.rename_member(&id("a"), &id("a2")));
        assert!(params.rename_member(&id("m"), &id("m2")));
        assert!(params.rename_member(&id("o"), &id("o2")));
        assert!(!params.rename_member(&id("x"), &id("y")), "not named");
        assert_eq!(
            params.scenario,
            Scenario::DoubleSpend {
                attacker: id("a2"),
                merchant: id("m2"),
                amount: Amount::from_sat(500_000_000).unwrap(),
                group: vec![id("a2"), id("b")],
            }
        );
        assert_eq!(params.observers, vec![id("o2")]);
        let mut partition = RoomParams {
            scenario: Scenario::Partition {
                side: vec![id("p"), id("q")],
            },
            ..RoomParams::default()
        };
        assert!(partition.rename_member(&id("q"), &id("q2")));
        assert_eq!(partition.scenario.side_of(&id("q2")), Side::Group);
        assert_eq!(partition.scenario.side_of(&id("q")), Side::Rest);
        let mut normal = RoomParams::default();
        assert!(!normal.rename_member(&id("p"), &id("p2")));
    }

    #[test]
    fn scenarios_read_as_the_dashboard_writes_them() {
        let value = json!({ "epoch": 2, "scenario": double_spend() });
        let params = RoomParams::from_json(&value).unwrap();
        assert_eq!(params.epoch, 2);
        assert_eq!(
            params.scenario,
            Scenario::DoubleSpend {
                attacker: id("a"),
                merchant: id("m"),
                amount: Amount::from_sat(500_000_000).unwrap(),
                group: vec![id("a"), id("b")],
            }
        );
    }

    #[test]
    fn bad_params_are_refused_with_a_reason() {
        let cases = [
            json!({"chain": {"block_seconds": 0}}),
            json!({"chain": {"start_bits": 0x2100ffffu32}}),
            json!({"chain": {"start_bits": 0}}),
            json!({"scenario": {"kind": "partition", "side": []}}),
            json!({"scenario": {"kind": "double_spend", "attacker": "a", "merchant": "a",
                                "amount": 1, "group": ["a"]}}),
            json!({"scenario": {"kind": "teleport"}}),
            json!({"colour": "red"}),
        ];
        for value in cases {
            let error = RoomParams::from_json(&value).unwrap_err();
            assert!(!error.is_empty(), "{value} refused without a reason");
        }
    }

    #[test]
    fn rules_change_only_with_a_reset() {
        let old = RoomParams::default();
        let mut faster = old.clone();
        faster.chain.block_seconds = 5;
        assert_eq!(
            old.check_transition(&faster),
            Err(ParamsError::ChainChangedWithoutReset)
        );
        faster.epoch = 1;
        assert_eq!(old.check_transition(&faster), Ok(()));
        assert_eq!(
            faster.check_transition(&old),
            Err(ParamsError::EpochWentBack { old: 1, new: 0 })
        );
        let partition = RoomParams {
            scenario: Scenario::Partition {
                side: vec![id("a")],
            },
            ..old.clone()
        };
        assert_eq!(old.check_transition(&partition), Ok(()));
    }

    #[test]
    fn a_partition_cuts_exactly_the_links_across_it() {
        let scenario = Scenario::Partition {
            side: vec![id("a"), id("b")],
        };
        assert!(scenario.linked(&id("a"), &id("b")));
        assert!(scenario.linked(&id("c"), &id("d")));
        assert!(!scenario.linked(&id("a"), &id("c")));
        assert!(Scenario::Normal.linked(&id("a"), &id("c")));
    }

    #[test]
    fn an_observer_hears_both_sides_of_a_cut() {
        let params = RoomParams {
            scenario: Scenario::Collusion {
                group: vec![id("a")],
            },
            observers: vec![id("teacher")],
            ..RoomParams::default()
        };
        assert!(params.linked(&id("teacher"), &id("a")));
        assert!(params.linked(&id("b"), &id("teacher")));
        assert!(!params.linked(&id("a"), &id("b")));
    }

    #[test]
    fn a_double_spender_is_always_on_the_secret_side() {
        let scenario = Scenario::DoubleSpend {
            attacker: id("x"),
            merchant: id("m"),
            amount: Amount::COIN,
            group: vec![id("h")],
        };
        assert_eq!(scenario.side_of(&id("x")), Side::Group);
        assert_eq!(scenario.side_of(&id("m")), Side::Rest);
        assert!(scenario.linked(&id("x"), &id("h")));
        assert!(!scenario.linked(&id("x"), &id("m")));
    }

    #[test]
    fn statuses_refuse_odd_names_and_rates() {
        let status = PeerStatus {
            name: "Ada".into(),
            role: Role::Student,
            address: ledger::PrivateKey::from_entropy([7; 32]).unwrap().address(),
            epoch: 0,
            height: 3,
            tip: BlockHash::from_byte_array([1; 32]),
            hashrate: 1.5e6,
            mining: true,
            peers: 4,
            balance: Amount::COIN,
        };
        assert_eq!(status.validate(), Ok(()));
        let text = serde_json::to_string(&status).unwrap();
        assert_eq!(serde_json::from_str::<PeerStatus>(&text).unwrap(), status);
        for bad in [
            PeerStatus {
                name: String::new(),
                ..status.clone()
            },
            PeerStatus {
                name: "x".repeat(MAX_NAME_CHARS + 1),
                ..status.clone()
            },
            PeerStatus {
                name: "a\u{7}b".into(),
                ..status.clone()
            },
            PeerStatus {
                hashrate: f64::NAN,
                ..status.clone()
            },
        ] {
            assert!(bad.validate().is_err());
        }
    }

    #[test]
    fn member_ids_are_short_and_printable() {
        assert!(MemberId::try_from(String::new()).is_err());
        assert!(MemberId::try_from("a b".to_string()).is_err());
        assert!(MemberId::try_from("x".repeat(65)).is_err());
        assert_eq!(id("8f0c6f52-7d0b").as_str(), "8f0c6f52-7d0b");
    }
}
