//! The discrete-event simulator every protocol runs on.
//!
//! Protocol nodes are plain state machines ([`Node`]): they get a message or a timer and
//! answer with messages, timers and notes through a [`Ctx`]. The [`Simulator`] owns
//! simulated time, the seeded RNG and the [`Network`]; nothing sleeps and nothing reads a
//! clock, so a run is a pure function of (nodes, faults, network, seed, injections).

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fmt::Debug;

use serde::{Deserialize, Serialize};

use crate::network::{Fate, LinkConfig, Network};
use crate::rng::Rng;

/// Index of a node in the simulation.
pub type NodeId = usize;
/// Simulated milliseconds since the start of the run.
pub type Time = u64;

/// How a node misbehaves.
///
/// The engine itself enforces `Silent` (everything the node sends is dropped) and
/// `Crash` (the node is down from the start). `Equivocate` and `Lie` only make sense
/// inside a protocol, so each protocol reads them when it builds its nodes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Follows the protocol.
    #[default]
    Honest,
    /// Receives everything, says nothing.
    Silent,
    /// Down for the whole run unless restarted by an injection.
    Crash,
    /// Tells different nodes different things.
    Equivocate,
    /// Reports values it knows to be false.
    Lie,
}

/// A protocol participant driven by the simulator.
pub trait Node: Clone {
    /// What nodes send each other.
    type Msg: Clone + Debug + Serialize;
    /// What a node asks to be woken up with.
    type Timer: Clone + Debug + Serialize;
    /// Protocol milestones a UI can draw (became leader, committed, ...).
    type Note: Clone + Debug + Serialize;

    /// Called once at time zero for every node that is up.
    fn start(&mut self, ctx: &mut Ctx<'_, Self>);
    /// A message arrived.
    fn on_message(&mut self, from: NodeId, msg: Self::Msg, ctx: &mut Ctx<'_, Self>);
    /// A timer this node set has fired.
    fn on_timer(&mut self, timer: Self::Timer, ctx: &mut Ctx<'_, Self>);
    /// The node comes back after a crash; it must forget its volatile state here.
    fn restart(&mut self, ctx: &mut Ctx<'_, Self>);
    /// A command from a client outside the simulation reached this node (an
    /// [`Injection::Request`]). Protocols that simulate their clients as nodes ignore it.
    fn on_request(&mut self, command: u64, ctx: &mut Ctx<'_, Self>) {
        let _ = (command, ctx);
    }
    /// A short name for a message, used for per-kind message counts.
    fn kind(msg: &Self::Msg) -> &'static str;
}

/// What a node handler collects before the simulator delivers it.
struct Outbox<N: Node> {
    sends: Vec<(NodeId, N::Msg)>,
    timers: Vec<(Time, N::Timer)>,
    notes: Vec<N::Note>,
}

impl<N: Node> Default for Outbox<N> {
    fn default() -> Self {
        Self {
            sends: Vec::new(),
            timers: Vec::new(),
            notes: Vec::new(),
        }
    }
}

impl<N: Node> Clone for Outbox<N> {
    fn clone(&self) -> Self {
        Self::default()
    }
}

/// A node's window on the world while it handles one event.
pub struct Ctx<'a, N: Node> {
    id: NodeId,
    now: Time,
    nodes: usize,
    rng: &'a mut Rng,
    sends: &'a mut Vec<(NodeId, N::Msg)>,
    timers: &'a mut Vec<(Time, N::Timer)>,
    notes: &'a mut Vec<N::Note>,
}

impl<N: Node> Ctx<'_, N> {
    /// The node being run.
    pub fn id(&self) -> NodeId {
        self.id
    }
    /// Current simulated time.
    pub fn now(&self) -> Time {
        self.now
    }
    /// How many nodes the simulation has.
    pub fn nodes(&self) -> usize {
        self.nodes
    }
    /// The run's seeded randomness.
    pub fn rng(&mut self) -> &mut Rng {
        self.rng
    }
    /// Send `msg` to `to`.
    pub fn send(&mut self, to: NodeId, msg: N::Msg) {
        self.sends.push((to, msg));
    }
    /// Send `msg` to every node in `targets` except this one.
    pub fn send_to_all(&mut self, targets: std::ops::Range<NodeId>, msg: &N::Msg) {
        for to in targets.filter(|t| *t != self.id) {
            self.sends.push((to, msg.clone()));
        }
    }
    /// Be woken with `timer` after `after` milliseconds.
    pub fn set_timer(&mut self, after: Time, timer: N::Timer) {
        self.timers.push((after, timer));
    }
    /// Record a milestone for the trace.
    pub fn note(&mut self, note: N::Note) {
        self.notes.push(note);
    }
}

/// A change to the world injected by the learner or a fault schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Injection {
    /// Split the network into these islands (unlisted nodes form one more).
    Partition { islands: Vec<Vec<NodeId>> },
    /// Reconnect everything.
    Heal,
    /// Stop a node: it loses messages and timers until restarted.
    Crash { node: NodeId },
    /// Bring a crashed node back.
    Restart { node: NodeId },
    /// Change every link's behaviour.
    Links { config: LinkConfig },
    /// A client outside the simulation hands `command` to `node`; lost if it is down.
    Request { node: NodeId, command: u64 },
}

/// An injection and the simulated time it happens at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scheduled {
    /// When.
    pub at: Time,
    /// What.
    pub injection: Injection,
}

