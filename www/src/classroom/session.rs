//! One classroom node as a state machine: the [`node::Node`], the student's
//! [`Wallet`], the room's members and the instructor's [`RoomParams`], driven by the
//! shell with packets, timers and parameter changes.
//!
//! The session knows nothing of WebRTC or BroadcastChannel: members are named by the
//! strings the transport gives, and what it wants sent waits in [`Session::poll_transmit`].
//! That keeps the rules of the classroom (a reset keeps the wallet, a cut link drops
//! traffic, the double-spend attacker's steps) testable with nothing but bytes, like
//! `crates/node`'s harness.

use ledger::{Address, Amount, Block, BlockError, BlockHash, ChainParams, MempoolError, Txid};
use node::classroom::{MemberId, PeerStatus, Role, RoomParams, Scenario, Side};
use node::node::{BAN_MS, REGREET_MS};
use node::{Event, Message, Node, Output, Snapshot, StoreError, Wallet, WalletError};
use std::collections::{BTreeMap, VecDeque};

use super::board::Board;
use super::feed::{Feed, FeedKind, Miner};
use super::history::{Change, History};
use super::peers::PeerTable;

/// The fee the double-spend attacker's two payments carry.
const ATTACK_FEE: Amount = match Amount::from_sat(10_000) {
    Ok(fee) => fee,
    Err(_) => panic!("a small fee is in range"),
};

/// Bytes for one member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    pub to: MemberId,
    pub bytes: Vec<u8>,
}

/// When this node accepted a block: the propagation log the tests read.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Arrival {
    pub hash: BlockHash,
    pub height: u32,
    pub received_at_ms: u64,
}

/// Why a payment was not sent. Nothing changes on error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayError {
    #[error(transparent)]
    Wallet(#[from] WalletError),
    #[error("the network refused the payment: {0}")]
    Mempool(#[from] MempoolError),
}

/// Why a stored chain or an imported wallet was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the saved chain has no wallet")]
    NoWallet,
}

/// Header-first sync, while it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sync {
    pub height: u32,
    pub target: u32,
}

/// How far the double-spend attacker got in the current scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Attack {
    None,
    /// Waiting for the merchant's address on the status board.
    Waiting,
    Done,
}

/// Whether `bytes` are a hello (small, so decoding to find out is cheap).
fn is_hello(bytes: &[u8]) -> bool {
    bytes.len() <= 512 && matches!(Message::decode(bytes), Ok(Message::Hello(_)))
}

/// The classroom node.
pub struct Session {
    name: String,
    role: Role,
    me: Option<MemberId>,
    params: RoomParams,
    node: Node,
    wallet: Wallet,
    peers: PeerTable,
    board: Board,
    feed: Feed,
    history: History,
    arrivals: Vec<Arrival>,
    outbox: VecDeque<Transmit>,
    /// The last hello of each member we could not hear when it came.
    hellos: BTreeMap<MemberId, Vec<u8>>,
    sync: Option<Sync>,
    attack: Attack,
    /// A new tip since the shell last took [`Session::take_new_tip`].
    new_tip: bool,
}

/// The instructor's node only watches: it hears both sides of every cut, so it must
/// never carry anything across one.
fn observing_as(role: Role, node: Node) -> Node {
    match role {
        Role::Instructor => node.observe_only(),
        Role::Student | Role::Native => node,
    }
}

impl Session {
    /// A node at the genesis of `params`' chain with `wallet`.
    pub fn new(name: String, role: Role, params: RoomParams, wallet: Wallet) -> Self {
        let chain = params.chain_params();
        let hasher = node::hasher_for(&chain);
        let node = Node::new(chain, hasher);
        Self::with_node(name, role, params, node, wallet)
    }

