//! What the Raft widget draws: servers on a ring, their election timers, the minority
//! a partition cuts off, the logs side by side and what became of the learner's client
//! requests, all read from the simulator.

use consensus::raft::{Note, RaftConfig, RaftNode, RaftParams, Role, is_client_command, leader};
use consensus::{Injection, NodeId, Simulator, Time, Timeline, What};

/// Fewest and most servers the ring shows.
pub const MIN_SERVERS: usize = 3;
pub const MAX_SERVERS: usize = 7;

/// Centre of server `i` of `n` on a ring of `radius` around (cx, cy), server 0 at the
/// top, going clockwise like a clock face.
pub fn ring_position(i: usize, n: usize, cx: f64, cy: f64, radius: f64) -> (f64, f64) {
    let angle = std::f64::consts::TAU * i as f64 / n as f64 - std::f64::consts::FRAC_PI_2;
    (cx + radius * angle.cos(), cy + radius * angle.sin())
}

/// The widget's cluster: no built-in client, so every entry after a leader's no-op is
/// a request the learner sent.
pub fn widget_params(n: usize, seed: u64) -> RaftParams {
    let mut params = RaftParams::new(n, seed);
    params.config.propose_every = None;
    params
}

/// The learner's next client request: numbered C1, C2, ... along this branch of the
/// timeline, sent to the servers in turn the way a client that picks any server does
/// (Raft section 8), so some land on the leader and some are forwarded.
pub fn next_request(timeline: &Timeline<RaftNode>) -> Injection {
    let sent = timeline
        .forks()
        .iter()
        .filter(|f| f.step <= timeline.position())
        .filter(|f| matches!(f.injection, Injection::Request { .. }))
        .count() as u64;
    let n = timeline.state().nodes().len() as u64;
    Injection::Request {
        node: (sent % n) as NodeId,
        command: sent + 1,
    }
}

/// What became of a client request so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// It reached a crashed server.
    Lost,
    /// No leader known: the client has to try again.
    Refused,
    /// Passed on to the leader the server knows.
    Forwarded { leader: NodeId },
    /// In the leader's log, not yet on a majority.
    Appended { leader: NodeId, index: u64 },
    /// On a majority: committed, it will survive any crash of a minority.
    Committed { index: u64 },
}

/// The newest client request up to the current step: its command, the server it was
/// sent to, and its fate.
pub fn latest_request(timeline: &Timeline<RaftNode>) -> Option<(u64, NodeId, Fate)> {
    let position = timeline.position();
    let trace = &timeline.trace()[..timeline.trace().partition_point(|e| e.step <= position)];
    let (at, server, command) = trace
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, e)| match e.what {
            What::Injected {
                injection: Injection::Request { node, command },
            } => Some((i, node, command)),
            _ => None,
        })?;
    // The engine records an injection after the notes its handler made, so the
    // request's own step is read from its first event.
    let from = trace.partition_point(|e| e.step < trace[at].step);
    let mut fate = None;
    for event in &trace[from..] {
        match event.what {
            What::Note {
                note: Note::Refused { command: c },
                ..
            } if c == command => fate = Some(Fate::Refused),
            What::Note {
                note: Note::Forwarded { command: c, leader },
                ..
            } if c == command => fate = Some(Fate::Forwarded { leader }),
            What::Note {
                node,
                note: Note::Accepted { command: c, index },
            } if c == command => {
                fate = Some(Fate::Appended {
                    leader: node,
                    index,
                })
            }
            _ => {}
        }
    }
    let sim = timeline.state();
    let fate = match fate {
        None => Fate::Lost,
        Some(Fate::Appended { index, .. }) if committed(sim, index, command) => {
            Fate::Committed { index }
        }
        Some(fate) => fate,
    };
    Some((command, server, fate))
}

/// Whether some server has `command` at `index` within its commit index.
fn committed(sim: &Simulator<RaftNode>, index: u64, command: u64) -> bool {
    sim.nodes().iter().any(|n| {
        n.commit_index() >= index
            && n.log()
                .get(index as usize - 1)
                .is_some_and(|e| e.command == command)
    })
}

/// The share of the longest election timeout still left at `now`, 0..=1: the arc
/// RaftScope draws. `None` while the server leads (it has no election timer).
pub fn timer_left(node: &RaftNode, now: Time, config: &RaftConfig) -> Option<f64> {
    node.election_deadline()
        .map(|deadline| deadline.saturating_sub(now) as f64 / config.election_max as f64)
        .map(|f| f.clamp(0.0, 1.0))
}

