//! Raft scenarios from the paper and the classroom.

use super::*;
use crate::engine::{NoTrace, TraceEvent, What, handle};

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

/// A cluster whose log grows only through outside client requests, run until it has
/// a leader.
fn quiet_cluster(n: usize, seed: u64) -> (Simulator<RaftNode>, NodeId) {
    let mut params = RaftParams::new(n, seed);
    params.config.propose_every = None;
    let mut sim = params.build().unwrap();
    while leader(&sim).is_none() {
        assert!(sim.step(&mut NoTrace));
    }
    let lead = leader(&sim).unwrap();
    (sim, lead)
}

fn notes(trace: &[TraceEvent<RaftNode>]) -> Vec<(NodeId, Note)> {
    trace
        .iter()
        .filter_map(|e| match &e.what {
            What::Note { node, note } => Some((*node, note.clone())),
            _ => None,
        })
        .collect()
}

fn holding(sim: &Simulator<RaftNode>, command: u64) -> Vec<usize> {
    sim.nodes()
        .iter()
        .map(|n| n.log().iter().filter(|e| e.command == command).count())
        .collect()
}

#[test]
fn a_request_to_the_leader_is_appended_replicated_and_committed_everywhere() {
    let (mut sim, lead) = quiet_cluster(5, 21);
    let at = sim.now() + 200;
    sim.inject(
        at,
        Injection::Request {
            node: lead,
            command: 7,
        },
    );
    let mut trace = Vec::new();
    sim.run_until(at + 500, &mut trace);
    let index = sim.nodes()[lead].log().len() as u64;
    assert_eq!(
        sim.nodes()[lead].log().last(),
        Some(&Entry {
            term: sim.nodes()[lead].term(),
            command: 7
        })
    );
    assert!(notes(&trace).contains(&(lead, Note::Accepted { index, command: 7 })));
    assert_eq!(holding(&sim, 7), vec![1; 5]);
    assert!(sim.nodes().iter().all(|n| n.commit_index() == index));
}

#[test]
fn a_follower_forwards_to_the_leader_it_knows() {
    let (mut sim, lead) = quiet_cluster(5, 22);
    sim.run_until(sim.now() + 200, &mut NoTrace);
    let follower = (lead + 2) % 5;
    assert_eq!(sim.nodes()[follower].leader_hint(), Some(lead));
    sim.inject(
        sim.now(),
        Injection::Request {
            node: follower,
            command: 3,
        },
    );
    let mut trace = Vec::new();
    sim.run_until(sim.now() + 400, &mut trace);
    let seen = notes(&trace);
    assert!(seen.contains(&(
        follower,
        Note::Forwarded {
            command: 3,
            leader: lead
        }
    )));
    assert!(
        seen.iter()
            .any(|(node, note)| *node == lead && matches!(note, Note::Accepted { command: 3, .. }))
    );
    assert!(trace.iter().any(|e| matches!(
        &e.what,
        What::Deliver { from, to, msg: Msg::ClientRequest { command: 3 }, .. }
            if *from == follower && *to == lead
    )));
    assert_eq!(holding(&sim, 3), vec![1; 5]);
}

#[test]
fn with_no_leader_known_the_request_is_refused_and_nothing_changes() {
    let mut params = RaftParams::new(3, 23);
    params.config.propose_every = None;
    params.injections.push(Scheduled {
        at: 0,
        injection: Injection::Request {
            node: 1,
            command: 9,
        },
    });
    let mut sim = params.build().unwrap();
    let mut trace = Vec::new();
    sim.step(&mut trace);
    assert_eq!(notes(&trace), vec![(1, Note::Refused { command: 9 })]);
    assert!(sim.nodes().iter().all(|n| n.log().is_empty()));
}

#[test]
fn a_duplicated_request_is_committed_once() {
    let (mut sim, lead) = quiet_cluster(5, 24);
    let follower = (lead + 1) % 5;
    let at = sim.now() + 200;
    for (node, delay) in [(lead, 0), (follower, 30), (lead, 400)] {
        sim.inject(at + delay, Injection::Request { node, command: 5 });
    }
    let report = run_checked(&mut sim, at + 1_500, u64::MAX);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    assert_eq!(report.client_commands, 1);
    assert_eq!(holding(&sim, 5), vec![1; 5]);
}

#[test]
fn a_committed_request_survives_the_leader_crash() {
    let (mut sim, old) = quiet_cluster(5, 25);
    let at = sim.now() + 100;
    sim.inject(
        at,
        Injection::Request {
            node: old,
            command: 11,
        },
    );
    sim.run_until(at + 300, &mut NoTrace);
    let index = sim.nodes()[old].log().len() as u64;
    assert!(
        sim.nodes()[old].commit_index() >= index,
        "committed before the crash"
    );
    sim.inject(sim.now(), Injection::Crash { node: old });
    let report = run_checked(&mut sim, at + 3_000, u64::MAX);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    let new = leader(&sim).unwrap();
    assert_ne!(new, old);
    assert_eq!(sim.nodes()[new].log()[index as usize - 1].command, 11);
    assert!(sim.nodes()[new].commit_index() >= index);
}

#[test]
fn an_uncommitted_request_on_a_cut_off_leader_is_rolled_back() {
    let (mut sim, old) = quiet_cluster(5, 26);
    let at = sim.now() + 100;
    let cut = Injection::Partition {
        islands: vec![vec![old, (old + 1) % 5]],
    };
    sim.inject(at, cut);
    sim.inject(
        at + 10,
        Injection::Request {
            node: old,
            command: 13,
        },
    );
    sim.inject(at + 3_000, Injection::Heal);
    sim.run_until(at + 2_000, &mut NoTrace);
    assert_eq!(holding(&sim, 13)[old], 1, "appended by the old leader");
    assert!(sim.nodes()[old].commit_index() < sim.nodes()[old].log().len() as u64);
    let report = run_checked(&mut sim, at + 5_000, u64::MAX);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    assert!(report.rolled_back > 0);
    assert_eq!(holding(&sim, 13), vec![0; 5], "never committed, so gone");
}
