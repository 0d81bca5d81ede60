//! `chainlab node`: a full node that joins a classroom room over WebRTC.
//!
//! It is the shell around the same sans-IO [`node::Node`] every tab runs: it feeds
//! the node packets from the room's data channels and a clock, carries out what the
//! node asks (send, drop a peer, report), keeps the chain on disk so the class chain
//! outlives every tab, and can mine. Like a tab it obeys the room's control plane:
//! it follows the instructor's parameters (a reset starts the new epoch's chain, a
//! scenario cuts links, a double spend has its attacker's steps) and reports its
//! status to the room's board. Each notable event is one line on stdout, prefixed
//! with `--name`, so a teacher can watch it and tests can read it.

pub(crate) mod clock;
mod control;
mod disk;
mod double_spend;
mod links;
pub mod miner;
pub(crate) mod peers;
pub(crate) mod room;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use ledger::{Address, Amount};
use matchbox_socket::{Packet, PeerId as RoomId, PeerState, WebRtcSocket};
use node::classroom::{MAX_NAME_CHARS, MemberId, PeerStatus, Role, RoomParams, Scenario};
use node::{Event, Message, Node, Output, Wallet};
use rand::Rng;
use tokio::sync::{mpsc, watch};

use self::clock::Clock;
use self::control::{Report, RoomNews};
use self::disk::{ChainFile, WalletFile};
use self::links::{Links, hello_network, member};
use self::miner::{Mined, Miner};
use self::peers::PeerTable;
use self::room::Server;

/// How often the data channels and peer changes are polled.
const POLL: Duration = Duration::from_millis(20);
/// How often the node's timers run (pings, stalls, bans).
const TICK: Duration = Duration::from_secs(1);
/// How often the status line is printed.
const STATUS: Duration = Duration::from_secs(10);
/// How often the status is reported to the room's board (and after each new tip).
const REPORT: Duration = Duration::from_secs(2);
/// A burst of new tips (a sync, a fast miner) is written once per this interval
/// rather than once per block: each write is the whole chain.
const SAVE_EVERY_MS: u64 = 1_000;
/// How often a double-spend attacker looks for the merchant on the board.
const BOARD_RETRY: Duration = Duration::from_millis(500);
const BOARD_TRIES: u32 = 20;

#[derive(Args)]
pub struct NodeCommand {
    /// The classroom server, e.g. http://192.168.1.10:8080.
    #[arg(long)]
    server: String,
    /// The room's join code.
    #[arg(long)]
    room: String,
    /// Folder for the wallet and the chain snapshots (created if missing).
    #[arg(long, default_value = "chainlab-node")]
    data_dir: PathBuf,
    /// Mine blocks on top of the current tip.
    #[arg(long)]
    mine: bool,
    /// Mining threads (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// Name shown at the start of every line this node prints and on the room's board.
    #[arg(long, default_value = "node")]
    name: String,
}

impl NodeCommand {
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let threads = crate::mining::threads(self.threads)?;
        let chars = self.name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS || self.name.chars().any(char::is_control) {
            bail!("--name must be 1 to {MAX_NAME_CHARS} characters without control characters");
        }
        let server = Server::parse(&self.server)?;
        let runtime = tokio::runtime::Runtime::new()?;
        runtime.block_on(async {
            let params = server.params(&self.room).await?;
            let (reports, reports_out) = watch::channel(None);
            let mut shell = Shell::open(&self, threads, server.clone(), params, reports)?;
            let ice = server.ice_config().await?;
            let (socket, message_loop) = WebRtcSocket::builder(server.signal_url(&self.room))
                .ice_server(ice)
                .add_reliable_channel()
                .build();
            shell.socket = Some(socket);
            let message_loop = tokio::spawn(message_loop);
            let (news_in, news) = mpsc::unbounded_channel();
            control::watch_room(
                server.clone(),
                self.room.clone(),
                self.name.clone(),
                news_in,
            );
            control::report_status(server, self.room.clone(), self.name.clone(), reports_out);
            shell.run(message_loop, news).await
        })?;
        Ok(ExitCode::SUCCESS)
    }
}

