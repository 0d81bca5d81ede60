//! `chainlab sim pbft`.

use std::fmt::Write;

use anyhow::Context;
use clap::{Args, ValueEnum};
use consensus::Fault;
use consensus::pbft::{PbftConfig, PbftParams, PbftReport, run, search_divergence};
use serde_json::json;

use super::{Output, counts_json, counts_text};

#[derive(Clone, Copy, ValueEnum)]
enum FaultKind {
    Silent,
    Crash,
    Equivocate,
    Lie,
}

impl From<FaultKind> for Fault {
    fn from(kind: FaultKind) -> Fault {
        match kind {
            FaultKind::Silent => Fault::Silent,
            FaultKind::Crash => Fault::Crash,
            FaultKind::Equivocate => Fault::Equivocate,
            FaultKind::Lie => Fault::Lie,
        }
    }
}

#[derive(Args)]
pub struct PbftArgs {
    /// Replicas.
    #[arg(long, default_value_t = 4)]
    n: usize,
    /// Faulty replicas (the first ids, so the first primary is faulty).
    #[arg(long, default_value_t = 0)]
    faulty: usize,
    /// How faulty replicas behave.
    #[arg(long, value_enum, default_value = "equivocate")]
    fault: FaultKind,
    /// Requests the client sends, one after another.
    #[arg(long, default_value_t = 50)]
    requests: u64,
    /// Seed of the run (the first seed with --search).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Probability that a message is lost.
    #[arg(long, default_value_t = 0.0)]
    loss: f64,
    /// Checkpoint every K sequence numbers.
    #[arg(long, default_value_t = 10)]
    checkpoint_interval: u64,
    /// Watermark window L.
    #[arg(long, default_value_t = 20)]
    window: u64,
    /// Fail (exit 1) unless safety and liveness hold.
    #[arg(long)]
    check: bool,
    /// Try this many seeds and show one where correct replicas diverge.
    #[arg(long)]
    search: Option<u64>,
}

impl PbftArgs {
    pub fn run(self) -> anyhow::Result<Output> {
        anyhow::ensure!(
            (0.0..1.0).contains(&self.loss),
            "--loss must be in [0, 1), got {}",
            self.loss
        );
        let mut params = PbftParams {
            fault: self.fault.into(),
            ..PbftParams::new(self.n, self.faulty, self.requests, self.seed)
        };
        params.link.loss = self.loss;
        params.config = PbftConfig {
            checkpoint_interval: self.checkpoint_interval,
            window: self.window,
            ..PbftConfig::default()
        };
        match self.search {
            Some(count) => search(&params, count),
            None => {
                let report = run(&params).context("bad PBFT parameters")?;
                let failure = self.check.then(|| check_failure(&report)).flatten();
                let mut text = summary(&params, &report);
                if self.check && failure.is_none() {
                    text.push_str("check: safety and liveness hold\n");
                }
                Ok(Output {
                    json: report_json(&params, &report),
                    text,
                    failure,
                })
            }
        }
    }
}

fn check_failure(report: &PbftReport) -> Option<String> {
    if let Some(d) = &report.divergence {
        return Some(format!(
            "safety violated: replicas {} and {} executed different requests at sequence {}",
            d.a.0, d.b.0, d.seq
        ));
    }
    (!report.live()).then(|| {
        format!(
            "liveness violated: only {} of {} requests completed",
            report.completed, report.requests
        )
    })
}

fn search(params: &PbftParams, count: u64) -> anyhow::Result<Output> {
    let (tried, found) =
        search_divergence(params, params.seed, count).context("bad PBFT parameters")?;
    let Some((seed, report)) = found else {
        let text = format!(
            "no divergence in {tried} seeds from {}: with n = {} and {} faulty (f = {}) the correct replicas agreed every time\n",
            params.seed,
            params.n,
            params.faulty,
            params.tolerance()
        );
        let json = json!({"protocol": "pbft", "search": {"tried": tried, "found": false}});
        return Ok(Output {
            json,
            text,
            failure: Some(format!("no divergent seed among {tried}")),
        });
    };
    let params = PbftParams {
        seed,
        ..params.clone()
    };
    let d = report
        .divergence
        .clone()
        .expect("search returns divergent runs");
    let mut text = format!("found after {tried} seeds: seed {seed}\n");
    let _ = writeln!(
        text,
        "replica {} executed {:#018x} and replica {} executed {:#018x} at sequence {}: two quorums of {} overlap only in the {} faulty replicas, who voted for both",
        d.a.0, d.a.1.0, d.b.0, d.b.1.0, d.seq, report.quorum, params.faulty
    );
    text.push_str(&summary(&params, &report));
    let mut json = report_json(&params, &report);
    json["search"] = json!({"tried": tried, "found": true, "seed": seed});
    Ok(Output {
        json,
        text,
        failure: None,
    })
}

fn summary(params: &PbftParams, report: &PbftReport) -> String {
    let mut text = format!(
        "PBFT n={} f={} faulty={} ({:?}) quorum={} seed={}\n",
        report.n, report.f, report.faulty, params.fault, report.quorum, params.seed
    );
    let _ = writeln!(
        text,
        "client: {}/{} requests completed in {} ms simulated, {} events",
        report.completed, report.requests, report.time, report.events
    );
    for r in &report.replicas {
        let _ = writeln!(
            text,
            "replica {}: {:?}, view {}, executed {}, stable checkpoint {}",
            r.id, r.fault, r.view, r.executed, r.stable
        );
    }
    let _ = writeln!(text, "messages: {}", counts_text(&report.messages));
    let _ = writeln!(
        text,
        "safety: {}, liveness: {}",
        verdict(report.safe()),
        verdict(report.live())
    );
    text
}

fn verdict(ok: bool) -> &'static str {
    if ok { "holds" } else { "VIOLATED" }
}

fn report_json(params: &PbftParams, report: &PbftReport) -> serde_json::Value {
    json!({
        "protocol": "pbft",
        "n": report.n,
        "f": report.f,
        "faulty": report.faulty,
        "fault": params.fault,
        "quorum": report.quorum,
        "seed": params.seed,
        "requests": report.requests,
        "completed": report.completed,
        "time_ms": report.time,
        "events": report.events,
        "replicas": report.replicas,
        "committed": report.replicas.iter().map(|r| r.executed).collect::<Vec<_>>(),
        "messages": counts_json(&report.messages),
        "safe": report.safe(),
        "live": report.live(),
        "divergence": report.divergence,
    })
}
