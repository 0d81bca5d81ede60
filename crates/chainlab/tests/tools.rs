//! The ledger tool commands, run as a real process on real Bitcoin data.

use std::process::{Command, Output};

const GENESIS_HEADER: &str = "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";
/// Block 100000: version 1, time 1293623863, bits 0x1b04864c, nonce 274148111.
const BLOCK_100000_HEADER: &str = "0100000050120119172a610421a6c3011dd330d9df07b63616c2cc1f1cd00200000000006657a9252aacd5c0b2940996ecff952228c3067cc38d4885efb5a4ac4247e9f337221b4d4c86041b0f2b5710";
const BLOCK_100000_TXIDS: [&str; 4] = [
    "8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87",
    "fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
    "6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4",
    "e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d",
];
const BLOCK_100000_ROOT: &str = "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766";

fn chainlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chainlab"))
        .args(args)
        .output()
        .expect("the chainlab binary runs")
}

/// Runs a command that must succeed and returns its single stdout line.
fn line(args: &[&str]) -> String {
    let output = chainlab(args);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout.lines().count(), 1, "{args:?} printed {stdout:?}");
    stdout.trim_end().to_string()
}

/// Runs a command that must fail and returns its stderr.
fn failure(args: &[&str]) -> String {
    let output = chainlab(args);
    assert!(!output.status.success(), "{args:?} should fail");
    assert!(
        output.stdout.is_empty(),
        "{args:?} printed to stdout on failure"
    );
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn header_hash_of_real_blocks() {
    assert_eq!(
        line(&["header-hash", GENESIS_HEADER]),
        "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
    );
    assert_eq!(
        line(&["header-hash", BLOCK_100000_HEADER]),
        "000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506"
    );
}

#[test]
fn header_hash_rejects_bad_input() {
    let message = failure(&["header-hash", &GENESIS_HEADER[..150]]);
    assert!(message.contains("160 hex characters, got 150"), "{message}");
    let message = failure(&["header-hash", &GENESIS_HEADER.replace('a', "g")]);
    assert!(message.contains("hex"), "{message}");
}

#[test]
fn merkle_root_of_real_blocks() {
    let mut args = vec!["merkle-root"];
    args.extend(BLOCK_100000_TXIDS);
    assert_eq!(line(&args), BLOCK_100000_ROOT);
    let genesis_coinbase = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";
    assert_eq!(line(&["merkle-root", genesis_coinbase]), genesis_coinbase);
}

#[test]
fn merkle_root_rejects_bad_txids() {
    let message = failure(&["merkle-root", BLOCK_100000_TXIDS[0], "abcd"]);
    assert!(message.contains("txid #2"), "{message}");
    assert!(message.contains("64 hex characters"), "{message}");
    failure(&["merkle-root"]);
}

#[test]
fn merkle_proofs_verify_and_detect_tampering() {
    let mut args = vec!["merkle-proof", "--index", "2"];
    args.extend(BLOCK_100000_TXIDS);
    let proof = line(&args);
    let json: serde_json::Value = serde_json::from_str(&proof).unwrap();
    assert_eq!(json["root"], BLOCK_100000_ROOT);
    assert_eq!(json["txid"], BLOCK_100000_TXIDS[2]);
    assert_eq!(json["index"], 2);
    assert_eq!(
        json["siblings"][0], BLOCK_100000_TXIDS[3],
        "the first sibling is the neighbouring txid"
    );
    assert_eq!(json["siblings"].as_array().unwrap().len(), 2);

    assert_eq!(line(&["merkle-verify", "--proof", &proof]), "valid");

    let path = std::env::temp_dir().join(format!("chainlab-proof-{}.json", std::process::id()));
    std::fs::write(&path, &proof).unwrap();
    let at_file = format!("@{}", path.display());
    assert_eq!(line(&["merkle-verify", "--proof", &at_file]), "valid");
    std::fs::remove_file(&path).unwrap();

    let output = chainlab(&[
        "merkle-verify",
        "--proof",
        &proof,
        "--txid",
        BLOCK_100000_TXIDS[0],
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.starts_with("invalid: "), "{stdout}");
    assert!(stdout.contains(BLOCK_100000_ROOT), "{stdout}");

    let genesis_root = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";
    let output = chainlab(&["merkle-verify", "--proof", &proof, "--root", genesis_root]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .starts_with("invalid: ")
    );
}

#[test]
fn merkle_proof_errors() {
    let mut args = vec!["merkle-proof", "--index", "4"];
    args.extend(BLOCK_100000_TXIDS);
    let message = failure(&args);
    assert!(message.contains("out of range"), "{message}");
    let message = failure(&["merkle-verify", "--proof", "{not json"]);
    assert!(message.contains("proof JSON"), "{message}");
    let message = failure(&["merkle-verify", "--proof", "@/nonexistent/proof.json"]);
    assert!(message.contains("could not read"), "{message}");
}

#[test]
fn retarget_matches_bitcoin_core() {
    let next = |bits: &str, first: &str, last: &str| {
        line(&[
            "retarget",
            "--bits",
            bits,
            "--first-time",
            first,
            "--last-time",
            last,
        ])
    };
    assert_eq!(next("0x1d00ffff", "1261130161", "1262152739"), "0x1d00d86a");
    assert_eq!(next("1d00ffff", "1231006505", "1233061996"), "0x1d00ffff");
    assert_eq!(next("0x1c05a3f4", "1279008237", "1279297671"), "0x1c0168fd");
    assert_eq!(next("0x1c387f6f", "1263163443", "1269211443"), "0x1d00e1fd");
}

#[test]
fn retarget_rejects_bad_input() {
    let message = failure(&[
        "retarget",
        "--bits",
        "0xzz",
        "--first-time",
        "1",
        "--last-time",
        "2",
    ]);
    assert!(message.contains("0x1d00ffff"), "{message}");
    let message = failure(&[
        "retarget",
        "--bits",
        "0x04923456",
        "--first-time",
        "1",
        "--last-time",
        "2",
    ]);
    assert!(message.contains("negative"), "{message}");
    failure(&[
        "retarget",
        "--bits",
        "0x1d00ffff",
        "--first-time",
        "-5",
        "--last-time",
        "2",
    ]);
    failure(&["retarget", "--bits", "0x1d00ffff", "--first-time", "1"]);
}

#[test]
fn attack_probability_matches_the_whitepaper() {
    // The whitepaper prints 7 decimals; we print more, so compare after rounding.
    let probability = |q: &str, z: &str| -> f64 {
        let text = line(&["attack-probability", "--q", q, "--z", z]);
        let significant = text.trim_start_matches(['0', '.']).len();
        assert!(
            significant >= 7,
            "{text} has fewer than 7 significant digits"
        );
        text.parse().unwrap()
    };
    for (z, want) in [("1", 0.2045873), ("5", 0.0009137), ("10", 0.0000012)] {
        let got = probability("0.1", z);
        assert!((got - want).abs() < 5e-8, "z={z}: {got} vs {want}");
    }
    assert_eq!(
        line(&["attack-probability", "--q", "0.3", "--below", "0.001"]),
        "24"
    );
    assert_eq!(
        line(&["attack-probability", "--q", "0.45", "--below", "0.001"]),
        "340"
    );
    assert_eq!(probability("0.6", "6"), 1.0);
}

#[test]
fn attack_probability_rejects_bad_input() {
    let message = failure(&["attack-probability", "--q", "1.5", "--z", "3"]);
    assert!(message.contains("between 0 and 1"), "{message}");
    let message = failure(&["attack-probability", "--q", "0", "--z", "3"]);
    assert!(message.contains("between 0 and 1"), "{message}");
    let message = failure(&["attack-probability", "--q", "0.5", "--below", "0.001"]);
    assert!(message.contains("probability 1"), "{message}");
    failure(&["attack-probability", "--q", "abc", "--z", "3"]);
    failure(&["attack-probability", "--q", "0.1"]);
    failure(&["attack-probability", "--q", "0.1", "--below", "2"]);
}
