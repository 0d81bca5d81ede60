//! The instructor's calls to the room API: create, set parameters, remove a member,
//! close. Each failure comes back as the server's own `{"error": ...}` sentence.

use gloo::net::http::{Request, RequestBuilder, Response};
use node::classroom::{MemberId, RoomParams};
use serde::Deserialize;

const SECRET_HEADER: &str = "X-Instructor-Secret";

#[derive(Deserialize)]
pub struct NewRoom {
    pub code: String,
    pub secret: String,
}

#[derive(Deserialize)]
struct ApiError {
    error: String,
}

/// `<origin>/class/<CODE>`, as the QR code encodes it.
pub fn join_url(code: &str) -> String {
    let origin = gloo::utils::window()
        .location()
        .origin()
        .unwrap_or_default();
    format!("{origin}/class/{code}")
}

pub async fn create_room() -> Result<NewRoom, String> {
    let response = send(Request::post("/api/rooms").build()).await?;
    response.json().await.map_err(|e| e.to_string())
}

pub async fn set_params(code: &str, secret: &str, params: &RoomParams) -> Result<(), String> {
    let request = with_secret(Request::put(&format!("/api/rooms/{code}/params")), secret)
        .json(params)
        .map_err(|e| e.to_string());
    send(request).await.map(drop)
}

pub async fn kick(code: &str, secret: &str, member: &MemberId) -> Result<(), String> {
    let url = format!("/api/rooms/{code}/peers/{member}");
    send(with_secret(Request::delete(&url), secret).build())
        .await
        .map(drop)
}

pub async fn close(code: &str, secret: &str) -> Result<(), String> {
    let url = format!("/api/rooms/{code}");
    send(with_secret(Request::delete(&url), secret).build())
        .await
        .map(drop)
}

fn with_secret(request: RequestBuilder, secret: &str) -> RequestBuilder {
    request.header(SECRET_HEADER, secret)
}

async fn send(request: Result<Request, impl ToString>) -> Result<Response, String> {
    let request = request.map_err(|e| e.to_string())?;
    let response = request.send().await.map_err(|e| e.to_string())?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    match response.json::<ApiError>().await {
        Ok(body) => Err(body.error),
        Err(_) => Err(format!("HTTP {status}")),
    }
}
