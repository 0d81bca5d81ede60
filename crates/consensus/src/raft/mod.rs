//! Raft (Ongaro and Ousterhout, 2014): elections with randomized timeouts, log
//! replication with the consistency check, and the current-term commit rule.
//!
//! Terms, votes and the log survive a crash; roles, the commit index and leader
//! bookkeeping do not, exactly as in the paper's figure 2. A leader appends a no-op when
//! elected (so earlier-term entries can commit) and then one client command every
//! `propose_every` milliseconds, standing in for a client.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::engine::{Ctx, Injection, Node, NodeId, Scheduled, Simulator, Time, TraceEvent, What};
use crate::network::{LinkConfig, Network};
use crate::rng::Rng;

/// Timing knobs, in simulated milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaftConfig {
    /// Shortest election timeout.
    pub election_min: Time,
    /// Longest election timeout; each wait is drawn uniformly in between.
    pub election_max: Time,
    /// How often a leader sends AppendEntries even with nothing new.
    pub heartbeat: Time,
    /// How often a leader appends a client command.
    pub propose_every: Time,
    /// Most entries carried by one AppendEntries.
    pub max_batch: usize,
}

impl Default for RaftConfig {
    fn default() -> Self {
        Self {
            election_min: 150,
            election_max: 300,
            heartbeat: 50,
            propose_every: 100,
            max_batch: 64,
        }
    }
}

/// A log entry: the term it was created in and an opaque command (0 is a leader's no-op).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Term of the leader that created it.
    pub term: u64,
    /// The client command.
    pub command: u64,
}

/// Raft's messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Msg {
    /// A candidate asks for a vote.
    RequestVote {
        term: u64,
        last_index: u64,
        last_term: u64,
    },
    /// The answer to RequestVote.
    Vote { term: u64, granted: bool },
    /// Replicate entries after `prev_index` (a heartbeat when `entries` is empty).
    AppendEntries {
        term: u64,
        prev_index: u64,
        prev_term: u64,
        entries: Vec<Entry>,
        commit: u64,
    },
    /// The answer to AppendEntries; on failure `match_index` hints how short the log is.
    AppendReply {
        term: u64,
        success: bool,
        match_index: u64,
    },
}

/// Raft's timers; `epoch` lets a node ignore timers armed before its role changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Timer {
    /// No leader heard from: stand for election.
    Election { epoch: u64 },
    /// Leader: time to send AppendEntries.
    Heartbeat { epoch: u64 },
    /// Leader: append the next client command.
    Propose { epoch: u64 },
}

/// Milestones for the UI and the invariant checker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Note {
    /// Timed out and started an election.
    Candidate { term: u64 },
    /// Won an election.
    Leader { term: u64 },
    /// Saw a higher term and went back to follower.
    SteppedDown { term: u64 },
    /// Granted its vote.
    Voted { term: u64, candidate: NodeId },
    /// An entry became committed at this node.
    Committed { index: u64, term: u64, command: u64 },
    /// Uncommitted entries were rolled back to match the leader.
    Truncated { from_index: u64, removed: u64 },
}

/// A server's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Follows a leader.
    Follower,
    /// Asking for votes.
    Candidate,
    /// Replicating its log.
    Leader,
}

/// One Raft server.
#[derive(Clone, Debug, Serialize)]
pub struct RaftNode {
    id: NodeId,
    config: RaftConfig,
    term: u64,
    voted_for: Option<NodeId>,
    log: Vec<Entry>,
    commit: u64,
    role: Role,
    votes: Vec<bool>,
    next_index: Vec<u64>,
    match_index: Vec<u64>,
    epoch: u64,
    proposed: u64,
    election_deadline: Option<Time>,
}

impl RaftNode {
    /// Server `id` of a cluster of `n`.
    pub fn new(id: NodeId, n: usize, config: RaftConfig) -> Self {
        Self {
            id,
            config,
            term: 0,
            voted_for: None,
            log: Vec::new(),
            commit: 0,
            role: Role::Follower,
            votes: vec![false; n],
            next_index: vec![1; n],
            match_index: vec![0; n],
            epoch: 0,
            proposed: 0,
            election_deadline: None,
        }
    }

