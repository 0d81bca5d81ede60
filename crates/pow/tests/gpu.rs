//! The WGSL engines against the CPU, bit for bit: Bytom's Tensority vectors, lanes on
//! random header hashes with both dot-product variants, and SHA-256d nonce search on
//! random headers. Runs on whatever adapter wgpu finds (lavapipe on CI); skipped with
//! a note only when there is no adapter at all.
#![cfg(feature = "gpu")]

use std::time::Instant;

use pow::gpu::{DotProduct, GpuContext, GpuError, Sha256dGpu, TensorityGpu};
use pow::sha256d::Midstate;
use pow::tensority::{Cache, Kernel, reference};
use pow::{HEADER_LEN, HashTarget};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

fn context() -> Option<GpuContext> {
    match pollster::block_on(GpuContext::new()) {
        Ok(context) => {
            println!(
                "adapter {} ({}), dot4I8Packed: {}",
                context.adapter_name(),
                context.backend(),
                context.has_packed_dot()
            );
            Some(context)
        }
        Err(GpuError::NoAdapter(why)) => {
            println!("skipped: no GPU adapter ({why})");
            None
        }
        Err(other) => panic!("{other}"),
    }
}

fn bytes32(value: &Value) -> [u8; 32] {
    hex::decode(value.as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

/// (header hash, seed, result) of every vector in the shared file.
fn vectors() -> Vec<([u8; 32], [u8; 32], [u8; 32])> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/tensority.json"
    );
    let text = std::fs::read_to_string(path).expect("shared vectors beside the repository");
    let all: Value = serde_json::from_str(&text).unwrap();
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

fn variants(context: &GpuContext) -> Vec<DotProduct> {
    let mut variants = vec![DotProduct::Unpacked];
    if context.has_packed_dot() {
        variants.push(DotProduct::Packed4x8);
    }
    variants
}

/// The first `products` products of a lane on the CPU.
fn cpu_prefix(cache: &Cache, indices: &[u8; 32], products: usize) -> Vec<i8> {
    let kernel = Kernel::best();
    let mut a = reference::identity();
    for &index in indices.iter().chain(indices).take(products) {
        a = kernel.product(&a, cache.matrix(index));
    }
    a
}

#[test]
fn tensority_vectors_on_the_gpu() {
    let Some(context) = context() else { return };
    let vectors = vectors();
    let mut seeds: Vec<[u8; 32]> = vectors.iter().map(|v| v.1).collect();
    seeds.dedup();
    for seed in seeds {
        let cache = Cache::new(seed);
        let ours: Vec<_> = vectors.iter().filter(|v| v.1 == seed).collect();
        let gpu = TensorityGpu::new(&context, &cache, ours.len(), context.best_dot_product());
        let hashes: Vec<[u8; 32]> = ours.iter().map(|v| v.0).collect();
        let started = Instant::now();
        let results = pollster::block_on(gpu.tensority_batch(&hashes)).unwrap();
        println!("{} hashes in {:?}", hashes.len(), started.elapsed());
        for (vector, result) in ours.iter().zip(results) {
            assert_eq!(hex::encode(result), hex::encode(vector.2));
        }
    }
}
