//! ChainLab's proof-of-work engines.
//!
//! Two algorithms, each with a scalar reference kept for tests and fast kernels for
//! mining: SHA-256d (Bitcoin) and Tensority (Bytom). Everything here is pure compute:
//! callers pass a stop flag and a counter so the same engines serve the CLI, the
//! threaded native miner and the browser worker.

#[cfg(feature = "gpu")]
pub mod gpu;
pub mod scan;
pub mod sha256d;
pub mod target;
pub mod tensority;

pub use scan::{Control, Engine, Nonces, Outcome, Solution};
pub use sha256d::{Sha256dEngine, Sha256dKernel};
pub use target::HashTarget;
pub use tensority::{TensorityEngine, TensorityHasher};

#[cfg(feature = "threads")]
pub use scan::{scan_parallel, scan_threads};

/// Length of a serialized (Bitcoin-layout) block header; the nonce is bytes 76..80.
pub const HEADER_LEN: usize = 80;

/// The caller raised the stop flag before the work finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("stopped before finishing")]
pub struct Stopped;