    /// Current term.
    pub fn term(&self) -> u64 {
        self.term
    }
    /// Current role.
    pub fn role(&self) -> Role {
        self.role
    }
    /// Who this server voted for in its current term.
    pub fn voted_for(&self) -> Option<NodeId> {
        self.voted_for
    }
    /// The log (index 1 is `log()[0]`).
    pub fn log(&self) -> &[Entry] {
        &self.log
    }
    /// Highest index known committed.
    pub fn commit_index(&self) -> u64 {
        self.commit
    }
    /// When this server will stand for election unless it hears from a leader first
    /// (`None` while it leads); what RaftScope draws as the shrinking timer ring.
    pub fn election_deadline(&self) -> Option<Time> {
        self.election_deadline
    }

    fn n(&self) -> usize {
        self.votes.len()
    }

    fn last_index(&self) -> u64 {
        self.log.len() as u64
    }

    fn term_at(&self, index: u64) -> u64 {
        match index {
            0 => 0,
            i => self.log.get(i as usize - 1).map_or(0, |e| e.term),
        }
    }

    fn reset_election_timer(&mut self, ctx: &mut Ctx<'_, Self>) {
        self.epoch += 1;
        let wait = ctx
            .rng()
            .between(self.config.election_min, self.config.election_max);
        self.election_deadline = Some(ctx.now() + wait);
        ctx.set_timer(wait, Timer::Election { epoch: self.epoch });
    }

    fn observe_term(&mut self, term: u64, ctx: &mut Ctx<'_, Self>) {
        if term > self.term {
            self.term = term;
            self.voted_for = None;
            if self.role != Role::Follower {
                self.role = Role::Follower;
                ctx.note(Note::SteppedDown { term });
                self.reset_election_timer(ctx);
            }
        }
    }

    fn start_election(&mut self, ctx: &mut Ctx<'_, Self>) {
        self.term += 1;
        self.role = Role::Candidate;
        self.voted_for = Some(self.id);
        self.votes.iter_mut().for_each(|v| *v = false);
        self.votes[self.id] = true;
        ctx.note(Note::Candidate { term: self.term });
        self.reset_election_timer(ctx);
        let msg = Msg::RequestVote {
            term: self.term,
            last_index: self.last_index(),
            last_term: self.term_at(self.last_index()),
        };
        ctx.send_to_all(0..self.n(), &msg);
        self.count_votes(ctx);
    }

    fn count_votes(&mut self, ctx: &mut Ctx<'_, Self>) {
        if self.votes.iter().filter(|v| **v).count() * 2 > self.n() {
            self.become_leader(ctx);
        }
    }

    fn become_leader(&mut self, ctx: &mut Ctx<'_, Self>) {
        self.role = Role::Leader;
        ctx.note(Note::Leader { term: self.term });
        self.epoch += 1;
        self.election_deadline = None;
        self.log.push(Entry {
            term: self.term,
            command: 0,
        });
        let last = self.last_index();
        self.next_index.iter_mut().for_each(|i| *i = last + 1);
        self.match_index.iter_mut().for_each(|i| *i = 0);
        self.match_index[self.id] = last;
        self.advance_commit(ctx);
        self.replicate(ctx);
        ctx.set_timer(
            self.config.heartbeat,
            Timer::Heartbeat { epoch: self.epoch },
        );
        ctx.set_timer(
            self.config.propose_every,
            Timer::Propose { epoch: self.epoch },
        );
    }

    fn replicate(&mut self, ctx: &mut Ctx<'_, Self>) {
        let me = self.id;
        for to in (0..self.n()).filter(|t| *t != me) {
            self.send_append(to, ctx);
        }
    }

    fn send_append(&mut self, to: NodeId, ctx: &mut Ctx<'_, Self>) {
        let prev_index = self.next_index[to] - 1;
        let end = (prev_index as usize + self.config.max_batch).min(self.log.len());
        let entries = self.log[prev_index as usize..end].to_vec();
        let msg = Msg::AppendEntries {
            term: self.term,
            prev_index,
            prev_term: self.term_at(prev_index),
            entries,
            commit: self.commit,
        };
        ctx.send(to, msg);
    }

