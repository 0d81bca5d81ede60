//! Practical Byzantine Fault Tolerance (Castro and Liskov, 1999) with n replicas, a
//! closed-loop client and pluggable faulty replicas.
//!
//! Replicas are nodes `0..n`, the client is node `n`. The faulty replicas are the first
//! `faulty` ids, so the primary of view 0 is faulty whenever anyone is, which is what
//! makes view changes visible in class.
//!
//! What is simplified, and why it does not change the lesson: messages carry no
//! signatures or MACs (the simulator never lets a replica forge another's message),
//! digests are 64-bit mixes rather than SHA-256, the client sends one request at a time,
//! state transfer ships the executed history up to a stable checkpoint, checked
//! against the quorum's checkpoint digest, and lost messages are recovered the way the
//! paper's status messages do it: a replica that makes no progress says where it
//! stands and the others resend their part.

mod client;
mod messages;
mod replica;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::engine::{Ctx, Fault, NoTrace, Node, NodeId, Scheduled, Simulator, Time};
use crate::network::{LinkConfig, Network};

pub use client::Client;
pub use messages::{Certificate, Digest, Msg, Request, ViewChangeBody, reissue};
pub use replica::{Executed, Replica, Slot, Votes};

/// Protocol knobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PbftConfig {
    /// A checkpoint is taken every this many sequence numbers (K).
    pub checkpoint_interval: u64,
    /// Width of the watermark window (L): sequence numbers above low + L wait.
    pub window: u64,
    /// How long a backup waits for a pending request before suspecting the primary.
    pub view_timeout: Time,
    /// How long the client waits before broadcasting its request to every replica.
    pub client_timeout: Time,
    /// A replica that made no progress for this long asks the others to resend what it
    /// is missing; 0 turns retransmission off, so lost messages stay lost.
    pub status_interval: Time,
}

impl Default for PbftConfig {
    fn default() -> Self {
        Self {
            checkpoint_interval: 10,
            window: 20,
            view_timeout: 300,
            client_timeout: 200,
            status_interval: 100,
        }
    }
}

/// PBFT timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Timer {
    /// Backup: a request has waited too long.
    Request { epoch: u64 },
    /// The view change to `view` has not completed.
    ViewChange { epoch: u64, view: u64 },
    /// Replica: time to check whether it is stuck.
    Status,
    /// Client: no f+1 matching replies yet.
    Retransmit { timestamp: u64 },
}

/// Milestones the lesson player draws.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Note {
    /// A PRE-PREPARE was accepted.
    PrePrepared { view: u64, seq: u64, digest: Digest },
    /// 2f matching prepares arrived: the request is prepared.
    Prepared { view: u64, seq: u64, digest: Digest },
    /// 2f+1 matching commits: committed-local.
    Committed { view: u64, seq: u64, digest: Digest },
    /// Executed in sequence order.
    Executed { seq: u64, digest: Digest },
    /// A checkpoint became stable; the low watermark moved.
    Stable { seq: u64 },
    /// This replica asked to move to `view`.
    ViewChange { view: u64 },
    /// This replica entered `view`.
    NewView { view: u64 },
    /// Caught up to a stable checkpoint by state transfer.
    Transferred { from_seq: u64, to_seq: u64 },
    /// A faulty primary sent conflicting PRE-PREPAREs.
    Equivocated { view: u64, seq: u64 },
    /// The client accepted a result.
    Completed { timestamp: u64, latency: Time },
}

/// A participant: replica or client.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "role", rename_all = "snake_case")]
#[expect(
    clippy::large_enum_variant,
    reason = "one client among a few replicas in a Vec; boxing would only add a hop"
)]
pub enum PbftNode {
    /// A replica.
    Replica(Replica),
    /// The client.
    Client(Client),
}

impl Node for PbftNode {
    type Msg = Msg;
    type Timer = Timer;
    type Note = Note;

