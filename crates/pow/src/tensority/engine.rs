//! Tensority as a scanning [`Engine`]: H is the header's SHA-256d block hash, the
//! proof-of-work hash is Tensority(H, seed).

use std::sync::Arc;

use crate::HEADER_LEN;
use crate::scan::Engine;
use crate::sha256d::Midstate;

use super::{Cache, Kernel};

/// Tensority over one seed's cache, shared by every thread that scans with it.
#[derive(Clone, Debug)]
pub struct TensorityEngine {
    cache: Arc<Cache>,
    kernel: Kernel,
}

impl TensorityEngine {
    /// An engine over `cache` using the fastest kernel this CPU supports.
    pub fn new(cache: Arc<Cache>) -> Self {
        Self::with_kernel(cache, Kernel::best())
    }

    /// An engine over `cache` using `kernel`.
    pub fn with_kernel(cache: Arc<Cache>, kernel: Kernel) -> Self {
        Self { cache, kernel }
    }

    /// The seed cache in use.
    pub fn cache(&self) -> &Arc<Cache> {
        &self.cache
    }

    /// The kernel in use.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }
}

impl Engine for TensorityEngine {
    /// A hash takes a tenth of a second or more, so check the stop flag every nonce.
    fn batch(&self) -> u64 {
        1
    }

    fn pow_hash(&self, header: &[u8; HEADER_LEN]) -> [u8; 32] {
        let nonce = u32::from_le_bytes(header[76..].try_into().unwrap());
        let block_hash = Midstate::new(header).hash(nonce);
        self.kernel.hash(&block_hash, &self.cache)
    }
}