    fn commit_to(&mut self, index: u64, ctx: &mut Ctx<'_, Self>) {
        while self.commit < index {
            self.commit += 1;
            let entry = self.log[self.commit as usize - 1];
            ctx.note(Note::Committed {
                index: self.commit,
                term: entry.term,
                command: entry.command,
            });
        }
    }

    /// Figure 2's rule: only an entry of the leader's own term is committed by counting
    /// replicas; older entries commit with it (the figure 8 lesson).
    fn advance_commit(&mut self, ctx: &mut Ctx<'_, Self>) {
        let majority = self.n() / 2 + 1;
        let target = (self.commit + 1..=self.last_index()).rev().find(|&i| {
            self.term_at(i) == self.term
                && self.match_index.iter().filter(|m| **m >= i).count() >= majority
        });
        if let Some(index) = target {
            self.commit_to(index, ctx);
        }
    }

    fn on_request_vote(
        &mut self,
        from: NodeId,
        term: u64,
        last_index: u64,
        last_term: u64,
        ctx: &mut Ctx<'_, Self>,
    ) {
        self.observe_term(term, ctx);
        let my_last = self.last_index();
        let up_to_date = (last_term, last_index) >= (self.term_at(my_last), my_last);
        let granted = term == self.term && self.voted_for.is_none_or(|v| v == from) && up_to_date;
        if granted {
            self.voted_for = Some(from);
            ctx.note(Note::Voted {
                term,
                candidate: from,
            });
            self.reset_election_timer(ctx);
        }
        ctx.send(
            from,
            Msg::Vote {
                term: self.term,
                granted,
            },
        );
    }

    fn on_vote(&mut self, from: NodeId, term: u64, granted: bool, ctx: &mut Ctx<'_, Self>) {
        self.observe_term(term, ctx);
        if self.role == Role::Candidate && term == self.term && granted {
            self.votes[from] = true;
            self.count_votes(ctx);
        }
    }

    fn on_append(&mut self, from: NodeId, msg: AppendArgs, ctx: &mut Ctx<'_, Self>) {
        self.observe_term(msg.term, ctx);
        if msg.term < self.term {
            ctx.send(
                from,
                Msg::AppendReply {
                    term: self.term,
                    success: false,
                    match_index: 0,
                },
            );
            return;
        }
        if self.role == Role::Candidate {
            self.role = Role::Follower;
            ctx.note(Note::SteppedDown { term: self.term });
        }
        self.reset_election_timer(ctx);
        if msg.prev_index > self.last_index() || self.term_at(msg.prev_index) != msg.prev_term {
            let hint = self.last_index().min(msg.prev_index.saturating_sub(1));
            ctx.send(
                from,
                Msg::AppendReply {
                    term: self.term,
                    success: false,
                    match_index: hint,
                },
            );
            return;
        }
        for (offset, entry) in msg.entries.iter().enumerate() {
            let index = msg.prev_index + 1 + offset as u64;
            if index <= self.last_index() && self.term_at(index) != entry.term {
                let removed = self.last_index() - index + 1;
                self.log.truncate(index as usize - 1);
                ctx.note(Note::Truncated {
                    from_index: index,
                    removed,
                });
            }
            if index > self.last_index() {
                self.log.push(*entry);
            }
        }
        let matched = msg.prev_index + msg.entries.len() as u64;
        self.commit_to(msg.commit.min(matched), ctx);
        ctx.send(
            from,
            Msg::AppendReply {
                term: self.term,
                success: true,
                match_index: matched,
            },
        );
    }

    fn on_append_reply(
        &mut self,
        from: NodeId,
        term: u64,
        success: bool,
        match_index: u64,
        ctx: &mut Ctx<'_, Self>,
    ) {
        self.observe_term(term, ctx);
        if self.role != Role::Leader || term != self.term {
            return;
        }
        if success {
            self.match_index[from] = self.match_index[from].max(match_index);
            self.next_index[from] = self.match_index[from] + 1;
            self.advance_commit(ctx);
            if self.next_index[from] <= self.last_index() {
                self.send_append(from, ctx);
            }
        } else {
            // Back off one entry at a time, jumping straight to the end of a short log.
            let next = self.next_index[from]
                .saturating_sub(1)
                .min(match_index + 1)
                .max(1);
            self.next_index[from] = next;
            self.send_append(from, ctx);
        }
    }
}

