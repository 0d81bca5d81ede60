//! `GET /signal/<code>[?seat=<token>]`: one WebSocket per peer, speaking matchbox's
//! protocol. The seat ([`Seat`]) lets a reloaded tab keep its place in the room.
//!
//! A refused join (unknown code, full room) still completes the upgrade and then
//! closes with a code and a reason, because a browser cannot read the HTTP status of
//! a failed handshake but does show a close frame's reason.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::api::Classroom;
use super::hub::{Outbound, close_code};
use super::rooms::{RoomError, Seat};

/// Frames above this are cut off by the WebSocket layer itself, before the registry's
/// clearer (and smaller) per-signal limit is checked.
const FRAME_CEILING: usize = 256 * 1024;

/// A close reason must fit in a control frame: 125 bytes minus the 2-byte code.
const REASON_BYTES: usize = 123;

#[derive(Deserialize)]
pub struct SignalQuery {
    seat: Option<String>,
}

pub async fn upgrade(
    ws: WebSocketUpgrade,
    Path(code): Path<String>,
    Query(query): Query<SignalQuery>,
    State(classroom): State<Arc<Classroom>>,
) -> Response {
    ws.max_message_size(FRAME_CEILING)
        .max_frame_size(FRAME_CEILING)
        .on_upgrade(move |socket| run_peer(classroom, code, query.seat, socket))
}

async fn run_peer(
    classroom: Arc<Classroom>,
    code: String,
    seat: Option<String>,
    mut socket: WebSocket,
) {
    let hub = &classroom.hub;
    let seat = match seat.as_deref().map(Seat::parse).transpose() {
        Ok(seat) => seat,
        Err(error) => {
            let _ = socket
                .send(close_frame(close_code::POLICY, &error.to_string()))
                .await;
            return;
        }
    };
    let mut connection = match hub.join(&code, seat) {
        Ok(connection) => connection,
        Err(error) => {
            let _ = socket
                .send(close_frame(refusal_code(&error), &error.to_string()))
                .await;
            return;
        }
    };
    let peer = connection.peer;
    loop {
        tokio::select! {
            frame = connection.outbox.recv() => match frame {
                Some(Outbound::Text(text)) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(Outbound::Close(closing)) => {
                    let _ = socket.send(close_frame(closing.code, &closing.reason)).await;
                    break;
                }
                None => break,
            },
            message = socket.recv() => match message {
                Some(Ok(Message::Text(text))) => {
                    if let Err(closing) = hub.receive(peer, &text) {
                        hub.leave(peer);
                        let _ = socket.send(close_frame(closing.code, &closing.reason)).await;
                        break;
                    }
                }
                Some(Ok(Message::Binary(_))) => {
                    hub.leave(peer);
                    let reason = "signals are JSON text frames, not binary";
                    let _ = socket.send(close_frame(close_code::UNSUPPORTED, reason)).await;
                    break;
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
            },
            () = connection.evicted.notified() => break,
        }
    }
    hub.leave(peer);
}

fn refusal_code(error: &RoomError) -> u16 {
    match error {
        RoomError::RoomFull { .. } => close_code::ROOM_FULL,
        _ => close_code::NO_SUCH_ROOM,
    }
}

fn close_frame(code: u16, reason: &str) -> Message {
    let mut end = reason.len().min(REASON_BYTES);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    Message::Close(Some(CloseFrame {
        code,
        reason: reason[..end].into(),
    }))
}