/// Why a message never reached its handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// The link lost it.
    Lost,
    /// Sender and receiver were on different sides of a partition.
    Partitioned,
    /// The receiver was down.
    Crashed,
    /// The sender is silent-faulty.
    Silenced,
}

/// One thing that happened, in the order it happened.
#[derive(Clone, Debug, Serialize)]
#[serde(bound = "")]
pub struct TraceEvent<N: Node> {
    /// The simulator step that produced it (1 for the first event popped).
    pub step: u64,
    /// Simulated time.
    pub time: Time,
    /// What happened.
    pub what: What<N>,
}

/// The kinds of trace event.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", bound = "")]
pub enum What<N: Node> {
    /// A message reached its handler.
    Deliver {
        from: NodeId,
        to: NodeId,
        sent_at: Time,
        msg: N::Msg,
    },
    /// A message was dropped.
    Drop {
        from: NodeId,
        to: NodeId,
        reason: DropReason,
        msg: N::Msg,
    },
    /// A timer fired.
    Timer { node: NodeId, timer: N::Timer },
    /// The world changed.
    Injected { injection: Injection },
    /// A protocol milestone.
    Note { node: NodeId, note: N::Note },
}

/// Where trace events go; [`NoTrace`] throws them away for fast runs.
pub trait Sink<N: Node> {
    /// Whether events should be built at all.
    fn enabled(&self) -> bool;
    /// Keep one event.
    fn record(&mut self, event: TraceEvent<N>);
}

impl<N: Node> Sink<N> for Vec<TraceEvent<N>> {
    fn enabled(&self) -> bool {
        true
    }
    fn record(&mut self, event: TraceEvent<N>) {
        self.push(event);
    }
}

/// A sink that records nothing.
pub struct NoTrace;

impl<N: Node> Sink<N> for NoTrace {
    fn enabled(&self) -> bool {
        false
    }
    fn record(&mut self, _: TraceEvent<N>) {}
}

#[derive(Clone)]
enum Pending<N: Node> {
    Deliver {
        from: NodeId,
        to: NodeId,
        sent_at: Time,
        msg: N::Msg,
    },
    Timer {
        node: NodeId,
        incarnation: u32,
        timer: N::Timer,
    },
    Inject(Injection),
}

#[derive(Clone)]
struct Entry<N: Node> {
    at: Time,
    seq: u64,
    event: Pending<N>,
}

