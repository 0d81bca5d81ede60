//! Outside client requests in Raft: exactly once under faults, and replayed exactly by
//! the timeline when the learner sends them from the past.

use consensus::raft::{RaftNode, RaftParams, leader, random_faults, run_checked};
use consensus::{Injection, Scheduled, Timeline};
use proptest::prelude::*;

fn logs(timeline: &Timeline<RaftNode>) -> Vec<Vec<u64>> {
    timeline
        .state()
        .nodes()
        .iter()
        .map(|n| n.log().iter().map(|e| e.command).collect())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Requests sent to any server at any time, some of them twice, under partitions,
    /// crashes, loss and duplication: the four Raft invariants hold and no command is
    /// committed at two indexes.
    #[test]
    fn client_requests_commit_at_most_once_under_faults(
        n in 1usize..=7,
        seed in any::<u64>(),
        loss in 0.0f64..0.1,
        requests in prop::collection::vec((0u64..18_000, 0usize..7, 1u64..12), 1..30),
        builtin in any::<bool>(),
    ) {
        let mut params = RaftParams::new(n, seed);
        params.config.propose_every = builtin.then_some(100);
        params.link.loss = loss;
        params.link.duplicate = 0.05;
        params.link.max_delay = 40;
        params.injections = random_faults(n, 20_000, seed);
        params.injections.extend(requests.iter().map(|&(at, node, command)| Scheduled {
            at,
            injection: Injection::Request { node: node % n, command },
        }));
        params.injections.sort_by_key(|s| s.at);
        let mut sim = params.build().unwrap();
        let report = run_checked(&mut sim, 20_000, u64::MAX);
        prop_assert!(report.violations.is_empty(), "{:?}", report.violations);
    }
}

#[test]
fn a_request_sent_from_the_past_replays_the_same_way() {
    let mut params = RaftParams::new(5, 31);
    params.config.propose_every = None;
    let mut timeline = Timeline::new(params.build().unwrap(), 64);
    while leader(timeline.state()).is_none() {
        assert!(timeline.forward());
    }
    let lead = leader(timeline.state()).unwrap();
    timeline.seek(timeline.position() + 40);
    assert_eq!(
        timeline.state().nodes()[(lead + 1) % 5].leader_hint(),
        Some(lead)
    );
    let sent_at = timeline.position();
    timeline.fork(Injection::Request {
        node: (lead + 1) % 5,
        command: 1,
    });
    timeline.seek(sent_at + 300);
    let after = logs(&timeline);
    assert!(after.iter().all(|log| log.contains(&1)), "{after:?}");

    timeline.seek(sent_at);
    assert!(
        logs(&timeline).iter().all(|log| !log.contains(&1)),
        "undone"
    );
    timeline.seek(sent_at + 300);
    assert_eq!(logs(&timeline), after, "stepping forward again replays it");

    let mut reloaded = Timeline::with_forks(params.build().unwrap(), 16, timeline.forks().to_vec());
    reloaded.seek(sent_at + 300);
    assert_eq!(
        logs(&reloaded),
        after,
        "a saved run reloads with the request"
    );
}

#[test]
fn every_request_of_a_settled_run_commits_once() {
    let mut params = RaftParams::new(5, 32);
    params.config.propose_every = None;
    params.injections = (1..=10)
        .map(|command| Scheduled {
            at: 1_000 + 150 * command,
            injection: Injection::Request {
                node: command as usize % 5,
                command,
            },
        })
        .collect();
    let mut sim = params.build().unwrap();
    let report = run_checked(&mut sim, 5_000, u64::MAX);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    assert_eq!(report.client_commands, 10);
    for node in sim.nodes() {
        let mut commands: Vec<u64> = node
            .log()
            .iter()
            .map(|e| e.command)
            .filter(|c| *c != 0)
            .collect();
        commands.sort_unstable();
        assert_eq!(commands, (1..=10).collect::<Vec<_>>());
    }
}
