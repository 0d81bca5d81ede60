//! `chainlab node`: a full node that joins a classroom room over WebRTC.
//!
//! It is the shell around the same sans-IO [`node::Node`] every tab runs: it feeds
//! the node packets from the room's data channels and a clock, carries out what the
//! node asks (send, drop a peer, report), keeps the chain on disk so the class chain
//! outlives every tab, and can mine. Each notable event is one line on stdout,
//! prefixed with `--name`, so a teacher can watch it and tests can read it.

mod clock;
mod disk;
mod miner;
mod peers;
mod room;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use ledger::ChainParams;
use matchbox_socket::{Packet, PeerState, WebRtcSocket};
use node::{Event, Node, Output, Wallet};
use rand::Rng;
use tokio::sync::mpsc;

use self::clock::Clock;
use self::disk::ChainFile;
use self::miner::{Mined, Miner};
use self::peers::PeerTable;
use self::room::Server;

/// How often the data channels and peer changes are polled.
const POLL: Duration = Duration::from_millis(20);
/// How often the node's timers run (pings, stalls, bans).
const TICK: Duration = Duration::from_secs(1);
/// How often the status line is printed.
const STATUS: Duration = Duration::from_secs(10);
/// A burst of new tips (a sync, a fast miner) is written once per this interval
/// rather than once per block: each write is the whole chain.
const SAVE_EVERY_MS: u64 = 1_000;

#[derive(Args)]
pub struct NodeCommand {
    /// The classroom server, e.g. http://192.168.1.10:8080.
    #[arg(long)]
    server: String,
    /// The room's join code.
    #[arg(long)]
    room: String,
    /// Folder for the chain snapshot (created if missing).
    #[arg(long, default_value = "chainlab-node")]
    data_dir: PathBuf,
    /// Mine blocks on top of the current tip.
    #[arg(long)]
    mine: bool,
    /// Mining threads (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// Name shown at the start of every line this node prints.
    #[arg(long, default_value = "node")]
    name: String,
}

impl NodeCommand {
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let threads = self
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        if threads == 0 {
            bail!("--threads must be at least 1");
        }
        let server = Server::parse(&self.server)?;
        let runtime = tokio::runtime::Runtime::new()?;
        runtime.block_on(async {
            let mut shell = Shell::open(&self, threads)?;
            let ice = server.ice_config().await?;
            let (socket, message_loop) = WebRtcSocket::builder(server.signal_url(&self.room))
                .ice_server(ice)
                .add_reliable_channel()
                .build();
            shell.socket = Some(socket);
            let message_loop = tokio::spawn(message_loop);
            shell.run(message_loop).await
        })?;
        Ok(ExitCode::SUCCESS)
    }
}

/// Everything the node's event loop owns.
struct Shell {
    name: String,
    clock: Clock,
    node: Node,
    wallet: Wallet,
    file: ChainFile,
    peers: PeerTable,
    socket: Option<WebRtcSocket>,
    miner: Option<Miner>,
    mined: mpsc::UnboundedReceiver<Mined>,
    joined: bool,
    unsaved: bool,
    saved_at: u64,
}

impl Shell {
    /// Loads the stored chain (validated) or starts from genesis.
    fn open(command: &NodeCommand, threads: usize) -> anyhow::Result<Self> {
        let clock = Clock::start();
        let params = ChainParams::classroom();
        let file = ChainFile::in_dir(&command.data_dir)?;
        let name = command.name.clone();
        let (node, wallet) = match file.load(&params, clock.now_ms())? {
            Some((node, wallet)) => {
                let chain = node.chain();
                println!(
                    "{name}: loaded height {} tip {} from {}",
                    chain.height(),
                    chain.tip(),
                    file.path().display()
                );
                (node, wallet)
            }
            None => {
                let node = Node::new(params.clone(), node::hasher_for(&params));
                println!("{name}: new chain at genesis {}", node.chain().tip());
                (node, None)
            }
        };
        let wallet = match wallet {
            Some(wallet) => wallet,
            None => Wallet::from_entropy(rand::rngs::OsRng.r#gen())
                .context("cannot create the miner's wallet")?,
        };
        let (results, mined) = mpsc::unbounded_channel();
        let miner = command.mine.then(|| Miner::new(threads, results));
        if miner.is_some() {
            println!(
                "{name}: mining to {} with {threads} threads",
                wallet.address()
            );
        }
        Ok(Self {
            name,
            clock,
            node,
            wallet,
            file,
            peers: PeerTable::default(),
            socket: None,
            miner,
            mined,
            joined: false,
            unsaved: false,
            saved_at: 0,
        })
    }

    async fn run(
        &mut self,
        mut message_loop: tokio::task::JoinHandle<Result<(), matchbox_socket::Error>>,
    ) -> anyhow::Result<()> {
        let mut poll = tokio::time::interval(POLL);
        let mut tick = tokio::time::interval(TICK);
        let mut status = tokio::time::interval(STATUS);
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        self.mine_on_tip();
        loop {
            tokio::select! {
                _ = poll.tick() => self.pump()?,
                _ = tick.tick() => {
                    self.node.tick(self.clock.now_ms());
                    self.flush()?;
                }
                _ = status.tick() => self.status(),
                Some(mined) = self.mined.recv() => {
                    self.on_mined(mined);
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
                _ = &mut ctrl_c => {
                    if let Some(miner) = &mut self.miner {
                        miner.stop();
                    }
                    self.save()?;
                    println!(
                        "{}: saved height {} to {}; stopped",
                        self.name,
                        self.node.chain().height(),
                        self.file.path().display()
                    );
                    return Ok(());
                }
            }
        }
    }

    fn socket(&mut self) -> &mut WebRtcSocket {
        self.socket
            .as_mut()
            .expect("the socket is built before the loop runs")
    }

    /// Peer changes and packets in, the node's outputs out.
    fn pump(&mut self) -> anyhow::Result<()> {
        let now = self.clock.now_ms();
        if !self.joined
            && let Some(id) = self.socket().id()
        {
            self.joined = true;
            println!("{}: joined the room as {id}", self.name);
        }
        let Ok(changes) = self.socket().try_update_peers() else {
            return Ok(());
        };
        for (room_id, state) in changes {
            match state {
                PeerState::Connected => {
                    let peer = self.peers.connect(room_id);
                    println!("{}: peer {room_id} joined", self.name);
                    self.node.peer_connected(peer, now);
                }
                PeerState::Disconnected => {
                    if let Some(peer) = self.peers.forget_room(room_id) {
                        println!("{}: peer {room_id} left", self.name);
                        self.node.peer_disconnected(peer, now);
                    }
                }
            }
        }
        for (room_id, packet) in self.socket().channel_mut(0).receive() {
            if let Some(peer) = self.peers.node_id(room_id) {
                self.node.receive(peer, &packet, now);
            }
        }
        self.flush()
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
                println!("{name}: tip {height} {hash}");
            }
            Event::Reorg {
                depth,
                old_tip,
                new_tip,
            } => println!("{name}: reorg depth {depth} from {old_tip} to {new_tip}"),
            Event::TxAccepted { txid } => println!("{name}: transaction {txid} accepted"),
            Event::PeerBanned { peer, reason } => {
                println!("{name}: peer {} banned: {reason}", self.peer_name(peer));
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

    fn save(&mut self) -> anyhow::Result<()> {
        self.file.save(&self.node, &self.wallet)?;
        self.unsaved = false;
        self.saved_at = self.clock.now_ms();
        Ok(())
    }
}