impl<N: Node> PartialEq for Entry<N> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<N: Node> Eq for Entry<N> {}
impl<N: Node> PartialOrd for Entry<N> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<N: Node> Ord for Entry<N> {
    /// Reversed so that `BinaryHeap` pops the earliest event; `seq` breaks ties in
    /// scheduling order, which keeps runs deterministic.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// The whole simulated world. Cloning it is a snapshot the timeline can resume from.
#[derive(Clone)]
pub struct Simulator<N: Node> {
    nodes: Vec<N>,
    faults: Vec<Fault>,
    up: Vec<bool>,
    incarnation: Vec<u32>,
    network: Network,
    queue: BinaryHeap<Entry<N>>,
    now: Time,
    next_seq: u64,
    steps: u64,
    rng: Rng,
    counts: Vec<(&'static str, u64)>,
    outbox: Outbox<N>,
    pub(crate) forks_applied: usize,
}

impl<N: Node> Simulator<N> {
    /// Build the world and run every node's `start` at time zero. `faults` is padded
    /// with `Honest`; nodes with `Fault::Crash` never start.
    pub fn new(
        nodes: Vec<N>,
        faults: &[Fault],
        network: Network,
        seed: u64,
        injections: &[Scheduled],
    ) -> Self {
        let count = nodes.len();
        let mut faults = faults.to_vec();
        faults.resize(count, Fault::Honest);
        let up: Vec<bool> = faults.iter().map(|f| *f != Fault::Crash).collect();
        let mut sim = Self {
            nodes,
            faults,
            up,
            incarnation: vec![0; count],
            network,
            queue: BinaryHeap::new(),
            now: 0,
            next_seq: 0,
            steps: 0,
            rng: Rng::new(seed),
            counts: Vec::new(),
            outbox: Outbox::default(),
            forks_applied: 0,
        };
        for s in injections {
            sim.inject(s.at, s.injection.clone());
        }
        for id in 0..count {
            if sim.up[id] {
                sim.dispatch(id, &mut NoTrace, |node, ctx| node.start(ctx));
            }
        }
        sim
    }