struct AppendArgs {
    term: u64,
    prev_index: u64,
    prev_term: u64,
    entries: Vec<Entry>,
    commit: u64,
}

impl Node for RaftNode {
    type Msg = Msg;
    type Timer = Timer;
    type Note = Note;

    fn start(&mut self, ctx: &mut Ctx<'_, Self>) {
        self.reset_election_timer(ctx);
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<'_, Self>) {
        match msg {
            Msg::RequestVote {
                term,
                last_index,
                last_term,
            } => self.on_request_vote(from, term, last_index, last_term, ctx),
            Msg::Vote { term, granted } => self.on_vote(from, term, granted, ctx),
            Msg::AppendEntries {
                term,
                prev_index,
                prev_term,
                entries,
                commit,
            } => self.on_append(
                from,
                AppendArgs {
                    term,
                    prev_index,
                    prev_term,
                    entries,
                    commit,
                },
                ctx,
            ),
            Msg::AppendReply {
                term,
                success,
                match_index,
            } => self.on_append_reply(from, term, success, match_index, ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, Self>) {
        match timer {
            Timer::Election { epoch } if epoch == self.epoch && self.role != Role::Leader => {
                self.start_election(ctx)
            }
            Timer::Heartbeat { epoch } if epoch == self.epoch && self.role == Role::Leader => {
                self.replicate(ctx);
                ctx.set_timer(self.config.heartbeat, Timer::Heartbeat { epoch });
            }
            Timer::Propose { epoch } if epoch == self.epoch && self.role == Role::Leader => {
                self.proposed += 1;
                let command = ((self.id as u64 + 1) << 32) | self.proposed;
                self.log.push(Entry {
                    term: self.term,
                    command,
                });
                self.match_index[self.id] = self.last_index();
                self.advance_commit(ctx);
                self.replicate(ctx);
                ctx.set_timer(self.config.propose_every, Timer::Propose { epoch });
            }
            _ => {}
        }
    }

    fn restart(&mut self, ctx: &mut Ctx<'_, Self>) {
        self.role = Role::Follower;
        self.commit = 0;
        self.votes.iter_mut().for_each(|v| *v = false);
        self.reset_election_timer(ctx);
    }

    fn kind(msg: &Msg) -> &'static str {
        match msg {
            Msg::RequestVote { .. } => "request_vote",
            Msg::Vote { .. } => "vote",
            Msg::AppendEntries { .. } => "append_entries",
            Msg::AppendReply { .. } => "append_reply",
        }
    }
}

/// Everything that fixes a Raft run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RaftParams {
    /// Cluster size.
    pub n: usize,
    /// Seed of the run's randomness.
    pub seed: u64,
    /// Timing knobs.
    pub config: RaftConfig,
    /// Link behaviour.
    pub link: LinkConfig,
    /// Partitions, crashes and restarts, in time order.
    pub injections: Vec<Scheduled>,
}

/// Bad Raft parameters.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RaftError {
    /// n = 0.
    #[error("a Raft cluster needs at least one server")]
    NoServers,
    /// Timeouts that cannot elect a leader.
    #[error(
        "the election timeout ({min}..{max} ms) must be longer than the heartbeat ({heartbeat} ms)"
    )]
    Timing {
        min: Time,
        max: Time,
        heartbeat: Time,
    },
    /// An injection names a server that does not exist.
    #[error("an injection names server {node}, but the cluster has servers 0..{n}")]
    UnknownNode { node: NodeId, n: usize },
}

impl RaftParams {
    /// `n` servers with default timing and links, no faults.
    pub fn new(n: usize, seed: u64) -> Self {
        Self {
            n,
            seed,
            config: RaftConfig::default(),
            link: LinkConfig::default(),
            injections: Vec::new(),
        }
    }

