//! The nonce-scanning interface every engine implements, and the threaded scanner
//! built on it.
//!
//! An engine scans a range of nonces in batches: between batches it adds the batch to
//! the shared `tried` counter and checks the `stop` flag, so a UI can show the rate
//! and stop the search at once. The browser worker calls [`Engine::scan`] directly on
//! small ranges and posts progress between calls; native code spreads the range over
//! threads with [`scan_parallel`].

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::{HEADER_LEN, HashTarget};

/// A contiguous range of 32-bit nonces: `count` nonces from `start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nonces {
    start: u32,
    count: u64,
}

impl Nonces {
    /// Every nonce, 0 to 2^32 - 1.
    pub const ALL: Self = Self {
        start: 0,
        count: 1 << 32,
    };

    /// `count` nonces from `start`, cut short at 2^32 - 1 (nonces do not wrap).
    pub fn new(start: u32, count: u64) -> Self {
        let room = (1u64 << 32) - u64::from(start);
        Self {
            start,
            count: count.min(room),
        }
    }

    /// The first nonce.
    pub fn start(&self) -> u32 {
        self.start
    }

    /// How many nonces the range holds.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The `index`-th sub-range of `size` nonces (the last one may be shorter).
    fn chunk(&self, index: u64, size: u64) -> Self {
        let offset = index * size;
        Self::new(self.start + offset as u32, size.min(self.count - offset))
    }

    /// Iterates the nonces in order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + use<> {
        let start = u64::from(self.start);
        (start..start + self.count).map(|n| n as u32)
    }
}

/// What the caller shares with a running scan.
#[derive(Clone, Copy, Debug)]
pub struct Control<'a> {
    /// Set it to stop the scan; engines check it at least every batch.
    pub stop: &'a AtomicBool,
    /// Nonces tried so far, updated once per batch.
    pub tried: &'a AtomicU64,
}

impl Control<'_> {
    fn should_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn count(&self, tries: u64) {
        self.tried.fetch_add(tries, Ordering::Relaxed);
    }
}

/// A nonce whose proof-of-work hash meets the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Solution {
    /// The winning nonce.
    pub nonce: u32,
    /// Its proof-of-work hash, raw byte order.
    pub hash: [u8; 32],
}

/// How a scan ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A nonce met the target (the lowest one in the range for every scanner here).
    Found(Solution),
    /// Every nonce in the range was tried and none met the target.
    Exhausted,
    /// The stop flag was raised first.
    Stopped,
}

/// A proof-of-work function that can search nonces.
pub trait Engine: Sync {
    /// Nonces tried between two stop checks and counter updates.
    fn batch(&self) -> u64;

    /// The proof-of-work hash of a complete header (nonce in bytes 76..80).
    fn pow_hash(&self, header: &[u8; HEADER_LEN]) -> [u8; 32];

    /// Tries `nonces` in increasing order; returns the first that meets `target`.
    fn scan(
        &self,
        header: &[u8; HEADER_LEN],
        nonces: Nonces,
        target: &HashTarget,
        control: &Control<'_>,
    ) -> Outcome {
        scan_batches(nonces, self.batch(), control, |batch| {
            let mut header = *header;
            batch.iter().find_map(|nonce| {
                header[76..].copy_from_slice(&nonce.to_le_bytes());
                let hash = self.pow_hash(&header);
                target.is_met_by(&hash).then_some(Solution { nonce, hash })
            })
        })
    }
}

/// Runs `try_batch` on consecutive batches, counting and checking `stop` in between.
pub fn scan_batches(
    nonces: Nonces,
    batch: u64,
    control: &Control<'_>,
    mut try_batch: impl FnMut(Nonces) -> Option<Solution>,
) -> Outcome {
    let batches = nonces.count.div_ceil(batch);
    for index in 0..batches {
        if control.should_stop() {
            return Outcome::Stopped;
        }
        let range = nonces.chunk(index, batch);
        let found = try_batch(range);
        match found {
            Some(solution) => {
                control.count(u64::from(solution.nonce - range.start) + 1);
                return Outcome::Found(solution);
            }
            None => control.count(range.count),
        }
    }
    Outcome::Exhausted
}

/// Scans `nonces` on every thread of the current rayon pool (run it inside
/// `ThreadPool::install` to choose the thread count) and returns the same answer as a
/// single-threaded scan: the lowest winning nonce.
///
/// Threads claim batches in increasing order. Once batch k holds a hit, no batch after
/// k is started, while every batch before k was already claimed and runs to the end.
#[cfg(feature = "threads")]
pub fn scan_parallel<E: Engine + ?Sized>(
    engine: &E,
    header: &[u8; HEADER_LEN],
    nonces: Nonces,
    target: &HashTarget,
    control: &Control<'_>,
) -> Outcome {
    let batch = engine.batch();
    let batches = nonces.count.div_ceil(batch);
    let next = AtomicU64::new(0);
    let first_hit = AtomicU64::new(u64::MAX);
    let best = std::sync::Mutex::new(None::<Solution>);
    let stopped = AtomicBool::new(false);
    rayon::broadcast(|_| {
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            if index >= batches || index > first_hit.load(Ordering::Relaxed) {
                return;
            }
            match engine.scan(header, nonces.chunk(index, batch), target, control) {
                Outcome::Found(found) => {
                    first_hit.fetch_min(index, Ordering::Relaxed);
                    let mut best = best.lock().unwrap_or_else(|e| e.into_inner());
                    if best.is_none_or(|b| found.nonce < b.nonce) {
                        *best = Some(found);
                    }
                }
                Outcome::Stopped => {
                    stopped.store(true, Ordering::Relaxed);
                    return;
                }
                Outcome::Exhausted => {}
            }
        }
    });
    let best = best.into_inner().unwrap_or_else(|e| e.into_inner());
    match (best, stopped.into_inner()) {
        (Some(solution), _) => Outcome::Found(solution),
        (None, true) => Outcome::Stopped,
        (None, false) => Outcome::Exhausted,
    }
}

/// [`scan_parallel`] on a pool of its own with `threads` threads (at least one).
#[cfg(feature = "threads")]
pub fn scan_threads<E: Engine + ?Sized>(
    engine: &E,
    header: &[u8; HEADER_LEN],
    nonces: Nonces,
    target: &HashTarget,
    threads: usize,
    control: &Control<'_>,
) -> Result<Outcome, rayon::ThreadPoolBuildError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()?;
    Ok(pool.install(|| scan_parallel(engine, header, nonces, target, control)))
}