    /// The protocol nodes, by id.
    pub fn nodes(&self) -> &[N] {
        &self.nodes
    }
    /// Each node's fault.
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }
    /// Whether a node is currently running.
    pub fn is_up(&self, node: NodeId) -> bool {
        self.up.get(node).copied().unwrap_or(false)
    }
    /// Current simulated time.
    pub fn now(&self) -> Time {
        self.now
    }
    /// How many events have been processed.
    pub fn steps(&self) -> u64 {
        self.steps
    }
    /// The network as it is now.
    pub fn network(&self) -> &Network {
        &self.network
    }
    /// Messages sent so far, by [`Node::kind`], in first-seen order.
    pub fn message_counts(&self) -> &[(&'static str, u64)] {
        &self.counts
    }
    /// Time of the next event, if any.
    pub fn next_time(&self) -> Option<Time> {
        self.queue.peek().map(|e| e.at)
    }

    /// Schedule a change to the world at `at` (clamped to now).
    pub fn inject(&mut self, at: Time, injection: Injection) {
        let at = at.max(self.now);
        self.push(at, Pending::Inject(injection));
    }

    /// Process the next event; false when nothing is left to happen.
    pub fn step(&mut self, sink: &mut impl Sink<N>) -> bool {
        while let Some(entry) = self.queue.pop() {
            if let Pending::Timer {
                node, incarnation, ..
            } = &entry.event
                && (!self.up[*node] || self.incarnation[*node] != *incarnation)
            {
                continue;
            }
            self.now = entry.at;
            self.steps += 1;
            self.process(entry.event, sink);
            return true;
        }
        false
    }

    /// Run every event up to and including simulated time `until`.
    pub fn run_until(&mut self, until: Time, sink: &mut impl Sink<N>) {
        while self.next_time().is_some_and(|t| t <= until) {
            if !self.step(sink) {
                break;
            }
        }
    }

    fn process(&mut self, event: Pending<N>, sink: &mut impl Sink<N>) {
        match event {
            Pending::Deliver {
                from,
                to,
                sent_at,
                msg,
            } => {
                let reason = if !self.up[to] {
                    Some(DropReason::Crashed)
                } else if !self.network.connected(from, to) {
                    Some(DropReason::Partitioned)
                } else {
                    None
                };
                match reason {
                    Some(reason) => self.record(sink, || What::Drop {
                        from,
                        to,
                        reason,
                        msg,
                    }),
                    None => {
                        if sink.enabled() {
                            let msg = msg.clone();
                            self.record(sink, || What::Deliver {
                                from,
                                to,
                                sent_at,
                                msg,
                            });
                        }
                        self.dispatch(to, sink, |node, ctx| node.on_message(from, msg, ctx));
                    }
                }
            }
            Pending::Timer { node, timer, .. } => {
                if sink.enabled() {
                    let timer = timer.clone();
                    self.record(sink, || What::Timer { node, timer });
                }
                self.dispatch(node, sink, |n, ctx| n.on_timer(timer, ctx));
            }
            Pending::Inject(injection) => {
                self.apply(&injection, sink);
                self.record(sink, || What::Injected { injection });
            }
        }
    }

    fn apply(&mut self, injection: &Injection, sink: &mut impl Sink<N>) {
        match injection {
            Injection::Partition { islands } => self.network.partition(islands),
            Injection::Heal => self.network.heal(),
            Injection::Links { config } => self.network.set_default(*config),
            Injection::Crash { node } => {
                if let Some(up) = self.up.get_mut(*node) {
                    *up = false;
                    self.incarnation[*node] += 1;
                }
            }
            Injection::Restart { node } => {
                if self.up.get(*node) == Some(&false) {
                    self.up[*node] = true;
                    self.incarnation[*node] += 1;
                    self.dispatch(*node, sink, |n, ctx| n.restart(ctx));
                }
            }
            Injection::Request { node, command } => {
                if self.is_up(*node) {
                    self.dispatch(*node, sink, |n, ctx| n.on_request(*command, ctx));
                }
            }
        }
    }

    fn record(&self, sink: &mut impl Sink<N>, what: impl FnOnce() -> What<N>) {
        if sink.enabled() {
            sink.record(TraceEvent {
                step: self.steps,
                time: self.now,
                what: what(),
            });
        }
    }

    fn push(&mut self, at: Time, event: Pending<N>) {
        self.next_seq += 1;
        self.queue.push(Entry {
            at,
            seq: self.next_seq,
            event,
        });
    }

    fn dispatch(
        &mut self,
        id: NodeId,
        sink: &mut impl Sink<N>,
        handler: impl FnOnce(&mut N, &mut Ctx<'_, N>),
    ) {
        let mut out = std::mem::take(&mut self.outbox);
        {
            let mut ctx = Ctx {
                id,
                now: self.now,
                nodes: self.nodes.len(),
                rng: &mut self.rng,
                sends: &mut out.sends,
                timers: &mut out.timers,
                notes: &mut out.notes,
            };
            handler(&mut self.nodes[id], &mut ctx);
        }
        for note in out.notes.drain(..) {
            self.record(sink, || What::Note { node: id, note });
        }
        for (after, timer) in out.timers.drain(..) {
            let incarnation = self.incarnation[id];
            self.push(
                self.now + after,
                Pending::Timer {
                    node: id,
                    incarnation,
                    timer,
                },
            );
        }
        for (to, msg) in out.sends.drain(..) {
            self.send(id, to, msg, sink);
        }
        self.outbox = out;
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: N::Msg, sink: &mut impl Sink<N>) {
        if to >= self.nodes.len() {
            return;
        }
        if self.faults[from] == Fault::Silent {
            self.record(sink, || What::Drop {
                from,
                to,
                reason: DropReason::Silenced,
                msg,
            });
            return;
        }
        self.count(N::kind(&msg));
        match self.network.fate(from, to, &mut self.rng) {
            Fate::Lost => self.record(sink, || What::Drop {
                from,
                to,
                reason: DropReason::Lost,
                msg,
            }),
            Fate::Deliver(delays) => {
                let sent_at = self.now;
                let (last, rest) = delays.split_last().expect("fate delivers at least once");
                for delay in rest {
                    self.push(
                        sent_at + delay,
                        Pending::Deliver {
                            from,
                            to,
                            sent_at,
                            msg: msg.clone(),
                        },
                    );
                }
                self.push(
                    sent_at + last,
                    Pending::Deliver {
                        from,
                        to,
                        sent_at,
                        msg,
                    },
                );
            }
        }
    }

    fn count(&mut self, kind: &'static str) {
        match self.counts.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => self.counts.push((kind, 1)),
        }
    }
}

/// Run one handler of a node outside any simulator and return what it noted; lets
/// protocol tests put a node in an exact state from a paper's figure.
#[cfg(test)]
pub(crate) fn handle<N: Node>(
    node: &mut N,
    id: NodeId,
    nodes: usize,
    handler: impl FnOnce(&mut N, &mut Ctx<'_, N>),
) -> Vec<N::Note> {
    let (mut rng, mut sends, mut timers, mut notes) =
        (Rng::new(0), Vec::new(), Vec::new(), Vec::new());
    let mut ctx = Ctx {
        id,
        now: 0,
        nodes,
        rng: &mut rng,
        sends: &mut sends,
        timers: &mut timers,
        notes: &mut notes,
    };
    handler(node, &mut ctx);
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Node 0 pings everyone every 10 ms; everyone counts pings and echoes them.
    #[derive(Clone, Default)]
    struct Ping {
        heard: u64,
        restarts: u64,
    }

    impl Node for Ping {
        type Msg = u64;
        type Timer = ();
        type Note = u64;

        fn start(&mut self, ctx: &mut Ctx<'_, Self>) {
            if ctx.id() == 0 {
                ctx.set_timer(10, ());
            }
        }
        fn on_message(&mut self, _: NodeId, msg: u64, ctx: &mut Ctx<'_, Self>) {
            self.heard += 1;
            ctx.note(msg);
        }
        fn on_timer(&mut self, _: (), ctx: &mut Ctx<'_, Self>) {
            let now = ctx.now();
            ctx.send_to_all(0..ctx.nodes(), &now);
            ctx.set_timer(10, ());
        }
        fn restart(&mut self, ctx: &mut Ctx<'_, Self>) {
            self.restarts += 1;
            self.start(ctx);
        }
        fn kind(_: &u64) -> &'static str {
            "ping"
        }
    }

    fn sim(faults: &[Fault], link: LinkConfig, injections: &[Scheduled]) -> Simulator<Ping> {
        Simulator::new(
            vec![Ping::default(); 3],
            faults,
            Network::new(3, link),
            5,
            injections,
        )
    }

    #[test]
    fn delivers_in_time_order_within_the_delay_range() {
        let mut s = sim(&[], LinkConfig::default(), &[]);
        let mut trace = Vec::new();
        s.run_until(1_000, &mut trace);
        assert_eq!(s.message_counts(), &[("ping", 200)]);
        assert!(trace.windows(2).all(|w| w[0].time <= w[1].time));
        for e in &trace {
            if let What::Deliver { sent_at, .. } = e.what {
                assert!((5..=15).contains(&(e.time - sent_at)));
            }
        }
    }

    #[test]
    fn duplication_delivers_twice() {
        let link = LinkConfig {
            duplicate: 1.0,
            ..LinkConfig::default()
        };
        let mut s = sim(&[], link, &[]);
        s.run_until(1_000, &mut NoTrace);
        let heard = s.nodes()[1].heard;
        assert!(
            (196..=200).contains(&heard),
            "100 pings, each delivered twice: {heard}"
        );
    }

    #[test]
    fn silent_nodes_send_nothing_and_crashed_nodes_hear_nothing() {
        let mut s = sim(&[Fault::Silent], LinkConfig::default(), &[]);
        let mut trace = Vec::new();
        s.run_until(200, &mut trace);
        assert_eq!(s.nodes()[1].heard, 0);
        assert!(trace.iter().any(|e| matches!(
            e.what,
            What::Drop {
                reason: DropReason::Silenced,
                ..
            }
        )));

        let crash = [
            Scheduled {
                at: 100,
                injection: Injection::Crash { node: 0 },
            },
            Scheduled {
                at: 500,
                injection: Injection::Restart { node: 0 },
            },
        ];
        let mut s = sim(&[], LinkConfig::default(), &crash);
        s.run_until(490, &mut NoTrace);
        let heard = s.nodes()[1].heard;
        assert!(
            (8..=10).contains(&heard),
            "pings stop while node 0 is down: {heard}"
        );
        s.run_until(1_000, &mut NoTrace);
        assert_eq!(s.nodes()[0].restarts, 1);
        assert!(
            s.nodes()[1].heard >= heard + 45,
            "pings resume after the restart, old timers stay dead"
        );
        assert!(s.nodes()[1].heard <= heard + 50);
    }

    #[test]
    fn partition_drops_across_islands_only() {
        let cut = [Scheduled {
            at: 0,
            injection: Injection::Partition {
                islands: vec![vec![0, 1]],
            },
        }];
        let mut s = sim(&[], LinkConfig::default(), &cut);
        let mut trace = Vec::new();
        s.run_until(500, &mut trace);
        assert_eq!(s.nodes()[2].heard, 0);
        assert!(s.nodes()[1].heard > 40);
        assert!(trace.iter().any(|e| matches!(
            e.what,
            What::Drop {
                to: 2,
                reason: DropReason::Partitioned,
                ..
            }
        )));
    }
}
