//! `chainlab sim generals`.

use std::fmt::Write;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use consensus::generals::{
    Algorithm, Order, Setup, Strategy, Sweep, Verdict, run_om, run_sm, sweep,
};
use serde_json::json;

use super::Output;

#[derive(Clone, Copy, ValueEnum)]
enum AlgorithmArg {
    Om,
    Sm,
}

#[derive(Clone, Copy, ValueEnum)]
enum OrderArg {
    Attack,
    Retreat,
}

#[derive(Args)]
pub struct GeneralsArgs {
    /// Oral (om) or signed (sm) messages.
    #[arg(long, value_enum)]
    algorithm: AlgorithmArg,
    /// Generals, commander included.
    #[arg(long)]
    n: usize,
    /// Traitors the algorithm is run for.
    #[arg(long)]
    m: usize,
    /// Check every traitor placement, strategy and commander order.
    #[arg(long)]
    exhaustive: bool,
    /// The commander's order (single scenario).
    #[arg(long, value_enum, default_value = "attack")]
    order: OrderArg,
    /// A traitor as ID:STRATEGY (always-attack, always-retreat, flip, split,
    /// split-inverse); repeat for more (single scenario).
    #[arg(long = "traitor")]
    traitors: Vec<String>,
}

impl GeneralsArgs {
    pub fn run(self) -> anyhow::Result<Output> {
        let algorithm = match self.algorithm {
            AlgorithmArg::Om => Algorithm::Om,
            AlgorithmArg::Sm => Algorithm::Sm,
        };
        if self.exhaustive {
            let result = sweep(algorithm, self.n, self.m).context("bad generals parameters")?;
            return Ok(sweep_output(&result));
        }
        let traitors = self
            .traitors
            .iter()
            .map(|t| parse_traitor(t))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let order = match self.order {
            OrderArg::Attack => Order::Attack,
            OrderArg::Retreat => Order::Retreat,
        };
        let setup = Setup {
            n: self.n,
            m: self.m,
            order,
            traitors,
        };
        let (json, mut text, verdict) = match algorithm {
            Algorithm::Om => {
                let run = run_om(&setup).context("bad generals parameters")?;
                let mut text = String::new();
                for level in 1..=setup.m + 1 {
                    let msgs: Vec<String> = run
                        .messages
                        .iter()
                        .filter(|m| m.path.len() == level)
                        .map(|m| format!("{}→{}:{:?}", path(&m.path), m.to, m.value))
                        .collect();
                    let _ = writeln!(text, "round {level}: {}", msgs.join(" "));
                }
                (serde_json::to_value(&run)?, text, run.verdict)
            }
            Algorithm::Sm => {
                let run = run_sm(&setup).context("bad generals parameters")?;
                let mut text = String::new();
                for m in &run.messages {
                    let mark = if m.valid { "" } else { " (forged, discarded)" };
                    let _ = writeln!(
                        text,
                        "round {}: {:?}:{} → {}{mark}",
                        m.round,
                        m.order.value,
                        path(&m.order.signers),
                        m.to
                    );
                }
                (serde_json::to_value(&run)?, text, run.verdict)
            }
        };
        text.push_str(&decisions(&setup, &verdict));
        let mut json = json;
        json["protocol"] = json!("generals");
        json["ic1"] = json!(verdict.ic1);
        json["ic2"] = json!(verdict.ic2);
        Ok(Output {
            json,
            text,
            failure: None,
        })
    }
}

fn path(generals: &[usize]) -> String {
    generals
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(":")
}

fn parse_traitor(text: &str) -> anyhow::Result<(usize, Strategy)> {
    let Some((id, strategy)) = text.split_once(':') else {
        bail!("--traitor '{text}' should look like 2:flip")
    };
    let id: usize = id
        .parse()
        .with_context(|| format!("--traitor '{text}': '{id}' is not a general's number"))?;
    let strategy = match strategy {
        "always-attack" => Strategy::AlwaysAttack,
        "always-retreat" => Strategy::AlwaysRetreat,
        "flip" => Strategy::Flip,
        "split" => Strategy::Split,
        "split-inverse" => Strategy::SplitInverse,
        other => bail!(
            "unknown strategy '{other}': use always-attack, always-retreat, flip, split or split-inverse"
        ),
    };
    Ok((id, strategy))
}

fn decisions(setup: &Setup, verdict: &Verdict) -> String {
    let mut text = String::new();
    for (g, d) in verdict.decisions.iter().enumerate().skip(1) {
        let decision = d.unwrap_or(Order::Retreat);
        match setup.loyal(g) {
            true => writeln!(text, "lieutenant {g} (loyal) decides {decision:?}"),
            false => writeln!(text, "lieutenant {g} (traitor) would decide {decision:?}; a traitor's decision does not count"),
        }
        .expect("writing to a String cannot fail");
    }
    let _ = writeln!(
        text,
        "IC1 (loyal lieutenants agree): {}",
        if verdict.ic1 { "holds" } else { "VIOLATED" }
    );
    let _ = writeln!(
        text,
        "IC2 (they obey a loyal commander): {}",
        if verdict.ic2 { "holds" } else { "VIOLATED" }
    );
    text
}

fn sweep_output(s: &Sweep) -> Output {
    let name = match s.algorithm {
        Algorithm::Om => "OM",
        Algorithm::Sm => "SM",
    };
    let mut text = format!(
        "{name}({}) with n={} generals: {} traitor placements, {} scenarios (placements x strategies x orders) checked\n",
        s.m, s.n, s.placements, s.cases
    );
    let _ = writeln!(
        text,
        "IC1 violations: {}, IC2 violations: {}",
        s.ic1_violations, s.ic2_violations
    );
    let holds = s.ic1_violations == 0 && s.ic2_violations == 0;
    if holds {
        text.push_str("IC1 and IC2 hold in every scenario\n");
    }
    if let Some((setup, verdict)) = &s.counterexample {
        let traitors: Vec<String> = setup
            .traitors
            .iter()
            .map(|(g, st)| format!("{g}:{st:?}"))
            .collect();
        let _ = writeln!(
            text,
            "violating case: commander orders {:?}, traitors {}",
            setup.order,
            traitors.join(", ")
        );
        text.push_str(&decisions(setup, verdict));
    }
    let counterexample = s
        .counterexample
        .as_ref()
        .map(|(setup, verdict)| json!({"setup": setup, "verdict": verdict}));
    let json = json!({
        "protocol": "generals",
        "algorithm": s.algorithm,
        "n": s.n,
        "m": s.m,
        "placements": s.placements,
        "cases": s.cases,
        "ic1_violations": s.ic1_violations,
        "ic2_violations": s.ic2_violations,
        "ic1": s.ic1_violations == 0,
        "ic2": s.ic2_violations == 0,
        "counterexample": counterexample,
    });
    Output {
        json,
        text,
        failure: None,
    }
}
