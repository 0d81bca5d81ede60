//! One simulated peer: join, handshake with every roommate, wait for the release.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::serve::{PeerEvent, PeerId, PeerRequest};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct Assignment {
    pub url: String,
    pub code: String,
    /// How many others will share the room: the handshakes this peer must complete.
    pub roommates: usize,
}

#[derive(Default)]
pub struct Report {
    /// From opening the TCP connection to holding an id.
    pub join: Option<Duration>,
    pub finished: bool,
    pub signals: usize,
    pub errors: Vec<String>,
}

/// What this peer has heard from one roommate.
#[derive(Default)]
struct Progress {
    description: bool,
    candidate: bool,
}

struct Peer {
    me: PeerId,
    code: String,
    roommates: HashMap<PeerId, Progress>,
    report: Report,
}

pub async fn run(
    assignment: Assignment,
    reports: mpsc::Sender<Report>,
    mut release: watch::Receiver<bool>,
) {
    let started = Instant::now();
    let (mut socket, me) = match join(&assignment.url).await {
        Ok(joined) => joined,
        Err(error) => {
            let _ = reports
                .send(Report {
                    errors: vec![error],
                    ..Report::default()
                })
                .await;
            return;
        }
    };
    let mut peer = Peer {
        me,
        code: assignment.code,
        roommates: HashMap::new(),
        report: Report {
            join: Some(started.elapsed()),
            ..Report::default()
        },
    };
    let mut reported = false;
    if assignment.roommates == 0 {
        peer.report.finished = true;
    }
    loop {
        if !reported && (peer.report.finished || !peer.report.errors.is_empty()) {
            let _ = reports.send(std::mem::take(&mut peer.report)).await;
            reported = true;
        }
        tokio::select! {
            _ = release.changed() => break,
            message = socket.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    for reply in peer.handle(&text, assignment.roommates) {
                        if let Err(error) = socket.send(Message::text(reply)).await {
                            peer.report.errors.push(format!("send failed: {error}"));
                        }
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    peer.report.errors.push(format!("closed by the server: {frame:?}"));
                    break;
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => {
                    peer.report.errors.push(format!("socket error: {error}"));
                    break;
                }
                None => break,
            },
        }
    }
    if !reported {
        let _ = reports.send(peer.report).await;
    }
    let _ = socket.close(None).await;
}

async fn join(url: &str) -> Result<(Socket, PeerId), String> {
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .map_err(|error| format!("cannot connect: {error}"))?;
    let first = socket.next().await;
    let Some(Ok(Message::Text(text))) = first else {
        return Err(format!("expected an id, got {first:?}"));
    };
    match serde_json::from_str(&text) {
        Ok(PeerEvent::IdAssigned(me)) => Ok((socket, me)),
        _ => Err(format!("expected IdAssigned first, got {text}")),
    }
}

impl Peer {
    /// Reacts to one server event; returns the frames to send back.
    fn handle(&mut self, text: &str, expected: usize) -> Vec<String> {
        let replies = match serde_json::from_str(text) {
            Ok(PeerEvent::NewPeer(other)) => {
                self.roommates.entry(other).or_default();
                vec![
                    self.signal(other, "Offer"),
                    self.signal(other, "IceCandidate"),
                ]
            }
            Ok(PeerEvent::Signal { sender, data }) => self.on_signal(sender, &data),
            Ok(other) => {
                self.report
                    .errors
                    .push(format!("unexpected event {other:?}"));
                Vec::new()
            }
            Err(error) => {
                self.report
                    .errors
                    .push(format!("unreadable event {text}: {error}"));
                Vec::new()
            }
        };
        let complete = self
            .roommates
            .values()
            .filter(|p| p.description && p.candidate)
            .count();
        self.report.finished = complete == expected && self.roommates.len() == expected;
        replies
    }

    fn on_signal(&mut self, sender: PeerId, data: &Value) -> Vec<String> {
        self.report.signals += 1;
        let Some((kind, payload)) = data.as_object().and_then(|o| o.iter().next()) else {
            self.report
                .errors
                .push(format!("signal without a kind from {sender}"));
            return Vec::new();
        };
        let claimed = payload.as_str().unwrap_or_default();
        if claimed != stamp(&self.code, sender) {
            self.report
                .errors
                .push(format!("room {} got '{claimed}' from {sender}", self.code));
            return Vec::new();
        }
        let progress = self.roommates.entry(sender).or_default();
        match kind.as_str() {
            "Offer" => {
                progress.description = true;
                vec![
                    self.signal(sender, "Answer"),
                    self.signal(sender, "IceCandidate"),
                ]
            }
            "Answer" => {
                progress.description = true;
                Vec::new()
            }
            _ => {
                progress.candidate = true;
                Vec::new()
            }
        }
    }

    fn signal(&self, receiver: PeerId, kind: &str) -> String {
        let data = json!({ kind: stamp(&self.code, self.me) });
        serde_json::to_string(&PeerRequest::Signal { receiver, data }).expect("requests serialize")
    }
}

/// The payload every signal carries: which room and which peer it really came from.
fn stamp(code: &str, sender: PeerId) -> String {
    format!("room={code} from={sender}")
}
