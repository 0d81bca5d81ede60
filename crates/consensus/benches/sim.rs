//! Simulator speed: the web lab replays and scrubs by re-running, so a long run must
//! take well under a second. Prints `BENCH {"name":..,"value":..}` lines (wall
//! milliseconds, median of several runs) for `cargo xtask bench`.

use std::hint::black_box;
use std::time::Instant;

use consensus::pbft::{self, PbftParams};
use consensus::raft::RaftParams;
use consensus::{NoTrace, TraceEvent};

const RUNS: usize = 5;

fn median_ms(mut run: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[RUNS / 2]
}

fn report(name: &str, value: f64) {
    println!("BENCH {{\"name\":\"{name}\",\"value\":{value:.1}}}");
}

fn main() {
    let params = PbftParams::new(7, 0, 10_000, 1);
    let check = pbft::run(&params).expect("valid parameters");
    assert_eq!(
        check.completed, 10_000,
        "the benchmark run completes every request"
    );
    report(
        "pbft_7x10000_ms",
        median_ms(|| {
            black_box(pbft::run(&params).expect("valid parameters"));
        }),
    );

    let raft = RaftParams::new(5, 1);
    report(
        "raft_5x100000_events_ms",
        median_ms(|| {
            let mut sim = raft.build().expect("valid parameters");
            while sim.steps() < 100_000 && sim.step(&mut NoTrace) {}
            black_box(sim.now());
        }),
    );
    report(
        "raft_5x100000_events_traced_ms",
        median_ms(|| {
            let mut sim = raft.build().expect("valid parameters");
            let mut trace: Vec<TraceEvent<_>> = Vec::with_capacity(200_000);
            while sim.steps() < 100_000 && sim.step(&mut trace) {}
            black_box(trace.len());
        }),
    );
    report(
        "pbft_7x1000_traced_ms",
        median_ms(|| {
            let mut sim = PbftParams::new(7, 0, 1_000, 1)
                .build()
                .expect("valid parameters");
            let mut trace: Vec<TraceEvent<_>> = Vec::new();
            while sim.step(&mut trace) {}
            black_box(trace.len());
        }),
    );
}
