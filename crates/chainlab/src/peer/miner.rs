//! Mining on the current block template in a thread of its own.
//!
//! Hashing blocks the thread for as long as it runs, so it never runs on the async
//! event loop: each job gets a plain thread with a rayon pool of `threads` threads.
//! When the tip changes the old job's stop flag is set, so no hashing is wasted on
//! a template whose parent is no longer the tip, and a new job starts.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use ledger::target::TargetError;
use ledger::{Block, BlockHash, Chain, PowAlgorithm, Target};
use pow::tensority::Cache;
use pow::{Control, Engine, HashTarget, Nonces, Outcome, Sha256dEngine, TensorityEngine};
use tokio::sync::mpsc::UnboundedSender;

/// What a job ends with.
#[derive(Debug)]
pub enum Mined {
    /// A block whose proof of work meets its target.
    Block(Block),
    /// Every nonce was tried; the caller should start again with a fresh template.
    Exhausted,
}

/// The running job, if any.
pub struct Miner {
    threads: usize,
    results: UnboundedSender<Mined>,
    job: Option<Job>,
    /// Hashes tried over every job: the status report's hash rate comes from it.
    tried: Arc<AtomicU64>,
}

struct Job {
    parent: BlockHash,
    stop: Arc<AtomicBool>,
}

impl Miner {
    pub fn new(threads: usize, results: UnboundedSender<Mined>) -> Self {
        Self {
            threads: threads.max(1),
            results,
            job: None,
            tried: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Hashes tried since the miner was made.
    pub fn hashes_tried(&self) -> u64 {
        self.tried.load(Ordering::Relaxed)
    }

    /// Whether a job is hashing on top of `tip`.
    pub fn is_mining_on(&self, tip: BlockHash) -> bool {
        self.job.as_ref().is_some_and(|job| job.parent == tip)
    }

    /// Stops the current job (if any) and starts hashing `template`.
    pub fn start(&mut self, template: Block, chain: &Chain) -> Result<(), TargetError> {
        self.stop();
        let target = HashTarget::from(Target::from_compact(template.header.bits)?);
        let engine = engine_for(chain, &template);
        let stop = Arc::new(AtomicBool::new(false));
        self.job = Some(Job {
            parent: template.header.prev_blockhash,
            stop: stop.clone(),
        });
        let threads = self.threads;
        let results = self.results.clone();
        let tried = self.tried.clone();
        std::thread::spawn(move || {
            let control = Control {
                stop: &stop,
                tried: &tried,
            };
            let mined = mine(&*engine, template, &target, threads, &control);
            if let Some(mined) = mined {
                let _ = results.send(mined);
            }
        });
        Ok(())
    }

    pub fn stop(&mut self) {
        if let Some(job) = self.job.take() {
            job.stop.store(true, Ordering::Relaxed);
        }
    }
}

impl Drop for Miner {
    fn drop(&mut self) {
        self.stop();
    }
}

fn engine_for(chain: &Chain, template: &Block) -> Box<dyn Engine + Send> {
    match chain.params().pow {
        PowAlgorithm::Sha256d => Box::new(Sha256dEngine::best()),
        PowAlgorithm::Tensority { .. } => {
            let seed = chain.seed_for_child(&template.header.prev_blockhash);
            Box::new(TensorityEngine::new(Arc::new(Cache::new(seed))))
        }
    }
}

/// `None` when stopped: the tip moved on and the caller already knows.
fn mine(
    engine: &dyn Engine,
    mut block: Block,
    target: &HashTarget,
    threads: usize,
    control: &Control<'_>,
) -> Option<Mined> {
    let header = block.header.encode();
    let outcome = pow::scan_threads(engine, &header, Nonces::ALL, target, threads, control)
        .unwrap_or(Outcome::Stopped);
    match outcome {
        Outcome::Found(solution) => {
            block.header.nonce = solution.nonce;
            Some(Mined::Block(block))
        }
        Outcome::Exhausted => Some(Mined::Exhausted),
        Outcome::Stopped => None,
    }
}
