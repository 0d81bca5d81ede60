//! `chainlab loadtest`: many simulated peers against the classroom signaling server.
//!
//! Each peer opens a real WebSocket to `/signal/<code>`, waits for its id, and then
//! plays matchbox's handshake with every roommate: whoever was there first sends an
//! offer and a candidate, the newcomer answers with an answer and a candidate. Every
//! payload names the sender's room and id, so a signal that crosses rooms or arrives
//! with a forged sender is caught. Only loopback servers are accepted, and the run
//! ends by itself at its deadline.

mod client;
mod peer;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use clap::Args;
use rand::Rng;
use serde_json::json;
use tokio::sync::{mpsc, watch};

use self::peer::{Assignment, Report};
use crate::serve::{Classroom, Hub, Limits, bind, classroom_routes};

/// Enough to show the server copes with several classes; more would only measure
/// this machine's file-descriptor and CPU limits.
const MAX_PEERS: usize = 5000;

#[derive(Args)]
pub struct LoadTest {
    /// Simulated peers, spread evenly over the rooms.
    #[arg(long, default_value_t = 500)]
    peers: usize,
    /// Rooms to create.
    #[arg(long, default_value_t = 20)]
    rooms: usize,
    /// A running `chainlab serve` on this machine, e.g. http://127.0.0.1:8080.
    /// Without it the load test starts its own server on a free loopback port.
    #[arg(long)]
    url: Option<String>,
    /// Give up (and count every unfinished peer as an error) after this many seconds.
    #[arg(long, default_value_t = 60)]
    timeout_secs: u64,
}

impl LoadTest {
    pub fn run(self) -> anyhow::Result<ExitCode> {
        ensure!(
            self.rooms > 0 && self.peers >= self.rooms,
            "need at least one peer per room"
        );
        ensure!(self.peers <= MAX_PEERS, "at most {MAX_PEERS} peers");
        let runtime = tokio::runtime::Runtime::new()?;
        let summary = runtime.block_on(self.drive())?;
        println!("{}", summary.json);
        println!(
            "BENCH {}",
            json!({"name": "signaling_join_p99_ms", "value": summary.p99_ms})
        );
        Ok(if summary.errors == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }

    async fn drive(&self) -> anyhow::Result<Summary> {
        let address = match &self.url {
            Some(url) => loopback(url)?,
            None => self.start_server().await?,
        };
        let mut codes = Vec::with_capacity(self.rooms);
        for _ in 0..self.rooms {
            codes.push(client::create_room(address).await?);
        }
        let deadline = Instant::now() + Duration::from_secs(self.timeout_secs);
        let (reports, mut received) = mpsc::channel(self.peers);
        let (release, released) = watch::channel(false);
        let started = Instant::now();
        for index in 0..self.peers {
            let room = index % self.rooms;
            let assignment = Assignment {
                url: format!("ws://{address}/signal/{}", codes[room]),
                code: codes[room].clone(),
                roommates: self.peers / self.rooms + usize::from(room < self.peers % self.rooms)
                    - 1,
            };
            tokio::spawn(peer::run(assignment, reports.clone(), released.clone()));
        }
        drop(reports);
        let mut collected = Vec::with_capacity(self.peers);
        while collected.len() < self.peers {
            match tokio::time::timeout_at(deadline.into(), received.recv()).await {
                Ok(Some(report)) => collected.push(report),
                Ok(None) | Err(_) => break,
            }
        }
        let elapsed = started.elapsed();
        release.send_replace(true);
        Ok(Summary::of(&collected, self.peers, self.rooms, elapsed))
    }

    async fn start_server(&self) -> anyhow::Result<SocketAddr> {
        let per_room = self.peers.div_ceil(self.rooms);
        let limits = Limits {
            peers_per_room: per_room.max(Limits::default().peers_per_room),
            ..Limits::default()
        };
        let classroom = Arc::new(Classroom {
            hub: Hub::new(limits, rand::rngs::OsRng.r#gen()),
            ice_servers: Vec::new(),
            public_url: None,
            tls: false,
        });
        let listener = bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let address = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, classroom_routes(classroom)).await });
        Ok(address)
    }
}

/// Accepts `http://127.0.0.1:8080` or `ws://[::1]:8080`: loopback only, so a load
/// test can never be pointed at someone else's server.
fn loopback(url: &str) -> anyhow::Result<SocketAddr> {
    let rest = ["http://", "ws://"]
        .iter()
        .find_map(|scheme| url.strip_prefix(scheme))
        .with_context(|| format!("'{url}' must start with http:// or ws://"))?;
    let authority = rest.split('/').next().unwrap_or_default();
    let address: SocketAddr = authority
        .parse()
        .with_context(|| format!("'{authority}' must be an IP address and port"))?;
    if !address.ip().is_loopback() {
        bail!("the load test only targets this machine (127.0.0.1 or ::1), not {address}");
    }
    Ok(address)
}

struct Summary {
    json: serde_json::Value,
    errors: usize,
    p99_ms: f64,
}

impl Summary {
    fn of(reports: &[Report], peers: usize, rooms: usize, elapsed: Duration) -> Self {
        let unfinished = peers - reports.iter().filter(|r| r.finished).count();
        let errors: Vec<&String> = reports.iter().flat_map(|r| &r.errors).collect();
        for error in errors.iter().take(10) {
            eprintln!("error: {error}");
        }
        let mut joins: Vec<Duration> = reports.iter().filter_map(|r| r.join).collect();
        joins.sort();
        let ms = |q: f64| percentile(&joins, q).as_secs_f64() * 1000.0;
        let error_count = errors.len() + unfinished;
        let json = json!({
            "peers": peers,
            "rooms": rooms,
            "joined": joins.len(),
            "finished": peers - unfinished,
            "errors": error_count,
            "signals_received": reports.iter().map(|r| r.signals).sum::<usize>(),
            "join_ms": {
                "p50": round(ms(0.50)),
                "p90": round(ms(0.90)),
                "p99": round(ms(0.99)),
                "max": round(ms(1.0)),
            },
            "elapsed_ms": round(elapsed.as_secs_f64() * 1000.0),
        });
        Self {
            json,
            errors: error_count,
            p99_ms: round(ms(0.99)),
        }
    }
}

/// Nearest-rank percentile; zero for no samples.
fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn round(ms: f64) -> f64 {
    (ms * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets() {
        assert_eq!(loopback("http://127.0.0.1:8080/").unwrap().port(), 8080);
        assert!(loopback("ws://[::1]:9000").is_ok());
        let refused = loopback("http://192.168.1.20:8080").unwrap_err();
        assert!(refused.to_string().contains("only targets this machine"));
        assert!(loopback("https://127.0.0.1:8443").is_err());
        assert!(loopback("http://localhost:8080").is_err());
    }

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&samples, 0.50), Duration::from_millis(50));
        assert_eq!(percentile(&samples, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&samples, 1.0), Duration::from_millis(100));
        assert_eq!(percentile(&[], 0.99), Duration::ZERO);
    }
}
