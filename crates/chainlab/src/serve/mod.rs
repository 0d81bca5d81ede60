//! `chainlab serve`: the web lab's HTTP server.
//!
//! It serves the built app with the headers that make the page cross-origin isolated
//! (needed for threads: SharedArrayBuffer) and a strict Content-Security-Policy. Every
//! unknown path that is not a file gets `index.html`, so deep links into lessons and
//! embed URLs work on reload. Classroom signaling will live beside the static routes.

mod csp;
mod headers;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use clap::Args;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use self::csp::ContentSecurityPolicy;

#[derive(Args)]
pub struct Serve {
    /// Address to listen on; use 0.0.0.0 to let a classroom reach it.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Folder holding the built web app (index.html and its assets).
    #[arg(long, default_value = "dist")]
    dir: PathBuf,
}

impl Serve {
    pub fn run(self) -> anyhow::Result<ExitCode> {
        let index = self.dir.join("index.html");
        let html = std::fs::read_to_string(&index).with_context(|| {
            format!(
                "cannot read {}: build the web app first (cargo xtask serve builds it)",
                index.display()
            )
        })?;
        let policy = ContentSecurityPolicy::for_index(&html);
        let address: SocketAddr = format!("{}:{}", self.host, self.port)
            .parse()
            .with_context(|| format!("'{}' is not a valid host address", self.host))?;
        let runtime = tokio::runtime::Runtime::new()?;
        runtime.block_on(serve(self.dir, index, policy, address))?;
        Ok(ExitCode::SUCCESS)
    }
}

/// The whole site: static files, the SPA fallback, and the security headers.
pub fn router(dir: PathBuf, index: PathBuf, policy: ContentSecurityPolicy) -> Router {
    let app_route = ServeFile::new(index);
    let files = ServeDir::new(dir).fallback(axum::routing::get(move |request: Request| {
        let app_route = app_route.clone();
        async move { app_route_or_missing(app_route, request).await }
    }));
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn_with_state(
            policy.into_shared(),
            headers::secure,
        ))
}

/// A path without a file extension is a route inside the app (a lesson step, an embed
/// URL): it gets `index.html`. A missing asset is a real 404, never HTML posing as wasm.
async fn app_route_or_missing(app_route: ServeFile, request: Request) -> Response {
    let last_segment = request.uri().path().rsplit('/').next().unwrap_or_default();
    if last_segment.contains('.') {
        return StatusCode::NOT_FOUND.into_response();
    }
    match app_route.oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    }
}

async fn serve(
    dir: PathBuf,
    index: PathBuf,
    policy: ContentSecurityPolicy,
    address: SocketAddr,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address}"))?;
    let local = listener.local_addr()?;
    println!("ChainLab is serving on http://{local}/");
    axum::serve(listener, router(dir, index, policy))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
