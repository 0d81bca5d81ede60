//! `cargo xtask bench`: native and in-browser figures side by side, in one run, into
//! target/bench/summary.json. Benchmarks are commands, never timed tests: the
//! machines are shared and noisy, so figures are compared within one run.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::cmd::Cmd;
use crate::e2e::{self, Server};
use crate::{paths, setup, web};

/// The keys the summary always has, in the order the table prints them; a figure a
/// machine cannot produce (no WebGPU adapter) is null.
const KEYS: &[&str] = &[
    "sha256d_native_hps_1t",
    "sha256d_native_hps_all",
    "sha256d_native_lanes_hps_1t",
    "sha256d_wasm_hps_1t",
    "sha256d_wasm_hps_all",
    "hashwasm_sha256d_hps_1t",
    "tensority_native_hps_1t",
    "tensority_native_hps_all",
    "tensority_wasm_hps_1t",
    "tensority_wasm_hps_all",
    "tensority_webgpu_hps",
    "sha256d_webgpu_hps",
    "pbft_7x10000_ms",
    "raft_5x100000_events_ms",
    "signaling_join_p99_ms",
    "block_propagation_8tabs_median_ms",
    "block_propagation_8tabs_p95_ms",
    "late_sync_2000_blocks_ms",
];

pub fn run(args: &[String]) -> anyhow::Result<()> {
    if let Some(flag) = args.first() {
        bail!("cargo xtask bench takes no arguments (got {flag})");
    }
    let tools = setup::all()?;
    let mut figures = BTreeMap::new();
    for (package, bench) in [("pow", "engines"), ("consensus", "sim")] {
        let output = Cmd::cargo()
            .args(["bench", "--package", package, "--bench", bench])
            .output()?;
        collect(&output, &mut figures)?;
    }
    web::build(&tools)?;
    let chainlab = web::build_chainlab()?;
    let signaling = Cmd::new(&chainlab)
        .args(["loadtest", "--peers", "500", "--rooms", "20"])
        .output()?;
    collect(&signaling, &mut figures)?;
    let server = Server::start(&chainlab)?;
    let output = e2e::node(&tools)
        .arg("bench.mjs")
        .env("CHAINLAB_URL", &server.url)
        .output()?;
    collect(&output, &mut figures)?;
    let classroom = e2e::node(&tools)
        .arg("classroom-bench.mjs")
        .env("CHAINLAB_BIN", &chainlab)
        .output()?;
    collect(&classroom, &mut figures)?;
    write_summary(&figures)
}

/// Bench programs print `BENCH {"name": ..., "value": ...}` lines among their output.
fn collect(output: &str, figures: &mut BTreeMap<String, Value>) -> anyhow::Result<()> {
    for line in output.lines() {
        let Some(body) = line.strip_prefix("BENCH ") else {
            println!("{line}");
            continue;
        };
        let figure: Value =
            serde_json::from_str(body).with_context(|| format!("bad bench line {line}"))?;
        let name = figure["name"]
            .as_str()
            .context("bench line without a name")?;
        figures.insert(name.to_string(), figure["value"].clone());
    }
    Ok(())
}

fn write_summary(figures: &BTreeMap<String, Value>) -> anyhow::Result<()> {
    let mut summary = serde_json::Map::new();
    for key in KEYS {
        summary.insert(
            key.to_string(),
            figures.get(*key).cloned().unwrap_or(Value::Null),
        );
    }
    for (key, value) in figures {
        summary.entry(key.clone()).or_insert_with(|| value.clone());
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    summary.insert("cores".into(), json!(cores));
    let dir = paths::root().join("target").join("bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("summary.json");
    std::fs::write(&path, serde_json::to_string_pretty(&summary)?)?;
    println!("\n{:<28} {:>16}", "figure", "value");
    for (key, value) in &summary {
        println!("{key:<28} {:>16}", display(value));
    }
    println!("\nwritten to {}", path.display());
    Ok(())
}

fn display(value: &Value) -> String {
    match value.as_f64() {
        Some(number) if number >= 1000.0 => format!("{number:.0}"),
        Some(number) => format!("{number:.2}"),
        None => "n/a".to_string(),
    }
}
