//! `cargo xtask serve | test | bench | build-web`: the project's two commands and their helpers.
//!
//! Everything a fresh machine lacks is installed on first use: rustup targets and
//! components, Trunk and wasm-bindgen-cli at pinned versions, and the npm packages of
//! the browser tests. Tools go to a per-user cache outside the checkout
//! (`$CHAINLAB_TOOLS`, default `~/.cache/chainlab/tools`) so fresh clones reuse them.

mod bench;
mod cmd;
mod e2e;
mod paths;
mod setup;
mod test;
mod web;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  serve [--host H] [--port P]   build the lab (release) and serve it (default http://127.0.0.1:8080)
  test                          every test: native, wasm in headless Chromium, browser end-to-end
  bench                         benchmarks, native and in headless Chromium -> target/bench/summary.json
  build-web                     build the web app into dist/ without serving it";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("test") => test::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("build-web") => setup::all().and_then(|tools| web::build(&tools)),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &[String]) -> anyhow::Result<()> {
    let mut host = "127.0.0.1".to_string();
    let mut port = "8080".to_string();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest
            .next()
            .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--host" => host.clone_from(value),
            "--port" => port.clone_from(value),
            other => anyhow::bail!("unknown flag {other}\n\n{USAGE}"),
        }
    }
    let tools = setup::all()?;
    web::build(&tools)?;
    let chainlab = web::build_chainlab()?;
    let dist = paths::root().join("dist");
    cmd::Cmd::new(chainlab)
        .args(["serve", "--host", &host, "--port", &port, "--dir"])
        .arg(dist)
        .run()
}