/// The partition the "P" key makes: the current leader (or server 0) and the servers
/// after it, fewer than half, are cut off, so the rest can elect a second leader.
pub fn minority_partition(sim: &Simulator<RaftNode>) -> Injection {
    let n = sim.nodes().len();
    let first = leader(sim).unwrap_or(0);
    let size = (n - 1) / 2;
    Injection::Partition {
        islands: vec![(0..size).map(|k| (first + k) % n).collect()],
    }
}

/// Whether the network is currently split.
pub fn partitioned(sim: &Simulator<RaftNode>) -> bool {
    let n = sim.nodes().len();
    (1..n).any(|i| !sim.network().connected(0, i))
}

/// Servers that believe they lead, with their terms: two of them (in different
/// terms) is the split brain a partition causes.
pub fn leaders(sim: &Simulator<RaftNode>) -> Vec<(NodeId, u64)> {
    sim.nodes()
        .iter()
        .enumerate()
        .filter(|(i, node)| sim.is_up(*i) && node.role() == Role::Leader)
        .map(|(i, node)| (i, node.term()))
        .collect()
}

/// One cell of the logs table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogCell {
    pub term: u64,
    pub committed: bool,
    /// The learner's request number, for entries a client sent (not leaders' no-ops).
    pub request: Option<u64>,
}

