//! The full node as a state machine: bytes, timers and local actions in, [`Output`]s out.
//!
//! Gossip works like Bitcoin's: a node announces (`inv`) what it has validated, a
//! peer that lacks it asks (`getdata`) and gets the data. Nothing is relayed before
//! it has been validated, so one honest node never passes on another's mistakes. A
//! tab that joins late syncs header-first: it sends a block locator, receives up to
//! [`MAX_HEADERS`] headers per message, checks their linkage and proof of work, and
//! only then downloads the blocks in batches from the peer that showed the headers.
//! A block whose parent is unknown waits in the chain's orphan pool while the node
//! asks for the parent. A transaction spending a coin the node has not seen yet (its
//! block is still on the way) waits too, and is tried again whenever blocks connect:
//! its senders will not announce it twice.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use ledger::chain::genesis_block;
use ledger::{
    Address, Block, BlockError, BlockHash, BlockHeader, Chain, ChainParams, ChainUpdate, Mempool,
    MempoolError, PowAlgorithm, PowHasher, Target, Transaction, TxError, Txid, Work,
};

use crate::peer::{BAN_SCORE, Misbehavior, Peer, PeerId, REQUEST_TIMEOUT_MS};
use crate::wire::{
    Hello, InvItem, MAX_HEADERS, MAX_INV_ITEMS, MAX_LOCATOR, MAX_MESSAGE_SIZE, Message,
    PROTOCOL_VERSION, Reject, RejectCode,
};

/// How long a banned peer stays banned.
pub const BAN_MS: u64 = 10 * 60 * 1_000;
/// How long a shell waits before greeting again a peer the node dropped without a
/// ban (it stalled, or ran another chain). In a classroom the channel stays open and
/// the peer is only slow or a moment behind a reset, so it deserves a fresh start.
pub const REGREET_MS: u64 = 5_000;
/// The window over which unrequested messages are counted.
pub const RATE_WINDOW_MS: u64 = 1_000;
/// Unrequested messages allowed per window; far above what gossip needs.
pub const RATE_LIMIT: u32 = 200;
/// How often peers are pinged.
pub const PING_INTERVAL_MS: u64 = 30_000;
/// How often each ready peer is asked for headers past our chain. Announcements can
/// be lost (a link cut mid-request, two forks growing at once after a heal); asking
/// again is what guarantees that nodes which hear each other converge on most work.
pub const RESYNC_INTERVAL_MS: u64 = 5_000;
/// Blocks requested from one peer at a time during sync.
pub const BLOCK_BATCH: usize = 128;
/// Headers held while their blocks download; more are ignored until some connect.
pub const MAX_PENDING_HEADERS: usize = 50_000;
/// Pooled transactions put into a block template.
pub const MAX_TEMPLATE_TXS: usize = 1_000;
/// Most transactions kept while they wait for the coins they spend; the oldest go
/// first.
pub const MAX_ORPHAN_TXS: usize = 100;
/// How often this node announces its own unconfirmed payments again to every ready
/// peer, whether or not it announced them before. A peer may have lost one (it
/// restarted, dropped it as an orphan, or held it on a branch that lost); a payment
/// that nobody is left to mine must not wait forever.
pub const REBROADCAST_MS: u64 = 15_000;

/// Something the shell must do or show.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Output {
    /// Send these bytes to this peer.
    Send {
        /// Destination.
        peer: PeerId,
        /// An encoded [`Message`].
        bytes: Vec<u8>,
    },
    /// Close the connection to this peer.
    Disconnect {
        /// Which peer.
        peer: PeerId,
        /// Why, for the log.
        reason: String,
    },
    /// Tell the user.
    Event(Event),
}

/// What the UI shows.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Event {
    /// A peer completed the handshake.
    PeerReady {
        /// Who.
        peer: PeerId,
        /// The height they announced.
        height: u32,
    },
    /// The active chain has a new tip.
    NewTip {
        /// The tip.
        hash: BlockHash,
        /// Its height.
        height: u32,
    },
    /// The active chain switched branches.
    Reorg {
        /// Blocks taken off the old branch.
        depth: usize,
        /// The tip before.
        old_tip: BlockHash,
        /// The tip after.
        new_tip: BlockHash,
    },
    /// A transaction entered the mempool.
    TxAccepted {
        /// Its id.
        txid: Txid,
    },
    /// A peer was banned.
    PeerBanned {
        /// Who.
        peer: PeerId,
        /// Why, in words.
        reason: String,
    },
    /// Header-first sync advanced.
    SyncProgress {
        /// Our active height.
        height: u32,
        /// Height of the best header we know.
        target: u32,
    },
    /// A peer refused something of ours.
    Rejected {
        /// Who.
        peer: PeerId,
        /// Their reason.
        reason: String,
    },
}

