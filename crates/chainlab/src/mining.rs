//! `chainlab tensority` and `chainlab mine`: the proof-of-work engines from the
//! command line. Each prints one line on stdout.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use ledger::{
    Address, Block, BlockHash, BlockHeader, ChainParams, CompactTarget, Target, Transaction, TxOut,
};
use pow::tensority::{Cache, Kernel};
use pow::{
    Control, Engine, HashTarget, Nonces, Outcome, Sha256dEngine, TensorityEngine, scan_threads,
};
use serde::Serialize;

/// Every core the machine offers: the default number of hashing threads.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The `--threads` flag's value, every core when it is absent.
pub fn threads(flag: Option<usize>) -> anyhow::Result<usize> {
    let threads = flag.unwrap_or_else(cores);
    if threads == 0 {
        bail!("--threads must be at least 1");
    }
    Ok(threads)
}

/// Reads 64 hex characters as 32 bytes in the order written.
fn parse_bytes32(text: &str) -> Result<[u8; 32], String> {
    let bytes = hex::decode(text.trim())
        .map_err(|e| format!("expected 64 hex characters (32 bytes): {e}"))?;
    let length = bytes.len();
    bytes
        .try_into()
        .map_err(|_| format!("expected 32 bytes (64 hex characters), got {length} bytes"))
}

#[derive(Args)]
pub struct Tensority {
    /// Seed, 32 bytes as 64 hex characters in raw byte order.
    #[arg(long, value_parser = parse_bytes32)]
    seed: [u8; 32],
    /// Block header hash H, 32 bytes as 64 hex characters in raw byte order.
    #[arg(long = "header-hash", value_parser = parse_bytes32)]
    header_hash: [u8; 32],
}

impl Tensority {
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let cache = Cache::new(self.seed);
        let result = Kernel::best().hash_parallel(&self.header_hash, &cache);
        println!("{}", hex::encode(result));
        Ok(ExitCode::SUCCESS)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
enum PowChoice {
    /// Bitcoin's double SHA-256 of the header.
    Sha256d,
    /// Bytom's Tensority of the header's block hash.
    Tensority,
}

#[derive(Args)]
pub struct Mine {
    /// Proof-of-work function.
    #[arg(long, value_enum, default_value = "sha256d")]
    pow: PowChoice,
    /// Target in compact form, e.g. 0x1f00ffff (about 65,000 tries) or 0x207fffff.
    #[arg(long)]
    bits: CompactTarget,
    /// Mining threads (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// Previous block hash in explorer order (default: all zeros, like a genesis block).
    #[arg(long, default_value_t = BlockHash::ZERO)]
    prev: BlockHash,
    /// Text the coinbase commits to: its payout address is the first 20 bytes of
    /// SHA-256(text), so different text gives a different block.
    #[arg(long, default_value = "")]
    data: String,
    /// Header time in Unix seconds (default: now).
    #[arg(long)]
    time: Option<u32>,
    /// Height written into the coinbase.
    #[arg(long, default_value_t = 1)]
    height: u32,
    /// Tensority seed, 64 hex characters (default: the initial seed used by heights
    /// 1 to 256).
    #[arg(long, value_parser = parse_bytes32)]
    seed: Option<[u8; 32]>,
}

/// The line `chainlab mine` prints.
#[derive(Serialize)]
struct Mined {
    pow: PowChoice,
    /// The 80-byte header, hex.
    header: String,
    /// Block hash (SHA-256d), explorer order.
    hash: String,
    /// Proof-of-work hash that met the target, raw byte order.
    pow_hash: String,
    nonce: u32,
    /// The full block (header, count, coinbase), hex.
    block: String,
    tries: u64,
    seconds: f64,
    /// Tries per second.
    rate: f64,
}

impl Mine {
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let target = Target::from_compact(self.bits)?;
        let mut block = self.template()?;
        let engine: Box<dyn Engine> = match self.pow {
            PowChoice::Sha256d => Box::new(Sha256dEngine::best()),
            PowChoice::Tensority => {
                let seed = self.seed.unwrap_or_else(ledger::pow::initial_seed);
                Box::new(TensorityEngine::new(Arc::new(Cache::new(seed))))
            }
        };
        let threads = threads(self.threads)?;
        let stop = AtomicBool::new(false);
        let tried = AtomicU64::new(0);
        let control = Control {
            stop: &stop,
            tried: &tried,
        };
        let header = block.header.encode();
        let started = Instant::now();
        let target = HashTarget::from(target);
        let outcome = scan_threads(&*engine, &header, Nonces::ALL, &target, threads, &control)?;
        let seconds = started.elapsed().as_secs_f64();
        let Outcome::Found(solution) = outcome else {
            bail!(
                "no nonce meets bits {}: try another --time or --data, or easier bits",
                self.bits
            );
        };
        block.header.nonce = solution.nonce;
        let tries = tried.into_inner();
        let mined = Mined {
            pow: self.pow,
            header: hex::encode(block.header.encode()),
            hash: block.block_hash().to_string(),
            pow_hash: hex::encode(solution.hash),
            nonce: solution.nonce,
            block: hex::encode(block.encode()),
            tries,
            seconds,
            rate: tries as f64 / seconds.max(1e-9),
        };
        println!("{}", serde_json::to_string(&mined)?);
        Ok(ExitCode::SUCCESS)
    }

    /// A block with one coinbase paying the subsidy, its Merkle root in the header.
    fn template(&self) -> anyhow::Result<Block> {
        let payout: [u8; 20] = ledger::sha256(self.data.as_bytes())[..20].try_into()?;
        let subsidy = ChainParams::bitcoin_mainnet().block_subsidy(self.height);
        let coinbase = Transaction::coinbase(
            self.height,
            vec![TxOut {
                amount: subsidy,
                address: Address(payout),
            }],
        );
        let time = match self.time {
            Some(time) => time,
            None => u32::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs())
                .context("the clock is past 2106")?,
        };
        let mut block = Block {
            header: BlockHeader {
                version: 1,
                prev_blockhash: self.prev,
                merkle_root: ledger::TxMerkleNode::ZERO,
                time,
                bits: self.bits,
                nonce: 0,
            },
            transactions: vec![coinbase],
        };
        block.header.merkle_root = block.compute_merkle_root()?;
        Ok(block)
    }
}