/// The merchant a double spend targets, found on the room's board.
struct Merchant {
    member: MemberId,
    address: Address,
    amount: Amount,
}

/// Hashes per second, measured between status reports.
#[derive(Default)]
struct Hashrate {
    tried: u64,
    at_ms: u64,
    rate: f64,
}

impl Hashrate {
    /// The rate over the last second or more, given the miner's running total.
    fn update(&mut self, tried: u64, now_ms: u64) -> f64 {
        let elapsed = now_ms.saturating_sub(self.at_ms);
        if elapsed >= 1_000 {
            self.rate = tried.saturating_sub(self.tried) as f64 * 1_000.0 / elapsed as f64;
            self.tried = tried;
            self.at_ms = now_ms;
        }
        self.rate
    }
}

/// Everything the node's event loop owns.
struct Shell {
    name: String,
    code: String,
    server: Server,
    data_dir: PathBuf,
    clock: Clock,
    params: RoomParams,
    node: Node,
    wallet: Wallet,
    file: ChainFile,
    peers: PeerTable,
    links: Links,
    socket: Option<WebRtcSocket>,
    miner: Option<Miner>,
    mined: mpsc::UnboundedReceiver<Mined>,
    merchants: (
        mpsc::UnboundedSender<Merchant>,
        mpsc::UnboundedReceiver<Merchant>,
    ),
    reports: watch::Sender<Report>,
    report_due: bool,
    hashrate: Hashrate,
    unsaved: bool,
    saved_at: u64,
}

