//! `chainlab sim` end to end: exit codes, summaries and the JSON each command promises.

use std::process::{Command, Output};

fn chainlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chainlab"))
        .args(args)
        .output()
        .expect("chainlab runs")
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = chainlab(&all);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.trim().lines().count(), 1, "exactly one JSON line");
    serde_json::from_str(&stdout).expect("valid JSON")
}

#[test]
fn pbft_check_passes_within_the_bound() {
    let v = json(&[
        "sim",
        "pbft",
        "--n",
        "4",
        "--faulty",
        "1",
        "--requests",
        "50",
        "--seed",
        "7",
        "--check",
    ]);
    assert_eq!(v["protocol"], "pbft");
    assert_eq!(v["safe"], true);
    assert_eq!(v["live"], true);
    assert_eq!(v["completed"], 50);
    assert_eq!(v["quorum"], 3);
    let committed = v["committed"].as_array().unwrap();
    assert_eq!(committed.len(), 4);
    assert!(
        committed[1..].iter().all(|c| c.as_u64().unwrap() >= 50),
        "{committed:?}"
    );
    for phase in ["pre_prepare", "prepare", "commit", "reply", "checkpoint"] {
        assert!(v["messages"][phase].as_u64().unwrap() > 0, "{phase}");
    }
    let text = chainlab(&[
        "sim",
        "pbft",
        "--n",
        "4",
        "--faulty",
        "1",
        "--requests",
        "50",
        "--seed",
        "7",
        "--check",
    ]);
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("safety: holds, liveness: holds") && text.contains("replica 3"),
        "{text}"
    );
}

#[test]
fn pbft_search_finds_divergence_beyond_the_bound() {
    let v = json(&[
        "sim", "pbft", "--n", "4", "--faulty", "2", "--search", "500",
    ]);
    assert_eq!(v["search"]["found"], true);
    assert_eq!(v["safe"], false);
    let d = &v["divergence"];
    assert_ne!(
        d["a"][1], d["b"][1],
        "different requests at one sequence number"
    );
    let seed = v["search"]["seed"].as_u64().unwrap().to_string();
    let replay = chainlab(&[
        "sim", "pbft", "--n", "4", "--faulty", "2", "--seed", &seed, "--check",
    ]);
    assert!(
        !replay.status.success(),
        "the found seed replays and fails the check"
    );
    assert!(String::from_utf8_lossy(&replay.stderr).contains("safety violated"));
}

#[test]
fn pbft_search_without_faults_finds_nothing_and_fails() {
    let out = chainlab(&[
        "sim",
        "pbft",
        "--n",
        "4",
        "--faulty",
        "1",
        "--requests",
        "5",
        "--search",
        "3",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("no divergence in 3 seeds"));
}

#[test]
fn raft_random_faults_keep_invariants() {
    let v = json(&[
        "sim",
        "raft",
        "--n",
        "5",
        "--seed",
        "3",
        "--duration",
        "60s",
        "--faults",
        "random",
        "--check",
    ]);
    assert_eq!(v["protocol"], "raft");
    assert_eq!(v["invariants_hold"], true);
    assert!(v["injections"].as_array().unwrap().len() > 3);
    assert!(v["committed"].as_u64().unwrap() > 100);
    assert!(v["max_term"].as_u64().unwrap() >= 1);
    assert!(!v["leaders"].as_array().unwrap().is_empty());
    assert_eq!(v["servers"].as_array().unwrap().len(), 5);
    assert!(v["time_ms"].as_u64().unwrap() <= 60_000);
}

#[test]
fn raft_split_brain_rolls_back_the_old_leaders_entries() {
    let v = json(&[
        "sim",
        "raft",
        "--n",
        "5",
        "--seed",
        "2",
        "--duration",
        "15s",
        "--faults",
        "split-brain",
        "--check",
    ]);
    assert_eq!(v["invariants_hold"], true);
    assert_eq!(v["injections"].as_array().unwrap().len(), 2);
    assert!(v["rolled_back"].as_u64().unwrap() > 0);
    let leaders = v["leaders"].as_array().unwrap();
    assert!(leaders.len() >= 2);
    assert_ne!(leaders[0]["leader"], leaders[1]["leader"]);
}

#[test]
fn generals_om_three_one_prints_a_violation() {
    let v = json(&[
        "sim",
        "generals",
        "--algorithm",
        "om",
        "--n",
        "3",
        "--m",
        "1",
        "--exhaustive",
    ]);
    assert_eq!(v["placements"], 4);
    assert_eq!(v["cases"], 32);
    assert_eq!(v["ic2"], false);
    assert!(v["counterexample"].is_object());
    let text = String::from_utf8(
        chainlab(&[
            "sim",
            "generals",
            "--algorithm",
            "om",
            "--n",
            "3",
            "--m",
            "1",
            "--exhaustive",
        ])
        .stdout,
    )
    .unwrap();
    assert!(
        text.contains("violating case") && text.contains("VIOLATED"),
        "{text}"
    );
}

#[test]
fn generals_hold_within_their_bounds() {
    let om = json(&[
        "sim",
        "generals",
        "--algorithm",
        "om",
        "--n",
        "7",
        "--m",
        "2",
        "--exhaustive",
    ]);
    assert_eq!(
        (om["ic1"].as_bool(), om["ic2"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(om["placements"], 1 + 7 + 21);
    let sm = json(&[
        "sim",
        "generals",
        "--algorithm",
        "sm",
        "--n",
        "3",
        "--m",
        "1",
        "--exhaustive",
    ]);
    assert_eq!(
        (sm["ic1"].as_bool(), sm["ic2"].as_bool()),
        (Some(true), Some(true))
    );
    assert!(sm["counterexample"].is_null());
}

#[test]
fn generals_single_scenario_shows_the_tree() {
    let v = json(&[
        "sim",
        "generals",
        "--algorithm",
        "om",
        "--n",
        "4",
        "--m",
        "1",
        "--traitor",
        "3:split",
    ]);
    assert_eq!(v["messages"].as_array().unwrap().len(), 9);
    assert_eq!(v["tree"].as_array().unwrap().len(), 9);
    assert_eq!(v["ic1"], true);
    let bad = chainlab(&[
        "sim",
        "generals",
        "--algorithm",
        "om",
        "--n",
        "4",
        "--m",
        "1",
        "--traitor",
        "3:sneaky",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown strategy"));
}

#[test]
fn race_reports_estimate_closed_form_and_error() {
    let v = json(&[
        "sim", "race", "--q", "0.3", "--z", "5", "--trials", "200000", "--seed", "4",
    ]);
    let (estimate, se) = (
        v["estimate"].as_f64().unwrap(),
        v["std_error"].as_f64().unwrap(),
    );
    assert!((v["closed_form"].as_f64().unwrap() - 0.1773523).abs() < 1e-6);
    assert!((estimate - v["exact"].as_f64().unwrap()).abs() < 4.0 * se);
    assert!(se > 0.0 && se < 0.001);
}

#[test]
fn bad_parameters_exit_nonzero_with_a_message() {
    for args in [
        &["sim", "pbft", "--n", "0"][..],
        &["sim", "pbft", "--n", "4", "--faulty", "9"],
        &["sim", "raft", "--n", "0"],
        &["sim", "race", "--q", "1.5", "--z", "5"],
        &[
            "sim",
            "generals",
            "--algorithm",
            "om",
            "--n",
            "3",
            "--m",
            "3",
        ],
    ] {
        let out = chainlab(args);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("error"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