/// The last `width` log indexes of every server (1-based first index, rows), so the
/// table shows the live end of the logs where replication and rollback happen.
pub fn log_window(nodes: &[RaftNode], width: usize) -> (u64, Vec<Vec<Option<LogCell>>>) {
    let longest = nodes.iter().map(|n| n.log().len()).max().unwrap_or(0);
    let first = longest.saturating_sub(width) + 1;
    let rows = nodes
        .iter()
        .map(|node| {
            (first..first + width)
                .map(|index| {
                    node.log().get(index - 1).map(|e| LogCell {
                        term: e.term,
                        committed: index as u64 <= node.commit_index(),
                        request: is_client_command(e.command).then_some(e.command),
                    })
                })
                .collect()
        })
        .collect();
    (first as u64, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::raft::RaftParams;
    use consensus::{NoTrace, Timeline};

    #[test]
    fn ring_starts_at_the_top_and_goes_clockwise() {
        let (x, y) = ring_position(0, 4, 100.0, 100.0, 50.0);
        assert!((x - 100.0).abs() < 1e-9 && (y - 50.0).abs() < 1e-9);
        let (x, y) = ring_position(1, 4, 100.0, 100.0, 50.0);
        assert!((x - 150.0).abs() < 1e-9 && (y - 100.0).abs() < 1e-9);
    }

    #[test]
    fn a_minority_partition_makes_two_leaders_and_healing_rolls_back() {
        let mut timeline = Timeline::new(RaftParams::new(5, 3).build().unwrap(), 64);
        while leader(timeline.state()).is_none() {
            assert!(timeline.forward());
        }
        let old = leader(timeline.state()).unwrap();
        let cut = minority_partition(timeline.state());
        assert_eq!(
            cut,
            Injection::Partition {
                islands: vec![vec![old, (old + 1) % 5]]
            }
        );
        timeline.fork(cut);
        while leaders(timeline.state()).len() < 2 {
            assert!(timeline.forward());
        }
        assert!(partitioned(timeline.state()));
        let terms: Vec<u64> = leaders(timeline.state()).iter().map(|l| l.1).collect();
        assert_ne!(terms[0], terms[1], "two leaders, two terms");
        for _ in 0..200 {
            timeline.forward();
        }
        let before = timeline.state().nodes()[old].log().len();
        timeline.fork(Injection::Heal);
        let healed = timeline.state().now() + 1_000;
        while timeline.state().now() < healed {
            timeline.forward();
        }
        assert!(!partitioned(timeline.state()));
        assert_eq!(leaders(timeline.state()).len(), 1);
        let (_, rows) = log_window(timeline.state().nodes(), 8);
        assert_eq!(
            rows[old],
            rows[(old + 2) % 5],
            "the old leader's log was rewritten"
        );
        assert!(before > 0);
    }

    #[test]
    fn timers_shrink_and_leaders_have_none() {
        let mut sim = RaftParams::new(3, 1).build().unwrap();
        sim.step(&mut NoTrace);
        let config = RaftConfig::default();
        let left: Vec<Option<f64>> = sim
            .nodes()
            .iter()
            .map(|n| timer_left(n, sim.now(), &config))
            .collect();
        assert!(left.iter().flatten().all(|f| (0.0..=1.0).contains(f)));
        while leader(&sim).is_none() {
            sim.step(&mut NoTrace);
        }
        let l = leader(&sim).unwrap();
        assert_eq!(timer_left(&sim.nodes()[l], sim.now(), &config), None);
    }

    fn elected(n: usize, seed: u64) -> Timeline<RaftNode> {
        let mut timeline = Timeline::new(widget_params(n, seed).build().unwrap(), 64);
        while leader(timeline.state()).is_none() {
            assert!(timeline.forward());
        }
        timeline.seek(timeline.position() + 40);
        timeline
    }

    fn until_fate(timeline: &mut Timeline<RaftNode>, done: impl Fn(Fate) -> bool) -> Fate {
        for _ in 0..2_000 {
            let fate = latest_request(timeline).unwrap().2;
            if done(fate) {
                return fate;
            }
            assert!(timeline.forward());
        }
        panic!("no such fate: {:?}", latest_request(timeline));
    }

    #[test]
    fn requests_are_numbered_along_the_branch_and_go_round_the_servers() {
        let mut timeline = elected(3, 5);
        assert_eq!(latest_request(&timeline), None);
        for k in 1..=4u64 {
            let request = next_request(&timeline);
            assert_eq!(
                request,
                Injection::Request {
                    node: ((k - 1) % 3) as usize,
                    command: k
                }
            );
            timeline.fork(request);
            timeline.seek(timeline.position() + 30);
        }
        let third = timeline.forks()[2].step;
        timeline.seek(third);
        assert_eq!(
            next_request(&timeline),
            Injection::Request {
                node: 0,
                command: 4
            },
            "the third request was made at this step, so the next is the fourth"
        );
        timeline.seek(third - 1);
        assert_eq!(
            next_request(&timeline),
            Injection::Request {
                node: 2,
                command: 3
            }
        );
    }

    #[test]
    fn a_request_is_forwarded_then_committed_and_shows_in_every_log() {
        let mut timeline = elected(5, 6);
        let lead = leader(timeline.state()).unwrap();
        let follower = (lead + 1) % 5;
        timeline.fork(Injection::Request {
            node: follower,
            command: 1,
        });
        timeline.forward();
        assert_eq!(
            latest_request(&timeline),
            Some((1, follower, Fate::Forwarded { leader: lead }))
        );
        let fate = until_fate(&mut timeline, |f| matches!(f, Fate::Committed { .. }));
        let Fate::Committed { index } = fate else {
            unreachable!()
        };
        timeline.seek(timeline.position() + 200);
        let (first, rows) = log_window(timeline.state().nodes(), 4);
        let column = (index - first) as usize;
        assert!(
            rows.iter()
                .all(|r| r[column].is_some_and(|c| c.request == Some(1)))
        );
    }

    #[test]
    fn requests_without_a_leader_are_refused_and_to_a_crashed_server_lost() {
        let mut timeline = Timeline::new(widget_params(3, 7).build().unwrap(), 64);
        timeline.fork(Injection::Request {
            node: 1,
            command: 1,
        });
        timeline.forward();
        assert_eq!(latest_request(&timeline), Some((1, 1, Fate::Refused)));
        timeline.fork(Injection::Crash { node: 2 });
        timeline.forward();
        timeline.fork(Injection::Request {
            node: 2,
            command: 2,
        });
        timeline.forward();
        assert_eq!(latest_request(&timeline), Some((2, 2, Fate::Lost)));
    }

    #[test]
    fn the_log_window_marks_committed_entries() {
        let mut sim = RaftParams::new(3, 2).build().unwrap();
        sim.run_until(2_000, &mut NoTrace);
        let (first, rows) = log_window(sim.nodes(), 6);
        assert!(first >= 1);
        let l = leader(&sim).unwrap();
        assert!(rows[l].iter().flatten().any(|c| c.committed));
        assert_eq!(rows.len(), 3);
        assert!(rows.iter().all(|r| r.len() == 6));
    }
}