    /// Build the simulator, or explain why the parameters cannot run.
    pub fn build(&self) -> Result<Simulator<RaftNode>, RaftError> {
        if self.n == 0 {
            return Err(RaftError::NoServers);
        }
        let c = self.config;
        if c.election_min <= c.heartbeat || c.election_max < c.election_min {
            return Err(RaftError::Timing {
                min: c.election_min,
                max: c.election_max,
                heartbeat: c.heartbeat,
            });
        }
        if let Some(node) = self
            .injections
            .iter()
            .find_map(|s| injected_node(&s.injection))
            .filter(|n| *n >= self.n)
        {
            return Err(RaftError::UnknownNode { node, n: self.n });
        }
        let nodes = (0..self.n).map(|id| RaftNode::new(id, self.n, c)).collect();
        Ok(Simulator::new(
            nodes,
            &[],
            Network::new(self.n, self.link),
            self.seed,
            &self.injections,
        ))
    }
}

fn injected_node(injection: &Injection) -> Option<NodeId> {
    match injection {
        Injection::Crash { node } | Injection::Restart { node } => Some(*node),
        Injection::Partition { islands } => islands.iter().flatten().max().copied(),
        _ => None,
    }
}

/// A random but reproducible schedule of partitions, heals, crashes and restarts over
/// `duration`, ending with everything healed and restarted a few seconds before the end
/// so that the cluster can converge.
pub fn random_faults(n: usize, duration: Time, seed: u64) -> Vec<Scheduled> {
    let mut rng = Rng::new(seed ^ 0xFA17_5EED);
    let mut out = Vec::new();
    let mut down = vec![false; n];
    let settle = duration.saturating_sub(5_000);
    let mut at = rng.between(1_000, 3_000);
    while at < settle {
        let injection = match rng.below(4) {
            0 if n > 1 => {
                let island: Vec<NodeId> = (0..n).filter(|_| rng.chance(0.5)).collect();
                Injection::Partition {
                    islands: vec![island],
                }
            }
            1 => Injection::Heal,
            2 => {
                let node = rng.below(n as u64) as usize;
                down[node] = true;
                Injection::Crash { node }
            }
            _ => match down.iter().position(|d| *d) {
                Some(node) => {
                    down[node] = false;
                    Injection::Restart { node }
                }
                None => Injection::Heal,
            },
        };
        out.push(Scheduled { at, injection });
        at += rng.between(500, 4_000);
    }
    out.push(Scheduled {
        at: settle,
        injection: Injection::Heal,
    });
    for node in (0..n).filter(|i| down[*i]) {
        out.push(Scheduled {
            at: settle,
            injection: Injection::Restart { node },
        });
    }
    out
}

/// A broken Raft guarantee, with the evidence.
#[derive(Clone, Debug, Error, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Violation {
    /// Two leaders in one term.
    #[error("election safety: servers {first} and {second} were both leader in term {term}")]
    ElectionSafety {
        term: u64,
        first: NodeId,
        second: NodeId,
    },
    /// Two logs agree on an entry but not on what precedes it.
    #[error("log matching: servers {a} and {b} share entry {index} but differ before it")]
    LogMatching { a: NodeId, b: NodeId, index: u64 },
    /// A new leader lacks a committed entry.
    #[error("leader completeness: leader {leader} of term {term} lacks committed entry {index}")]
    LeaderCompleteness {
        leader: NodeId,
        term: u64,
        index: u64,
    },
    /// Two servers applied different commands at one index.
    #[error("state machine safety: two servers committed different entries at index {index}")]
    StateMachineSafety { index: u64 },
}

/// What a checked run saw.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RaftReport {
    /// Events processed.
    pub events: u64,
    /// Simulated time reached.
    pub time: Time,
    /// Elections started.
    pub elections: u64,
    /// Highest term seen.
    pub max_term: u64,
    /// (term, leader) for every won election, in order.
    pub leaders: Vec<(u64, NodeId)>,
    /// Entries committed cluster-wide.
    pub committed: u64,
    /// Entries rolled back because they were never committed.
    pub rolled_back: u64,
    /// Each server's (term, role, log length, commit index) at the end.
    pub servers: Vec<(u64, Role, u64, u64)>,
    /// Messages sent, by kind.
    pub messages: Vec<(String, u64)>,
    /// Every broken invariant (empty when Raft is safe).
    pub violations: Vec<Violation>,
}

