//! The browser end-to-end tests: a real `chainlab serve`, Playwright driving Chromium.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Child;

use anyhow::{Context, bail};

use crate::cmd::Cmd;
use crate::paths;
use crate::setup::Tools;
use crate::test::{CHROMIUM, chromium_args};

/// A served copy of dist/ on a free port, stopped when dropped.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    pub fn start(chainlab: &Path) -> anyhow::Result<Self> {
        let mut child = Cmd::new(chainlab)
            .args(["serve", "--port", "0", "--dir"])
            .arg(paths::root().join("dist"))
            .spawn_piped()?;
        let stdout = child.stdout.take().context("server stdout")?;
        let mut first_line = String::new();
        BufReader::new(stdout).read_line(&mut first_line)?;
        let Some(url) = first_line
            .split_whitespace()
            .find(|word| word.starts_with("http"))
        else {
            let _ = child.kill();
            bail!("chainlab serve did not print its URL (it said: {first_line:?})");
        };
        let url = url.trim_end_matches('/').to_string();
        Ok(Self { child, url })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn run(tools: &Tools, chainlab: &Path) -> anyhow::Result<()> {
    let server = Server::start(chainlab)?;
    let e2e = paths::root().join("tests/e2e");
    let artifacts = e2e.join("artifacts");
    std::fs::create_dir_all(&artifacts)?;
    node(tools)
        .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
        .arg(e2e.join("specs"))
        .env("CHAINLAB_URL", &server.url)
        .env("CHAINLAB_ARTIFACTS", &artifacts)
        .env("CHAINLAB_BIN", chainlab)
        .run()
}

/// Node with the browser settings the specs read.
pub fn node(tools: &Tools) -> Cmd {
    Cmd::new("node")
        .dir(paths::root().join("tests/e2e"))
        .env("PATH", tools.path())
        .env("CHROMIUM", CHROMIUM)
        .env("CHROMIUM_ARGS", chromium_args().join(" "))
}
