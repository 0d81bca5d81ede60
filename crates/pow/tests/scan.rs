//! Scanning: first hits agree across kernels and thread counts, counters count, and
//! the stop flag stops.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pow::sha256d::reference;
use pow::tensority::{Cache, Kernel};
use pow::{
    Control, Engine, HashTarget, Nonces, Outcome, Sha256dEngine, Sha256dKernel, TensorityEngine,
    scan_parallel,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A target met by about one hash in `2^bits`.
fn easy_target(bits: u32) -> HashTarget {
    let mut le = [0xff; 32];
    let mut remaining = bits;
    for byte in le.iter_mut().rev() {
        let take = remaining.min(8);
        *byte = 0xffu8.checked_shr(take).unwrap_or(0);
        remaining -= take;
    }
    HashTarget::from_le_bytes(le)
}

fn random_header(seed: u64) -> [u8; 80] {
    let mut header = [0u8; 80];
    ChaCha8Rng::seed_from_u64(seed).fill(&mut header[..]);
    header
}

/// The first hit found the obvious way: full SHA-256d of every header.
fn first_hit_by_reference(header: &[u8; 80], nonces: Nonces, target: &HashTarget) -> Option<u32> {
    let mut header = *header;
    nonces.iter().find(|nonce| {
        header[76..].copy_from_slice(&nonce.to_le_bytes());
        target.is_met_by(&reference(&header))
    })
}

fn run(
    engine: &impl Engine,
    header: &[u8; 80],
    nonces: Nonces,
    target: &HashTarget,
) -> (Outcome, u64) {
    let stop = AtomicBool::new(false);
    let tried = AtomicU64::new(0);
    let outcome = engine.scan(
        header,
        nonces,
        target,
        &Control {
            stop: &stop,
            tried: &tried,
        },
    );
    (outcome, tried.into_inner())
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

#[test]
fn sha256d_kernels_and_threads_find_the_reference_first_hit() {
    // 1 in 2^17: the first hit usually lies past the first 65,536-nonce batch.
    let target = easy_target(17);
    let nonces = Nonces::new(1_000, 600_000);
    let mut hits_past_first_batch = 0;
    for seed in 0..3 {
        let header = random_header(seed);
        let expected = first_hit_by_reference(&header, nonces, &target);
        if expected.is_some_and(|n| n - nonces.start() >= 1 << 16) {
            hits_past_first_batch += 1;
        }
        for kernel in [Sha256dKernel::Compress, Sha256dKernel::Lanes] {
            let engine = Sha256dEngine::new(kernel);
            let (outcome, tried) = run(&engine, &header, nonces, &target);
            match (outcome, expected) {
                (Outcome::Found(s), Some(nonce)) => {
                    assert_eq!(s.nonce, nonce, "{kernel:?}");
                    assert_eq!(tried, u64::from(nonce - nonces.start()) + 1);
                    let mut solved = header;
                    solved[76..].copy_from_slice(&nonce.to_le_bytes());
                    assert_eq!(s.hash, reference(&solved));
                }
                (Outcome::Exhausted, None) => assert_eq!(tried, nonces.count()),
                other => panic!("{kernel:?}: {other:?}"),
            }
        }
        let stop = AtomicBool::new(false);
        let tried = AtomicU64::new(0);
        let control = Control {
            stop: &stop,
            tried: &tried,
        };
        let engine = Sha256dEngine::best();
        let threaded =
            pool(3).install(|| scan_parallel(&engine, &header, nonces, &target, &control));
        match (threaded, expected) {
            (Outcome::Found(s), Some(nonce)) => assert_eq!(s.nonce, nonce),
            (Outcome::Exhausted, None) => {}
            other => panic!("threaded: {other:?}"),
        }
    }
    assert!(
        hits_past_first_batch > 0,
        "some first hit lies beyond the first batch"
    );
}

#[test]
fn exhausted_range_counts_every_try() {
    let engine = Sha256dEngine::best();
    let impossible = HashTarget::from_le_bytes([0; 32]);
    let (outcome, tried) = run(
        &engine,
        &random_header(9),
        Nonces::new(u32::MAX - 99_999, 1 << 40),
        &impossible,
    );
    assert_eq!(outcome, Outcome::Exhausted);
    assert_eq!(
        tried, 100_000,
        "the range ends at the last nonce, without wrapping"
    );
}

#[test]
fn raising_stop_ends_a_threaded_scan_quickly() {
    let engine = Sha256dEngine::best();
    let impossible = HashTarget::from_le_bytes([0; 32]);
    let stop = AtomicBool::new(false);
    let tried = AtomicU64::new(0);
    let header = random_header(4);
    let started = Instant::now();
    let outcome = std::thread::scope(|s| {
        let scan = s.spawn(|| {
            let control = Control {
                stop: &stop,
                tried: &tried,
            };
            pool(2).install(|| scan_parallel(&engine, &header, Nonces::ALL, &impossible, &control))
        });
        while tried.load(Ordering::Relaxed) < 200_000 {
            std::thread::sleep(Duration::from_millis(5));
        }
        stop.store(true, Ordering::Relaxed);
        scan.join().unwrap()
    });
    assert_eq!(outcome, Outcome::Stopped);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(tried.into_inner() < 1 << 32);
}

#[test]
fn a_raised_flag_stops_before_any_work() {
    let stop = AtomicBool::new(true);
    let tried = AtomicU64::new(0);
    let control = Control {
        stop: &stop,
        tried: &tried,
    };
    let outcome =
        Sha256dEngine::best().scan(&random_header(1), Nonces::ALL, &HashTarget::MAX, &control);
    assert_eq!(outcome, Outcome::Stopped);
    assert_eq!(tried.into_inner(), 0);
}

#[test]
fn tensority_threaded_scan_finds_the_first_hit() {
    let cache = Arc::new(Cache::new([3; 32]));
    let engine = TensorityEngine::with_kernel(cache, Kernel::best());
    let header = random_header(7);
    let nonces = Nonces::new(50, 12);
    // Half of all hashes meet this target.
    let target = easy_target(1);
    let mut trial = header;
    let expected = nonces.iter().find(|nonce| {
        trial[76..].copy_from_slice(&nonce.to_le_bytes());
        target.is_met_by(&engine.pow_hash(&trial))
    });
    let stop = AtomicBool::new(false);
    let tried = AtomicU64::new(0);
    let control = Control {
        stop: &stop,
        tried: &tried,
    };
    let outcome = pool(2).install(|| scan_parallel(&engine, &header, nonces, &target, &control));
    let nonce = expected.expect("with 12 tries at 1/2, this seed has a hit");
    let Outcome::Found(solution) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(solution.nonce, nonce);
    trial[76..].copy_from_slice(&nonce.to_le_bytes());
    assert_eq!(solution.hash, engine.pow_hash(&trial));
    assert!(target.is_met_by(&solution.hash));
}
