//! Builds the web lab: the two mining-worker bundles, then the Yew app with Trunk.

use std::path::PathBuf;

use crate::cmd::Cmd;
use crate::paths;
use crate::setup::Tools;

/// SIMD128 everywhere: every browser that runs WebGPU or the lab's UI has it, and the
/// UI and the single-thread worker then share one set of compiled dependencies.
const SIMD_RUSTFLAGS: &str = "-C target-feature=+simd128";

/// Since Rust PR #147225 `+atomics` alone no longer gives a shared memory; these link
/// arguments do (see ../shared/docs/toolchain.md).
const THREADED_RUSTFLAGS: &str = "-C target-feature=+atomics,+bulk-memory,+simd128 \
    -C link-arg=--shared-memory -C link-arg=--import-memory \
    -C link-arg=--max-memory=1073741824 -C link-arg=--export=__wasm_init_tls \
    -C link-arg=--export=__tls_size -C link-arg=--export=__tls_align \
    -C link-arg=--export=__tls_base";

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const RUSTFLAGS_VAR: &str = "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS";

#[derive(Clone, Copy)]
enum Worker {
    SingleThread,
    Threaded,
}

impl Worker {
    fn name(self) -> &'static str {
        match self {
            Worker::SingleThread => "st",
            Worker::Threaded => "mt",
        }
    }
}

pub fn build(tools: &Tools) -> anyhow::Result<()> {
    Cmd::cargo().args(["fetch", "--quiet"]).run()?;
    for worker in [Worker::SingleThread, Worker::Threaded] {
        build_worker(tools, worker)?;
    }
    Cmd::new(tools.program("trunk"))
        .args([
            "build",
            "--release",
            "--cargo-profile",
            "dist",
            "--offline",
            "--skip-version-check",
        ])
        .env("PATH", tools.path())
        .env(RUSTFLAGS_VAR, SIMD_RUSTFLAGS)
        .dir(paths::root())
        .run()
}

/// The threaded bundle needs nightly's build-std to rebuild std with atomics; it gets
/// its own target dir so it never invalidates the stable artifacts.
fn build_worker(tools: &Tools, worker: Worker) -> anyhow::Result<()> {
    let cargo = match worker {
        Worker::SingleThread => Cmd::cargo(),
        Worker::Threaded => Cmd::cargo_of("nightly"),
    };
    let mut cargo = cargo.args([
        "build",
        "--package",
        "chainlab-worker",
        "--lib",
        "--target",
        WASM_TARGET,
        "--profile",
        "dist",
    ]);
    let target_dir = match worker {
        Worker::SingleThread => {
            cargo = cargo
                .args(["--features", "gpu"])
                .env(RUSTFLAGS_VAR, SIMD_RUSTFLAGS);
            paths::target_dir()
        }
        Worker::Threaded => {
            let dir = paths::target_dir().join("wasm-threads");
            cargo = cargo
                .args(["--features", "threads,gpu"])
                .env("CARGO_UNSTABLE_BUILD_STD", "panic_abort,std")
                .env(RUSTFLAGS_VAR, THREADED_RUSTFLAGS)
                .env("CARGO_TARGET_DIR", &dir);
            dir
        }
    };
    cargo.run()?;
    let wasm = target_dir
        .join(WASM_TARGET)
        .join("dist")
        .join("chainlab_worker.wasm");
    Cmd::new(tools.program("wasm-bindgen"))
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--out-name",
            "miner",
            "--out-dir",
        ])
        .arg(
            paths::root()
                .join("www/generated/worker")
                .join(worker.name()),
        )
        .arg(wasm)
        .run()
}

/// The native binary that serves the lab, built in the profile the tests share.
pub fn build_chainlab() -> anyhow::Result<PathBuf> {
    Cmd::cargo()
        .args([
            "build",
            "--release",
            "--package",
            "chainlab",
            "--bin",
            "chainlab",
        ])
        .run()?;
    Ok(paths::target_dir().join("release").join("chainlab"))
}
