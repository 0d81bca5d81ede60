//! The GPU engines (pow's WGSL shaders through WebGPU) as worker exports. WebGPU
//! answers only through the event loop, so every search returns a Promise; the
//! worker script awaits it between its progress reports, as it does for the CPU.

use std::cell::RefCell;
use std::rc::Rc;

use pow::gpu::{GpuContext, Sha256dGpu, TensorityGpu};
use pow::{HEADER_LEN, HashTarget};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::scan::HeaderJob;
use crate::{Tensority, TensorityHit};

/// An open WebGPU device with the SHA-256d pipeline and, once loaded, one seed's
/// Tensority cache.
#[wasm_bindgen]
pub struct Gpu {
    context: GpuContext,
    sha256d: Rc<Sha256dGpu>,
    tensority: RefCell<Option<Rc<TensorityGpu>>>,
}

#[wasm_bindgen]
impl Gpu {
    /// Opens the default adapter; rejects with a learner-readable reason when there
    /// is none (no `navigator.gpu`, or no adapter behind it).
    pub async fn open() -> Result<Gpu, JsError> {
        let context = GpuContext::new().await.map_err(gpu_error)?;
        let sha256d = Rc::new(Sha256dGpu::new(&context));
        Ok(Self {
            context,
            sha256d,
            tensority: RefCell::new(None),
        })
    }

    /// The adapter's name as the browser reports it (e.g. "SwiftShader").
    #[wasm_bindgen(getter)]
    pub fn adapter(&self) -> String {
        self.context.adapter_name().to_owned()
    }

    /// Uploads `cache`'s matrices, sized for `capacity` hashes per batch, unless that
    /// seed is already on the device.
    pub fn load_tensority(&self, cache: &Tensority, capacity: u32) {
        let mut slot = self.tensority.borrow_mut();
        let loaded = slot.as_ref().is_some_and(|engine| {
            engine.seed() == cache.job.seed() && engine.capacity() >= capacity as usize
        });
        if !loaded {
            let dot = self.context.best_dot_product();
            let engine =
                TensorityGpu::new(&self.context, cache.job.cache(), capacity as usize, dot);
            *slot = Some(Rc::new(engine));
        }
    }

    /// Promise of the lowest nonce in `start..start + count` whose SHA-256d meets the
    /// header's own target, or `undefined`.
    pub fn sha256d_batch(
        &self,
        header: &[u8],
        start: u32,
        count: u32,
    ) -> Result<js_sys::Promise, JsError> {
        let (header, target) = header_and_target(header)?;
        let engine = self.sha256d.clone();
        Ok(future_to_promise(async move {
            let hit = engine
                .sha256d_batch(&header, start, count, &target)
                .await
                .map_err(|e| JsValue::from(gpu_error(e)))?;
            Ok(hit.nonce.map_or(JsValue::UNDEFINED, JsValue::from))
        }))
    }

    /// Promise of Tensority(H, seed) for each 32-byte H in `header_hashes` (all
    /// concatenated), concatenated the same way.
    pub fn tensority_hashes(&self, header_hashes: &[u8]) -> Result<js_sys::Promise, JsError> {
        let engine = self.tensority_engine()?;
        let hashes: Vec<[u8; 32]> = header_hashes
            .chunks_exact(32)
            .map(|h| h.try_into().expect("32-byte chunks"))
            .collect();
        Ok(future_to_promise(async move {
            let results = engine
                .tensority_batch(&hashes)
                .await
                .map_err(|e| JsValue::from(gpu_error(e)))?;
            Ok(js_sys::Uint8Array::from(results.concat().as_slice()).into())
        }))
    }

    /// Promise of the lowest winning Tensority nonce as a `TensorityHit`, or `undefined`.
    pub fn tensority_batch(
        &self,
        header: &[u8],
        start: u32,
        count: u32,
    ) -> Result<js_sys::Promise, JsError> {
        let engine = self.tensority_engine()?;
        let (header, target) = header_and_target(header)?;
        Ok(future_to_promise(async move {
            let found = engine
                .tensority_search(&header, start, count, &target)
                .await
                .map_err(|e| JsValue::from(gpu_error(e)))?;
            Ok(found.map_or(JsValue::UNDEFINED, |solution| {
                TensorityHit {
                    nonce: solution.nonce,
                    hash: solution.hash.to_vec(),
                }
                .into()
            }))
        }))
    }

    fn tensority_engine(&self) -> Result<Rc<TensorityGpu>, JsError> {
        self.tensority
            .borrow()
            .clone()
            .ok_or_else(|| JsError::new("no Tensority cache is on the GPU yet: load one first"))
    }
}

fn header_and_target(bytes: &[u8]) -> Result<([u8; HEADER_LEN], HashTarget), JsError> {
    let job = HeaderJob::new(bytes).map_err(|e| JsError::new(&e.to_string()))?;
    Ok((*job.header(), *job.target()))
}

fn gpu_error(error: pow::gpu::GpuError) -> JsError {
    JsError::new(&error.to_string())
}
