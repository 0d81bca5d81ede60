//! What the Raft widget draws: servers on a ring, their election timers, the minority
//! a partition cuts off, and the logs side by side, all read from the simulator.

use consensus::raft::{RaftConfig, RaftNode, Role, leader};
use consensus::{Injection, NodeId, Simulator, Time};

/// Fewest and most servers the ring shows.
pub const MIN_SERVERS: usize = 3;
pub const MAX_SERVERS: usize = 7;

/// Centre of server `i` of `n` on a ring of `radius` around (cx, cy), server 0 at the
/// top, going clockwise like a clock face.
pub fn ring_position(i: usize, n: usize, cx: f64, cy: f64, radius: f64) -> (f64, f64) {
    let angle = std::f64::consts::TAU * i as f64 / n as f64 - std::f64::consts::FRAC_PI_2;
    (cx + radius * angle.cos(), cy + radius * angle.sin())
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
