//! Running child processes with their command line echoed, so a CI log shows each step.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail};

pub struct Cmd {
    inner: Command,
}

impl Cmd {
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        Self {
            inner: Command::new(program),
        }
    }

    pub fn cargo() -> Self {
        Self::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
    }

    /// Cargo of another rustup toolchain. `cargo` inside xtask is the stable binary
    /// itself, which silently ignores nightly-only settings such as build-std.
    pub fn cargo_of(toolchain: &str) -> Self {
        Self::new("rustup")
            .args(["run", toolchain, "cargo"])
            .env_remove("RUSTC")
            .env_remove("RUSTDOC")
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.inner.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.inner.args(args);
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.inner.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.inner.env_remove(key);
        self
    }

    pub fn dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.inner.current_dir(dir);
        self
    }

    fn describe(&self) -> String {
        let program = self.inner.get_program().to_string_lossy();
        let args: Vec<_> = self.inner.get_args().map(|a| a.to_string_lossy()).collect();
        format!("{program} {}", args.join(" "))
    }

    pub fn run(mut self) -> anyhow::Result<()> {
        let line = self.describe();
        eprintln!("$ {line}");
        let status = self
            .inner
            .status()
            .with_context(|| format!("cannot start `{line}`"))?;
        if !status.success() {
            bail!("`{line}` failed ({status})");
        }
        Ok(())
    }

    /// Runs and returns stdout, for commands whose output is data (versions, figures).
    pub fn output(mut self) -> anyhow::Result<String> {
        let line = self.describe();
        let output = self
            .inner
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("cannot start `{line}`"))?;
        if !output.status.success() {
            bail!("`{line}` failed ({})", output.status);
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    pub fn spawn_piped(mut self) -> anyhow::Result<Child> {
        let line = self.describe();
        eprintln!("$ {line} &");
        self.inner
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start `{line}`"))
    }
}

/// Whether a program answers `--version`: the cheapest check that it is installed.
pub fn answers(program: impl AsRef<OsStr>) -> Option<String> {
    let output = Command::new(program).arg("--version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}