/// Run until `until` (simulated ms) or `max_events`, checking election safety, log
/// matching, leader completeness and state machine safety as the run goes.
pub fn run_checked(sim: &mut Simulator<RaftNode>, until: Time, max_events: u64) -> RaftReport {
    let mut report = RaftReport::default();
    let mut leaders: BTreeMap<u64, NodeId> = BTreeMap::new();
    let mut committed: BTreeMap<u64, Entry> = BTreeMap::new();
    let mut trace: Vec<TraceEvent<RaftNode>> = Vec::new();
    while sim.next_time().is_some_and(|t| t <= until)
        && sim.steps() < max_events
        && sim.step(&mut trace)
    {
        for event in trace.drain(..) {
            let What::Note { node, note } = event.what else {
                continue;
            };
            match note {
                Note::Candidate { .. } => report.elections += 1,
                Note::Leader { term } => {
                    report.leaders.push((term, node));
                    if let Some(&first) = leaders.get(&term) {
                        report.violations.push(Violation::ElectionSafety {
                            term,
                            first,
                            second: node,
                        });
                    }
                    leaders.insert(term, node);
                    let log = sim.nodes()[node].log();
                    if let Some((&index, _)) = committed
                        .iter()
                        .find(|(i, e)| log.get(**i as usize - 1) != Some(*e))
                    {
                        report.violations.push(Violation::LeaderCompleteness {
                            leader: node,
                            term,
                            index,
                        });
                    }
                }
                Note::Committed {
                    index,
                    term,
                    command,
                } => {
                    let entry = Entry { term, command };
                    if *committed.entry(index).or_insert(entry) != entry {
                        report
                            .violations
                            .push(Violation::StateMachineSafety { index });
                    }
                }
                Note::Truncated { removed, .. } => report.rolled_back += removed,
                Note::SteppedDown { .. } | Note::Voted { .. } => {}
            }
        }
        if sim.steps().is_multiple_of(1_000) {
            report.violations.extend(check_log_matching(sim.nodes()));
        }
    }
    report.violations.extend(check_log_matching(sim.nodes()));
    report.events = sim.steps();
    report.time = sim.now();
    report.max_term = sim.nodes().iter().map(|n| n.term).max().unwrap_or(0);
    report.committed = committed.len() as u64;
    report.servers = sim
        .nodes()
        .iter()
        .map(|n| (n.term, n.role, n.last_index(), n.commit))
        .collect();
    report.messages = sim
        .message_counts()
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    report.violations.dedup();
    report
}

/// Log matching: if two logs hold an entry with the same index and term, the logs are
/// identical up to it. Checking the highest such entry covers all lower ones.
pub fn check_log_matching(nodes: &[RaftNode]) -> Vec<Violation> {
    let mut out = Vec::new();
    for a in 0..nodes.len() {
        for b in a + 1..nodes.len() {
            let (la, lb) = (&nodes[a].log, &nodes[b].log);
            let shared = la.len().min(lb.len());
            if let Some(i) = (0..shared).rev().find(|&i| la[i].term == lb[i].term)
                && la[..=i] != lb[..=i]
            {
                out.push(Violation::LogMatching {
                    a,
                    b,
                    index: i as u64 + 1,
                });
            }
        }
    }
    out
}

/// The current leader with the highest term, if any server thinks it leads.
pub fn leader(sim: &Simulator<RaftNode>) -> Option<NodeId> {
    (0..sim.nodes().len())
        .filter(|&i| sim.is_up(i) && sim.nodes()[i].role == Role::Leader)
        .max_by_key(|&i| sim.nodes()[i].term)
}

