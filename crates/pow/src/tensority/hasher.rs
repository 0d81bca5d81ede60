//! Tensority behind ledger's [`PowHasher`], so chain validation can check Tensority
//! blocks without knowing about caches or kernels.

use std::sync::{Arc, Mutex};

use ledger::{BlockHeader, PowHasher};

use super::{Cache, Kernel};

/// Seed caches kept: the current seed and the previous one, which is what a node
/// needs around a seed change (a reorg across it, or a late block).
const KEPT_CACHES: usize = 2;

/// Validates Tensority headers: Tensority(block hash, seed) with the fastest kernel,
/// building each seed's 16 MiB cache on first use and keeping the last two.
#[derive(Debug)]
pub struct TensorityHasher {
    kernel: Kernel,
    caches: Mutex<Vec<Arc<Cache>>>,
}

impl Default for TensorityHasher {
    fn default() -> Self {
        Self::new(Kernel::best())
    }
}

impl TensorityHasher {
    /// A hasher using `kernel`, with no cache built yet.
    pub fn new(kernel: Kernel) -> Self {
        Self {
            kernel,
            caches: Mutex::new(Vec::new()),
        }
    }

    /// The cache for `seed`, built now if it is not one of the last two used.
    pub fn cache_for(&self, seed: &[u8; 32]) -> Arc<Cache> {
        let mut caches = self.caches.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(position) = caches.iter().position(|c| c.seed() == seed) {
            let cache = caches.remove(position);
            caches.push(cache.clone());
            return cache;
        }
        let cache = Arc::new(Cache::new(*seed));
        if caches.len() == KEPT_CACHES {
            caches.remove(0);
        }
        caches.push(cache.clone());
        cache
    }
}

impl PowHasher for TensorityHasher {
    fn pow_hash(&self, header: &BlockHeader, seed: &[u8; 32]) -> [u8; 32] {
        let cache = self.cache_for(seed);
        self.kernel
            .hash(&header.block_hash().to_byte_array(), &cache)
    }
}
