//! `chainlab sim race`.

use anyhow::Context;
use clap::Args;
use consensus::race::{monte_carlo, trace_race};
use serde_json::json;

use super::Output;

#[derive(Args)]
pub struct RaceArgs {
    /// The attacker's share of the hash power.
    #[arg(long)]
    q: f64,
    /// Confirmations the merchant waits for.
    #[arg(long)]
    z: u64,
    /// Races to simulate.
    #[arg(long, default_value_t = 100_000)]
    trials: u64,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

impl RaceArgs {
    pub fn run(self) -> anyhow::Result<Output> {
        let e =
            monte_carlo(self.q, self.z, self.trials, self.seed).context("bad race parameters")?;
        let sigmas = if e.std_error > 0.0 {
            (e.estimate - e.exact) / e.std_error
        } else {
            0.0
        };
        let mut text = format!(
            "attacker q={} vs honest p={:.4}, merchant waits z={} blocks, {} races (seed {})\n",
            e.q,
            1.0 - e.q,
            e.z,
            e.trials,
            self.seed
        );
        text.push_str(&format!(
            "Monte Carlo: {:.7} ± {:.7} (standard error), {} attacker wins\n",
            e.estimate, e.std_error, e.successes
        ));
        text.push_str(&format!(
            "exact (negative binomial): {:.7}, {sigmas:+.2} standard errors away\n",
            e.exact
        ));
        text.push_str(&format!(
            "whitepaper (Poisson approximation): {:.7}\n",
            e.whitepaper
        ));
        let mut json = json!({
            "protocol": "race",
            "q": e.q,
            "z": e.z,
            "trials": e.trials,
            "seed": self.seed,
            "successes": e.successes,
            "estimate": e.estimate,
            "std_error": e.std_error,
            "closed_form": e.whitepaper,
            "whitepaper": e.whitepaper,
            "exact": e.exact,
        });
        if self.q > 0.5 {
            let trace =
                trace_race(self.q, self.z, self.seed, 1_000_000).context("bad race parameters")?;
            if let Some(at) = trace.overtaken_at {
                let (h, a) = trace.blocks[at];
                text.push_str(&format!(
                    "51% attack: the attacker's chain overtook after {} blocks ({a} vs {h})\n",
                    at + 1
                ));
            }
            json["majority_overtaken_after_blocks"] = json!(trace.overtaken_at.map(|i| i + 1));
        }
        Ok(Output {
            json,
            text,
            failure: None,
        })
    }
}
