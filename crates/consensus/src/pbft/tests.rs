use super::*;
use crate::engine::Injection;

fn count(report: &PbftReport, kind: &str) -> u64 {
    report
        .messages
        .iter()
        .find(|(k, _)| k == kind)
        .map_or(0, |(_, v)| *v)
}

#[test]
fn normal_case_commits_everything_everywhere() {
    let report = run(&PbftParams::new(4, 0, 30, 1)).unwrap();
    assert!(report.safe() && report.live());
    assert!(
        report
            .replicas
            .iter()
            .all(|r| r.executed == 30 && r.view == 0)
    );
    assert_eq!(count(&report, "pre_prepare"), 30 * 3);
    assert_eq!(count(&report, "prepare"), 30 * 3 * 3);
    assert_eq!(count(&report, "commit"), 30 * 4 * 3);
    assert!(
        report.replicas.iter().all(|r| r.stable == 30),
        "checkpoints every 10 become stable"
    );
}

#[test]
fn single_replica_orders_alone() {
    let report = run(&PbftParams::new(1, 0, 5, 2)).unwrap();
    assert!(report.live() && report.safe());
    assert_eq!(report.replicas[0].executed, 5);
}

#[test]
fn silent_primary_is_replaced_by_a_view_change() {
    let params = PbftParams {
        fault: Fault::Silent,
        ..PbftParams::new(4, 1, 10, 3)
    };
    let report = run(&params).unwrap();
    assert!(report.live() && report.safe(), "{report:?}");
    assert!(
        report.replicas[1..]
            .iter()
            .all(|r| r.view >= 1 && r.executed == 10)
    );
    assert!(count(&report, "view_change") >= 3 && count(&report, "new_view") >= 1);
}

#[test]
fn equivocating_primary_cannot_break_safety_within_the_bound() {
    for seed in 0..40 {
        let report = run(&PbftParams::new(4, 1, 20, seed)).unwrap();
        assert!(report.safe(), "seed {seed}: {:?}", report.divergence);
        assert!(report.live(), "seed {seed}: completed {}", report.completed);
    }
}

#[test]
fn two_equivocators_among_four_split_the_correct_replicas() {
    let (tried, found) = search_divergence(&PbftParams::new(4, 2, 20, 0), 0, 50).unwrap();
    let (seed, report) = found.expect("a divergent seed exists");
    assert!(tried <= 50);
    let d = report.divergence.unwrap();
    assert!(d.a.0 >= 2 && d.b.0 >= 2, "both are correct replicas");
    assert_ne!(d.a.1, d.b.1);
    assert_eq!(
        run(&PbftParams::new(4, 2, 20, seed)).unwrap().divergence,
        Some(d),
        "reproducible from the seed"
    );
}

#[test]
fn watermarks_hold_back_the_primary_until_checkpoints_are_stable() {
    let mut params = PbftParams::new(4, 0, 12, 4);
    params.config = PbftConfig {
        checkpoint_interval: 2,
        window: 4,
        ..PbftConfig::default()
    };
    let report = run(&params).unwrap();
    assert!(report.live() && report.safe());
    assert!(report.replicas.iter().all(|r| r.stable == 12));
}

#[test]
fn crashed_backup_and_lossy_links_still_make_progress() {
    let mut params = PbftParams {
        fault: Fault::Crash,
        ..PbftParams::new(7, 2, 20, 5)
    };
    params.link.loss = 0.02;
    params.injections.push(Scheduled {
        at: 500,
        injection: Injection::Partition {
            islands: vec![vec![6]],
        },
    });
    params.injections.push(Scheduled {
        at: 1500,
        injection: Injection::Heal,
    });
    let report = run(&params).unwrap();
    assert!(report.safe());
    assert!(report.live(), "completed {}", report.completed);
}

#[test]
fn rejects_bad_parameters() {
    assert_eq!(
        PbftParams::new(0, 0, 1, 0).validate(),
        Err(PbftError::Replicas {
            n: 0,
            max: MAX_REPLICAS
        })
    );
    assert_eq!(
        PbftParams::new(4, 5, 1, 0).validate(),
        Err(PbftError::TooManyFaulty { faulty: 5, n: 4 })
    );
    assert_eq!(
        PbftParams::new(4, 1, 0, 0).validate(),
        Err(PbftError::NoRequests)
    );
}

#[test]
fn status_retransmission_survives_message_loss() {
    let lossy = |seed, status_interval| {
        let mut params = PbftParams::new(4, 1, 30, seed);
        params.link.loss = 0.05;
        params.config.status_interval = status_interval;
        run(&params).unwrap()
    };
    for seed in 0..30 {
        let report = lossy(seed, 100);
        assert!(
            report.safe() && report.live(),
            "seed {seed}: completed {}",
            report.completed
        );
    }
    let stalled = (0..30).filter(|&seed| !lossy(seed, 0).live()).count();
    assert!(stalled > 0, "without retransmission some lossy runs stall");
}

#[test]
fn a_finished_run_goes_quiet() {
    let mut sim = PbftParams::new(4, 1, 10, 6).build().unwrap();
    let mut steps = 0;
    while sim.step(&mut crate::engine::NoTrace) {
        steps += 1;
        assert!(steps < 100_000, "timers stop once every replica is idle");
    }
    assert!(matches!(sim.nodes().last(), Some(PbftNode::Client(c)) if c.completed() == 10));
}