/// The classroom split-brain: once a leader exists it is cut off with one follower; the
/// majority elects a new leader in a higher term while the old one still believes it
/// leads and appends entries it can never commit; after `heal_after` ms the partition
/// heals and the old leader's uncommitted entries are rolled back. Returns the
/// injections it made, so the run can be replayed from its parameters.
pub fn split_brain(sim: &mut Simulator<RaftNode>, heal_after: Time) -> Vec<Scheduled> {
    let mut sink = crate::engine::NoTrace;
    while leader(sim).is_none() && sim.step(&mut sink) {}
    let mut made = Vec::new();
    let Some(old) = leader(sim) else { return made };
    let n = sim.nodes().len();
    let buddy = (old + 1) % n;
    let at = sim.now();
    let cut = Injection::Partition {
        islands: vec![vec![old, buddy]],
    };
    sim.inject(at, cut.clone());
    sim.inject(at + heal_after, Injection::Heal);
    made.push(Scheduled { at, injection: cut });
    made.push(Scheduled {
        at: at + heal_after,
        injection: Injection::Heal,
    });
    made
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{NoTrace, handle};

    #[test]
    fn five_servers_elect_one_leader_and_commit() {
        let mut sim = RaftParams::new(5, 1).build().unwrap();
        let report = run_checked(&mut sim, 5_000, u64::MAX);
        assert!(report.violations.is_empty(), "{:?}", report.violations);
        assert!(!report.leaders.is_empty());
        assert!(report.committed > 20, "committed {}", report.committed);
        let commits: Vec<u64> = sim.nodes().iter().map(|n| n.commit_index()).collect();
        assert!(
            commits.iter().all(|c| *c + 5 >= report.committed),
            "{commits:?}"
        );
    }

    #[test]
    fn single_server_leads_itself() {
        let mut sim = RaftParams::new(1, 3).build().unwrap();
        let report = run_checked(&mut sim, 2_000, u64::MAX);
        assert_eq!(report.leaders.len(), 1);
        assert!(report.committed > 10);
    }

    #[test]
    fn split_brain_has_two_leaders_then_rolls_back() {
        let mut sim = RaftParams::new(5, 11).build().unwrap();
        let made = split_brain(&mut sim, 3_000);
        assert_eq!(made.len(), 2);
        let old = leader(&sim).unwrap();
        let old_term = sim.nodes()[old].term();
        sim.run_until(made[0].at + 2_000, &mut NoTrace);
        let leaders: Vec<(NodeId, u64)> = (0..5)
            .filter(|&i| sim.nodes()[i].role() == Role::Leader)
            .map(|i| (i, sim.nodes()[i].term()))
            .collect();
        assert_eq!(
            leaders.len(),
            2,
            "two leaders during the partition: {leaders:?}"
        );
        assert!(leaders.iter().any(|&(i, t)| i == old && t == old_term));
        assert!(leaders.iter().any(|&(i, t)| i != old && t > old_term));
        let report = run_checked(&mut sim, made[1].at + 3_000, u64::MAX);
        assert!(
            report.rolled_back > 0,
            "the old leader's uncommitted tail is removed"
        );
        assert!(report.violations.is_empty(), "{:?}", report.violations);
        let logs: Vec<&[Entry]> = sim
            .nodes()
            .iter()
            .map(|n| &n.log()[..n.commit_index() as usize])
            .collect();
        let shortest = logs.iter().map(|l| l.len()).min().unwrap();
        assert!(logs.iter().all(|l| l[..shortest] == logs[0][..shortest]));
    }

    #[test]
    fn identical_timeouts_split_the_vote_and_randomized_ones_do_not() {
        let mut fixed = RaftParams::new(4, 2);
        fixed.config.election_min = 200;
        fixed.config.election_max = 200;
        fixed.link = LinkConfig {
            min_delay: 10,
            max_delay: 10,
            ..LinkConfig::default()
        };
        let report = run_checked(&mut fixed.build().unwrap(), 5_000, u64::MAX);
        assert!(
            report.leaders.is_empty(),
            "everyone votes for itself, every time"
        );
        assert!(report.elections >= 4 * 20);
        let random = RaftParams {
            config: RaftConfig::default(),
            ..fixed
        };
        let report = run_checked(&mut random.build().unwrap(), 5_000, u64::MAX);
        assert_eq!(report.leaders.len(), 1);
    }

    #[test]
    fn restarted_follower_catches_up_by_backing_off() {
        let mut sim = RaftParams::new(5, 6).build().unwrap();
        sim.run_until(1_000, &mut NoTrace);
        let lead = leader(&sim).unwrap();
        let follower = (lead + 1) % 5;
        sim.inject(1_000, Injection::Crash { node: follower });
        sim.inject(6_000, Injection::Restart { node: follower });
        sim.run_until(5_900, &mut NoTrace);
        let behind = sim.nodes()[follower].log().len();
        assert!(sim.nodes()[lead].log().len() > behind + 40);
        let report = run_checked(&mut sim, 8_000, u64::MAX);
        assert!(report.violations.is_empty());
        let (l, f) = (&sim.nodes()[lead], &sim.nodes()[follower]);
        assert!(
            f.log().len() + 3 >= l.log().len(),
            "caught up: {} vs {}",
            f.log().len(),
            l.log().len()
        );
        assert_eq!(f.log()[..behind], l.log()[..behind]);
    }

    #[test]
    fn crashed_leader_is_replaced_and_rejoins_as_follower() {
        let mut sim = RaftParams::new(5, 8).build().unwrap();
        sim.run_until(1_000, &mut NoTrace);
        let old = leader(&sim).unwrap();
        let old_term = sim.nodes()[old].term();
        sim.inject(1_000, Injection::Crash { node: old });
        sim.inject(3_000, Injection::Restart { node: old });
        sim.run_until(2_900, &mut NoTrace);
        let new = leader(&sim).unwrap();
        assert_ne!(new, old);
        assert!(sim.nodes()[new].term() > old_term);
        let report = run_checked(&mut sim, 5_000, u64::MAX);
        assert!(report.violations.is_empty());
        assert_eq!(sim.nodes()[old].role(), Role::Follower);
        assert_eq!(sim.nodes()[old].term(), sim.nodes()[new].term());
        assert!(sim.nodes()[old].election_deadline().is_some());
        assert!(sim.nodes()[new].election_deadline().is_none());
    }

    /// Raft paper, figure 8 (c): the leader of term 4 has replicated the term-2 entry at
    /// index 2 to a majority, yet must not commit it by counting; only once an entry of
    /// its own term is on a majority do both commit.
    #[test]
    fn figure_eight_old_term_entries_commit_only_with_a_current_one() {
        let mut s1 = RaftNode::new(0, 5, RaftConfig::default());
        s1.term = 4;
        s1.role = Role::Leader;
        s1.log = vec![
            Entry {
                term: 1,
                command: 1,
            },
            Entry {
                term: 2,
                command: 2,
            },
        ];
        s1.commit = 1;
        s1.match_index = vec![2, 2, 0, 0, 0];
        s1.next_index = vec![3, 3, 2, 2, 2];
        let reply = |node: &mut RaftNode, from: NodeId, index: u64| {
            handle(node, 0, 5, |n, ctx| {
                n.on_message(
                    from,
                    Msg::AppendReply {
                        term: 4,
                        success: true,
                        match_index: index,
                    },
                    ctx,
                )
            })
        };
        reply(&mut s1, 2, 2);
        assert_eq!(
            s1.commit_index(),
            1,
            "index 2 is on S1, S2, S3 but is from term 2"
        );
        s1.log.push(Entry {
            term: 4,
            command: 4,
        });
        s1.match_index[0] = 3;
        reply(&mut s1, 1, 3);
        assert_eq!(s1.commit_index(), 1);
        let notes = reply(&mut s1, 2, 3);
        assert_eq!(s1.commit_index(), 3);
        assert_eq!(notes.len(), 2, "indexes 2 and 3 commit together: {notes:?}");
    }

    #[test]
    fn rejects_bad_parameters() {
        assert_eq!(
            RaftParams::new(0, 1).build().err(),
            Some(RaftError::NoServers)
        );
        let mut p = RaftParams::new(3, 1);
        p.injections.push(Scheduled {
            at: 5,
            injection: Injection::Crash { node: 7 },
        });
        assert_eq!(
            p.build().err(),
            Some(RaftError::UnknownNode { node: 7, n: 3 })
        );
    }
}
