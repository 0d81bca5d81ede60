//! `cargo xtask test`: every test, in the order that fails fastest.

use std::path::Path;

use anyhow::bail;

use crate::cmd::Cmd;
use crate::{e2e, paths, setup, web};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub fn run(args: &[String]) -> anyhow::Result<()> {
    if let Some(flag) = args.first() {
        bail!("cargo xtask test takes no arguments (got {flag})");
    }
    browsers_present()?;
    let tools = setup::all()?;
    Cmd::cargo().args(["fmt", "--all", "--", "--check"]).run()?;
    Cmd::cargo()
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--release",
        ])
        .args(["--", "-D", "warnings"])
        .run()?;
    Cmd::cargo()
        .args(["test", "--workspace", "--release"])
        .run()?;
    shaders_on_lavapipe()?;
    wasm_in_browser(&tools)?;
    web::build(&tools)?;
    let chainlab = web::build_chainlab()?;
    e2e::run(&tools, &chainlab)
}

fn browsers_present() -> anyhow::Result<()> {
    let missing: Vec<_> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|program| !Path::new(program).exists())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    bail!(
        "the browser tests need Debian's Chromium and ChromeDriver ({} missing).\n\
         Install them with:\n\n    sudo apt-get update && sudo apt-get install -y chromium chromium-driver mesa-vulkan-drivers\n",
        missing.join(", ")
    )
}

/// The WGSL shaders on real Vulkan: Mesa's lavapipe runs them on the CPU, bit for bit
/// against the CPU kernels.
fn shaders_on_lavapipe() -> anyhow::Result<()> {
    let runtime = paths::target_dir().join("xdg-runtime");
    std::fs::create_dir_all(&runtime)?;
    Cmd::cargo()
        .args([
            "test",
            "--release",
            "--package",
            "pow",
            "--features",
            "gpu",
            "--test",
            "gpu",
        ])
        .env("WGPU_BACKEND", "vulkan")
        .env("VK_DRIVER_FILES", LAVAPIPE_ICD)
        .env("XDG_RUNTIME_DIR", runtime)
        .run()
}

const LAVAPIPE_ICD: &str = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";

/// The ledger and pow crates' `browser` test targets, compiled to wasm and run by
/// wasm-bindgen-test-runner in headless Chromium (pow's on WebGPU too, on SwiftShader).
fn wasm_in_browser(tools: &setup::Tools) -> anyhow::Result<()> {
    let config = paths::target_dir().join("webdriver.json");
    std::fs::create_dir_all(paths::target_dir())?;
    std::fs::write(&config, webdriver_json())?;
    let suites: [&[&str]; 2] = [
        &["--package", "ledger"],
        &[
            "--package",
            "pow",
            "--no-default-features",
            "--features",
            "gpu",
        ],
    ];
    for suite in suites {
        Cmd::cargo()
            .args([
                "test",
                "--release",
                "--target",
                "wasm32-unknown-unknown",
                "--test",
                "browser",
            ])
            .args(suite)
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                tools.program("wasm-bindgen-test-runner"),
            )
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
                "-C target-feature=+simd128",
            )
            .env("CHROMEDRIVER", CHROMEDRIVER)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "300")
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &config)
            .env("PATH", tools.path())
            .run()?;
    }
    Ok(())
}

/// Flags from ../shared/docs/toolchain.md: a closed network, root, and WebGPU on
/// SwiftShader.
pub fn chromium_args() -> Vec<&'static str> {
    let mut args = vec![
        "--headless=new",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--enable-unsafe-webgpu",
        "--disable-dev-shm-usage",
        // Chromium takes only the last --disable-features: one list. Course pages on
        // other origins may frame the lab on this machine; native peers need raw IP
        // candidates, not mDNS names.
        "--disable-features=LocalNetworkAccessChecks,WebRtcHideLocalIpsWithMdns",
    ];
    if is_root() {
        args.push("--no-sandbox");
    }
    args
}

fn is_root() -> bool {
    std::env::var("USER").as_deref() == Ok("root")
        || Cmd::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|uid| uid.trim() == "0")
}

fn webdriver_json() -> String {
    serde_json::json!({
        "goog:chromeOptions": { "binary": CHROMIUM, "args": chromium_args() }
    })
    .to_string()
}
