//! `chainlab attack`: a malicious peer for tests and demonstrations.
//!
//! For each kind of bad data it joins the room as a new member (a fresh signaling
//! connection, so an earlier ban does not hide the next lesson), behaves like an
//! honest node until every peer has greeted it and it holds their chain, then sends
//! the bad data to every peer at once and waits to be refused. One line per kind
//! says who dropped it and why; peers that kept it are named too.

mod craft;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use ledger::ChainParams;
use matchbox_socket::{Packet, PeerId as RoomId, PeerState, RtcIceServerConfig, WebRtcSocket};
use node::{Event, Node, Output, Wallet};
use rand::Rng;
use tokio::time::Instant;

use self::craft::Kind;
use crate::peer::clock::Clock;
use crate::peer::miner::{Mined, Miner};
use crate::peer::peers::PeerTable;
use crate::peer::room::Server;

const POLL: Duration = Duration::from_millis(20);
/// Time for the peers to read our hello after we read theirs.
const SETTLE: Duration = Duration::from_millis(500);
/// How often the room's status board is read while waiting for the peers.
const BOARD_EVERY: Duration = Duration::from_millis(500);

#[derive(Args)]
pub struct AttackCommand {
    /// The classroom server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    server: String,
    /// The room's join code.
    #[arg(long)]
    room: String,
    /// What to send, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    kinds: Vec<Kind>,
    /// Peers to wait for before each attack.
    #[arg(long, default_value_t = 1)]
    peers: usize,
    /// Seconds to wait for the peers, the sync, and the verdict of each attack.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

impl AttackCommand {
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let server = Server::parse(&self.server)?;
        let runtime = tokio::runtime::Runtime::new()?;
        runtime.block_on(self.attack(server))?;
        Ok(ExitCode::SUCCESS)
    }

    async fn attack(&self, server: Server) -> anyhow::Result<()> {
        let params = server.params(&self.room).await?.chain_params();
        let ice = server.ice_config().await?;
        let wallet = Wallet::from_entropy(rand::rngs::OsRng.r#gen())
            .context("cannot create the attacker's wallet")?;
        let clock = Clock::start();
        let limit = Duration::from_secs(self.timeout);
        let (mut dropped, mut sent) = (0, 0);
        for kind in &self.kinds {
            let mut member = Member::join(&server, &self.room, &params, ice.clone(), clock);
            member
                .until_ready(self.peers, Instant::now() + limit)
                .await?;
            if kind.needs_coin() {
                let room = (&server, self.room.as_str());
                member
                    .earn_coin(&wallet, room, Instant::now() + limit)
                    .await?;
            }
            let payloads = craft::payloads(*kind, &member.node, &wallet, clock.now_ms())
                .with_context(|| format!("cannot build {kind}"))?;
            let targets = member.send_to_all(payloads);
            let verdicts = member.verdicts(&targets, Instant::now() + limit).await;
            for room in &targets {
                sent += 1;
                match verdicts.get(room) {
                    Some(reason) => {
                        dropped += 1;
                        println!("attack: {kind}: dropped by {room}: {reason}");
                    }
                    None => println!("attack: {kind}: {room} did not drop us"),
                }
            }
        }
        println!("attack: dropped {dropped} of {sent}");
        Ok(())
    }
}

/// One membership of the room: a socket and an honest-looking node behind it.
struct Member {
    socket: WebRtcSocket,
    node: Node,
    peers: PeerTable,
    clock: Clock,
    /// Peers that refused us, with their reason.
    refused: BTreeMap<RoomId, String>,
    /// Keeps the signaling connection's task alive; aborted on drop.
    message_loop: tokio::task::JoinHandle<Result<(), matchbox_socket::Error>>,
}

impl Drop for Member {
    fn drop(&mut self) {
        self.message_loop.abort();
    }
}

impl Member {
    fn join(
        server: &Server,
        code: &str,
        params: &ChainParams,
        ice: RtcIceServerConfig,
        clock: Clock,
    ) -> Self {
        let (socket, message_loop) = WebRtcSocket::builder(server.signal_url(code))
            .ice_server(ice)
            .add_reliable_channel()
            .build();
        Self {
            socket,
            node: Node::new(params.clone(), node::hasher_for(params)),
            peers: PeerTable::default(),
            clock,
            refused: BTreeMap::new(),
            message_loop: tokio::spawn(message_loop),
        }
    }

    /// Runs the node until `peers` peers greeted us and our chain reaches the
    /// heights they announced.
    async fn until_ready(&mut self, peers: usize, deadline: Instant) -> anyhow::Result<()> {
        loop {
            self.pump();
            let ready = self.node.ready_peers();
            let best = ready.iter().map(|(_, height)| *height).max().unwrap_or(0);
            if ready.len() >= peers && self.node.chain().height() >= best {
                break;
            }
            if Instant::now() > deadline {
                bail!(
                    "only {} of {peers} peers greeted the attacker (height {} of {best})",
                    ready.len(),
                    self.node.chain().height()
                );
            }
            tokio::time::sleep(POLL).await;
        }
        self.idle(SETTLE).await;
        Ok(())
    }

