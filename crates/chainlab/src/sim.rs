//! `chainlab sim`: run a consensus simulation and print what happened.
//!
//! Each protocol prints a readable summary, or exactly one JSON object with `--json`.
//! Bad parameters exit non-zero with the simulator's own explanation on stderr.

mod generals;
mod pbft;
mod race;
mod raft;

use std::process::ExitCode;

use clap::{Args, Subcommand};

#[derive(Args)]
pub struct Sim {
    #[command(subcommand)]
    protocol: Protocol,
    /// Print one JSON object on stdout instead of a summary.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum Protocol {
    /// PBFT: n replicas, some faulty, a client, checkpoints and view changes.
    Pbft(pbft::PbftArgs),
    /// Raft: elections, log replication, partitions and crashes.
    Raft(raft::RaftArgs),
    /// Byzantine generals: OM(m) or SM(m), one scenario or all of them.
    Generals(generals::GeneralsArgs),
    /// Nakamoto's double-spend race: Monte Carlo next to the closed forms.
    Race(race::RaceArgs),
}

impl Sim {
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let out = match self.protocol {
            Protocol::Pbft(a) => a.run()?,
            Protocol::Raft(a) => a.run()?,
            Protocol::Generals(a) => a.run()?,
            Protocol::Race(a) => a.run()?,
        };
        if self.json {
            println!("{}", serde_json::to_string(&out.json)?);
        } else {
            print!("{}", out.text);
        }
        if let Some(failure) = &out.failure {
            eprintln!("check failed: {failure}");
            return Ok(ExitCode::FAILURE);
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// What a protocol command produced: both renderings, and why a requested check failed.
struct Output {
    json: serde_json::Value,
    text: String,
    failure: Option<String>,
}

/// Parse "60s", "1500ms", "2m" or a bare number of seconds into milliseconds.
fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1_000)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000)
    } else {
        (text, 1_000)
    };
    let value: u64 = number
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a duration like 60s, 1500ms or 2m"))?;
    value
        .checked_mul(scale)
        .filter(|ms| *ms > 0)
        .ok_or_else(|| format!("duration '{text}' must be positive and reasonable"))
}

/// Render `(kind, count)` pairs as a JSON object.
fn counts_json(counts: &[(String, u64)]) -> serde_json::Value {
    counts
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::from(*v)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn counts_text(counts: &[(String, u64)]) -> String {
    counts
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s"), Ok(60_000));
        assert_eq!(parse_duration("1500ms"), Ok(1_500));
        assert_eq!(parse_duration("2m"), Ok(120_000));
        assert_eq!(parse_duration("7"), Ok(7_000));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("0s").is_err());
    }
}
