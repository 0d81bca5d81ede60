//! The invariant checker: runs a simulation and reports every broken Raft guarantee.

use std::collections::BTreeMap;

use serde::Serialize;
use thiserror::Error;

use super::{Entry, Note, RaftNode, Role, is_client_command};
use crate::engine::{NodeId, Simulator, Time, TraceEvent, What};

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
    /// One client command committed at two indexes: the client's request took effect twice.
    #[error("exactly once: client command {command} committed at indexes {first} and {second}")]
    CommittedTwice {
        command: u64,
        first: u64,
        second: u64,
    },
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
    /// Outside client commands among them (see [`super::is_client_command`]).
    pub client_commands: u64,
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
    let mut commands: BTreeMap<u64, u64> = BTreeMap::new();
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
                    let first = *commands.entry(command).or_insert(index);
                    if is_client_command(command) && first != index {
                        report.violations.push(Violation::CommittedTwice {
                            command,
                            first,
                            second: index,
                        });
                    }
                }
                Note::Truncated { removed, .. } => report.rolled_back += removed,
                Note::SteppedDown { .. }
                | Note::Voted { .. }
                | Note::Accepted { .. }
                | Note::Forwarded { .. }
                | Note::Refused { .. } => {}
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
    report.client_commands = commands.keys().filter(|c| is_client_command(**c)).count() as u64;
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
