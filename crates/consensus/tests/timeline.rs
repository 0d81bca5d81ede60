//! Runs replay exactly, and the timeline's back button, seeking and forking agree with
//! fresh runs.

use consensus::pbft::{PbftNode, PbftParams};
use consensus::raft::{RaftNode, RaftParams, Role};
use consensus::{Injection, Node, Simulator, Timeline, TraceEvent};

fn trace_json<N: Node>(trace: &[TraceEvent<N>]) -> String {
    serde_json::to_string(trace).unwrap()
}

fn run_steps<N: Node>(mut sim: Simulator<N>, steps: u64) -> (Simulator<N>, Vec<TraceEvent<N>>) {
    let mut trace = Vec::new();
    while sim.steps() < steps && sim.step(&mut trace) {}
    (sim, trace)
}

fn raft_state(sim: &Simulator<RaftNode>) -> Vec<(u64, Role, usize, u64)> {
    sim.nodes()
        .iter()
        .map(|n| (n.term(), n.role(), n.log().len(), n.commit_index()))
        .collect()
}

#[test]
fn same_parameters_give_the_same_trace() {
    let params = PbftParams::new(4, 1, 10, 77);
    let (_, a) = run_steps(params.build().unwrap(), 3_000);
    let (_, b) = run_steps(params.build().unwrap(), 3_000);
    assert_eq!(trace_json(&a), trace_json(&b));
    let (_, c) = run_steps(PbftParams { seed: 78, ..params }.build().unwrap(), 3_000);
    assert_ne!(trace_json(&a), trace_json(&c), "the seed matters");
}

#[test]
fn back_and_seek_match_a_fresh_run() {
    let params = RaftParams::new(5, 9);
    let mut timeline = Timeline::new(params.build().unwrap(), 100);
    timeline.seek(2_000);
    assert_eq!(timeline.position(), 2_000);
    let (fresh, fresh_trace) = run_steps(params.build().unwrap(), 2_000);
    assert_eq!(raft_state(timeline.state()), raft_state(&fresh));
    assert_eq!(trace_json(timeline.trace()), trace_json(&fresh_trace));

    for target in [1_999, 1_234, 57, 0, 1_500] {
        timeline.seek(target);
        let (fresh, _) = run_steps(params.build().unwrap(), target);
        assert_eq!(timeline.position(), target);
        assert_eq!(
            raft_state(timeline.state()),
            raft_state(&fresh),
            "step {target}"
        );
        assert_eq!(timeline.state().now(), fresh.now());
    }
    assert!(timeline.back());
    assert_eq!(timeline.position(), 1_499);
    assert!(timeline.forward());
    assert_eq!(
        timeline.explored(),
        2_000,
        "replaying does not extend the trace"
    );
    assert!(!timeline.events_at(1_500).is_empty());
}

#[test]
fn fork_changes_the_future_and_replays_consistently() {
    let params = RaftParams::new(5, 4);
    let mut timeline = Timeline::new(params.build().unwrap(), 64);
    timeline.seek(600);
    let leader = consensus::raft::leader(timeline.state()).expect("a leader by step 600");
    timeline.fork(Injection::Crash { node: leader });
    timeline.seek(2_000);
    let after_fork = raft_state(timeline.state());
    assert!(!timeline.state().is_up(leader));
    let new_leader =
        consensus::raft::leader(timeline.state()).expect("the others elect a new leader");
    assert_ne!(new_leader, leader);

    timeline.seek(300);
    timeline.seek(2_000);
    assert_eq!(
        raft_state(timeline.state()),
        after_fork,
        "replay through the fork point"
    );
    assert_eq!(timeline.forks().len(), 1);

    let mut reloaded = Timeline::with_forks(params.build().unwrap(), 50, timeline.forks().to_vec());
    reloaded.seek(2_000);
    assert_eq!(
        raft_state(reloaded.state()),
        after_fork,
        "a saved lesson reloads"
    );
    assert_eq!(trace_json(reloaded.trace()), trace_json(timeline.trace()));

    timeline.seek(200);
    timeline.fork(Injection::Heal);
    assert_eq!(
        timeline.forks().len(),
        1,
        "an earlier fork drops later ones"
    );
    assert_eq!(timeline.explored(), 200);
}

#[test]
fn pbft_trace_serializes_for_the_ui() {
    let (sim, trace) = run_steps::<PbftNode>(PbftParams::new(4, 0, 2, 1).build().unwrap(), 200);
    let json: serde_json::Value = serde_json::from_str(&trace_json(&trace)).unwrap();
    let events = json.as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["what"]["type"] == "deliver" && e["what"]["msg"]["type"] == "pre_prepare")
    );
    assert!(
        events
            .iter()
            .any(|e| e["what"]["type"] == "note" && e["what"]["note"]["type"] == "executed")
    );
    assert!(
        sim.message_counts()
            .iter()
            .any(|(k, v)| *k == "commit" && *v > 0)
    );
}
