//! The mining engine behind `www/static/miner-worker.js`.
//!
//! The worker script calls these functions on one batch of nonces at a time, posting
//! progress in between, so the page can show the rate and stop a search at once. The
//! same exports exist in both bundles: the threaded one (`--features threads`, loaded
//! only on cross-origin isolated pages) spreads each batch over a wasm-bindgen-rayon
//! pool, which may block because it runs inside a worker, never on the page's thread.

#[cfg(feature = "gpu")]
mod gpu;
mod scan;
mod tensority;

use scan::{HeaderJob, TextJob};
use tensority::TensorityJob;

use wasm_bindgen::prelude::*;

#[cfg(feature = "gpu")]
pub use gpu::Gpu;
#[cfg(feature = "threads")]
pub use wasm_bindgen_rayon::init_thread_pool;

/// Searches `count` nonces from `start` for one where SHA-256(text + decimal nonce)
/// starts with `zero_bits` zero bits; returns the lowest such nonce, if any.
///
/// Nonces travel as JavaScript numbers, exact up to 2^53: far beyond any search a
/// learner will wait for.
#[wasm_bindgen]
pub fn text_batch(text: &str, zero_bits: u32, start: f64, count: u32) -> Option<f64> {
    let job = TextJob::new(text, zero_bits);
    job.search(start as u64, u64::from(count))
        .map(|nonce| nonce as f64)
}

/// Searches `count` nonces from `start` for one that makes the 80-byte `header`
/// (Bitcoin layout, nonce in bytes 76..80) meet the target in its own `bits` field.
/// Returns the lowest such nonce; nonces stop at 2^32 - 1 (the caller then changes
/// the time field, as real miners do).
#[wasm_bindgen]
pub fn header_batch(header: &[u8], start: u32, count: u32) -> Result<Option<u32>, JsError> {
    let job = HeaderJob::new(header).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(job.search(start, u64::from(count)))
}

/// One seed's Tensority cache inside the worker. Building it takes about a second, so
/// the worker keeps it while the seed stays the same.
#[wasm_bindgen]
pub struct Tensority {
    job: TensorityJob,
}

/// A Tensority nonce that met the target, with its proof-of-work hash (raw byte order).
#[wasm_bindgen]
pub struct TensorityHit {
    nonce: u32,
    hash: Vec<u8>,
}

#[wasm_bindgen]
impl TensorityHit {
    #[wasm_bindgen(getter)]
    pub fn nonce(&self) -> u32 {
        self.nonce
    }

    #[wasm_bindgen(getter)]
    pub fn hash(&self) -> Vec<u8> {
        self.hash.clone()
    }
}

/// One hash taken apart for the lesson (see the worker's `tensority::Stages`).
#[wasm_bindgen(getter_with_clone)]
pub struct TensorityStages {
    /// 128 bytes: the seed and three SHA3 rounds of it.
    pub extended_seed: Vec<u8>,
    /// 4 × 32 matrix indices, lane after lane.
    pub indices: Vec<u8>,
    /// Lane 0's first product, 256×256 int8, row-major.
    pub first_product: Vec<i8>,
    /// Tensority(H, seed), raw byte order.
    pub hash: Vec<u8>,
}

#[wasm_bindgen]
impl Tensority {
    /// Builds the cache for the 32-byte `seed`, calling `on_round(done)` after each of
    /// the 128 rounds (the worker posts these to the page as they happen).
    #[wasm_bindgen(constructor)]
    pub fn new(seed: &[u8], on_round: &js_sys::Function) -> Result<Tensority, JsError> {
        let seed = bytes32(seed, "seed")?;
        let job = TensorityJob::build(seed, |done| {
            let _ = on_round.call1(&JsValue::NULL, &JsValue::from(done as u32));
        });
        Ok(Self { job })
    }

    /// The seed this cache was built from.
    #[wasm_bindgen(getter)]
    pub fn seed(&self) -> Vec<u8> {
        self.job.seed().to_vec()
    }

    /// Tensority(H, seed) for a 32-byte header hash H.
    pub fn hash(&self, header_hash: &[u8]) -> Result<Vec<u8>, JsError> {
        Ok(self
            .job
            .hash(&bytes32(header_hash, "header hash")?)
            .to_vec())
    }

    /// Every stage of one hash for the lesson: see `TensorityStages`.
    pub fn stages(&self, header_hash: &[u8]) -> Result<TensorityStages, JsError> {
        let stages = self.job.stages(&bytes32(header_hash, "header hash")?);
        Ok(TensorityStages {
            extended_seed: stages.extended_seed.to_vec(),
            indices: stages.indices.concat(),
            first_product: stages.first_product,
            hash: stages.hash.to_vec(),
        })
    }

    /// Like `header_batch`, with Tensority(SHA-256d(header), seed) as the work hash.
    pub fn header_batch(
        &self,
        header: &[u8],
        start: u32,
        count: u32,
    ) -> Result<Option<TensorityHit>, JsError> {
        let job = HeaderJob::new(header).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(self
            .job
            .search(&job, start, u64::from(count))
            .map(|solution| TensorityHit {
                nonce: solution.nonce,
                hash: solution.hash.to_vec(),
            }))
    }
}

fn bytes32(bytes: &[u8], what: &str) -> Result<[u8; 32], JsError> {
    bytes
        .try_into()
        .map_err(|_| JsError::new(&format!("a {what} is 32 bytes, got {}", bytes.len())))
}
