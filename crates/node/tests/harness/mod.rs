//! An in-memory classroom: nodes joined by links with delays, a seeded scheduler and
//! a simulated clock. Links deliver in order, like WebRTC data channels.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

use ledger::chain::mine_header;
use ledger::{Block, BlockHash, ChainParams, PowHasher, sha256};
use node::{Event, Node, Output, PeerId, Wallet};

/// A tiny deterministic generator (SplitMix64): tests need reproducible jitter, not
/// cryptographic quality.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

type Delivery = Reverse<(u64, u64, usize, usize, Vec<u8>)>;

pub struct Net {
    pub nodes: Vec<Node>,
    pub wallets: Vec<Wallet>,
    pub events: Vec<Vec<Event>>,
    pub now: u64,
    pub params: ChainParams,
    pub hasher: Arc<dyn PowHasher>,
    pub rng: Rng,
    /// Messages and bytes delivered, in total and by message kind.
    pub messages: u64,
    pub bytes: u64,
    pub by_kind: BTreeMap<&'static str, (u64, u64)>,
    links: BTreeMap<(usize, usize), u64>,
    last_at: BTreeMap<(usize, usize), u64>,
    queue: BinaryHeap<Delivery>,
    sequence: u64,
}

impl Net {
    pub fn new(count: usize, params: ChainParams, seed: u64) -> Self {
        let hasher = node::hasher_for(&params);
        let now = u64::from(params.genesis_time) * 1_000 + 1_000;
        Self {
            nodes: (0..count)
                .map(|_| Node::new(params.clone(), hasher.clone()))
                .collect(),
            wallets: (0..count)
                .map(|i| wallet(&format!("student {i}")))
                .collect(),
            events: vec![Vec::new(); count],
            now,
            params,
            hasher,
            rng: Rng::new(seed),
            messages: 0,
            bytes: 0,
            by_kind: BTreeMap::new(),
            links: BTreeMap::new(),
            last_at: BTreeMap::new(),
            queue: BinaryHeap::new(),
            sequence: 0,
        }
    }

    pub fn connect(&mut self, a: usize, b: usize, delay_ms: u64) {
        self.links.insert((a, b), delay_ms);
        self.links.insert((b, a), delay_ms);
        self.nodes[a].peer_connected(PeerId(b as u64), self.now);
        self.nodes[b].peer_connected(PeerId(a as u64), self.now);
        self.pump(a);
        self.pump(b);
    }

    pub fn connect_all(&mut self, delay_ms: u64) {
        for a in 0..self.nodes.len() {
            for b in a + 1..self.nodes.len() {
                self.connect(a, b, delay_ms);
            }
        }
    }

    /// Cuts the link both ways; messages on the wire are lost.
    pub fn cut(&mut self, a: usize, b: usize) {
        self.links.remove(&(a, b));
        self.links.remove(&(b, a));
        self.nodes[a].peer_disconnected(PeerId(b as u64), self.now);
        self.nodes[b].peer_disconnected(PeerId(a as u64), self.now);
        self.pump(a);
        self.pump(b);
    }

    /// Carries out node `i`'s outputs.
    pub fn pump(&mut self, i: usize) {
        while let Some(output) = self.nodes[i].poll_output() {
            match output {
                Output::Send { peer, bytes } => {
                    let to = peer.0 as usize;
                    let Some(delay) = self.links.get(&(i, to)).copied() else {
                        continue;
                    };
                    let jitter = self.rng.below(delay / 2 + 1);
                    let last = self.last_at.get(&(i, to)).copied().unwrap_or(0);
                    let at = (self.now + delay + jitter).max(last);
                    self.last_at.insert((i, to), at);
                    self.sequence += 1;
                    self.queue.push(Reverse((at, self.sequence, i, to, bytes)));
                }
                Output::Disconnect { peer, .. } => {
                    let other = peer.0 as usize;
                    if self.links.remove(&(i, other)).is_some() {
                        self.links.remove(&(other, i));
                        if other < self.nodes.len() {
                            self.nodes[other].peer_disconnected(PeerId(i as u64), self.now);
                        }
                    }
                }
                Output::Event(event) => self.events[i].push(event),
            }
        }
    }

    /// Delivers messages in time order until none are left or `until` is reached,
    /// ticking every node once per simulated second.
    pub fn run_until(&mut self, until: u64) {
        let mut next_tick = self.now + 1_000;
        loop {
            let next_delivery = self.queue.peek().map(|Reverse((at, ..))| *at);
            let next = match next_delivery {
                Some(at) if at <= next_tick => at,
                _ => next_tick,
            };
            if next > until || (next_delivery.is_none() && next == next_tick && self.idle()) {
                self.now = self.now.max(until.min(next));
                return;
            }
            self.now = next;
            if next_delivery == Some(next) {
                let Reverse((_, _, from, to, bytes)) = self.queue.pop().expect("peeked");
                if !self.links.contains_key(&(from, to)) {
                    continue;
                }
                self.messages += 1;
                self.bytes += bytes.len() as u64;
                let kind = node::Message::decode(&bytes).map_or("garbage", |m| m.kind_name());
                let entry = self.by_kind.entry(kind).or_default();
                entry.0 += 1;
                entry.1 += bytes.len() as u64;
                self.nodes[to].receive(PeerId(from as u64), &bytes, self.now);
                self.pump(to);
            } else {
                next_tick += 1_000;
                for i in 0..self.nodes.len() {
                    self.nodes[i].tick(self.now);
                    self.pump(i);
                }
            }
        }
    }

    /// Runs until no message is in flight (at most `limit_ms` of simulated time).
    pub fn settle(&mut self, limit_ms: u64) {
        let until = self.now + limit_ms;
        self.run_until(until);
        assert!(
            self.queue.is_empty(),
            "the network did not settle in {limit_ms} ms"
        );
    }

    fn idle(&self) -> bool {
        self.queue.is_empty()
    }

    /// Node `i` mines one block on its tip paying its wallet, with deterministic
    /// nonces from 0, and submits it.
    pub fn mine(&mut self, i: usize) -> BlockHash {
        let block = mine_on(
            &self.nodes[i],
            self.wallets[i].address(),
            self.now,
            &*self.hasher,
        );
        let hash = block.block_hash();
        self.nodes[i]
            .submit_block(block, self.now)
            .expect("a freshly mined template is valid");
        self.pump(i);
        hash
    }

    pub fn tips(&self) -> Vec<BlockHash> {
        self.nodes.iter().map(|n| n.chain().tip()).collect()
    }
}

pub fn wallet(name: &str) -> Wallet {
    Wallet::from_entropy(sha256(name.as_bytes())).expect("a hash is a valid key")
}

/// A block template from `node`, mined.
pub fn mine_on(node: &Node, reward: ledger::Address, now: u64, hasher: &dyn PowHasher) -> Block {
    let mut block = node.block_template(reward, now);
    let seed = node.chain().seed_for_child(&block.header.prev_blockhash);
    assert!(mine_header(&mut block.header, hasher, &seed));
    block
}