    fn start(&mut self, ctx: &mut Ctx<'_, Self>) {
        if let PbftNode::Client(c) = self {
            c.send_next(ctx);
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<'_, Self>) {
        match self {
            PbftNode::Replica(r) => r.on_message(from, msg, ctx),
            PbftNode::Client(c) => c.on_message(from, msg, ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<'_, Self>) {
        match self {
            PbftNode::Replica(r) => r.on_timer(timer, ctx),
            PbftNode::Client(c) => c.on_timer(timer, ctx),
        }
    }

    fn restart(&mut self, _: &mut Ctx<'_, Self>) {}

    fn kind(msg: &Msg) -> &'static str {
        match msg {
            Msg::Request { .. } => "request",
            Msg::PrePrepare { .. } => "pre_prepare",
            Msg::Prepare { .. } => "prepare",
            Msg::Commit { .. } => "commit",
            Msg::Reply { .. } => "reply",
            Msg::Checkpoint { .. } => "checkpoint",
            Msg::ViewChange { .. } => "view_change",
            Msg::NewView { .. } => "new_view",
            Msg::Status { .. } => "status",
            Msg::FetchState { .. } => "fetch_state",
            Msg::State { .. } => "state",
        }
    }
}

/// Everything that fixes a PBFT run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PbftParams {
    /// Replicas.
    pub n: usize,
    /// How many replicas are faulty (ids `0..faulty`).
    pub faulty: usize,
    /// How they misbehave.
    pub fault: Fault,
    /// Requests the client issues.
    pub requests: u64,
    /// Seed of the run.
    pub seed: u64,
    /// Protocol knobs.
    pub config: PbftConfig,
    /// Link behaviour.
    pub link: LinkConfig,
    /// Partitions, crashes, restarts.
    pub injections: Vec<Scheduled>,
}

/// Bad PBFT parameters.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PbftError {
    /// n is 0 or too large to draw.
    #[error("PBFT needs between 1 and {max} replicas, got {n}")]
    Replicas { n: usize, max: usize },
    /// More faulty replicas than replicas.
    #[error("{faulty} faulty replicas is more than the {n} replicas there are")]
    TooManyFaulty { faulty: usize, n: usize },
    /// Zero requests.
    #[error("the client must send at least one request")]
    NoRequests,
    /// Watermarks that cannot hold one checkpoint interval.
    #[error(
        "the watermark window ({window}) must be at least the checkpoint interval ({interval}), which must be positive"
    )]
    Window { window: u64, interval: u64 },
    /// Faulty replicas that are told to be honest.
    #[error("faulty replicas need a fault: silent, crash, equivocate or lie")]
    HonestFault,
}

/// Most replicas one run may have (votes are 128-bit sets).
pub const MAX_REPLICAS: usize = 128;

impl PbftParams {
    /// `n` replicas, `faulty` of them equivocating, `requests` requests, default timing.
    pub fn new(n: usize, faulty: usize, requests: u64, seed: u64) -> Self {
        Self {
            n,
            faulty,
            fault: Fault::Equivocate,
            requests,
            seed,
            config: PbftConfig::default(),
            link: LinkConfig::default(),
            injections: Vec::new(),
        }
    }

    /// The number of faults the cluster is sized to tolerate: f = (n - 1) / 3.
    pub fn tolerance(&self) -> usize {
        self.n.saturating_sub(1) / 3
    }

    /// Check the parameters.
    pub fn validate(&self) -> Result<(), PbftError> {
        if self.n == 0 || self.n > MAX_REPLICAS {
            return Err(PbftError::Replicas {
                n: self.n,
                max: MAX_REPLICAS,
            });
        }
        if self.faulty > self.n {
            return Err(PbftError::TooManyFaulty {
                faulty: self.faulty,
                n: self.n,
            });
        }
        if self.requests == 0 {
            return Err(PbftError::NoRequests);
        }
        let c = self.config;
        if c.checkpoint_interval == 0 || c.window < c.checkpoint_interval {
            return Err(PbftError::Window {
                window: c.window,
                interval: c.checkpoint_interval,
            });
        }
        if self.faulty > 0 && self.fault == Fault::Honest {
            return Err(PbftError::HonestFault);
        }
        Ok(())
    }

    /// Build the simulator.
    pub fn build(&self) -> Result<Simulator<PbftNode>, PbftError> {
        self.validate()?;
        let faults: Vec<Fault> = (0..self.n)
            .map(|i| {
                if i < self.faulty {
                    self.fault
                } else {
                    Fault::Honest
                }
            })
            .collect();
        let allies = faults
            .iter()
            .enumerate()
            .filter(|(_, f)| matches!(f, Fault::Equivocate | Fault::Lie))
            .fold(0u128, |acc, (i, _)| acc | (1u128 << i));
        let mut nodes: Vec<PbftNode> = (0..self.n)
            .map(|i| PbftNode::Replica(Replica::new(i, self.n, self.config, faults[i], allies)))
            .collect();
        nodes.push(PbftNode::Client(Client::new(
            self.n,
            self.n,
            self.requests,
            self.config.client_timeout,
        )));
        Ok(Simulator::new(
            nodes,
            &faults,
            Network::new(self.n + 1, self.link),
            self.seed,
            &self.injections,
        ))
    }

    /// A generous time limit: long enough for several view changes per request.
    pub fn time_limit(&self) -> Time {
        30_000 + self.requests * 2_000
    }
}

/// Two correct replicas executed different requests at one sequence number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Divergence {
    /// The sequence number.
    pub seq: u64,
    /// One correct replica and what it executed there.
    pub a: (NodeId, Digest),
    /// Another correct replica and its different choice.
    pub b: (NodeId, Digest),
}

