//! The classroom's HTTP API and the signaling socket's route.
//!
//! Anyone with a join code may read a room and join it; changing a room needs the
//! instructor secret in the `X-Instructor-Secret` header. Errors come back as
//! `{"error": "..."}` with a status that says whose mistake it was.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post, put};
use axum::{Json, Router};
use futures_util::Stream;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::hub::{Hub, RoomEvent};
use super::ice::IceServer;
use super::protocol::PeerId;
use super::rooms::{RoomError, StatusError};
use super::{qr, socket};

pub const SECRET_HEADER: &str = "x-instructor-secret";

/// Everything the classroom routes share.
pub struct Classroom {
    pub hub: Hub,
    pub ice_servers: Vec<IceServer>,
    /// Base for join links when the server is reached under another name (a proxy,
    /// a hostname); otherwise the instructor's own `Host` header is used.
    pub public_url: Option<String>,
    pub tls: bool,
}

pub fn routes(classroom: Arc<Classroom>) -> Router {
    Router::new()
        .route("/api/config", get(config))
        .route("/api/rooms", post(create))
        .route("/api/rooms/{code}", get(info).delete(close))
        .route("/api/rooms/{code}/qr.svg", get(qr_code))
        .route("/api/rooms/{code}/events", get(events))
        .route("/api/rooms/{code}/params", put(set_params))
        .route("/api/rooms/{code}/status", get(status_board))
        .route("/api/rooms/{code}/status/{member}", put(report_status))
        .route("/api/rooms/{code}/peers/{peer}", delete(kick))
        .route("/api/{*rest}", any(no_such_endpoint))
        .route("/signal/{code}", get(socket::upgrade))
        .with_state(classroom)
}

#[derive(Debug, thiserror::Error)]
enum ApiError {
    #[error(transparent)]
    Room(#[from] RoomError),
    #[error(transparent)]
    Status(#[from] StatusError),
    #[error("this action needs the instructor secret in the X-Instructor-Secret header")]
    MissingSecret,
    #[error("'{0}' is not a peer id")]
    BadPeer(String),
    #[error("room parameters must be JSON: {0}")]
    BadJson(serde_json::Error),
    #[error("the join link cannot be drawn as a QR code: {0}")]
    Qr(qrcode::types::QrError),
    #[error("no such endpoint")]
    NoSuchEndpoint,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::Room(RoomError::BadCode(_) | RoomError::BadParams(_))
            | Self::Status(StatusError::Invalid(_))
            | Self::BadPeer(_)
            | Self::BadJson(_) => StatusCode::BAD_REQUEST,
            Self::Room(RoomError::NoSuchRoom(_) | RoomError::NoSuchPeer(_))
            | Self::Status(StatusError::NotAMember(_))
            | Self::NoSuchEndpoint => StatusCode::NOT_FOUND,
            Self::Status(StatusError::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Status(StatusError::TooFast) => StatusCode::TOO_MANY_REQUESTS,
            Self::Room(RoomError::RoomFull { .. }) => StatusCode::CONFLICT,
            Self::Room(RoomError::TooManyRooms(_)) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Room(RoomError::WrongSecret(_)) | Self::MissingSecret => StatusCode::FORBIDDEN,
            Self::Room(RoomError::ParamsTooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Qr(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (status, Json(json!({ "error": self.to_string() }))).into_response()
    }
}

async fn config(State(classroom): State<Arc<Classroom>>) -> Json<Value> {
    Json(json!({ "ice_servers": classroom.ice_servers }))
}

async fn create(
    State(classroom): State<Arc<Classroom>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let room = classroom.hub.create_room()?;
    let origin = classroom.origin(&headers);
    let join_url = format!("{origin}/class/{}", room.code);
    let signal_url = format!("{}/signal/{}", origin.replacen("http", "ws", 1), room.code);
    let qr_svg = qr::svg(&join_url).map_err(ApiError::Qr)?;
    let body = json!({
        "code": room.code,
        "secret": room.secret.to_hex(),
        "join_url": join_url,
        "signal_url": signal_url,
        "qr_svg": qr_svg,
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn info(
    State(classroom): State<Arc<Classroom>>,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let info = classroom.hub.info(&code)?;
    Ok(Json(json!(info)))
}

async fn qr_code(
    State(classroom): State<Arc<Classroom>>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let info = classroom.hub.info(&code)?;
    let join_url = format!("{}/class/{}", classroom.origin(&headers), info.code);
    let image = qr::svg(&join_url).map_err(ApiError::Qr)?;
    Ok(([(CONTENT_TYPE, "image/svg+xml")], image).into_response())
}

/// Server-sent events: `room` with the room's state whenever peers or parameters
/// change, then `closed` once when the instructor closes it or it expires.
async fn events(
    State(classroom): State<Arc<Classroom>>,
    Path(code): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let receiver = classroom.hub.watch(&code)?;
    let stream =
        futures_util::stream::unfold((Some(receiver), true), |(receiver, first)| async move {
            let mut receiver = receiver?;
            if !first && receiver.changed().await.is_err() {
                return None;
            }
            let event = receiver.borrow_and_update().clone();
            Some(room_event(event, receiver))
        });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

type EventState = (Option<watch::Receiver<RoomEvent>>, bool);

fn room_event(
    event: RoomEvent,
    receiver: watch::Receiver<RoomEvent>,
) -> (Result<Event, Infallible>, EventState) {
    match event {
        RoomEvent::Open(info) => {
            let data = json!(info).to_string();
            (
                Ok(Event::default().event("room").data(data)),
                (Some(receiver), false),
            )
        }
        RoomEvent::Closed => (
            Ok(Event::default().event("closed").data("{}")),
            (None, false),
        ),
    }
}

async fn close(
    State(classroom): State<Arc<Classroom>>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    classroom.hub.close_room(&code, secret(&headers)?)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn kick(
    State(classroom): State<Arc<Classroom>>,
    Path((code, peer)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let secret = secret(&headers)?;
    let peer: PeerId = peer.parse().map_err(|_| ApiError::BadPeer(peer))?;
    classroom.hub.kick(&code, secret, peer)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_params(
    State(classroom): State<Arc<Classroom>>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let secret = secret(&headers)?;
    let params: Value = serde_json::from_slice(&body).map_err(ApiError::BadJson)?;
    classroom
        .hub
        .set_params(&code, secret, params, body.len())?;
    Ok(StatusCode::NO_CONTENT)
}

/// The room's parameters and every member's latest status: no secret needed, since
/// students read it too (the address book for paying a classmate).
async fn status_board(
    State(classroom): State<Arc<Classroom>>,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let board = classroom.hub.status_board(&code)?;
    Ok(Json(json!(board)))
}

async fn report_status(
    State(classroom): State<Arc<Classroom>>,
    Path((code, member)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let member: PeerId = member.parse().map_err(|_| ApiError::BadPeer(member))?;
    classroom.hub.report_status(&code, member, &body)??;
    Ok(StatusCode::NO_CONTENT)
}

async fn no_such_endpoint() -> ApiError {
    ApiError::NoSuchEndpoint
}

fn secret(headers: &HeaderMap) -> Result<&str, ApiError> {
    headers
        .get(SECRET_HEADER)
        .and_then(|value| value.to_str().ok())
        .ok_or(ApiError::MissingSecret)
}

impl Classroom {
    fn origin(&self, headers: &HeaderMap) -> String {
        if let Some(url) = &self.public_url {
            return url.trim_end_matches('/').to_string();
        }
        let host = headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{host}")
    }
}