/// A validated header whose block we have not got yet.
#[derive(Clone, Debug)]
struct PendingHeader {
    header: BlockHeader,
    height: u32,
    work: Work,
    source: PeerId,
}

/// The node.
#[derive(Debug)]
pub struct Node {
    chain: Chain,
    mempool: Mempool,
    /// Transactions spending coins not seen yet, oldest first.
    orphan_txs: VecDeque<Transaction>,
    /// Payments submitted here, until they leave the pool, in the order submitted
    /// (so a payment comes after the one whose change it spends).
    own_txs: Vec<Txid>,
    peers: BTreeMap<PeerId, Peer>,
    banned: BTreeMap<PeerId, u64>,
    outputs: VecDeque<Output>,
    headers: BTreeMap<BlockHash, PendingHeader>,
    download: VecDeque<BlockHash>,
    queued: BTreeSet<BlockHash>,
    sync_target: Option<u32>,
    next_ping: u64,
    next_resync: u64,
    /// Set by the first tick, so payments are not announced twice at once.
    next_rebroadcast: Option<u64>,
    ping_nonce: u64,
    sessions: u64,
    observer: bool,
}

impl Node {
    /// A node holding only the genesis block of `params`.
    pub fn new(params: ChainParams, hasher: Arc<dyn PowHasher>) -> Self {
        let genesis = genesis_block(&params, &*hasher);
        let chain = Chain::new(params, genesis, hasher).expect("the built genesis is valid");
        Self::from_chain(chain)
    }

    /// A node continuing from an existing chain (a loaded snapshot).
    pub fn from_chain(chain: Chain) -> Self {
        Self {
            chain,
            mempool: Mempool::new(),
            orphan_txs: VecDeque::new(),
            own_txs: Vec::new(),
            peers: BTreeMap::new(),
            banned: BTreeMap::new(),
            outputs: VecDeque::new(),
            headers: BTreeMap::new(),
            download: VecDeque::new(),
            queued: BTreeSet::new(),
            sync_target: None,
            next_ping: 0,
            next_resync: 0,
            next_rebroadcast: None,
            ping_nonce: 0,
            sessions: 0,
            observer: false,
        }
    }

    /// Makes this node a silent observer: it fetches and validates everything its
    /// peers announce but never announces, relays or serves anything, and greets with
    /// its genesis so nobody syncs from it. The instructor's dashboard is one, linked
    /// to both sides of a partition: it sees the fork without healing it.
    pub fn observe_only(mut self) -> Self {
        self.observer = true;
        self
    }

    /// Whether this node is a silent observer.
    pub fn is_observer(&self) -> bool {
        self.observer
    }

    /// The chain state.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// The memory pool.
    pub fn mempool(&self) -> &Mempool {
        &self.mempool
    }

    /// Peers that completed the handshake, with the height they announced.
    pub fn ready_peers(&self) -> Vec<(PeerId, u32)> {
        self.peers
            .iter()
            .filter_map(|(id, peer)| peer.hello.as_ref().map(|hello| (*id, hello.height)))
            .collect()
    }

    /// A peer's misbehaviour score, if connected.
    pub fn peer_score(&self, peer: PeerId) -> Option<u32> {
        self.peers.get(&peer).map(|p| p.score)
    }

    /// Whether `peer` is banned at `now`.
    pub fn is_banned(&self, peer: PeerId, now: u64) -> bool {
        self.banned.get(&peer).is_some_and(|until| *until > now)
    }

    /// The next output, oldest first.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// All queued outputs, oldest first.
    pub fn drain_outputs(&mut self) -> Vec<Output> {
        self.outputs.drain(..).collect()
    }

    /// A connection opened; we introduce ourselves. Banned peers are dropped at once.
    pub fn peer_connected(&mut self, peer: PeerId, now: u64) {
        if self.is_banned(peer, now) {
            self.outputs.push_back(Output::Disconnect {
                peer,
                reason: format!("{peer} is banned"),
            });
            return;
        }
        let session = self.new_session(now);
        self.peers.insert(peer, Peer::new(now, session));
        self.send_hello(peer, now);
    }

    /// A conversation id no earlier run of this node is likely to have used with
    /// the same peer: the clock, and a counter for ids made in one millisecond.
    fn new_session(&mut self, now: u64) -> u64 {
        self.sessions += 1;
        (now << 16) | (self.sessions & 0xffff)
    }

    /// A connection closed; what we asked of that peer can go to others.
    pub fn peer_disconnected(&mut self, peer: PeerId, now: u64) {
        self.peers.remove(&peer);
        self.request_blocks(now);
    }