/// Per-replica outcome.
#[derive(Clone, Debug, Serialize)]
pub struct ReplicaSummary {
    /// Replica id.
    pub id: NodeId,
    /// Its fault.
    pub fault: Fault,
    /// Final view.
    pub view: u64,
    /// Requests executed (sequence numbers, null requests included).
    pub executed: u64,
    /// Last stable checkpoint.
    pub stable: u64,
}

/// What a PBFT run did.
#[derive(Clone, Debug, Serialize)]
pub struct PbftReport {
    /// Replicas.
    pub n: usize,
    /// Faults tolerated by design.
    pub f: usize,
    /// Faulty replicas in this run.
    pub faulty: usize,
    /// Quorum size.
    pub quorum: usize,
    /// Requests issued.
    pub requests: u64,
    /// Requests the client saw f+1 matching replies for.
    pub completed: u64,
    /// Simulated time at the end.
    pub time: Time,
    /// Events processed.
    pub events: u64,
    /// Per replica.
    pub replicas: Vec<ReplicaSummary>,
    /// Messages sent per phase.
    pub messages: Vec<(String, u64)>,
    /// First disagreement between correct replicas, if any.
    pub divergence: Option<Divergence>,
}

impl PbftReport {
    /// Safety: no two correct replicas executed different requests at one sequence number.
    pub fn safe(&self) -> bool {
        self.divergence.is_none()
    }
    /// Liveness: every request was answered.
    pub fn live(&self) -> bool {
        self.completed == self.requests
    }
}

/// Simulated time a finished run is given for in-flight messages to arrive.
const SETTLE: Time = 500;

/// Run until the client is done (or the time limit) and summarize.
pub fn run(params: &PbftParams) -> Result<PbftReport, PbftError> {
    let mut sim = params.build()?;
    let limit = params.time_limit();
    let client = params.n;
    let done = |sim: &Simulator<PbftNode>| match &sim.nodes()[client] {
        PbftNode::Client(c) => c.completed() == params.requests,
        PbftNode::Replica(_) => true,
    };
    while !done(&sim) && sim.next_time().is_some_and(|t| t <= limit) {
        sim.step(&mut NoTrace);
    }
    // Let the last replies and checkpoints land so the summary shows a settled cluster.
    sim.run_until(sim.now() + SETTLE, &mut NoTrace);
    Ok(report(params, &sim))
}

/// Summarize a simulator's state.
pub fn report(params: &PbftParams, sim: &Simulator<PbftNode>) -> PbftReport {
    let replicas: Vec<&Replica> = sim
        .nodes()
        .iter()
        .filter_map(|n| {
            if let PbftNode::Replica(r) = n {
                Some(r)
            } else {
                None
            }
        })
        .collect();
    let completed = match sim.nodes().last() {
        Some(PbftNode::Client(c)) => c.completed(),
        _ => 0,
    };
    PbftReport {
        n: params.n,
        f: params.tolerance(),
        faulty: params.faulty,
        quorum: replicas.first().map_or(0, |r| r.quorum()),
        requests: params.requests,
        completed,
        time: sim.now(),
        events: sim.steps(),
        replicas: replicas
            .iter()
            .map(|r| ReplicaSummary {
                id: r.id,
                fault: r.fault(),
                view: r.view(),
                executed: r.executed().len() as u64,
                stable: r.low_watermark(),
            })
            .collect(),
        messages: sim
            .message_counts()
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        divergence: divergence(&replicas),
    }
}

/// The first sequence number at which two correct replicas executed different things.
pub fn divergence(replicas: &[&Replica]) -> Option<Divergence> {
    let honest: Vec<&&Replica> = replicas
        .iter()
        .filter(|r| r.fault() == Fault::Honest)
        .collect();
    let longest = honest.iter().map(|r| r.executed().len()).max().unwrap_or(0);
    for i in 0..longest {
        let mut first: Option<(NodeId, Digest)> = None;
        for r in &honest {
            let Some(e) = r.executed().get(i) else {
                continue;
            };
            match first {
                None => first = Some((r.id, e.digest)),
                Some((id, d)) if d != e.digest => {
                    return Some(Divergence {
                        seq: e.seq,
                        a: (id, d),
                        b: (r.id, e.digest),
                    });
                }
                Some(_) => {}
            }
        }
    }
    None
}

/// Try seeds `start..start + count` and return the first run where correct replicas
/// diverge, with the number of seeds tried.
pub fn search_divergence(
    params: &PbftParams,
    start: u64,
    count: u64,
) -> Result<(u64, Option<(u64, PbftReport)>), PbftError> {
    params.validate()?;
    for (tried, seed) in (start..start.saturating_add(count)).enumerate() {
        let report = run(&PbftParams {
            seed,
            ..params.clone()
        })?;
        if !report.safe() {
            return Ok((tried as u64 + 1, Some((seed, report))));
        }
    }
    Ok((count, None))
}

#[cfg(test)]
mod tests;
