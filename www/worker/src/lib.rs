//! The mining engine behind `www/static/miner-worker.js`.
//!
//! The worker script calls these functions on one batch of nonces at a time, posting
//! progress in between, so the page can show the rate and stop a search at once. The
//! same exports exist in both bundles: the threaded one (`--features threads`, loaded
//! only on cross-origin isolated pages) spreads each batch over a wasm-bindgen-rayon
//! pool, which may block because it runs inside a worker, never on the page's thread.

mod scan;

use scan::{HeaderJob, TextJob};

use wasm_bindgen::prelude::*;

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