    /// Mines (honestly) a block paying `wallet` until every peer holds a coin of
    /// ours: an honest miner may have found a block at the same height first and
    /// bury ours, and a peer that never saw the coin would rightly wait for it rather
    /// than drop a transaction spending it. The room's status board says where each
    /// peer's tip is; the oldest coin (the one a payment spends) counts once every
    /// peer's tip is on our chain above it. A coin from an earlier attack counts too.
    /// Hashing runs on every core off the event loop, so our node keeps hearing the
    /// room and each new tip restarts the race on it at once.
    async fn earn_coin(
        &mut self,
        wallet: &Wallet,
        room: (&Server, &str),
        deadline: Instant,
    ) -> anyhow::Result<()> {
        let (results, mut mined) = tokio::sync::mpsc::unbounded_channel();
        let mut miner = Miner::new(crate::mining::cores(), results);
        let mut next_look = Instant::now();
        loop {
            if Instant::now() > deadline {
                bail!("the attacker could not mine a coin that every peer holds in time");
            }
            let chain = self.node.chain();
            let oldest = chain
                .utxos_of(&wallet.address())
                .iter()
                .map(|(_, coin)| coin.height)
                .min();
            match oldest {
                Some(coin) => {
                    miner.stop();
                    if Instant::now() >= next_look {
                        next_look = Instant::now() + BOARD_EVERY;
                        if self.peers_hold(room, coin).await {
                            return Ok(());
                        }
                    }
                }
                None if !miner.is_mining_on(chain.tip()) => {
                    let template = self
                        .node
                        .block_template(wallet.address(), self.clock.now_ms());
                    miner.start(template, self.node.chain())?;
                }
                None => {}
            }
            match mined.try_recv() {
                Ok(Mined::Block(block)) => {
                    let _ = self.node.submit_block(block, self.clock.now_ms());
                }
                // Every nonce of that template failed: a fresh one has a later time.
                Ok(Mined::Exhausted) => miner.stop(),
                Err(_) => {}
            }
            self.idle(POLL).await;
        }
    }

    /// Whether every greeted peer last reported a tip on our active chain at
    /// `height` or above.
    async fn peers_hold(&self, (server, code): (&Server, &str), height: u32) -> bool {
        let Ok(board) = server.board(code).await else {
            return false;
        };
        let chain = self.node.chain();
        self.node
            .ready_peers()
            .iter()
            .filter_map(|(peer, _)| self.peers.room_id(*peer))
            .all(|room| {
                let id = room.0.to_string();
                board.iter().any(|row| {
                    row.member.as_str() == id
                        && chain.is_active(&row.status.tip)
                        && chain
                            .height_of(&row.status.tip)
                            .is_some_and(|tip| tip >= height)
                })
            })
    }

    /// Sends every payload to every greeted peer, bypassing our own node.
    fn send_to_all(&mut self, payloads: Vec<Vec<u8>>) -> Vec<RoomId> {
        let targets: Vec<RoomId> = self
            .node
            .ready_peers()
            .into_iter()
            .filter_map(|(peer, _)| self.peers.room_id(peer))
            .collect();
        for bytes in payloads {
            for room in &targets {
                let _ = self
                    .socket
                    .channel_mut(0)
                    .try_send(Packet::from(bytes.clone()), *room);
            }
        }
        targets
    }

    /// Waits until every target refused us, or `deadline`.
    async fn verdicts(
        &mut self,
        targets: &[RoomId],
        deadline: Instant,
    ) -> BTreeMap<RoomId, String> {
        while Instant::now() < deadline
            && !targets.iter().all(|room| self.refused.contains_key(room))
        {
            self.pump();
            tokio::time::sleep(POLL).await;
        }
        std::mem::take(&mut self.refused)
    }

    async fn idle(&mut self, span: Duration) {
        let end = Instant::now() + span;
        while Instant::now() < end {
            self.pump();
            tokio::time::sleep(POLL).await;
        }
    }

    fn pump(&mut self) {
        let now = self.clock.now_ms();
        if let Ok(changes) = self.socket.try_update_peers() {
            for (room, state) in changes {
                match state {
                    PeerState::Connected => {
                        let peer = self.peers.connect(room);
                        self.node.peer_connected(peer, now);
                    }
                    PeerState::Disconnected => {
                        if let Some(peer) = self.peers.forget_room(room) {
                            self.node.peer_disconnected(peer, now);
                        }
                    }
                }
            }
        }
        for (room, packet) in self.socket.channel_mut(0).receive() {
            if let Some(peer) = self.peers.node_id(room) {
                self.node.receive(peer, &packet, now);
            }
        }
        self.node.tick(now);
        while let Some(output) = self.node.poll_output() {
            match output {
                Output::Send { peer, bytes } => {
                    if let Some(room) = self.peers.room_id(peer) {
                        let _ = self
                            .socket
                            .channel_mut(0)
                            .try_send(Packet::from(bytes), room);
                    }
                }
                Output::Disconnect { peer, .. } => {
                    self.peers.forget_node(peer);
                }
                Output::Event(Event::Rejected { peer, reason }) => {
                    if let Some(room) = self.peers.room_id(peer) {
                        self.refused.insert(room, reason);
                    }
                }
                Output::Event(_) => {}
            }
        }
    }
}
