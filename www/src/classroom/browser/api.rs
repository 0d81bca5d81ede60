//! The classroom server's HTTP API, as a student's tab uses it: the room's
//! parameters, the ICE servers, the status board, and this node's status reports.

use futures_util::StreamExt;
use gloo::net::eventsource::futures::EventSource;
use gloo::net::http::Request;
use matchbox_socket::RtcIceServerConfig;
use node::classroom::{MemberId, PeerStatus, RoomParams};
use serde::Deserialize;
use wasm_bindgen_futures::spawn_local;

use super::clock::random;
use crate::classroom::board::Board;

/// Why a room cannot be joined, in terms the student can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinFailure {
    /// The server does not know the code (mistyped, or the room ended).
    NoSuchRoom,
    /// The server could not be reached or answered nonsense.
    Unreachable(String),
}

#[derive(Deserialize)]
struct Info {
    #[serde(default)]
    params: serde_json::Value,
}

#[derive(Deserialize)]
struct IceServer {
    urls: Vec<String>,
    username: Option<String>,
    credential: Option<String>,
}

#[derive(Deserialize)]
struct Config {
    ice_servers: Vec<IceServer>,
}

/// One room on the server this page came from.
#[derive(Clone, Debug, PartialEq)]
pub struct RoomApi {
    code: String,
}

impl RoomApi {
    pub fn new(code: &str) -> Self {
        Self {
            code: code.to_string(),
        }
    }

    /// `ws(s)://<host>/signal/<CODE>?seat=<SEAT>` on this page's host.
    pub fn signal_url(&self) -> String {
        let location = web_sys::window().map(|w| w.location());
        let host = location
            .as_ref()
            .and_then(|l| l.host().ok())
            .unwrap_or_default();
        let secure = location
            .and_then(|l| l.protocol().ok())
            .is_some_and(|p| p == "https:");
        let scheme = if secure { "wss" } else { "ws" };
        let url = format!("{scheme}://{host}/signal/{}", self.code);
        match self.seat() {
            Some(seat) => format!("{url}?seat={seat}"),
            None => url,
        }
    }

    /// This tab's seat in the room: a random token in session storage, so a reload
    /// keeps it (and with it the tab's place in the instructor's scenario) while every
    /// tab of the browser has its own. Without storage the tab joins without one.
    fn seat(&self) -> Option<String> {
        let storage = web_sys::window()?.session_storage().ok().flatten()?;
        let key = format!("chainlab.seat.{}", self.code);
        if let Some(seat) = storage.get_item(&key).ok().flatten() {
            return Some(seat);
        }
        let seat = hex::encode(random::<16>());
        storage.set_item(&key, &seat).ok()?;
        Some(seat)
    }

    /// The room's current parameters; fails clearly for an unknown code.
    pub async fn params(&self) -> Result<RoomParams, JoinFailure> {
        let url = format!("/api/rooms/{}", self.code);
        let response = Request::get(&url)
            .send()
            .await
            .map_err(|e| JoinFailure::Unreachable(e.to_string()))?;
        // 400: a code the server could never have given; 404: no such room now.
        if matches!(response.status(), 400 | 404) {
            return Err(JoinFailure::NoSuchRoom);
        }
        let info: Info = response
            .json()
            .await
            .map_err(|e| JoinFailure::Unreachable(e.to_string()))?;
        RoomParams::from_json(&info.params).map_err(JoinFailure::Unreachable)
    }

    /// The ICE servers, merged into matchbox's one entry (none on a LAN).
    pub async fn ice(&self) -> RtcIceServerConfig {
        let config: Option<Config> = match Request::get("/api/config").send().await {
            Ok(response) => response.json().await.ok(),
            Err(_) => None,
        };
        let mut merged = RtcIceServerConfig {
            urls: Vec::new(),
            username: None,
            credential: None,
        };
        for server in config.map(|c| c.ice_servers).unwrap_or_default() {
            if merged.username.is_none() && server.username.is_some() {
                merged.username = server.username;
                merged.credential = server.credential;
            }
            merged.urls.extend(server.urls);
        }
        merged
    }

    pub async fn board(&self) -> Result<Board, String> {
        let url = format!("/api/rooms/{}/status", self.code);
        let response = Request::get(&url).send().await.map_err(|e| e.to_string())?;
        if !response.ok() {
            return Err(format!("the status board answered {}", response.status()));
        }
        let text = response.text().await.map_err(|e| e.to_string())?;
        Board::from_json(&text)
    }

    pub async fn report(&self, member: &MemberId, status: &PeerStatus) -> Result<(), String> {
        let url = format!("/api/rooms/{}/status/{member}", self.code);
        let response = Request::put(&url)
            .json(status)
            .map_err(|e| e.to_string())?
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.ok() {
            Ok(())
        } else {
            Err(format!("status report answered {}", response.status()))
        }
    }

    /// Watches the room's events: `on_params` for each parameter change, `on_closed`
    /// once when the instructor closes the room. Dropping the source stops it.
    pub fn watch(
        &self,
        on_params: impl Fn(RoomParams) + 'static,
        on_closed: impl Fn() + 'static,
    ) -> Option<EventSource> {
        let url = format!("/api/rooms/{}/events", self.code);
        let mut source = EventSource::new(&url).ok()?;
        let mut rooms = source.subscribe("room").ok()?;
        let mut closed = source.subscribe("closed").ok()?;
        spawn_local(async move {
            while let Some(Ok((_, event))) = rooms.next().await {
                let params = event
                    .data()
                    .as_string()
                    .and_then(|text| serde_json::from_str::<Info>(&text).ok())
                    .and_then(|info| RoomParams::from_json(&info.params).ok());
                if let Some(params) = params {
                    on_params(params);
                }
            }
        });
        spawn_local(async move {
            if let Some(Ok(_)) = closed.next().await {
                on_closed();
            }
        });
        Some(source)
    }
}
