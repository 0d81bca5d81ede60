//! `chainlab`: the native side of ChainLab.
//!
//! Tool commands print exactly one line on stdout so that scripts and tests can use
//! them; every failure goes to stderr with a non-zero exit status.

mod attack;
mod loadtest;
mod mining;
mod peer;
mod serve;
mod sim;
mod tools;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "chainlab", version, about = "ChainLab: a blockchain teaching lab", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Hash an 80-byte serialized block header (160 hex chars) to its block hash.
    HeaderHash(tools::HeaderHash),
    /// Compute the Merkle root of txids given in explorer order.
    MerkleRoot(tools::MerkleRoot),
    /// Build a Merkle inclusion proof (JSON) for the txid at --index.
    MerkleProof(tools::MerkleProof),
    /// Check a Merkle inclusion proof (JSON) against a root.
    MerkleVerify(tools::MerkleVerify),
    /// Next compact bits under Bitcoin's mainnet retarget rule.
    Retarget(tools::Retarget),
    /// Nakamoto's attacker success probability (whitepaper section 11).
    AttackProbability(tools::AttackProbability),
    /// Bytom's Tensority proof of work for one header hash and seed.
    Tensority(mining::Tensority),
    /// Mine a real block natively.
    Mine(mining::Mine),
    /// Run a consensus simulation (PBFT, Raft, Byzantine generals, Nakamoto race).
    Sim(sim::Sim),
    /// Serve the web lab and the classroom signaling.
    Serve(serve::Serve),
    /// Load-test the classroom signaling with simulated peers on this machine.
    Loadtest(loadtest::LoadTest),
    /// Join a classroom as a full node over WebRTC.
    Node(peer::NodeCommand),
    /// A malicious peer for tests: joins a room and sends each kind of bad data.
    #[command(hide = true)]
    Attack(attack::AttackCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::HeaderHash(c) => c.run(),
        Command::MerkleRoot(c) => c.run(),
        Command::MerkleProof(c) => c.run(),
        Command::MerkleVerify(c) => c.run(),
        Command::Retarget(c) => c.run(),
        Command::AttackProbability(c) => c.run(),
        Command::Tensority(c) => c.run(),
        Command::Mine(c) => c.run(),
        Command::Sim(c) => c.run(),
        Command::Serve(c) => c.run(),
        Command::Loadtest(c) => c.run(),
        Command::Node(c) => c.run(),
        Command::Attack(c) => c.run(),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
