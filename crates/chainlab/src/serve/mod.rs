//! `chainlab serve`: the web lab's HTTP server.
//!
//! It serves the built app with the headers that make the page cross-origin isolated
//! (needed for threads: SharedArrayBuffer) and a strict Content-Security-Policy. Every
//! unknown path that is not a file gets `index.html`, so deep links into lessons and
//! embed URLs work on reload.
//!
//! Beside the static files it runs the classroom: rooms with join codes, the matchbox
//! signaling socket at `/signal/<code>`, and the room API under `/api/`, all on the
//! same port so one address (and one certificate) serves a whole class.

mod api;
mod csp;
mod headers;
mod hub;
mod ice;
mod listener;
mod protocol;
mod qr;
mod rooms;
mod socket;
mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use clap::Args;
use rand::Rng;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

pub use self::api::Classroom;
use self::csp::ContentSecurityPolicy;
pub use self::hub::Hub;
pub use self::listener::bind;
pub use self::protocol::{PeerEvent, PeerId, PeerRequest};
pub use self::rooms::Limits;
use self::tls::Certificate;

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
    /// Serve HTTPS with this PEM certificate (chain); needs --tls-key.
    #[arg(long, requires = "tls_key", conflicts_with = "tls_self_signed")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS with a certificate generated now for localhost and this machine's
    /// LAN addresses; its SHA-256 fingerprint is printed for students to compare.
    #[arg(long)]
    tls_self_signed: bool,
    /// A STUN or TURN server for WebRTC (repeatable), e.g. turn:10.0.0.2:3478.
    /// None by default: on one LAN peers connect directly.
    #[arg(long = "ice-server", value_name = "URL")]
    ice_servers: Vec<String>,
    /// User name for the TURN servers among --ice-server.
    #[arg(long)]
    turn_username: Option<String>,
    /// Credential for the TURN servers among --ice-server.
    #[arg(long)]
    turn_credential: Option<String>,
    /// Base of the join links and QR codes, e.g. https://lab.school.example
    /// (default: the address the instructor's browser used).
    #[arg(long)]
    public_url: Option<String>,
    /// Most peers in one room.
    #[arg(long, default_value_t = Limits::default().peers_per_room)]
    room_peers: usize,
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
        let ice_servers = ice::ice_servers(
            &self.ice_servers,
            self.turn_username.as_deref(),
            self.turn_credential.as_deref(),
        )?;
        let certificate = self.certificate()?;
        let limits = Limits {
            peers_per_room: self.room_peers,
            ..Limits::default()
        };
        let classroom = Arc::new(Classroom {
            hub: Hub::new(limits, rand::rngs::OsRng.r#gen()),
            ice_servers,
            public_url: self.public_url,
            tls: certificate.is_some(),
        });
        let app = router(self.dir, index, policy, classroom.clone());
        let runtime = tokio::runtime::Runtime::new()?;
        runtime.block_on(async {
            tokio::spawn(expire_rooms(classroom));
            match certificate {
                Some(certificate) => serve_tls(app, address, certificate).await,
                None => serve(app, address).await,
            }
        })?;
        Ok(ExitCode::SUCCESS)
    }

    fn certificate(&self) -> anyhow::Result<Option<Certificate>> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Certificate::from_files(cert, key).map(Some),
            _ if self.tls_self_signed => Certificate::self_signed(tls::local_names()).map(Some),
            _ => Ok(None),
        }
    }
}

/// The whole site: the classroom routes, static files, the SPA fallback, and the
/// security headers on every response.
pub fn router(
    dir: PathBuf,
    index: PathBuf,
    policy: ContentSecurityPolicy,
    classroom: Arc<Classroom>,
) -> Router {
    let app_route = ServeFile::new(index);
    let files = ServeDir::new(dir).fallback(axum::routing::get(move |request: Request| {
        let app_route = app_route.clone();
        async move { app_route_or_missing(app_route, request).await }
    }));
    classroom_routes(classroom)
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

/// The classroom alone (API and signaling), for the load test.
pub fn classroom_routes(classroom: Arc<Classroom>) -> Router {
    api::routes(classroom)
}

async fn expire_rooms(classroom: Arc<Classroom>) {
    let mut ticks = tokio::time::interval(Duration::from_secs(60));
    loop {
        ticks.tick().await;
        classroom.hub.expire();
    }
}

/// On 0.0.0.0 the printed address is no use to students: list the LAN addresses.
fn announce_lan(local: SocketAddr, scheme: &str) {
    if !local.ip().is_unspecified() {
        return;
    }
    for ip in tls::lan_addresses() {
        let host = if ip.is_ipv6() {
            format!("[{ip}]")
        } else {
            ip.to_string()
        };
        println!("students can open {scheme}://{host}:{}/", local.port());
    }
}

async fn serve(app: Router, address: SocketAddr) -> anyhow::Result<()> {
    let listener =
        listener::bind(address).with_context(|| format!("cannot listen on {address}"))?;
    let local = listener.local_addr()?;
    println!("ChainLab is serving on http://{local}/");
    announce_lan(local, "http");
    if !local.ip().is_loopback() {
        eprintln!(
            "note: browsers on other machines get no threads or WebGPU over plain http; \
             add --tls-self-signed (or --tls-cert/--tls-key) for a secure context"
        );
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

async fn serve_tls(
    app: Router,
    address: SocketAddr,
    certificate: Certificate,
) -> anyhow::Result<()> {
    // ring is the only provider compiled in; installing fails only when it is already
    // installed, which is just as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = RustlsConfig::from_pem(certificate.cert_pem, certificate.key_pem)
        .await
        .context("the TLS certificate or key is not usable")?;
    let listener =
        listener::bind(address).with_context(|| format!("cannot listen on {address}"))?;
    let local = listener.local_addr()?;
    let handle = Handle::new();
    let shutdown = handle.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        shutdown.graceful_shutdown(Some(Duration::from_secs(5)));
    });
    let server = axum_server::from_tcp_rustls(listener.into_std()?, config).handle(handle);
    println!("ChainLab is serving on https://{local}/");
    println!(
        "certificate SHA-256 fingerprint: {}",
        certificate.fingerprint
    );
    announce_lan(local, "https");
    server.serve(app.into_make_service()).await?;
    Ok(())
}
