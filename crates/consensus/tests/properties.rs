//! The safety properties of every protocol, over many random seeds and fault schedules.

use consensus::generals::{Algorithm, sweep};
use consensus::pbft::{self, PbftParams};
use consensus::raft::{RaftParams, random_faults, run_checked};
use consensus::{Fault, Injection, Scheduled};
use proptest::prelude::*;

fn fault_kind() -> impl Strategy<Value = Fault> {
    prop_oneof![
        Just(Fault::Silent),
        Just(Fault::Crash),
        Just(Fault::Equivocate),
        Just(Fault::Lie)
    ]
}

/// Random partitions (always healed later) and short crash/restart pairs of replicas.
fn schedule(n: usize) -> impl Strategy<Value = Vec<Scheduled>> {
    proptest::collection::vec(
        (
            0u64..3_000,
            100u64..2_000,
            proptest::collection::vec(0..n, 1..=n / 2 + 1),
            any::<bool>(),
        ),
        0..4,
    )
    .prop_map(|events| {
        let mut out = Vec::new();
        for (at, length, nodes, crash) in events {
            if crash {
                out.push(Scheduled {
                    at,
                    injection: Injection::Crash { node: nodes[0] },
                });
                out.push(Scheduled {
                    at: at + length,
                    injection: Injection::Restart { node: nodes[0] },
                });
            } else {
                out.push(Scheduled {
                    at,
                    injection: Injection::Partition {
                        islands: vec![nodes],
                    },
                });
                out.push(Scheduled {
                    at: at + length,
                    injection: Injection::Heal,
                });
            }
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// With n = 3f+1 and at most f faulty replicas no two correct replicas ever execute
    /// different requests at one sequence number, whatever the network does.
    #[test]
    fn pbft_is_safe_within_the_bound(
        f in 1usize..=2,
        faulty_share in 0usize..=2,
        fault in fault_kind(),
        seed in any::<u64>(),
        loss in 0.0f64..0.05,
        injections in schedule(7),
    ) {
        let n = 3 * f + 1;
        let mut params = PbftParams { fault, ..PbftParams::new(n, faulty_share.min(f), 15, seed) };
        params.link.loss = loss;
        params.link.duplicate = 0.05;
        params.injections = injections.into_iter().filter(|s| match &s.injection {
            Injection::Crash { node } | Injection::Restart { node } => *node < n,
            _ => true,
        }).collect();
        let report = pbft::run(&params).unwrap();
        prop_assert!(report.safe(), "divergence {:?}", report.divergence);
    }

    /// On a healthy network with at most f faulty replicas every request completes.
    #[test]
    fn pbft_is_live_within_the_bound(f in 1usize..=2, fault in fault_kind(), seed in any::<u64>()) {
        let n = 3 * f + 1;
        let report = pbft::run(&PbftParams { fault, ..PbftParams::new(n, f, 15, seed) }).unwrap();
        prop_assert!(report.safe());
        prop_assert!(report.live(), "completed {} of 15", report.completed);
    }

    /// Raft's four safety properties under random partitions, crashes, loss,
    /// duplication and reordering.
    #[test]
    fn raft_invariants_hold_under_random_faults(n in 1usize..=7, seed in any::<u64>(), loss in 0.0f64..0.1) {
        let mut params = RaftParams::new(n, seed);
        params.link.loss = loss;
        params.link.duplicate = 0.05;
        params.link.max_delay = 40;
        params.injections = random_faults(n, 20_000, seed);
        let mut sim = params.build().unwrap();
        let report = run_checked(&mut sim, 20_000, u64::MAX);
        prop_assert!(report.violations.is_empty(), "{:?}", report.violations);
        prop_assert!(report.committed > 0, "the settled cluster commits");
    }
}

#[test]
fn pbft_beyond_the_bound_has_a_counterexample_for_f_one_and_two() {
    for (n, faulty) in [(4, 2), (7, 3)] {
        let (_, found) =
            pbft::search_divergence(&PbftParams::new(n, faulty, 20, 0), 0, 200).unwrap();
        let (_, report) =
            found.unwrap_or_else(|| panic!("n={n} faulty={faulty} diverges for some seed"));
        let d = report.divergence.unwrap();
        assert!(
            d.a.0 >= faulty && d.b.0 >= faulty,
            "divergent replicas are correct ones"
        );
    }
}

#[test]
fn generals_om_needs_more_than_three_m_and_sm_does_not() {
    for (n, m) in [(4, 1), (5, 1), (7, 2), (8, 2)] {
        let s = sweep(Algorithm::Om, n, m).unwrap();
        assert_eq!(
            (s.ic1_violations, s.ic2_violations),
            (0, 0),
            "OM n={n} m={m}"
        );
    }
    for (n, m) in [(3, 1), (6, 2)] {
        let s = sweep(Algorithm::Om, n, m).unwrap();
        assert!(
            s.ic1_violations + s.ic2_violations > 0,
            "OM n={n} m={m} should fail"
        );
    }
    for (n, m) in [(2, 1), (3, 1), (3, 2), (4, 2), (5, 3), (6, 3)] {
        let s = sweep(Algorithm::Sm, n, m).unwrap();
        assert_eq!(
            (s.ic1_violations, s.ic2_violations),
            (0, 0),
            "SM n={n} m={m}"
        );
    }
}
