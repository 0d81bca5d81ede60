//! `chainlab sim raft`.

use std::fmt::Write;

use anyhow::Context;
use clap::{Args, ValueEnum};
use consensus::raft::{RaftParams, RaftReport, random_faults, run_checked, split_brain};
use serde_json::json;

use super::{Output, counts_json, counts_text, parse_duration};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Faults {
    /// A healthy network.
    None,
    /// Seeded random partitions, heals, crashes and restarts.
    Random,
    /// Cut the first leader off with one follower for a third of the run, then heal:
    /// two leaders in different terms, then a rollback.
    SplitBrain,
}

#[derive(Args)]
pub struct RaftArgs {
    /// Servers.
    #[arg(long, default_value_t = 5)]
    n: usize,
    /// Seed of the run.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Simulated time to run, e.g. 60s or 1500ms.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    duration: u64,
    /// Fault schedule.
    #[arg(long, value_enum, default_value = "none")]
    faults: Faults,
    /// Probability that a message is lost.
    #[arg(long, default_value_t = 0.0)]
    loss: f64,
    /// Fail (exit 1) if any Raft invariant is broken.
    #[arg(long)]
    check: bool,
}

impl RaftArgs {
    pub fn run(self) -> anyhow::Result<Output> {
        anyhow::ensure!(
            (0.0..1.0).contains(&self.loss),
            "--loss must be in [0, 1), got {}",
            self.loss
        );
        let mut params = RaftParams::new(self.n, self.seed);
        params.link.loss = self.loss;
        match self.faults {
            Faults::None => {}
            Faults::Random => params.injections = random_faults(self.n, self.duration, self.seed),
            Faults::SplitBrain => {
                // A probe run finds who leads first; the partition is then replayed as
                // ordinary scheduled injections so the run stays reproducible.
                let mut probe = params.build().context("bad Raft parameters")?;
                params.injections = split_brain(&mut probe, self.duration / 3);
            }
        }
        let mut sim = params.build().context("bad Raft parameters")?;
        let report = run_checked(&mut sim, self.duration, u64::MAX);
        let failure = (self.check && !report.violations.is_empty()).then(|| {
            report
                .violations
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        });
        let mut text = summary(&params, &report);
        if self.check && failure.is_none() {
            text.push_str("check: election safety, log matching, leader completeness and state machine safety hold\n");
        }
        Ok(Output {
            json: report_json(&params, &report),
            text,
            failure,
        })
    }
}

fn summary(params: &RaftParams, report: &RaftReport) -> String {
    let mut text = format!(
        "Raft n={} seed={} faults injected={}\n",
        params.n,
        params.seed,
        params.injections.len()
    );
    let _ = writeln!(
        text,
        "{} events in {} ms simulated",
        report.events, report.time
    );
    let _ = writeln!(
        text,
        "elections started: {}, highest term: {}, leaders elected: {}",
        report.elections,
        report.max_term,
        report.leaders.len()
    );
    let leaders: Vec<String> = report
        .leaders
        .iter()
        .map(|(t, l)| format!("t{t}:s{l}"))
        .collect();
    let _ = writeln!(text, "leaders by term: {}", leaders.join(" "));
    let _ = writeln!(
        text,
        "committed entries: {}, rolled back: {}",
        report.committed, report.rolled_back
    );
    for (id, (term, role, len, commit)) in report.servers.iter().enumerate() {
        let _ = writeln!(
            text,
            "server {id}: term {term}, {role:?}, log {len}, commit {commit}"
        );
    }
    let _ = writeln!(text, "messages: {}", counts_text(&report.messages));
    match report.violations.is_empty() {
        true => text.push_str("invariants: all hold\n"),
        false => report.violations.iter().for_each(|v| {
            let _ = writeln!(text, "VIOLATION: {v}");
        }),
    }
    text
}

fn report_json(params: &RaftParams, report: &RaftReport) -> serde_json::Value {
    json!({
        "protocol": "raft",
        "n": params.n,
        "seed": params.seed,
        "injections": params.injections,
        "events": report.events,
        "time_ms": report.time,
        "elections": report.elections,
        "max_term": report.max_term,
        "leaders": report.leaders.iter().map(|(t, l)| json!({"term": t, "leader": l})).collect::<Vec<_>>(),
        "committed": report.committed,
        "rolled_back": report.rolled_back,
        "servers": report.servers.iter().map(|(t, r, l, c)| json!({"term": t, "role": r, "log": l, "commit": c})).collect::<Vec<_>>(),
        "messages": counts_json(&report.messages),
        "violations": report.violations,
        "invariants_hold": report.violations.is_empty(),
    })
}
