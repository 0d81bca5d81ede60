//! The hello handshake over channels that lose first messages, heal, reset and
//! reconnect: both sides always end in one shared conversation, and it ends.

use ledger::ChainParams;
use node::{Message, Node, Output, PeerId};

const NOW: u64 = 1_800_000_000_000;

/// Two nodes, each knowing the other as `PeerId(1)`, with the bytes each has sent
/// and not yet delivered.
struct Pair {
    nodes: [Node; 2],
    wire: [Vec<Vec<u8>>; 2],
    hellos: usize,
    now: u64,
}

impl Pair {
    fn new() -> Self {
        let params = ChainParams::regtest();
        let node = || Node::new(params.clone(), node::hasher_for(&params));
        Self {
            nodes: [node(), node()],
            wire: [Vec::new(), Vec::new()],
            hellos: 0,
            now: NOW,
        }
    }

    /// Both sides attach each other; their hellos are on the wire.
    fn attached() -> Self {
        let mut pair = Self::new();
        pair.attach(0);
        pair.attach(1);
        pair
    }

    /// Side `i` (re)attaches the other: a fresh conversation on its side.
    fn attach(&mut self, i: usize) {
        self.nodes[i].peer_disconnected(PeerId(1), self.now);
        self.nodes[i].peer_connected(PeerId(1), self.now);
        self.collect(i);
    }

    fn collect(&mut self, i: usize) {
        for output in self.nodes[i].drain_outputs() {
            match output {
                Output::Send { bytes, .. } => self.wire[i].push(bytes),
                Output::Disconnect { reason, .. } => panic!("node {i} dropped its peer: {reason}"),
                Output::Event(_) => {}
            }
        }
    }

    /// Loses what side `i` has sent so far.
    fn lose(&mut self, i: usize) {
        self.wire[i].clear();
    }

    /// Delivers everything, both ways, until the wire is quiet.
    fn settle(&mut self) {
        for _ in 0..100 {
            if self.wire.iter().all(Vec::is_empty) {
                return;
            }
            for from in 0..2 {
                for bytes in std::mem::take(&mut self.wire[from]) {
                    if matches!(Message::decode(&bytes), Ok(Message::Hello(_))) {
                        self.hellos += 1;
                    }
                    self.nodes[1 - from].receive(PeerId(1), &bytes, self.now);
                    self.collect(1 - from);
                }
            }
        }
        panic!("the hellos never stop");
    }

    fn tick(&mut self, ms: u64) {
        self.now += ms;
        for i in 0..2 {
            self.nodes[i].tick(self.now);
            self.collect(i);
        }
    }

    fn greeted(&self) -> [bool; 2] {
        self.nodes
            .each_ref()
            .map(|node| node.ready_peers().len() == 1)
    }
}

#[test]
fn a_plain_handshake_takes_three_hellos_and_then_stays_quiet() {
    let mut pair = Pair::attached();
    pair.settle();
    assert_eq!(pair.greeted(), [true, true]);
    assert!(pair.hellos <= 4, "{} hellos", pair.hellos);
    let before = pair.hellos;
    pair.tick(10_000);
    pair.settle();
    assert_eq!(
        pair.hellos, before,
        "no retries once both sides heard each other"
    );
}

#[test]
fn a_lost_first_hello_is_made_good_by_the_answer() {
    let mut pair = Pair::attached();
    pair.lose(0);
    pair.settle();
    assert_eq!(pair.greeted(), [true, true]);
}

#[test]
fn when_both_first_hellos_are_lost_the_retry_greets() {
    let mut pair = Pair::attached();
    pair.lose(0);
    pair.lose(1);
    pair.settle();
    assert_eq!(pair.greeted(), [false, false]);
    pair.tick(node::peer::HELLO_RETRY_MS);
    pair.settle();
    assert_eq!(pair.greeted(), [true, true]);
}

#[test]
fn a_side_that_starts_over_is_answered_and_the_exchange_ends() {
    let mut pair = Pair::attached();
    pair.settle();
    for restarts in [[true, false], [false, true], [true, true]] {
        for (i, restart) in restarts.into_iter().enumerate() {
            if restart {
                pair.attach(i);
            }
        }
        pair.settle();
        assert_eq!(pair.greeted(), [true, true], "after {restarts:?}");
        let before = pair.hellos;
        pair.tick(node::peer::HELLO_RETRY_MS * 3);
        pair.settle();
        assert_eq!(pair.hellos, before, "quiet after {restarts:?}");
    }
    for node in &pair.nodes {
        assert_eq!(node.peer_score(PeerId(1)), Some(0), "nobody is punished");
    }
}
