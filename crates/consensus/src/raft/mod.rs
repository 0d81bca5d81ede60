//! Raft (Ongaro and Ousterhout, 2014): elections with randomized timeouts, log
//! replication with the consistency check, and the current-term commit rule.
//!
//! Terms, votes and the log survive a crash; roles, the commit index and leader
//! bookkeeping do not, exactly as in the paper's figure 2. A leader appends a no-op when
//! elected (so earlier-term entries can commit).
//!
//! Commands come from clients in two ways: a built-in client that makes the leader
//! append one every `propose_every` milliseconds, and requests injected from outside
//! ([`Injection::Request`]) that reach any server, as in the paper's section 8: a
//! follower that knows the leader forwards the command to it, a server that knows no
//! leader refuses it, and a leader appends it unless its log already holds it, so a
//! duplicated request is committed once.

mod check;

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use check::{RaftReport, Violation, check_log_matching, run_checked};

use crate::engine::{Ctx, Injection, Node, NodeId, Scheduled, Simulator, Time};
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
    /// How often the built-in client has the leader append a command; `None` leaves
    /// the log to injected client requests.
    pub propose_every: Option<Time>,
    /// Most entries carried by one AppendEntries.
    pub max_batch: usize,
}

impl Default for RaftConfig {
    fn default() -> Self {
        Self {
            election_min: 150,
            election_max: 300,
            heartbeat: 50,
            propose_every: Some(100),
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
    /// A follower passes a client's command on to the leader it knows.
    ClientRequest { command: u64 },
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
    /// The leader appended a client's command at `index`.
    Accepted { index: u64, command: u64 },
    /// A follower passed a client's command on to the leader it knows.
    Forwarded { command: u64, leader: NodeId },
    /// No leader known (or a forwarded command reached a non-leader): the client must
    /// try again.
    Refused { command: u64 },
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
    leader_hint: Option<NodeId>,
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
            leader_hint: None,
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
    /// The leader this server last heard from in its current term (itself while it
    /// leads): where it forwards client commands.
    pub fn leader_hint(&self) -> Option<NodeId> {
        self.leader_hint
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
            self.leader_hint = None;
            if self.role != Role::Follower {
                self.role = Role::Follower;
                ctx.note(Note::SteppedDown { term });
                self.reset_election_timer(ctx);
            }
        }
    }

    fn start_election(&mut self, ctx: &mut Ctx<'_, Self>) {
        self.term += 1;
        self.leader_hint = None;
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
        self.leader_hint = Some(self.id);
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
        if let Some(every) = self.config.propose_every {
            ctx.set_timer(every, Timer::Propose { epoch: self.epoch });
        }
    }

    /// Append a command of the current term and send it on at once.
    fn append(&mut self, command: u64, ctx: &mut Ctx<'_, Self>) -> u64 {
        self.log.push(Entry {
            term: self.term,
            command,
        });
        let index = self.last_index();
        self.match_index[self.id] = index;
        self.advance_commit(ctx);
        self.replicate(ctx);
        index
    }

    /// Section 8: the leader takes the command, a follower passes it to the leader it
    /// knows (once: a forwarded command is never forwarded again, so it cannot
    /// circle), anyone else refuses it and the client retries. The leader skips a
    /// command its log already holds, so a request the network duplicated commits once.
    fn on_client_request(&mut self, command: u64, forwarded: bool, ctx: &mut Ctx<'_, Self>) {
        match (self.role, self.leader_hint) {
            (Role::Leader, _) => {
                if !self.log.iter().any(|e| e.command == command) {
                    let index = self.append(command, ctx);
                    ctx.note(Note::Accepted { index, command });
                }
            }
            (Role::Follower, Some(leader)) if !forwarded => {
                ctx.send(leader, Msg::ClientRequest { command });
                ctx.note(Note::Forwarded { command, leader });
            }
            _ => ctx.note(Note::Refused { command }),
        }
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
        self.leader_hint = Some(from);
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

/// The built-in client's commands carry the proposing server in their high half, so
/// they never collide with the small numbers an outside client sends.
fn builtin_command(server: NodeId, count: u64) -> u64 {
    ((server as u64 + 1) << 32) | count
}

/// Whether `command` came from an outside client rather than the built-in one or a
/// leader's no-op.
pub fn is_client_command(command: u64) -> bool {
    command != 0 && command >> 32 == 0
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
            Msg::ClientRequest { command } => self.on_client_request(command, true, ctx),
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
                self.append(builtin_command(self.id, self.proposed), ctx);
                if let Some(every) = self.config.propose_every {
                    ctx.set_timer(every, Timer::Propose { epoch });
                }
            }
            _ => {}
        }
    }

    fn on_request(&mut self, command: u64, ctx: &mut Ctx<'_, Self>) {
        self.on_client_request(command, false, ctx);
    }

    fn restart(&mut self, ctx: &mut Ctx<'_, Self>) {
        self.role = Role::Follower;
        self.leader_hint = None;
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
            Msg::ClientRequest { .. } => "client_request",
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
        Injection::Crash { node }
        | Injection::Restart { node }
        | Injection::Request { node, .. } => Some(*node),
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
mod tests;
