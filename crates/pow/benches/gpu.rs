//! GPU engine throughput through native wgpu, as `BENCH {"name":...,"value":...}`
//! lines for `cargo xtask bench`; the adapter goes on its own `GPU adapter:` line.
//! With no adapter both figures are `null`.
//!
//! `CHAINLAB_GPU_TENSORITY_BATCH` sets the hashes per Tensority batch (default 4; a
//! real GPU wants 64 or more to fill it).

use std::time::{Duration, Instant};

use pow::HashTarget;
use pow::gpu::{GpuContext, Sha256dGpu, TensorityGpu};
use pow::tensority::Cache;

/// Hash at least this long per figure, after one warm-up batch.
const MIN_TIME: Duration = Duration::from_secs(2);

fn report(name: &str, value: Option<f64>) {
    match value {
        Some(v) => println!("BENCH {{\"name\":\"{name}\",\"value\":{v:.1}}}"),
        None => println!("BENCH {{\"name\":\"{name}\",\"value\":null}}"),
    }
}

/// Runs `batch` (which hashes the returned number of nonces) until `MIN_TIME` has
/// passed, after one untimed warm-up call; returns hashes per second.
fn rate(mut batch: impl FnMut() -> u64) -> f64 {
    batch();
    let started = Instant::now();
    let mut hashes = 0;
    while started.elapsed() < MIN_TIME {
        hashes += batch();
    }
    hashes as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let context = match pollster::block_on(GpuContext::new()) {
        Ok(context) => context,
        Err(error) => {
            println!("GPU adapter: none ({error})");
            report("tensority_wgpu_native_hps", None);
            report("sha256d_wgpu_native_hps", None);
            return;
        }
    };
    println!(
        "GPU adapter: {} ({}, dot4I8Packed {})",
        context.adapter_name(),
        context.backend(),
        context.has_packed_dot()
    );
    let batch: usize = std::env::var("CHAINLAB_GPU_TENSORITY_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let cache = Cache::new([7; 32]);
    let tensority = TensorityGpu::new(&context, &cache, batch, context.best_dot_product());
    let header_hashes: Vec<[u8; 32]> = (0..batch).map(|i| [i as u8; 32]).collect();
    let hps = rate(|| {
        pollster::block_on(tensority.tensority_batch(&header_hashes)).expect("tensority batch");
        batch as u64
    });
    report("tensority_wgpu_native_hps", Some(hps));

    let sha = Sha256dGpu::new(&context);
    let header = [0x5a; 80];
    // No hash meets a zero target in practice, so every nonce is tried.
    let target = HashTarget::from_le_bytes([0; 32]);
    let mut start = 0u32;
    let hps = rate(|| {
        let count = 1 << 20;
        let hit = pollster::block_on(sha.sha256d_batch(&header, start, count, &target))
            .expect("sha256d batch");
        start = start.wrapping_add(count);
        hit.tried
    });
    report("sha256d_wgpu_native_hps", Some(hps));
}
