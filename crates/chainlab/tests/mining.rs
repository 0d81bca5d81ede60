//! `chainlab tensority` and `chainlab mine`, run as a user would run them.

use std::process::{Command, Output};

use ledger::{Block, PowHasher, Sha256dHasher, Target};
use pow::TensorityHasher;
use serde_json::Value;

fn chainlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chainlab"))
        .args(args)
        .output()
        .expect("run chainlab")
}

fn stdout_line(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout.clone()).unwrap();
    assert_eq!(text.lines().count(), 1, "exactly one line: {text}");
    text.trim().to_string()
}

/// Decodes the printed block and checks what every mined block must satisfy.
fn mined_block(line: &str) -> (Value, Block) {
    let json: Value = serde_json::from_str(line).unwrap();
    let block = Block::decode(&hex::decode(json["block"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(
        hex::encode(block.header.encode()),
        json["header"].as_str().unwrap()
    );
    assert_eq!(block.header.nonce, json["nonce"].as_u64().unwrap() as u32);
    assert_eq!(
        block.block_hash().to_string(),
        json["hash"].as_str().unwrap()
    );
    assert_eq!(
        block.compute_merkle_root().unwrap(),
        block.header.merkle_root
    );
    assert!(block.transactions[0].is_coinbase());
    assert!(json["tries"].as_u64().unwrap() >= 1);
    (json, block)
}

#[test]
fn tensority_prints_the_official_vector() {
    let output = chainlab(&[
        "tensority",
        "--seed",
        "0737520781345b11b7bd0f843c1bdd9aea81b6da94fd141cc9f2df53ac6744d2",
        "--header-hash",
        "d0dad73fb2dabf3353fda15571b4e5f6ac62ff187b354fadd4840d9ff2f1afdf",
    ]);
    assert_eq!(
        stdout_line(&output),
        "e35da54795d82f8549c0e580cbf2e3757ab5ef8fed1bdbe439416c7e6f8df227"
    );
}

#[test]
fn tensority_rejects_bad_hex() {
    for (seed, hash) in [("zz", "00"), ("00", &"0".repeat(64)[..])] {
        let output = chainlab(&["tensority", "--seed", seed, "--header-hash", hash]);
        assert!(!output.status.success());
        assert!(output.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("64 hex characters"), "{stderr}");
    }
}

#[test]
fn mined_sha256d_block_verifies() {
    let output = chainlab(&[
        "mine",
        "--pow",
        "sha256d",
        "--bits",
        "0x1f00ffff",
        "--threads",
        "2",
        "--data",
        "test",
        "--time",
        "1763683200",
    ]);
    let (json, block) = mined_block(&stdout_line(&output));
    let target = Target::from_compact(block.header.bits).unwrap();
    let pow_hash = Sha256dHasher.pow_hash(&block.header, &[0; 32]);
    assert!(target.is_met_by(pow_hash));
    assert_eq!(hex::encode(pow_hash), json["pow_hash"].as_str().unwrap());
    assert!(
        json["hash"].as_str().unwrap().starts_with("0000"),
        "about 2^16 tries deep"
    );
    assert_eq!(block.header.time, 1763683200);
}

#[test]
fn mined_tensority_block_verifies_with_the_ledger_hasher() {
    let output = chainlab(&[
        "mine",
        "--pow",
        "tensority",
        "--bits",
        "0x207fffff",
        "--time",
        "1763683200",
    ]);
    let (json, block) = mined_block(&stdout_line(&output));
    let target = Target::from_compact(block.header.bits).unwrap();
    let pow_hash = TensorityHasher::default().pow_hash(&block.header, &ledger::pow::initial_seed());
    assert!(target.is_met_by(pow_hash));
    assert_eq!(hex::encode(pow_hash), json["pow_hash"].as_str().unwrap());
}

#[test]
fn mine_rejects_an_unusable_target() {
    let output = chainlab(&["mine", "--bits", "0x04923456"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("negative"));
}
