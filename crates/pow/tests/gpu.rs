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

#[test]
fn first_products_of_every_vector_lane_match_the_cpu_with_both_variants() {
    let Some(context) = context() else { return };
    let products = 3;
    for (header_hash, seed, _) in vectors() {
        let cache = Cache::new(seed);
        let sequences: Vec<[u8; 32]> = (0..4)
            .map(|k| pow::tensority::finish::index_sequence(&header_hash, k))
            .collect();
        let expected: Vec<Vec<i8>> = sequences
            .iter()
            .map(|q| cpu_prefix(&cache, q, products))
            .collect();
        for dot in variants(&context) {
            let gpu = TensorityGpu::new(&context, &cache, 1, dot);
            let lanes = pollster::block_on(gpu.lanes(&sequences, products)).unwrap();
            assert!(
                lanes == expected,
                "{dot:?} lanes differ for {}",
                hex::encode(header_hash)
            );
        }
    }
}

#[test]
fn random_header_hashes_match_the_cpu_bit_for_bit() {
    let Some(context) = context() else { return };
    let mut rng = ChaCha8Rng::seed_from_u64(0x6770_7531);
    let cache = Cache::new(rng.r#gen());
    let sequences: Vec<[u8; 32]> = (0..8).map(|_| rng.r#gen()).collect();
    for (dot, products) in variants(&context).into_iter().zip([5, 4]) {
        let gpu = TensorityGpu::new(&context, &cache, 2, dot);
        let lanes = pollster::block_on(gpu.lanes(&sequences, products)).unwrap();
        for (q, lane) in sequences.iter().zip(&lanes) {
            assert!(
                *lane == cpu_prefix(&cache, q, products),
                "{dot:?} differs on {}",
                hex::encode(q)
            );
        }
    }
    // One whole hash through the fallback variant (the vectors use the best one).
    let gpu = TensorityGpu::new(&context, &cache, 1, DotProduct::Unpacked);
    let header_hash: [u8; 32] = rng.r#gen();
    let ours = pollster::block_on(gpu.tensority_batch(&[header_hash])).unwrap();
    assert_eq!(ours, vec![Kernel::best().hash(&header_hash, &cache)]);
}

#[test]
fn tensority_search_hashes_the_header_like_the_cpu_engine() {
    let Some(context) = context() else { return };
    let cache = std::sync::Arc::new(Cache::new([3; 32]));
    let gpu = TensorityGpu::new(&context, &cache, 1, context.best_dot_product());
    let mut header = [0x11; HEADER_LEN];
    let nonce = 0xffff_ffff;
    let found = pollster::block_on(gpu.tensority_search(&header, nonce, 1, &HashTarget::MAX))
        .unwrap()
        .expect("every hash meets the easiest target");
    header[76..].copy_from_slice(&nonce.to_le_bytes());
    let engine = pow::TensorityEngine::new(cache);
    assert_eq!(found.nonce, nonce);
    assert_eq!(found.hash, pow::Engine::pow_hash(&engine, &header));
    let too_many = pollster::block_on(gpu.tensority_batch(&[[0; 32]; 2]));
    assert!(matches!(too_many, Err(GpuError::BatchTooLarge { .. })));
}

/// The lowest nonce in the range meeting `target`, scanned on the CPU.
fn cpu_lowest(
    header: &[u8; HEADER_LEN],
    start: u32,
    count: u32,
    target: &HashTarget,
) -> Option<u32> {
    let midstate = Midstate::new(header);
    (start..=start.saturating_add(count - 1)).find(|&n| target.is_met_by(&midstate.hash(n)))
}

#[test]
fn sha256d_search_finds_the_cpu_nonce_on_random_headers() {
    let Some(context) = context() else { return };
    let gpu = Sha256dGpu::new(&context);
    let mut rng = ChaCha8Rng::seed_from_u64(0x5348_4132);
    // About one hash in 4,096 meets it: the top 12 bits of the LE number are zero.
    let mut target = [0xff; 32];
    target[31] = 0;
    target[30] = 0x0f;
    let target = HashTarget::from_le_bytes(target);
    let mut hits = 0;
    for _ in 0..6 {
        let header: [u8; HEADER_LEN] = std::array::from_fn(|_| rng.r#gen());
        let start: u32 = rng.r#gen();
        let count = 1 << 14;
        let expected = cpu_lowest(&header, start, count, &target);
        let found = pollster::block_on(gpu.sha256d_batch(&header, start, count, &target)).unwrap();
        assert_eq!(found.nonce, expected);
        assert!(found.tried <= u64::from(count));
        hits += usize::from(expected.is_some());
    }
    assert!(
        hits >= 3,
        "the target is easy enough to hit most ranges ({hits} of 6)"
    );
}

#[test]
fn sha256d_search_counts_every_try_when_nothing_hits() {
    let Some(context) = context() else { return };
    let gpu = Sha256dGpu::new(&context);
    let header = [0x42; HEADER_LEN];
    let impossible = HashTarget::from_le_bytes([0; 32]);
    let found = pollster::block_on(gpu.sha256d_batch(&header, 1000, 5000, &impossible)).unwrap();
    assert_eq!(found.nonce, None);
    assert_eq!(found.tried, 5000);
    let at_the_end =
        pollster::block_on(gpu.sha256d_batch(&header, u32::MAX - 9, 5000, &HashTarget::MAX))
            .unwrap();
    assert_eq!(
        at_the_end.nonce,
        Some(u32::MAX - 9),
        "the range stops at 2^32 - 1"
    );
    assert!(at_the_end.tried <= 10);
}
