//! Installs what a fresh machine lacks, once, into places that outlive the checkout.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cmd::{Cmd, answers};
use crate::paths;

pub const TRUNK_VERSION: &str = "0.21.14";
/// Must equal the wasm-bindgen in Cargo.lock: Trunk refuses any other and would try
/// to download one.
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";

pub struct Tools {
    pub bin: PathBuf,
    pub node_modules: PathBuf,
}

impl Tools {
    /// PATH with the pinned tools first: Trunk picks wasm-bindgen and wasm-opt (npm's
    /// binaryen, not Debian's broken one) by PATH order alone.
    pub fn path(&self) -> OsString {
        let mut entries = vec![self.bin.clone(), self.node_modules.join(".bin")];
        if let Some(path) = std::env::var_os("PATH") {
            entries.extend(std::env::split_paths(&path));
        }
        std::env::join_paths(entries).expect("tool paths contain no separator")
    }

    pub fn program(&self, name: &str) -> PathBuf {
        self.bin.join(name)
    }
}

pub fn all() -> anyhow::Result<Tools> {
    rust_targets()?;
    let root = paths::tools_dir();
    cargo_tool(&root, "trunk", "trunk", TRUNK_VERSION, true)?;
    // Its own lockfile pins a crate the registry no longer has: install unlocked.
    cargo_tool(
        &root,
        "wasm-bindgen-cli",
        "wasm-bindgen",
        WASM_BINDGEN_VERSION,
        false,
    )?;
    let node_modules = npm_packages(&root)?;
    Ok(Tools {
        bin: root.join("bin"),
        node_modules,
    })
}

/// The wasm target for both toolchains, and the std sources the threaded build rebuilds.
fn rust_targets() -> anyhow::Result<()> {
    for toolchain in ["stable", "nightly"] {
        let installed = Cmd::new("rustup")
            .args(["target", "list", "--installed", "--toolchain", toolchain])
            .output()?;
        if !installed
            .lines()
            .any(|line| line == "wasm32-unknown-unknown")
        {
            Cmd::new("rustup")
                .args([
                    "target",
                    "add",
                    "wasm32-unknown-unknown",
                    "--toolchain",
                    toolchain,
                ])
                .run()?;
        }
    }
    let components = Cmd::new("rustup")
        .args(["component", "list", "--installed", "--toolchain", "nightly"])
        .output()?;
    if !components.lines().any(|line| line.starts_with("rust-src")) {
        Cmd::new("rustup")
            .args(["component", "add", "rust-src", "--toolchain", "nightly"])
            .run()?;
    }
    Ok(())
}

fn cargo_tool(
    root: &Path,
    krate: &str,
    bin: &str,
    version: &str,
    locked: bool,
) -> anyhow::Result<()> {
    let installed = answers(root.join("bin").join(bin)).unwrap_or_default();
    if installed.split_whitespace().any(|word| word == version) {
        return Ok(());
    }
    eprintln!(
        "xtask: installing {krate} {version} into {} (once per machine)",
        root.display()
    );
    let mut install = Cmd::cargo()
        .args(["install", &format!("{krate}@{version}"), "--root"])
        .arg(root)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTUP_TOOLCHAIN");
    if locked {
        install = install.arg("--locked");
    }
    install.run()
}

/// `npm ci` into the cache whenever the lockfile changes; the checkout gets a link.
fn npm_packages(root: &Path) -> anyhow::Result<PathBuf> {
    let e2e = paths::root().join("tests/e2e");
    let cache = root.join("npm");
    let lock =
        std::fs::read(e2e.join("package-lock.json")).context("tests/e2e/package-lock.json")?;
    let cached_lock = std::fs::read(cache.join("package-lock.json")).unwrap_or_default();
    let node_modules = cache.join("node_modules");
    if lock != cached_lock || !node_modules.is_dir() {
        std::fs::create_dir_all(&cache)?;
        std::fs::copy(e2e.join("package.json"), cache.join("package.json"))?;
        std::fs::write(cache.join("package-lock.json"), &lock)?;
        Cmd::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .dir(&cache)
            .run()?;
    }
    link_node_modules(&e2e.join("node_modules"), &node_modules)?;
    Ok(node_modules)
}

fn link_node_modules(link: &Path, target: &Path) -> anyhow::Result<()> {
    if std::fs::read_link(link).ok().as_deref() == Some(target) {
        return Ok(());
    }
    if link.is_symlink() {
        std::fs::remove_file(link)?;
    } else if link.exists() {
        std::fs::remove_dir_all(link)?;
    }
    std::os::unix::fs::symlink(target, link)
        .with_context(|| format!("cannot link {} to {}", link.display(), target.display()))
}