    /// Bytes arrived from `peer` at `now` (Unix milliseconds).
    pub fn receive(&mut self, peer: PeerId, bytes: &[u8], now: u64) {
        if !self.peers.contains_key(&peer) {
            return;
        }
        if bytes.len() > MAX_MESSAGE_SIZE {
            self.misbehave(peer, Misbehavior::Oversized(bytes.len()), now);
            return;
        }
        let message = match Message::decode(bytes) {
            Ok(message) => message,
            Err(error) => {
                self.misbehave(peer, Misbehavior::Undecodable(error.to_string()), now);
                return;
            }
        };
        let solicited = self.is_solicited(peer, &message);
        let peer_state = self.peers.get_mut(&peer).expect("checked above");
        if !solicited && peer_state.over_rate(now, RATE_WINDOW_MS, RATE_LIMIT) {
            self.misbehave(peer, Misbehavior::Flood(RATE_LIMIT), now);
            return;
        }
        let greeted = peer_state.hello.is_some();
        match message {
            Message::Hello(hello) => self.on_hello(peer, hello, now),
            // Left over from a conversation that ended on our side (a drop, a cut,
            // a reset) before the peer heard of it: its hello comes next.
            _ if !greeted => {}
            Message::Inv(items) => self.on_inv(peer, items, now),
            Message::GetData(items) => self.on_getdata(peer, items),
            Message::NotFound(items) => self.on_notfound(peer, items),
            Message::Tx(tx) => self.on_tx(peer, tx, now),
            Message::Block(block) => self.on_block(peer, block, solicited, now),
            Message::GetHeaders(locator) => {
                let headers = self.chain.headers_after(&locator, MAX_HEADERS);
                self.send(peer, Message::Headers(headers));
            }
            Message::Headers(headers) => self.on_headers(peer, headers, solicited, now),
            Message::GetBlocks(locator) => {
                let hashes = self.chain.headers_after(&locator, MAX_INV_ITEMS);
                let items: Vec<InvItem> = hashes
                    .iter()
                    .map(|header| InvItem::Block(header.block_hash()))
                    .collect();
                self.send(peer, Message::Inv(items));
            }
            Message::Ping(nonce) => self.send(peer, Message::Pong(nonce)),
            Message::Pong(nonce) => {
                let state = self.peers.get_mut(&peer).expect("checked above");
                if state.ping.is_some_and(|(sent, _)| sent == nonce) {
                    state.ping = None;
                }
            }
            Message::Reject(reject) => self.event(Event::Rejected {
                peer,
                reason: reject.reason,
            }),
        }
    }