    /// A node continuing from stored bytes, validated block by block at `now`.
    pub fn restore(
        name: String,
        role: Role,
        params: RoomParams,
        bytes: &[u8],
        now: u64,
    ) -> Result<Self, RestoreError> {
        let chain = params.chain_params();
        let hasher = node::hasher_for(&chain);
        let (node, wallet) = Snapshot::decode(bytes)?.restore(chain, hasher, now)?;
        let wallet = wallet.ok_or(RestoreError::NoWallet)?;
        let mut session = Self::with_node(name, role, params, node, wallet);
        session.refresh_history(now);
        Ok(session)
    }

    fn with_node(name: String, role: Role, params: RoomParams, node: Node, wallet: Wallet) -> Self {
        let node = observing_as(role, node);
        Self {
            name,
            role,
            me: None,
            params,
            node,
            wallet,
            peers: PeerTable::default(),
            board: Board::default(),
            feed: Feed::default(),
            history: History::default(),
            arrivals: Vec::new(),
            outbox: VecDeque::new(),
            hellos: BTreeMap::new(),
            sync: None,
            attack: Attack::None,
            new_tip: true,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn me(&self) -> Option<&MemberId> {
        self.me.as_ref()
    }

    pub fn params(&self) -> &RoomParams {
        &self.params
    }

    pub fn chain_params(&self) -> &ChainParams {
        self.node.chain().params()
    }

    pub fn node(&self) -> &Node {
        &self.node
    }

    pub fn wallet(&self) -> &Wallet {
        &self.wallet
    }

    pub fn board(&self) -> &Board {
        &self.board
    }

    pub fn feed(&self) -> &Feed {
        &self.feed
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    /// Blocks as they arrived, oldest first.
    pub fn arrivals(&self) -> &[Arrival] {
        &self.arrivals
    }

    pub fn sync(&self) -> Option<Sync> {
        self.sync
    }

    /// Members in the room (whatever the node thinks of them).
    pub fn members_present(&self) -> usize {
        self.peers.members().count()
    }

    /// Peers the node exchanges blocks with.
    pub fn peers_linked(&self) -> usize {
        self.node.ready_peers().len()
    }

    /// This node's side of the current scenario's cut.
    pub fn side(&self) -> Side {
        match &self.me {
            Some(me) => self.params.scenario.side_of(me),
            None => Side::Everyone,
        }
    }

    /// The name a member reported, or a short form of its id.
    pub fn member_name(&self, member: &MemberId) -> String {
        self.board.get(member).map_or_else(
            || member.as_str().chars().take(8).collect(),
            |m| m.status.name.clone(),
        )
    }

    /// The transport assigned our id; links are decided from now on.
    pub fn set_me(&mut self, me: MemberId, now: u64) {
        self.me = Some(me);
        self.relink(now);
        self.start_attack(now);
    }

    pub fn peer_joined(&mut self, member: MemberId, now: u64) {
        if self.peers.is_present(&member) {
            return;
        }
        self.peers.join(member.clone());
        let name = self.member_name(&member);
        self.feed.push(now, FeedKind::PeerJoined { name });
        self.link(&member, now);
        self.pump(now);
    }

    pub fn peer_left(&mut self, member: &MemberId, now: u64) {
        if !self.peers.is_present(member) {
            return;
        }
        if let Some(peer) = self.peers.leave(member) {
            self.node.peer_disconnected(peer, now);
        }
        self.hellos.remove(member);
        let name = self.member_name(member);
        self.feed.push(now, FeedKind::PeerLeft { name });
        self.pump(now);
    }

    /// Bytes from `member`. Across a cut only one thing gets through: the
    /// double-spend attacker's payment to its merchant.
    pub fn receive(&mut self, member: &MemberId, bytes: &[u8], now: u64) {
        if is_hello(bytes) {
            self.on_hello(member, bytes, now);
        } else if let Some(peer) = self.peers.node_id(member) {
            self.node.receive(peer, bytes, now);
        } else if self.is_attack_payment_from(member)
            && let Ok(Message::Tx(tx)) = Message::decode(bytes)
        {
            let _ = self.node.submit_transaction(tx);
        }
        self.pump(now);
    }

    /// Members do not learn of the instructor's changes at the same millisecond, so
    /// a hello can come before we are ready for it: one from a linked member not yet
    /// attached attaches it (the node answers it), and one from across a cut waits
    /// until the cut heals. A hello from an attached member is the node's business:
    /// it restarts the conversation when the member started a new one.
    fn on_hello(&mut self, member: &MemberId, bytes: &[u8], now: u64) {
        if !self.peers.is_present(member) {
            return;
        }
        if !self.linked(member) || self.me.is_none() {
            self.hellos.insert(member.clone(), bytes.to_vec());
            return;
        }
        if let Some(peer) = self.peers.node_id(member) {
            self.node.receive(peer, bytes, now);
            return;
        }
        self.hellos.insert(member.clone(), bytes.to_vec());
        self.link(member, now);
    }

    /// The node's timers; a member the node dropped as slow is greeted again once
    /// it has rested.
    pub fn tick(&mut self, now: u64) {
        self.node.tick(now);
        self.pump(now);
        self.relink(now);
        self.pump(now);
    }

    /// The instructor's parameters: a new epoch is a new chain (the wallet stays),
    /// a new scenario re-decides every link.
    pub fn apply_params(&mut self, params: RoomParams, now: u64) {
        if params == self.params {
            return;
        }
        let reset = params.epoch != self.params.epoch;
        let scenario_changed = params.scenario != self.params.scenario;
        self.params = params;
        if reset {
            self.reset_chain(now);
        } else {
            self.relink(now);
        }
        if scenario_changed {
            self.attack = Attack::None;
            let split = matches!(self.params.scenario, Scenario::Partition { .. });
            self.feed.push(
                now,
                FeedKind::Scenario {
                    side: self.side(),
                    split,
                },
            );
        }
        self.start_attack(now);
        self.pump(now);
    }

    /// The room's status board: names for the feed, the attacker's merchant. Its
    /// copy of the parameters is not applied: the event stream is their one source,
    /// so a board read just before a change cannot undo it.
    pub fn set_board(&mut self, board: Board, now: u64) {
        self.board = board;
        self.start_attack(now);
        self.pump(now);
    }

    /// A block for the miner, paying this wallet.
    pub fn block_template(&self, now: u64) -> Block {
        self.node.block_template(self.wallet.address(), now)
    }

    /// A block the miner found.
    pub fn submit_mined(&mut self, block: Block, now: u64) -> Result<(), BlockError> {
        let result = self.node.submit_block(block, now).map(drop);
        self.pump(now);
        result
    }

    /// Signs and sends a payment.
    pub fn pay(
        &mut self,
        to: Address,
        amount: Amount,
        fee: Amount,
        now: u64,
    ) -> Result<Txid, PayError> {
        let chain = self.node.chain();
        let tx = self
            .wallet
            .pay(chain, self.node.mempool(), to, amount, fee)?;
        let txid = self.node.submit_transaction(tx)?;
        self.pump(now);
        Ok(txid)
    }

    /// Replaces the wallet's keys with an imported wallet's; the chain stays.
    pub fn import_wallet(&mut self, json: &str, now: u64) -> Result<(), WalletError> {
        self.wallet = Wallet::import(json)?;
        self.history.clear();
        self.refresh_history(now);
        self.new_tip = true;
        Ok(())
    }

    /// The chain and wallet as bytes to store.
    pub fn snapshot(&self) -> Vec<u8> {
        Snapshot::capture(&self.node, Some(&self.wallet)).encode()
    }

    /// What this node reports to the room.
    pub fn status(&self, hashrate: f64, mining: bool) -> PeerStatus {
        let chain = self.node.chain();
        let balance = self.wallet.balance(chain, self.node.mempool());
        PeerStatus {
            name: self.name.clone(),
            role: self.role,
            address: self.wallet.address(),
            epoch: self.params.epoch,
            height: chain.height(),
            tip: chain.tip(),
            hashrate: if hashrate.is_finite() {
                hashrate.max(0.0)
            } else {
                0.0
            },
            mining,
            peers: u32::try_from(self.peers_linked()).unwrap_or(u32::MAX),
            balance: balance.confirmed,
        }
    }

    /// Whether the tip changed since the last call (the shell reports and saves then).
    pub fn take_new_tip(&mut self) -> bool {
        std::mem::take(&mut self.new_tip)
    }

    /// The next bytes to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.outbox.pop_front()
    }

    fn reset_chain(&mut self, now: u64) {
        let chain = self.params.chain_params();
        let hasher = node::hasher_for(&chain);
        self.node = observing_as(self.role, Node::new(chain, hasher));
        self.peers.detach_all();
        self.history.clear();
        self.arrivals.clear();
        self.sync = None;
        self.new_tip = true;
        self.feed.push(
            now,
            FeedKind::EpochReset {
                epoch: self.params.epoch,
            },
        );
        self.relink(now);
    }

    /// Whether we may talk with `member` under the current scenario.
    fn linked(&self, member: &MemberId) -> bool {
        match &self.me {
            Some(me) => self.params.linked(me, member),
            None => true,
        }
    }

    /// Attaches a linked member to the node, handing it the hello it sent while
    /// it could not be heard.
    fn link(&mut self, member: &MemberId, now: u64) {
        if self.me.is_some()
            && self.linked(member)
            && let Some(peer) = self.peers.attach(member, now)
        {
            self.node.peer_connected(peer, now);
            if let Some(hello) = self.hellos.remove(member) {
                self.node.receive(peer, &hello, now);
            }
        }
    }

    /// Cuts the links the scenario forbids and restores those it allows again
    /// (a member resting after a drop is greeted once its rest is over).
    fn relink(&mut self, now: u64) {
        let members: Vec<MemberId> = self.peers.members().cloned().collect();
        for member in members {
            if self.linked(&member) {
                if !self.peers.is_resting(&member, now) {
                    self.link(&member, now);
                }
            } else if let Some(peer) = self.peers.detach(&member) {
                self.node.peer_disconnected(peer, now);
            }
        }
    }

    fn is_attack_payment_from(&self, member: &MemberId) -> bool {
        match (&self.params.scenario, &self.me) {
            (
                Scenario::DoubleSpend {
                    attacker, merchant, ..
                },
                Some(me),
            ) => attacker == member && merchant == me,
            _ => false,
        }
    }

    /// The attacker's steps: pay the merchant directly (not through our own node),
    /// then spend the same coins back to ourselves in our secret chain.
    fn start_attack(&mut self, now: u64) {
        let Scenario::DoubleSpend {
            attacker,
            merchant,
            amount,
            ..
        } = self.params.scenario.clone()
        else {
            return;
        };
        if self.me.as_ref() != Some(&attacker) || self.attack == Attack::Done {
            return;
        }
        let Some(shop) = self.board.get(&merchant).map(|m| m.status.address) else {
            self.attack = Attack::Waiting;
            return;
        };
        self.attack = Attack::Done;
        let chain = self.node.chain();
        let mempool = self.node.mempool();
        let paid = self.wallet.pay(chain, mempool, shop, amount, ATTACK_FEE);
        let kept = self
            .wallet
            .pay(chain, mempool, self.wallet.address(), amount, ATTACK_FEE);
        let (tx1, tx2) = match (paid, kept) {
            (Ok(tx1), Ok(tx2)) => (tx1, tx2),
            (Err(error), _) | (_, Err(error)) => {
                let reason = error.to_string();
                self.feed.push(now, FeedKind::AttackFailed { reason });
                return;
            }
        };
        self.outbox.push_back(Transmit {
            to: merchant.clone(),
            bytes: Message::Tx(tx1).encode(),
        });
        if let Err(error) = self.node.submit_transaction(tx2) {
            let reason = error.to_string();
            self.feed.push(now, FeedKind::AttackFailed { reason });
            return;
        }
        let name = self.member_name(&merchant);
        self.feed.push(
            now,
            FeedKind::AttackStarted {
                amount,
                merchant: name,
            },
        );
        self.pump(now);
    }

    /// Carries out the node's outputs.
    fn pump(&mut self, now: u64) {
        let mut changed = false;
        while let Some(output) = self.node.poll_output() {
            match output {
                Output::Send { peer, bytes } => {
                    if let Some(member) = self.peers.member(peer) {
                        self.outbox.push_back(Transmit {
                            to: member.clone(),
                            bytes,
                        });
                    }
                }
                Output::Disconnect { peer, .. } => {
                    if let Some(member) = self.peers.forget_node(peer) {
                        self.peers.rest(member, now + REGREET_MS);
                    }
                }
                Output::Event(event) => {
                    changed |= self.on_event(event, now);
                }
            }
        }
        if changed {
            self.refresh_history(now);
        }
    }

    /// Logs an event; true when balances may have changed.
    fn on_event(&mut self, event: Event, now: u64) -> bool {
        match event {
            Event::NewTip { hash, height } => {
                self.new_tip = true;
                self.arrivals.push(Arrival {
                    hash,
                    height,
                    received_at_ms: now,
                });
                let by = self.miner_of(&hash);
                self.feed.push(now, FeedKind::NewBlock { height, hash, by });
                if self.sync.is_some_and(|s| height >= s.target) {
                    self.sync = None;
                }
                true
            }
            Event::Reorg { depth, new_tip, .. } => {
                self.feed.push(now, FeedKind::Reorg { depth, new_tip });
                true
            }
            Event::TxAccepted { .. } => true,
            Event::PeerBanned { peer, reason } => {
                if let Some(member) = self.peers.member(peer).cloned() {
                    let name = self.member_name(&member);
                    self.peers.ban(member, now + BAN_MS);
                    self.feed.push(now, FeedKind::PeerBanned { name, reason });
                }
                false
            }
            Event::SyncProgress { height, target } => {
                self.sync = (height < target).then_some(Sync { height, target });
                false
            }
            Event::PeerReady { .. } | Event::Rejected { .. } => false,
        }
    }

    fn miner_of(&self, hash: &BlockHash) -> Miner {
        let reward = self
            .node
            .chain()
            .block(hash)
            .and_then(|block| block.transactions.first())
            .and_then(|coinbase| coinbase.outputs.first())
            .map(|output| output.address);
        match reward {
            Some(address) if address == self.wallet.address() => Miner::Me,
            Some(address) => self
                .board
                .name_of(&address)
                .map_or(Miner::Unknown, |name| Miner::Named(name.to_string())),
            None => Miner::Unknown,
        }
    }

    fn refresh_history(&mut self, now: u64) {
        let chain = self.node.chain();
        let address = self.wallet.address();
        for change in self.history.refresh(chain, self.node.mempool(), &address) {
            let kind = match change {
                Change::Received(p) => FeedKind::PaymentReceived {
                    txid: p.txid,
                    amount: p.amount,
                },
                Change::Confirmed(p) => FeedKind::PaymentConfirmed {
                    txid: p.txid,
                    amount: p.amount,
                },
                Change::Unconfirmed(p) => FeedKind::PaymentUnconfirmed {
                    txid: p.txid,
                    amount: p.amount,
                },
                Change::Reversed(p) => FeedKind::PaymentReversed {
                    txid: p.txid,
                    amount: p.amount,
                },
            };
            self.feed.push(now, kind);
        }
    }
}

#[cfg(test)]
mod tests;