impl Shell {
    /// Loads the wallet and the room epoch's stored chain (validated), or starts both.
    fn open(
        command: &NodeCommand,
        threads: usize,
        server: Server,
        params: RoomParams,
        reports: watch::Sender<Report>,
    ) -> anyhow::Result<Self> {
        let clock = Clock::start();
        let name = command.name.clone();
        let wallets = WalletFile::in_dir(&command.data_dir)?;
        let wallet = match wallets.load()? {
            Some(wallet) => wallet,
            None => {
                let wallet = Wallet::from_entropy(rand::rngs::OsRng.r#gen())
                    .context("cannot create the node's wallet")?;
                wallets.save(&wallet)?;
                wallet
            }
        };
        let (file, node) = open_chain(&name, &command.data_dir, &params, clock.now_ms())?;
        let (results, mined) = mpsc::unbounded_channel();
        let miner = command.mine.then(|| Miner::new(threads, results));
        if miner.is_some() {
            println!(
                "{name}: mining to {} with {threads} threads",
                wallet.address()
            );
        }
        let mut links = Links::default();
        links.set_params(params.clone());
        Ok(Self {
            name,
            code: command.room.clone(),
            server,
            data_dir: command.data_dir.clone(),
            clock,
            params,
            node,
            wallet,
            file,
            peers: PeerTable::default(),
            links,
            socket: None,
            miner,
            mined,
            merchants: mpsc::unbounded_channel(),
            reports,
            report_due: false,
            hashrate: Hashrate::default(),
            unsaved: false,
            saved_at: 0,
        })
    }

    async fn run(
        &mut self,
        mut message_loop: tokio::task::JoinHandle<Result<(), matchbox_socket::Error>>,
        mut news: mpsc::UnboundedReceiver<RoomNews>,
    ) -> anyhow::Result<()> {
        let mut poll = tokio::time::interval(POLL);
        let mut tick = tokio::time::interval(TICK);
        let mut status = tokio::time::interval(STATUS);
        let mut report = tokio::time::interval(REPORT);
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        self.mine_on_tip();
        loop {
            tokio::select! {
                _ = poll.tick() => self.pump()?,
                _ = tick.tick() => {
                    let now = self.clock.now_ms();
                    self.node.tick(now);
                    self.relink(now);
                    self.flush()?;
                }
                _ = status.tick() => self.status(),
                _ = report.tick() => self.report(),
                Some(mined) = self.mined.recv() => {
                    self.on_mined(mined);
                    self.flush()?;
                }
                Some(news) = news.recv() => {
                    match news {
                        RoomNews::Params(params) => self.apply(params)?,
                        RoomNews::Closed => return self.stop("the room was closed"),
                    }
                    self.flush()?;
                }
                Some(merchant) = self.merchants.1.recv() => {
                    self.double_spend(merchant);
                    self.flush()?;
                }
                ended = &mut message_loop => {
                    self.save()?;
                    let why = match ended {
                        Ok(Ok(())) => "the signaling server closed the connection".to_string(),
                        Ok(Err(error)) => error.to_string(),
                        Err(error) => error.to_string(),
                    };
                    bail!("left room: {why}");
                }
                _ = &mut ctrl_c => return self.stop("stopped"),
            }
        }
    }

    /// Stops mining and saves the chain.
    fn stop(&mut self, why: &str) -> anyhow::Result<()> {
        if let Some(miner) = &mut self.miner {
            miner.stop();
        }
        self.save()?;
        println!(
            "{}: saved height {} to {}; {why}",
            self.name,
            self.node.chain().height(),
            self.file.path().display()
        );
        Ok(())
    }

    fn socket(&mut self) -> &mut WebRtcSocket {
        self.socket
            .as_mut()
            .expect("the socket is built before the loop runs")
    }

    /// Peer changes and packets in, the node's outputs out.
    fn pump(&mut self) -> anyhow::Result<()> {
        let now = self.clock.now_ms();
        if self.links.me().is_none()
            && let Some(id) = self.socket().id()
        {
            println!("{}: joined the room as {id}", self.name);
            self.links.set_me(member(id));
            self.relink(now);
            self.report_due = true;
        }
        let Ok(changes) = self.socket().try_update_peers() else {
            return Ok(());
        };
        for (room_id, state) in changes {
            match state {
                PeerState::Connected => {
                    println!("{}: peer {room_id} joined", self.name);
                    self.links.connect(room_id);
                    self.relink(now);
                }
                PeerState::Disconnected => {
                    println!("{}: peer {room_id} left", self.name);
                    self.links.disconnect(room_id);
                    if let Some(peer) = self.peers.forget_room(room_id) {
                        self.node.peer_disconnected(peer, now);
                    }
                }
            }
        }
        for (room_id, packet) in self.socket().channel_mut(0).receive() {
            self.on_packet(room_id, &packet, now);
        }
        self.flush()
    }

    /// Hands the node what linked peers send.
    fn on_packet(&mut self, room: RoomId, packet: &[u8], now: u64) {
        if let Some(network) = hello_network(packet) {
            self.on_hello(room, packet, &network, now);
        } else if let Some(peer) = self.peers.node_id(room) {
            self.node.receive(peer, packet, now);
        } else {
            self.payment_across_the_cut(room, packet);
        }
    }

    /// Members do not learn of the instructor's changes at the same millisecond, so
    /// a hello can come before this node is ready for it. One from a linked member
    /// not yet attached attaches it (the node answers it); one for another chain, or
    /// from across a cut, is held until this node gets there.
    fn on_hello(&mut self, room: RoomId, packet: &[u8], network: &str, now: u64) {
        let ours = network == self.node.chain().params().name;
        match self.peers.node_id(room) {
            Some(peer) if ours => self.node.receive(peer, packet, now),
            None if ours && self.links.may_talk(room, now) => {
                self.links.hold_hello(room, packet.to_vec());
                self.attach(room, now);
            }
            _ => self.links.hold_hello(room, packet.to_vec()),
        }
    }

    /// Attaches the members this node may talk to and detaches the others (a
    /// member resting after a drop is greeted once its rest is over).
    fn relink(&mut self, now: u64) {
        for room in self.links.connected() {
            let attached = self.peers.node_id(room);
            match (self.links.may_talk(room, now), attached) {
                (true, None) if !self.peers.is_resting(room, now) => self.attach(room, now),
                (false, Some(peer)) => {
                    self.peers.forget_room(room);
                    self.node.peer_disconnected(peer, now);
                    println!("{}: link to {room} cut", self.name);
                }
                _ => {}
            }
        }
    }

    /// Greets `room` with a fresh node-side id, replaying the hello it sent first.
    fn attach(&mut self, room: RoomId, now: u64) {
        let peer = self.peers.connect(room);
        self.node.peer_connected(peer, now);
        let network = self.node.chain().params().name.clone();
        if let Some(hello) = self.links.take_hello(room, &network) {
            self.node.receive(peer, &hello, now);
        }
    }

    /// Obeys the instructor's new parameters.
    fn apply(&mut self, params: RoomParams) -> anyhow::Result<()> {
        if params == self.params {
            return Ok(());
        }
        let old = std::mem::replace(&mut self.params, params);
        println!(
            "{}: room parameters: epoch {} scenario {}",
            self.name,
            self.params.epoch,
            serde_json::to_string(&self.params.scenario)?
        );
        if old.epoch != self.params.epoch || old.chain != self.params.chain {
            self.reset()?;
        }
        self.links.set_params(self.params.clone());
        self.relink(self.clock.now_ms());
        if old.scenario != self.params.scenario {
            self.plan_double_spend();
        }
        self.report_due = true;
        Ok(())
    }

    /// A room reset: the old chain is saved and left, the new epoch's chain loaded or
    /// started, and every peer greeted afresh. The wallet stays.
    fn reset(&mut self) -> anyhow::Result<()> {
        self.save()?;
        if let Some(miner) = &mut self.miner {
            miner.stop();
        }
        let (file, node) = open_chain(
            &self.name,
            &self.data_dir,
            &self.params,
            self.clock.now_ms(),
        )?;
        self.file = file;
        self.node = node;
        self.peers = PeerTable::default();
        Ok(())
    }

    /// When this node is a double spend's attacker, looks the merchant up on the
    /// room's board (it may not have reported yet) and hands it to the event loop.
    fn plan_double_spend(&self) {
        let Scenario::DoubleSpend {
            attacker,
            merchant,
            amount,
            ..
        } = &self.params.scenario
        else {
            return;
        };
        if self.links.me() != Some(attacker) {
            return;
        }
        let (server, code, name) = (self.server.clone(), self.code.clone(), self.name.clone());
        let (merchant, amount, found) = (merchant.clone(), *amount, self.merchants.0.clone());
        tokio::spawn(async move {
            for _ in 0..BOARD_TRIES {
                match server.board(&code).await {
                    Ok(board) => {
                        if let Some(row) = board.into_iter().find(|row| row.member == merchant) {
                            let _ = found.send(Merchant {
                                member: merchant,
                                address: row.status.address,
                                amount,
                            });
                            return;
                        }
                    }
                    Err(error) => eprintln!("{name}: status board: {error:#}"),
                }
                tokio::time::sleep(BOARD_RETRY).await;
            }
            eprintln!("{name}: the merchant {merchant} never reported an address; no double spend");
        });
    }

    /// The attacker's steps: pay the merchant directly (the one send allowed across
    /// the cut), then spend the same coins back to itself on its own secret chain.
    fn double_spend(&mut self, merchant: Merchant) {
        let Some(room) = self
            .links
            .connected()
            .into_iter()
            .find(|room| member(*room) == merchant.member)
        else {
            eprintln!(
                "{}: the merchant {} is not connected",
                self.name, merchant.member
            );
            return;
        };
        let (chain, mempool) = (self.node.chain(), self.node.mempool());
        let spend = match double_spend::build(
            &self.wallet,
            chain,
            mempool,
            merchant.address,
            merchant.amount,
        ) {
            Ok(spend) => spend,
            Err(error) => {
                eprintln!("{}: cannot double spend: {error}", self.name);
                return;
            }
        };
        let payment = spend.payment.txid();
        let bytes = Message::Tx(spend.payment).encode();
        let _ = self
            .socket()
            .channel_mut(0)
            .try_send(Packet::from(bytes), room);
        match self.node.submit_transaction(spend.refund) {
            Ok(refund) => println!(
                "{}: double spend: paid {} to the merchant in {payment}, the same coins back to us in {refund}",
                self.name, merchant.amount
            ),
            Err(error) => eprintln!("{}: our own refund was refused: {error}", self.name),
        }
    }

    /// The merchant of a double spend takes the attacker's payment although the
    /// attacker is cut off: it is the one message the scenario lets across.
    fn payment_across_the_cut(&mut self, room: RoomId, packet: &[u8]) {
        let Scenario::DoubleSpend {
            attacker, merchant, ..
        } = &self.params.scenario
        else {
            return;
        };
        if self.links.me() != Some(merchant) || member(room) != *attacker {
            return;
        }
        if let Ok(Message::Tx(tx)) = Message::decode(packet) {
            match self.node.submit_transaction(tx) {
                Ok(txid) => println!("{}: payment {txid} from the attacker", self.name),
                Err(error) => println!("{}: the attacker's payment is refused: {error}", self.name),
            }
        }
    }

    /// Carries out the node's outputs, then keeps the miner and the file current.
    fn flush(&mut self) -> anyhow::Result<()> {
        while let Some(output) = self.node.poll_output() {
            match output {
                Output::Send { peer, bytes } => {
                    if let Some(room_id) = self.peers.room_id(peer) {
                        let _ = self
                            .socket()
                            .channel_mut(0)
                            .try_send(Packet::from(bytes), room_id);
                    }
                }
                Output::Disconnect { peer, reason } => {
                    if let Some(room_id) = self.peers.forget_node(peer) {
                        println!("{}: dropped peer {room_id}: {reason}", self.name);
                        let rest = self.clock.now_ms() + node::node::REGREET_MS;
                        self.peers.rest(room_id, rest);
                    }
                }
                Output::Event(event) => self.on_event(event),
            }
        }
        self.mine_on_tip();
        let now = self.clock.now_ms();
        if self.unsaved && now.saturating_sub(self.saved_at) >= SAVE_EVERY_MS {
            self.save()?;
        }
        if std::mem::take(&mut self.report_due) {
            self.report();
        }
        Ok(())
    }

    fn on_event(&mut self, event: Event) {
        let name = &self.name;
        match event {
            Event::PeerReady { peer, height } => {
                println!(
                    "{name}: peer {} ready at height {height}",
                    self.peer_name(peer)
                );
            }
            Event::NewTip { hash, height } => {
                self.unsaved = true;
                self.report_due = true;
                println!("{name}: tip {height} {hash}");
                println!(
                    "{name}: block {height} {hash} accepted at {}",
                    self.clock.now_ms()
                );
            }
            Event::Reorg {
                depth,
                old_tip,
                new_tip,
            } => println!("{name}: reorg depth {depth} from {old_tip} to {new_tip}"),
            Event::TxAccepted { txid } => println!("{name}: transaction {txid} accepted"),
            Event::PeerBanned { peer, reason } => {
                println!("{name}: peer {} banned: {reason}", self.peer_name(peer));
                if let Some(room) = self.peers.room_id(peer) {
                    let until = self.clock.now_ms() + node::node::BAN_MS;
                    self.links.ban(room, until);
                }
            }
            Event::SyncProgress { height, target } => {
                if height == target || height % 100 == 0 {
                    println!("{name}: sync {height}/{target}");
                }
            }
            Event::Rejected { peer, reason } => {
                println!(
                    "{name}: peer {} rejected ours: {reason}",
                    self.peer_name(peer)
                );
            }
        }
    }

    fn peer_name(&self, peer: node::PeerId) -> String {
        self.peers
            .room_id(peer)
            .map_or_else(|| peer.to_string(), |room_id| room_id.to_string())
    }

    /// Starts a job on the current tip unless one is already running there.
    fn mine_on_tip(&mut self) {
        let Some(miner) = &mut self.miner else {
            return;
        };
        let chain = self.node.chain();
        if miner.is_mining_on(chain.tip()) {
            return;
        }
        let template = self
            .node
            .block_template(self.wallet.address(), self.clock.now_ms());
        if let Err(error) = miner.start(template, chain) {
            eprintln!("{}: cannot mine: {error}", self.name);
        }
    }

    fn on_mined(&mut self, mined: Mined) {
        if let Some(miner) = &mut self.miner {
            miner.stop();
        }
        let Mined::Block(block) = mined else {
            return;
        };
        if block.header.prev_blockhash != self.node.chain().tip() {
            return;
        }
        let hash = block.block_hash();
        match self.node.submit_block(block, self.clock.now_ms()) {
            Ok(_) => println!(
                "{}: mined block {} {hash}",
                self.name,
                self.node.chain().height()
            ),
            Err(error) => eprintln!("{}: our own block {hash} was refused: {error}", self.name),
        }
    }

    fn status(&self) {
        let chain = self.node.chain();
        println!(
            "{}: status height {} tip {} peers {} ready {} mempool {}",
            self.name,
            chain.height(),
            chain.tip(),
            self.peers.len(),
            self.node.ready_peers().len(),
            self.node.mempool().len()
        );
    }

    /// Hands the reporter this node's status (once the room gave it an id).
    fn report(&mut self) {
        let Some(me) = self.links.me().cloned() else {
            return;
        };
        let now = self.clock.now_ms();
        let tried = self.miner.as_ref().map_or(0, Miner::hashes_tried);
        let hashrate = self.hashrate.update(tried, now);
        let chain = self.node.chain();
        let status = PeerStatus {
            name: self.name.clone(),
            role: Role::Native,
            address: self.wallet.address(),
            epoch: self.params.epoch,
            height: chain.height(),
            tip: chain.tip(),
            hashrate,
            mining: self.miner.is_some(),
            peers: u32::try_from(self.node.ready_peers().len()).unwrap_or(u32::MAX),
            balance: self.wallet.balance(chain, self.node.mempool()).confirmed,
        };
        self.reports.send_replace(Some((me, status)));
    }

    fn save(&mut self) -> anyhow::Result<()> {
        self.file.save(&self.node, &self.wallet)?;
        self.unsaved = false;
        self.saved_at = self.clock.now_ms();
        Ok(())
    }
}

/// The stored chain of `params`' epoch, validated, or a new one at its genesis.
fn open_chain(
    name: &str,
    dir: &std::path::Path,
    params: &RoomParams,
    now: u64,
) -> anyhow::Result<(ChainFile, Node)> {
    let chain_params = params.chain_params();
    let file = ChainFile::for_chain(dir, &chain_params)?;
    let node = match file.load(&chain_params, now)? {
        Some((node, _)) => {
            let chain = node.chain();
            println!(
                "{name}: loaded height {} tip {} from {}",
                chain.height(),
                chain.tip(),
                file.path().display()
            );
            node
        }
        None => {
            let node = Node::new(chain_params.clone(), node::hasher_for(&chain_params));
            println!(
                "{name}: new chain {} at genesis {}",
                chain_params.name,
                node.chain().tip()
            );
            node
        }
    };
    Ok((file, node))
}