    /// Time passed: expire bans, forgive old misbehaviour, drop peers that stall a
    /// block download or ignore pings (without banning: slow is not malicious), let
    /// other unanswered requests go to other peers, ping, and top up block downloads.
    pub fn tick(&mut self, now: u64) {
        self.banned.retain(|_, until| *until > now);
        let unresponsive: Vec<(PeerId, &'static str)> = self
            .peers
            .iter()
            .filter_map(|(id, peer)| peer.unresponsive(now).map(|why| (*id, why)))
            .collect();
        for (peer, why) in unresponsive {
            self.peers.remove(&peer);
            self.outputs.push_back(Output::Disconnect {
                peer,
                reason: format!("{peer} {why}"),
            });
        }
        let unheard: Vec<PeerId> = self
            .peers
            .iter()
            .filter(|(_, peer)| peer.hello_due(now))
            .map(|(id, _)| *id)
            .collect();
        for peer in unheard {
            self.send_hello(peer, now);
        }
        for peer in self.peers.values_mut() {
            peer.forgive(now);
            peer.requested
                .retain(|_, at| now.saturating_sub(*at) < REQUEST_TIMEOUT_MS);
            if peer
                .headers_asked
                .is_some_and(|at| now.saturating_sub(at) >= REQUEST_TIMEOUT_MS)
            {
                peer.headers_asked = None;
            }
        }
        if now >= self.next_ping {
            self.next_ping = now + PING_INTERVAL_MS;
            let ready: Vec<PeerId> = self.ready_peers().into_iter().map(|(id, _)| id).collect();
            for peer in ready {
                self.ping_nonce += 1;
                let nonce = self.ping_nonce;
                if let Some(state) = self.peers.get_mut(&peer)
                    && state.ping.is_none()
                {
                    state.ping = Some((nonce, now));
                    self.send(peer, Message::Ping(nonce));
                }
            }
        }
        self.resync(now);
        self.rebroadcast(now);
        self.request_blocks(now);
    }

    /// Announces this node's own unconfirmed payments to every ready peer again.
    fn rebroadcast(&mut self, now: u64) {
        if now < *self.next_rebroadcast.get_or_insert(now + REBROADCAST_MS) {
            return;
        }
        self.next_rebroadcast = Some(now + REBROADCAST_MS);
        let mempool = &self.mempool;
        self.own_txs.retain(|txid| mempool.get(txid).is_some());
        let items: Vec<InvItem> = self.own_txs.iter().map(|txid| InvItem::Tx(*txid)).collect();
        if items.is_empty() {
            return;
        }
        let ready: Vec<PeerId> = self.ready_peers().into_iter().map(|(id, _)| id).collect();
        for peer in ready {
            for chunk in items.chunks(MAX_INV_ITEMS) {
                self.send(peer, Message::Inv(chunk.to_vec()));
            }
        }
    }

    /// Asks every ready peer that is not already answering for headers past our tip.
    fn resync(&mut self, now: u64) {
        if now < self.next_resync {
            return;
        }
        self.next_resync = now + RESYNC_INTERVAL_MS;
        let idle: Vec<PeerId> = self
            .peers
            .iter()
            .filter(|(_, peer)| peer.hello.is_some() && peer.headers_asked.is_none())
            .map(|(id, _)| *id)
            .collect();
        for peer in idle {
            self.request_headers(peer, now);
        }
    }

    /// A transaction from this tab's wallet: validated, pooled, announced, and
    /// announced again now and then until it is mined.
    pub fn submit_transaction(&mut self, tx: Transaction) -> Result<Txid, MempoolError> {
        let txid = self.mempool.add(tx, &self.chain)?;
        self.own_txs.push(txid);
        self.accepted_tx(txid);
        Ok(txid)
    }

    /// This node's own payments that are not mined yet, in the order submitted: what
    /// a reloaded tab submits again, so a payment nobody else heard of is not lost.
    pub fn own_pending(&self) -> Vec<Transaction> {
        self.own_txs
            .iter()
            .filter_map(|txid| self.mempool.get(txid))
            .map(|entry| entry.tx.clone())
            .collect()
    }

    /// A block this tab mined: validated, connected and announced.
    pub fn submit_block(&mut self, block: Block, now: u64) -> Result<ChainUpdate, BlockError> {
        let update = self.chain.accept_block(block, unix_seconds(now))?;
        self.apply_update(&update);
        Ok(update)
    }

    /// A block for this tab's miner on top of the current tip, paying `reward`: the
    /// best-paying transactions that fit in one message, so every peer can take it.
    pub fn block_template(&self, reward: Address, now: u64) -> Block {
        let mut max_txs = MAX_TEMPLATE_TXS;
        loop {
            let block =
                self.mempool
                    .block_template(&self.chain, reward, unix_seconds(now), max_txs);
            let fits = Message::Block(block.clone()).encode().len() <= MAX_MESSAGE_SIZE;
            if fits || max_txs == 0 {
                return block;
            }
            max_txs /= 2;
        }
    }

    /// Our hello to `peer`: our chain, our session with it and theirs as we heard it.
    fn send_hello(&mut self, peer: PeerId, now: u64) {
        let (tip, height) = if self.observer {
            (self.genesis(), 0)
        } else {
            (self.chain.tip(), self.chain.height())
        };
        let (network, genesis) = (self.chain.params().name.clone(), self.genesis());
        let Some(state) = self.peers.get_mut(&peer) else {
            return;
        };
        state.hello_sent_at = now;
        let hello = Hello {
            version: PROTOCOL_VERSION,
            network,
            genesis,
            tip,
            height,
            session: state.session,
            seen: state.hello.as_ref().map_or(0, |hello| hello.session),
        };
        self.send(peer, Message::Hello(hello));
    }

    fn genesis(&self) -> BlockHash {
        self.chain
            .block_at_height(0)
            .expect("the chain has a genesis")
            .block_hash()
    }

    fn is_solicited(&self, peer: PeerId, message: &Message) -> bool {
        let Some(state) = self.peers.get(&peer) else {
            return false;
        };
        match message {
            Message::Block(block) => state
                .requested
                .contains_key(&InvItem::Block(block.block_hash())),
            Message::Tx(tx) => state.requested.contains_key(&InvItem::Tx(tx.txid())),
            Message::Headers(_) => state.headers_asked.is_some(),
            Message::NotFound(_) | Message::Pong(_) => true,
            _ => false,
        }
    }

    fn on_hello(&mut self, peer: PeerId, hello: Hello, now: u64) {
        if hello.network != self.chain.params().name || hello.genesis != self.genesis() {
            let reason = format!(
                "different chain: they run '{}' with genesis {}, we run '{}' with genesis {}",
                hello.network,
                hello.genesis,
                self.chain.params().name,
                self.genesis()
            );
            self.part(peer, RejectCode::Incompatible, reason);
            return;
        }
        let state = self.peers.get_mut(&peer).expect("connected");
        let known = state.hello.as_ref().map(|known| known.session);
        if known.is_some_and(|session| session != hello.session) {
            state.restart();
        }
        let heard_us = hello.seen == state.session;
        let answer = known != Some(hello.session) || !heard_us;
        state.acked |= heard_us;
        let first = state.hello.is_none();
        let (height, tip) = (hello.height, hello.tip);
        state.hello = Some(hello);
        if answer {
            self.send_hello(peer, now);
        }
        if !first {
            return;
        }
        self.event(Event::PeerReady { peer, height });
        if self.chain.status(&tip).is_none() && !self.headers.contains_key(&tip) {
            self.request_headers(peer, now);
        }
        // Our hello may have left before our latest block: announce the tip again,
        // and the pending payments, so a late joiner sees them before they are mined.
        if tip != self.chain.tip() {
            self.announce(InvItem::Block(self.chain.tip()));
        }
        let pending = self.pending_inventory();
        self.announce_to(Some(peer), &pending);
    }

    fn on_inv(&mut self, peer: PeerId, items: Vec<InvItem>, now: u64) {
        let mut wanted = Vec::new();
        for item in items {
            self.peers
                .get_mut(&peer)
                .expect("connected")
                .known
                .insert(item);
            let have = match item {
                InvItem::Tx(txid) => self.mempool.get(&txid).is_some(),
                InvItem::Block(hash) => {
                    self.chain.status(&hash).is_some() || self.headers.contains_key(&hash)
                }
            };
            if !have && !self.in_flight(&item) {
                wanted.push(item);
            }
        }
        self.request(peer, wanted, now);
    }

    fn on_getdata(&mut self, peer: PeerId, items: Vec<InvItem>) {
        let mut missing = Vec::new();
        for item in items {
            let message = match item {
                InvItem::Tx(txid) => self.mempool.get(&txid).map(|e| Message::Tx(e.tx.clone())),
                InvItem::Block(hash) => self.chain.block(&hash).cloned().map(Message::Block),
            };
            match message {
                Some(message) => {
                    self.peers
                        .get_mut(&peer)
                        .expect("connected")
                        .known
                        .insert(item);
                    self.send(peer, message);
                }
                None => missing.push(item),
            }
        }
        if !missing.is_empty() {
            self.send(peer, Message::NotFound(missing));
        }
    }

    fn on_notfound(&mut self, peer: PeerId, items: Vec<InvItem>) {
        let state = self.peers.get_mut(&peer).expect("connected");
        for item in items {
            state.requested.remove(&item);
        }
    }

    fn on_tx(&mut self, peer: PeerId, tx: Transaction, now: u64) {
        let txid = tx.txid();
        let state = self.peers.get_mut(&peer).expect("connected");
        state.known.insert(InvItem::Tx(txid));
        state.requested.remove(&InvItem::Tx(txid));
        match self.mempool.add(tx.clone(), &self.chain) {
            Ok(txid) => self.accepted_tx(txid),
            Err(MempoolError::AlreadyInPool(_)) => {}
            // Spending coins we do not see (a block on its way, a branch we have not
            // got, or mined meanwhile): an honest peer can send these.
            Err(MempoolError::Invalid(TxError::MissingOrSpentInput(_))) => self.keep_orphan_tx(tx),
            Err(error @ MempoolError::Conflict { .. }) => {
                self.misbehave(peer, Misbehavior::DoubleSpend(error.to_string()), now);
            }
            Err(error @ MempoolError::Invalid(_)) => {
                self.misbehave(peer, Misbehavior::InvalidTx(error.to_string()), now);
            }
        }
    }

    fn accepted_tx(&mut self, txid: Txid) {
        self.event(Event::TxAccepted { txid });
        self.announce(InvItem::Tx(txid));
    }

    fn keep_orphan_tx(&mut self, tx: Transaction) {
        if self.orphan_txs.contains(&tx) {
            return;
        }
        if self.orphan_txs.len() == MAX_ORPHAN_TXS {
            self.orphan_txs.pop_front();
        }
        self.orphan_txs.push_back(tx);
    }

    /// Tries the waiting transactions again after blocks connected. One whose coins
    /// are still unseen waits on; one that fails otherwise (its coin spent meanwhile)
    /// is dropped, without blame: it was fine when it was sent.
    fn retry_orphan_txs(&mut self) {
        for tx in std::mem::take(&mut self.orphan_txs) {
            match self.mempool.add(tx.clone(), &self.chain) {
                Ok(txid) => self.accepted_tx(txid),
                Err(MempoolError::Invalid(TxError::MissingOrSpentInput(_))) => {
                    self.orphan_txs.push_back(tx);
                }
                Err(_) => {}
            }
        }
    }

    fn on_block(&mut self, peer: PeerId, block: Block, solicited: bool, now: u64) {
        let hash = block.block_hash();
        let header = block.header;
        let parent = header.prev_blockhash;
        let state = self.peers.get_mut(&peer).expect("connected");
        state.known.insert(InvItem::Block(hash));
        state.requested.remove(&InvItem::Block(hash));
        match self.chain.accept_block(block, unix_seconds(now)) {
            // An orphan: ask for its parent, and for headers in case more is missing.
            // When its parent is a header set aside (its branch had no more work than
            // ours), the orphan may be what tips that branch: weigh it again.
            Ok(update) if update.added.is_empty() => {
                if self.add_header(peer, header).is_ok() {
                    self.queue_best_branch();
                }
                let item = InvItem::Block(parent);
                if !self.headers.contains_key(&parent) && !self.in_flight(&item) {
                    self.request(peer, vec![item], now);
                }
                if self
                    .peers
                    .get(&peer)
                    .is_some_and(|p| p.headers_asked.is_none())
                {
                    self.request_headers(peer, now);
                }
            }
            Ok(update) => {
                self.apply_update(&update);
                if !solicited && !self.chain.is_active(&hash) {
                    self.misbehave(peer, Misbehavior::LowWorkBlock(hash.to_string()), now);
                }
            }
            Err(BlockError::AlreadyKnown(_)) => {}
            Err(error @ BlockError::TimeTooNew { .. }) => {
                self.misbehave(peer, Misbehavior::FutureBlock(error.to_string()), now);
            }
            Err(error) => {
                self.misbehave(peer, Misbehavior::InvalidBlock(error.to_string()), now);
            }
        }
        self.request_blocks(now);
    }

    fn on_headers(&mut self, peer: PeerId, headers: Vec<BlockHeader>, solicited: bool, now: u64) {
        if !solicited {
            self.misbehave(peer, Misbehavior::UnrequestedHeaders, now);
            return;
        }
        self.peers.get_mut(&peer).expect("connected").headers_asked = None;
        let full = headers.len() == MAX_HEADERS;
        for header in headers {
            if let Err(misbehavior) = self.add_header(peer, header) {
                let disconnected = misbehavior == Misbehavior::DisconnectedHeaders;
                self.misbehave(peer, misbehavior, now);
                // Honest peers answer a locator that raced a reorg or a heal this way:
                // ask again from our own chain alone, which always connects. A peer
                // that keeps sending headers that connect to nothing is still banned.
                if disconnected && self.peers.contains_key(&peer) {
                    self.send_getheaders(peer, self.chain.locator(), now);
                }
                return;
            }
        }
        self.queue_best_branch();
        // A full batch means the peer has more; stop once we hold as many headers
        // as we are willing to, so a cheap endless header chain costs bounded memory.
        if full && self.headers.len() < MAX_PENDING_HEADERS {
            self.request_headers(peer, now);
        }
        self.request_blocks(now);
        self.sync_progress();
    }

    /// Checks one header's linkage, bits and proof of work and keeps it.
    /// A header whose block waits as an orphan is kept too: the orphan adds no work
    /// until its branch is downloaded, and only its header can show that it should be.
    fn add_header(&mut self, peer: PeerId, header: BlockHeader) -> Result<(), Misbehavior> {
        let hash = header.block_hash();
        if self.chain.height_of(&hash).is_some() || self.headers.contains_key(&hash) {
            return Ok(());
        }
        let parent = header.prev_blockhash;
        let (parent_height, parent_work) = match (
            self.chain.height_of(&parent),
            self.chain.chain_work_of(&parent),
            self.headers.get(&parent),
        ) {
            (Some(height), Some(work), _) => (height, work),
            (_, _, Some(pending)) => (pending.height, pending.work),
            _ => return Err(Misbehavior::DisconnectedHeaders),
        };
        let target = Target::from_compact(header.bits)
            .map_err(|error| Misbehavior::InvalidHeader(error.to_string()))?;
        if target > self.chain.params().pow_limit {
            return Err(Misbehavior::InvalidHeader(format!(
                "bits {} are easier than the chain's limit",
                header.bits
            )));
        }
        // Tensority needs the seed block's matrices; its headers are checked in full
        // when their blocks arrive. SHA-256d is cheap enough to check right here.
        if self.chain.params().pow == PowAlgorithm::Sha256d
            && !target.is_met_by(hash.to_byte_array())
        {
            return Err(Misbehavior::InvalidHeader(format!(
                "header {hash} does not meet its target"
            )));
        }
        if self.headers.len() < MAX_PENDING_HEADERS {
            self.headers.insert(
                hash,
                PendingHeader {
                    header,
                    height: parent_height + 1,
                    work: parent_work + target.work(),
                    source: peer,
                },
            );
        }
        Ok(())
    }

    /// Queues for download the branch of pending headers with the most work, if it
    /// has more work than our chain. Low-work branches are never downloaded.
    fn queue_best_branch(&mut self) {
        let Some((mut cursor, best)) = self
            .headers
            .iter()
            .max_by_key(|(_, pending)| pending.work)
            .map(|(hash, pending)| (*hash, pending.work))
        else {
            return;
        };
        if best <= self.chain.chain_work() {
            return;
        }
        let mut branch = Vec::new();
        while let Some(pending) = self.headers.get(&cursor) {
            if !self.queued.contains(&cursor) {
                branch.push(cursor);
            }
            cursor = pending.header.prev_blockhash;
        }
        for hash in branch.into_iter().rev() {
            self.queued.insert(hash);
            self.download.push_back(hash);
        }
        // Headers come in batches; the heights peers claimed in their hellos show the
        // learner the whole way from the first batch on.
        let claimed = self
            .ready_peers()
            .into_iter()
            .map(|(_, height)| height)
            .max()
            .unwrap_or(0);
        self.sync_target = self
            .download
            .back()
            .and_then(|last| self.headers.get(last))
            .map(|pending| pending.height.max(claimed));
    }

    /// Tops up block requests for sync: each ready peer gets a batch once it has
    /// fewer than half a batch outstanding, preferring the peer that sent the headers.
    fn request_blocks(&mut self, now: u64) {
        while let Some(front) = self.download.front() {
            if self.chain.status(front).is_none() {
                break;
            }
            self.queued.remove(front);
            self.download.pop_front();
        }
        if self.download.is_empty() {
            self.sync_target = None;
        }
        let mut room: BTreeMap<PeerId, usize> = self
            .peers
            .iter()
            .filter(|(_, peer)| peer.hello.is_some())
            .map(|(id, peer)| (*id, peer.blocks_outstanding()))
            .filter(|(_, outstanding)| *outstanding <= BLOCK_BATCH / 2)
            .map(|(id, outstanding)| (id, BLOCK_BATCH - outstanding))
            .collect();
        if room.is_empty() {
            return;
        }
        let mut batches: BTreeMap<PeerId, Vec<InvItem>> = BTreeMap::new();
        for hash in &self.download {
            let item = InvItem::Block(*hash);
            if self.chain.status(hash).is_some() || self.in_flight(&item) {
                continue;
            }
            let has_room = |id: &PeerId| room.get(id).is_some_and(|left| *left > 0);
            let source = self
                .headers
                .get(hash)
                .map(|pending| pending.source)
                .filter(has_room);
            let Some(peer) = source.or_else(|| room.keys().copied().find(has_room)) else {
                break;
            };
            *room.get_mut(&peer).expect("has room") -= 1;
            batches.entry(peer).or_default().push(item);
        }
        for (peer, items) in batches {
            self.request(peer, items, now);
        }
    }

    fn request_headers(&mut self, peer: PeerId, now: u64) {
        let best_pending = self
            .headers
            .iter()
            .max_by_key(|(_, pending)| pending.work)
            .map(|(hash, _)| *hash);
        let locator: Vec<BlockHash> = best_pending
            .into_iter()
            .chain(self.chain.locator())
            .take(MAX_LOCATOR)
            .collect();
        self.send_getheaders(peer, locator, now);
    }

    fn send_getheaders(&mut self, peer: PeerId, mut locator: Vec<BlockHash>, now: u64) {
        locator.truncate(MAX_LOCATOR);
        if let Some(state) = self.peers.get_mut(&peer) {
            state.headers_asked = Some(now);
            self.send(peer, Message::GetHeaders(locator));
        }
    }

    fn request(&mut self, peer: PeerId, items: Vec<InvItem>, now: u64) {
        if items.is_empty() {
            return;
        }
        let state = self.peers.get_mut(&peer).expect("connected");
        for item in &items {
            state.requested.insert(*item, now);
        }
        for chunk in items.chunks(MAX_INV_ITEMS) {
            self.send(peer, Message::GetData(chunk.to_vec()));
        }
    }

    fn in_flight(&self, item: &InvItem) -> bool {
        self.peers
            .values()
            .any(|peer| peer.requested.contains_key(item))
    }

    /// Replays a chain update: mempool, events, sync bookkeeping, announcement.
    fn apply_update(&mut self, update: &ChainUpdate) {
        self.mempool.apply_update(&self.chain, update);
        for hash in &update.added {
            self.headers.remove(hash);
        }
        if update.connected.is_empty() {
            return;
        }
        self.retry_orphan_txs();
        let tip = self.chain.tip();
        if let Some(old_tip) = update.disconnected.first() {
            self.event(Event::Reorg {
                depth: update.disconnected.len(),
                old_tip: *old_tip,
                new_tip: tip,
            });
            // Payments from the losing branch are back in the pool; peers that never
            // saw them must hear of them, or nobody on the winning side will mine them.
            let pending = self.pending_inventory();
            self.announce_to(None, &pending);
        }
        self.event(Event::NewTip {
            hash: tip,
            height: self.chain.height(),
        });
        // Blocks download in height order, so the last queued one connects last.
        let syncing = self
            .download
            .back()
            .is_some_and(|last| self.chain.status(last).is_none());
        self.sync_progress();
        if !syncing {
            self.announce(InvItem::Block(tip));
        }
    }

    fn sync_progress(&mut self) {
        if let Some(target) = self.sync_target {
            self.event(Event::SyncProgress {
                height: self.chain.height(),
                target,
            });
        }
    }

    /// Tells every ready peer that does not know `item` yet.
    fn announce(&mut self, item: InvItem) {
        self.announce_to(None, &[item]);
    }

    /// Sends each ready peer (or just `only`) one inventory of the `items` it does not
    /// know yet, and remembers that it knows them now.
    fn announce_to(&mut self, only: Option<PeerId>, items: &[InvItem]) {
        let mut messages = Vec::new();
        for (id, peer) in &mut self.peers {
            if peer.hello.is_none() || only.is_some_and(|only| only != *id) {
                continue;
            }
            let fresh: Vec<InvItem> = items
                .iter()
                .filter(|item| !peer.known.contains(item))
                .take(MAX_INV_ITEMS)
                .copied()
                .collect();
            for item in &fresh {
                peer.known.insert(*item);
            }
            if !fresh.is_empty() {
                messages.push((*id, Message::Inv(fresh)));
            }
        }
        for (peer, message) in messages {
            self.send(peer, message);
        }
    }

    /// The mempool's transactions, best fee rate first, as inventory.
    fn pending_inventory(&self) -> Vec<InvItem> {
        self.mempool
            .by_fee_rate()
            .iter()
            .map(|entry| InvItem::Tx(entry.txid))
            .collect()
    }

    fn misbehave(&mut self, peer: PeerId, misbehavior: Misbehavior, now: u64) {
        let Some(state) = self.peers.get_mut(&peer) else {
            return;
        };
        state.score = state.score.saturating_add(misbehavior.score());
        if state.score < BAN_SCORE {
            return;
        }
        let code = match misbehavior {
            Misbehavior::Undecodable(_) | Misbehavior::Oversized(_) => RejectCode::Malformed,
            Misbehavior::Flood(_) => RejectCode::Flood,
            Misbehavior::UnrequestedHeaders | Misbehavior::LowWorkBlock(_) => {
                RejectCode::Unrequested
            }
            _ => RejectCode::Invalid,
        };
        let reason = format!("{peer} {misbehavior}");
        self.banned.insert(peer, now + BAN_MS);
        self.event(Event::PeerBanned {
            peer,
            reason: reason.clone(),
        });
        self.part(peer, code, reason);
        self.request_blocks(now);
    }

    /// Sends a reject and drops the peer.
    fn part(&mut self, peer: PeerId, code: RejectCode, reason: String) {
        self.send(
            peer,
            Message::Reject(Reject {
                code,
                reason: reason.clone(),
            }),
        );
        self.peers.remove(&peer);
        self.outputs.push_back(Output::Disconnect { peer, reason });
    }

    fn send(&mut self, peer: PeerId, message: Message) {
        if self.observer && message.carries_chain_data() {
            return;
        }
        let bytes = message.encode();
        if bytes.len() <= MAX_MESSAGE_SIZE {
            self.outputs.push_back(Output::Send { peer, bytes });
        }
    }

    fn event(&mut self, event: Event) {
        self.outputs.push_back(Output::Event(event));
    }
}

/// The chain's clock is Unix seconds; the shell's is milliseconds.
fn unix_seconds(now_ms: u64) -> u32 {
    u32::try_from(now_ms / 1_000).unwrap_or(u32::MAX)
}
