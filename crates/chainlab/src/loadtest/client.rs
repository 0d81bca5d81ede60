//! The one HTTP call the load test makes: creating a room, as an instructor would.

use std::net::SocketAddr;

use anyhow::{Context, ensure};
use axum::body::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper::header::HOST;
use hyper_util::rt::TokioIo;

pub async fn create_room(address: SocketAddr) -> anyhow::Result<String> {
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .with_context(|| format!("cannot reach the server at {address}"))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request = Request::post("/api/rooms")
        .header(HOST, address.to_string())
        .body(Empty::<Bytes>::new())?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    ensure!(
        status.as_u16() == 201,
        "creating a room: {status} {}",
        String::from_utf8_lossy(&body)
    );
    let created: serde_json::Value = serde_json::from_slice(&body)?;
    created["code"]
        .as_str()
        .map(str::to_string)
        .context("the new room has no code")
}
