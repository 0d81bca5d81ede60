//! pow compiled to wasm32 and run in headless Chromium: Bytom's Tensority vectors
//! through every CPU kernel wasm has, the SHA-256d SIMD128 lanes against the scalar
//! path, and (built with `--features gpu`) the WGSL engines on the browser's WebGPU
//! against the CPU, bit for bit.
#![cfg(target_arch = "wasm32")]

use pow::sha256d::lanes::{self, Lanes};
use pow::sha256d::{Midstate, kernel};
use pow::tensority::{Cache, Kernel};
use pow::{HEADER_LEN, HashTarget, Nonces, Solution};
use serde_json::Value;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const VECTORS: &str = include_str!("../../../../shared/vectors/tensority.json");

fn bytes32(value: &Value) -> [u8; 32] {
    hex::decode(value.as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

/// (header hash, seed, result) of every vector in the shared file.
fn vectors() -> Vec<([u8; 32], [u8; 32], [u8; 32])> {
    let all: Value = serde_json::from_str(VECTORS).unwrap();
    all["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                bytes32(&v["block_header_hash"]),
                bytes32(&v["seed"]),
                bytes32(&v["result"]),
            )
        })
        .collect()
}

/// splitmix64: seeded test inputs without an RNG crate (getrandom has no wasm build).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        std::array::from_fn(|_| self.next() as u8)
    }
}

#[wasm_bindgen_test]
fn tensority_vectors_through_every_wasm_kernel() {
    let kernels = Kernel::available();
    assert!(
        kernels.len() >= 2,
        "portable and SIMD128 (build with -C target-feature=+simd128): {kernels:?}"
    );
    let vectors = vectors();
    let mut seeds: Vec<[u8; 32]> = vectors.iter().map(|v| v.1).collect();
    seeds.dedup();
    for seed in seeds {
        let cache = Cache::new(seed);
        for (header_hash, _, result) in vectors.iter().filter(|v| v.1 == seed) {
            for kernel in &kernels {
                let ours = kernel.hash(header_hash, &cache);
                assert_eq!(hex::encode(ours), hex::encode(result), "{}", kernel.name());
            }
        }
    }
}

#[wasm_bindgen_test]
fn sha256d_simd_lanes_match_the_scalar_path() {
    let mut rng = SplitMix(0x6c61_6e65);
    for _ in 0..64 {
        let header: [u8; HEADER_LEN] = rng.bytes();
        let midstate = Midstate::new(&header);
        let nonces: [u32; 8] = std::array::from_fn(|_| rng.next() as u32);
        let expected: Vec<_> = nonces.iter().map(|&n| midstate.hash(n)).collect();
        assert_eq!(
            kernel::hashes::<lanes::Best>(&midstate, &nonces[..lanes::Best::WIDTH]),
            expected[..lanes::Best::WIDTH]
        );
        assert_eq!(
            kernel::hashes::<lanes::Simd128>(&midstate, &nonces[..4]),
            expected[..4]
        );
        assert_eq!(
            kernel::hashes::<lanes::Portable>(&midstate, &nonces[..4]),
            expected[..4]
        );
    }
}

/// The SIMD scan's quick check on the hash's top word, then the full comparison: a
/// target equal to one nonce's hash must find that nonce or a lower one, and a target
/// one below it must not find it.
#[wasm_bindgen_test]
fn sha256d_simd_scan_decides_at_the_edge_of_the_target() {
    let mut rng = SplitMix(0x6564_6765);
    for _ in 0..64 {
        let header: [u8; HEADER_LEN] = rng.bytes();
        let midstate = Midstate::new(&header);
        let start = (rng.next() as u32).min(u32::MAX - 16);
        let batch = Nonces::new(start, 16);
        let chosen = start + (rng.next() % 16) as u32;
        let hash = midstate.hash(chosen);
        let mut below = hash;
        if let Some(i) = below.iter().position(|&b| b != 0) {
            below[i] -= 1;
            below[..i].fill(0xff);
        }
        for target in [hash, below].map(HashTarget::from_le_bytes) {
            let expected = batch.iter().find_map(|nonce| {
                let hash = midstate.hash(nonce);
                target.is_met_by(&hash).then_some(Solution { nonce, hash })
            });
            assert_eq!(
                kernel::scan::<lanes::Best>(&midstate, batch, &target),
                expected
            );
            assert_eq!(
                kernel::scan::<lanes::Simd128>(&midstate, batch, &target),
                expected
            );
        }
        let found = kernel::scan::<lanes::Best>(&midstate, batch, &HashTarget::from_le_bytes(hash));
        assert!(found.is_some_and(|s| s.nonce <= chosen));
    }
}

#[cfg(feature = "gpu")]
mod webgpu {
    use pow::gpu::{GpuContext, GpuError, Sha256dGpu, TensorityGpu};
    use pow::tensority::finish::index_sequence;
    use pow::tensority::reference;

    use super::*;

    async fn context() -> Option<GpuContext> {
        match GpuContext::new().await {
            Ok(context) => {
                web_sys_log(&format!(
                    "WebGPU adapter {} ({}), dot4I8Packed {}",
                    context.adapter_name(),
                    context.backend(),
                    context.has_packed_dot()
                ));
                Some(context)
            }
            Err(GpuError::NoAdapter(why)) => {
                web_sys_log(&format!("skipped: no WebGPU adapter ({why})"));
                None
            }
            Err(other) => panic!("{other}"),
        }
    }

    fn web_sys_log(line: &str) {
        wasm_bindgen_test::console_log!("{line}");
    }

    #[wasm_bindgen_test]
    async fn sha256d_search_equals_the_cpu_scan() {
        let Some(context) = context().await else {
            return;
        };
        let gpu = Sha256dGpu::new(&context);
        let mut rng = SplitMix(0x7765_6267);
        // About one hash in 4,096 meets it.
        let mut target = [0xff; 32];
        target[31] = 0;
        target[30] = 0x0f;
        let target = HashTarget::from_le_bytes(target);
        for _ in 0..4 {
            let header: [u8; HEADER_LEN] = rng.bytes();
            let start = rng.next() as u32 >> 1;
            let count = 1 << 14;
            let midstate = Midstate::new(&header);
            let expected = (start..start + count).find(|&n| target.is_met_by(&midstate.hash(n)));
            let found = gpu
                .sha256d_batch(&header, start, count, &target)
                .await
                .unwrap();
            assert_eq!(found.nonce, expected);
        }
    }

    #[wasm_bindgen_test]
    async fn tensority_on_webgpu_equals_the_cpu() {
        let Some(context) = context().await else {
            return;
        };
        let (header_hash, seed, result) = vectors()[0];
        let cache = Cache::new(seed);
        let gpu = TensorityGpu::new(&context, &cache, 1, context.best_dot_product());
        let sequences: Vec<[u8; 32]> = (0..4).map(|k| index_sequence(&header_hash, k)).collect();
        let lanes = gpu.lanes(&sequences, 2).await.unwrap();
        for (q, lane) in sequences.iter().zip(lanes) {
            let first = reference::product(&reference::identity(), cache.matrix(q[0]));
            assert_eq!(lane, reference::product(&first, cache.matrix(q[1])));
        }
        let hashes = gpu.tensority_batch(&[header_hash]).await.unwrap();
        assert_eq!(hex::encode(hashes[0]), hex::encode(result));
    }
}
