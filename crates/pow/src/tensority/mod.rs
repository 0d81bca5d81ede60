//! Tensority, Bytom's matrix proof of work (see /shared/docs/tensority.md): a
//! per-seed cache of 256 int8 matrices, then per hash four lanes of 64 chained
//! 256×256 products, folded and hashed with SHA3-256.

pub mod cache;
mod engine;
pub mod finish;
mod hasher;
pub mod kernel;
pub mod reference;

pub use cache::Cache;
pub use engine::TensorityEngine;
pub use hasher::TensorityHasher;
pub use kernel::Kernel;
