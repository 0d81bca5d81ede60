//! Ledger tool commands: each prints exactly one line on stdout.
//!
//! Hashes are read and printed in explorer order (the byte-reversed hex that block
//! explorers and Bitcoin Core show), so output can be compared with any explorer.

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{ArgGroup, Args};
use ledger::attack::{attacker_success_probability, min_confirmations};
use ledger::pow::calculate_next_work_required;
use ledger::{
    BlockHeader, ChainParams, CompactTarget, MerkleProof as Proof, MerkleRoot as Root, MerkleTree,
    Target, Txid,
};

/// Reads txids given on the command line, naming the bad one in errors.
fn parse_txids(texts: &[String]) -> anyhow::Result<Vec<Txid>> {
    texts
        .iter()
        .enumerate()
        .map(|(index, text)| {
            text.parse()
                .with_context(|| format!("txid #{} ({text:?}) is not a valid txid", index + 1))
        })
        .collect()
}

#[derive(Args)]
pub struct HeaderHash {
    /// The serialized header: 80 bytes as 160 hex characters.
    header_hex: String,
}

impl HeaderHash {
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let text = self.header_hex.trim();
        if !text.chars().all(|c| c.is_ascii_hexdigit()) {
            bail!("the header must be hex digits only (0-9, a-f)");
        }
        if text.len() != 2 * BlockHeader::SIZE {
            bail!(
                "a block header is {} bytes = {} hex characters, got {} characters",
                BlockHeader::SIZE,
                2 * BlockHeader::SIZE,
                text.len()
            );
        }
        let header = BlockHeader::from_hex(text).context("could not decode the header")?;
        println!("{}", header.block_hash());
        Ok(ExitCode::SUCCESS)
    }
}

#[derive(Args)]
pub struct MerkleRoot {
    /// Txids in block order, explorer byte order.
    #[arg(required = true)]
    txids: Vec<String>,
}

impl MerkleRoot {
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let tree = MerkleTree::new(&parse_txids(&self.txids)?)?;
        println!("{}", tree.root());
        Ok(ExitCode::SUCCESS)
    }
}

#[derive(Args)]
pub struct MerkleProof {
    /// Position (from 0) of the transaction to prove.
    #[arg(long)]
    index: usize,
    /// All txids of the block in order, explorer byte order.
    #[arg(required = true)]
    txids: Vec<String>,
}

impl MerkleProof {
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let tree = MerkleTree::new(&parse_txids(&self.txids)?)?;
        let proof = tree.proof(self.index)?;
        println!("{}", serde_json::to_string(&proof)?);
        Ok(ExitCode::SUCCESS)
    }
}

#[derive(Args)]
pub struct MerkleVerify {
    /// The proof as JSON (as printed by merkle-proof), or @FILE to read it from a file.
    #[arg(long)]
    proof: String,
    /// Check against this root instead of the proof's own (e.g. from a header).
    #[arg(long)]
    root: Option<String>,
    /// Check this txid instead of the proof's own.
    #[arg(long)]
    txid: Option<String>,
}

impl MerkleVerify {
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let json = match self.proof.strip_prefix('@') {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("could not read the proof file {path:?}"))?,
            None => self.proof,
        };
        let mut proof: Proof = serde_json::from_str(&json).context(
            "the proof is not valid proof JSON (expected root, txid, index and siblings)",
        )?;
        if let Some(root) = self.root {
            proof.root = root
                .parse::<Root>()
                .with_context(|| format!("--root {root:?} is not a valid hash"))?;
        }
        if let Some(txid) = self.txid {
            proof.txid = txid
                .parse()
                .with_context(|| format!("--txid {txid:?} is not a valid txid"))?;
        }
        match proof.verify() {
            Ok(()) => {
                println!("valid");
                Ok(ExitCode::SUCCESS)
            }
            Err(reason) => {
                println!("invalid: {reason}");
                Ok(ExitCode::FAILURE)
            }
        }
    }
}

#[derive(Args)]
pub struct Retarget {
    /// Compact target (bits) of the last block of the period, e.g. 0x1d00ffff.
    #[arg(long)]
    bits: CompactTarget,
    /// Timestamp of the first block of the period.
    #[arg(long)]
    first_time: u32,
    /// Timestamp of the last block of the period.
    #[arg(long)]
    last_time: u32,
}

impl Retarget {
    pub fn run(self) -> anyhow::Result<ExitCode> {
        Target::from_compact(self.bits)?;
        let next = calculate_next_work_required(
            &ChainParams::bitcoin_mainnet(),
            self.bits,
            self.last_time,
            self.first_time,
        );
        println!("{next}");
        Ok(ExitCode::SUCCESS)
    }
}

#[derive(Args)]
#[command(group(ArgGroup::new("question").required(true).args(["z", "below"])))]
pub struct AttackProbability {
    /// The attacker's share of the hash power, strictly between 0 and 1.
    #[arg(long)]
    q: f64,
    /// Confirmations the merchant waits for: print the attacker's success probability.
    #[arg(long)]
    z: Option<u32>,
    /// Print the smallest number of confirmations with probability below this.
    #[arg(long)]
    below: Option<f64>,
}

/// At least 7 significant digits: fixed-point for ordinary values, scientific below
/// 10^-4 where leading zeros would eat the digits.
fn format_probability(p: f64) -> String {
    if p >= 1e-4 {
        format!("{p:.10}")
    } else {
        format!("{p:.9e}")
    }
}

impl AttackProbability {
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let q = self.q;
        if !(q > 0.0 && q < 1.0) {
            bail!(
                "--q is the attacker's share of the hash power and must be between 0 and 1 (exclusive), got {q}"
            );
        }
        if let Some(z) = self.z {
            println!("{}", format_probability(attacker_success_probability(q, z)));
            return Ok(ExitCode::SUCCESS);
        }
        let below = self.below.expect("clap requires --z or --below");
        if !(below > 0.0 && below <= 1.0) {
            bail!("--below is a probability and must be in (0, 1], got {below}");
        }
        if q >= 0.5 {
            bail!(
                "with q = {q} >= 0.5 the attacker has the majority and catches up with probability 1, \
                 so no number of confirmations gets below {below}"
            );
        }
        let z = min_confirmations(q, below)
            .with_context(|| format!("no number of confirmations up to {} is enough", u32::MAX))?;
        println!("{z}");
        Ok(ExitCode::SUCCESS)
    }
}
