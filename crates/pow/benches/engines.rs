//! Engine throughput, one `BENCH {"name":...,"value":...}` line per figure for
//! `cargo xtask bench`. Each figure scans with an impossible target for a fixed time
//! and divides the engine's own tries counter by the elapsed time.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pow::tensority::{Cache, Kernel};
use pow::{
    Control, Engine, HashTarget, Nonces, Sha256dEngine, Sha256dKernel, TensorityEngine,
    scan_parallel,
};

const SHA256D_TIME: Duration = Duration::from_secs(3);
const TENSORITY_TIME: Duration = Duration::from_secs(5);

fn report(name: &str, value: f64) {
    println!("BENCH {{\"name\":\"{name}\",\"value\":{value:.1}}}");
}

/// Hashes per second of `engine` scanning on `threads` threads for about `time`.
fn rate(engine: &(impl Engine + ?Sized), threads: usize, time: Duration) -> f64 {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let stop = AtomicBool::new(false);
    let tried = AtomicU64::new(0);
    let header = [0x42; 80];
    let impossible = HashTarget::from_le_bytes([0; 32]);
    let started = Instant::now();
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(time);
            stop.store(true, Ordering::Relaxed);
        });
        let control = Control {
            stop: &stop,
            tried: &tried,
        };
        pool.install(|| scan_parallel(engine, &header, Nonces::ALL, &impossible, &control));
    });
    tried.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    report("cores", cores as f64);

    let sha256d = Sha256dEngine::best();
    report("sha256d_native_hps_1t", rate(&sha256d, 1, SHA256D_TIME));
    report(
        "sha256d_native_hps_all",
        rate(&sha256d, cores, SHA256D_TIME),
    );
    // The browser's lane kernel compiled natively at the same 128-bit width: how close
    // the wasm figure comes to what this CPU allows without SHA instructions.
    let lanes = Sha256dEngine::new(Sha256dKernel::Lanes);
    report("sha256d_native_lanes_hps_1t", rate(&lanes, 1, SHA256D_TIME));

    let cache = Arc::new(Cache::new([0; 32]));
    let tensority = TensorityEngine::with_kernel(cache, Kernel::best());
    eprintln!("tensority kernel: {}", tensority.kernel().name());
    report(
        "tensority_native_hps_1t",
        rate(&tensority, 1, TENSORITY_TIME),
    );
    report(
        "tensority_native_hps_all",
        rate(&tensority, cores, TENSORITY_TIME),
    );
}
