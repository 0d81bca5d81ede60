//! `chainlab serve` end to end: a real server process on a loopback port, real HTTP
//! requests and real WebSockets speaking matchbox's signaling protocol.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::body::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::header::HOST;
use hyper::{HeaderMap, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const INDEX: &str =
    r#"<!doctype html><html><body><script type="module">init()</script></body></html>"#;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A `chainlab serve` child process, killed when the test ends.
struct Server {
    child: Child,
    address: String,
    stdout: Vec<String>,
    _dir: TempDir,
}

impl Server {
    fn start(extra: &[&str]) -> Self {
        let dir = TempDir::new();
        std::fs::write(dir.0.join("index.html"), INDEX).unwrap();
        std::fs::write(dir.0.join("app.wasm"), b"\0asm").unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_chainlab"))
            .args(["serve", "--port", "0", "--dir"])
            .arg(&dir.0)
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .expect("chainlab runs");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("a first line").unwrap();
        let url = first
            .strip_prefix("ChainLab is serving on ")
            .expect("the serving line")
            .to_string();
        let address = url
            .split("://")
            .nth(1)
            .unwrap()
            .trim_end_matches('/')
            .to_string();
        let mut stdout = vec![first];
        if url.starts_with("https") {
            stdout.push(lines.next().unwrap().unwrap());
        }
        Self {
            child,
            address,
            stdout,
            _dir: dir,
        }
    }

    async fn http(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Response {
        let stream = TcpStream::connect(&self.address).await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(connection);
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, &self.address);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        Response {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }

    async fn create_room(&self) -> (String, String) {
        let created = self.http("POST", "/api/rooms", &[], "").await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let json = created.json();
        (
            json["code"].as_str().unwrap().to_string(),
            json["secret"].as_str().unwrap().to_string(),
        )
    }

    async fn connect(&self, code: &str) -> Socket {
        let url = format!("ws://{}/signal/{code}", self.address);
        tokio_tungstenite::connect_async(url)
            .await
            .expect("the upgrade succeeds")
            .0
    }

    /// Joins and returns the socket with the id the server assigned.
    async fn join(&self, code: &str) -> (Socket, String) {
        let mut socket = self.connect(code).await;
        let event = next_event(&mut socket).await;
        let id = event["IdAssigned"]
            .as_str()
            .expect("IdAssigned comes first")
            .to_string();
        (socket, id)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Response {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }
}

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path =
            std::env::temp_dir().join(format!("chainlab-serve-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn next_message(socket: &mut Socket) -> Message {
    tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .expect("a message within 5 s")
        .expect("the socket is open")
        .expect("no socket error")
}

async fn next_event(socket: &mut Socket) -> Value {
    match next_message(socket).await {
        Message::Text(text) => serde_json::from_str(&text).unwrap(),
        other => panic!("expected a text event, got {other:?}"),
    }
}

async fn expect_close(socket: &mut Socket) -> CloseFrame {
    loop {
        match next_message(socket).await {
            Message::Close(Some(frame)) => return frame,
            Message::Text(_) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

/// Nothing arrives within a short wait.
async fn expect_silence(socket: &mut Socket) {
    let waited = tokio::time::timeout(Duration::from_millis(300), socket.next()).await;
    assert!(waited.is_err(), "unexpected {waited:?}");
}

fn signal(receiver: &str, data: Value) -> Message {
    Message::text(json!({"Signal": {"receiver": receiver, "data": data}}).to_string())
}

#[tokio::test]
async fn static_app_keeps_its_headers_and_routes() {
    let server = Server::start(&[]);
    let page = server.http("GET", "/lessons/hashing/2", &[], "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body, INDEX);
    assert_eq!(page.header("cross-origin-opener-policy"), "same-origin");
    assert_eq!(page.header("cross-origin-embedder-policy"), "require-corp");
    let csp = page.header("content-security-policy");
    assert!(csp.contains("connect-src 'self' ws: wss:"), "{csp}");
    assert!(
        csp.contains("'sha256-w4ujnOpjBoH2vcasx+reJRUwYivG8Q3afx/XevGJod8='"),
        "{csp}"
    );
    assert_eq!(
        server.http("GET", "/app.wasm", &[], "").await.status,
        StatusCode::OK
    );
    assert_eq!(
        server.http("GET", "/missing.wasm", &[], "").await.status,
        StatusCode::NOT_FOUND
    );
    let api = server.http("GET", "/api/nothing", &[], "").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.header("cross-origin-embedder-policy"), "require-corp");
}

#[tokio::test]
async fn a_new_room_has_a_code_a_secret_a_link_and_a_qr_code() {
    let server = Server::start(&[]);
    let created = server.http("POST", "/api/rooms", &[], "").await;
    assert_eq!(created.status, StatusCode::CREATED);
    let room = created.json();
    let code = room["code"].as_str().unwrap();
    assert_eq!(code.len(), 6);
    assert!(
        code.chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='9').contains(&c)),
        "{code}"
    );
    assert!(!code.contains(['0', 'O', '1', 'I']));
    let secret = room["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32);
    assert!(secret.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        room["join_url"],
        format!("http://{}/class/{code}", server.address)
    );
    assert_eq!(
        room["signal_url"],
        format!("ws://{}/signal/{code}", server.address)
    );
    assert!(room["qr_svg"].as_str().unwrap().contains("<svg"));

    let info = server
        .http(
            "GET",
            &format!("/api/rooms/{}", code.to_lowercase()),
            &[],
            "",
        )
        .await;
    assert_eq!(info.status, StatusCode::OK);
    let info = info.json();
    assert_eq!(
        (
            info["code"].as_str(),
            info["peers"].as_u64(),
            &info["params"]
        ),
        (Some(code), Some(0), &Value::Null)
    );
    assert!(info["created"].as_u64().unwrap() > 1_700_000_000);

    let qr = server
        .http("GET", &format!("/api/rooms/{code}/qr.svg"), &[], "")
        .await;
    assert_eq!(qr.header("content-type"), "image/svg+xml");
    assert!(qr.body.contains("<svg"));

    let missing = server.http("GET", "/api/rooms/ZZZZZZ", &[], "").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.json()["error"]
            .as_str()
            .unwrap()
            .contains("no room has the code ZZZZZZ")
    );
    assert_eq!(
        server.http("GET", "/api/rooms/ab0", &[], "").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn ice_servers_are_empty_by_default_and_follow_the_flags() {
    let plain = Server::start(&[]);
    let config = plain.http("GET", "/api/config", &[], "").await.json();
    assert_eq!(config, json!({"ice_servers": []}));

    let flags = [
        "--ice-server",
        "stun:10.0.0.2:3478",
        "--ice-server",
        "turn:10.0.0.2:3478",
        "--turn-username",
        "class",
        "--turn-credential",
        "pw",
    ];
    let relayed = Server::start(&flags);
    let config = relayed.http("GET", "/api/config", &[], "").await.json();
    assert_eq!(
        config["ice_servers"],
        json!([
            {"urls": ["stun:10.0.0.2:3478"]},
            {"urls": ["turn:10.0.0.2:3478"], "username": "class", "credential": "pw"}
        ])
    );
}

#[tokio::test]
async fn signals_are_relayed_inside_a_room_and_never_across() {
    let server = Server::start(&[]);
    let (room_a, _) = server.create_room().await;
    let (room_b, _) = server.create_room().await;
    let (mut a1, id_a1) = server.join(&room_a).await;
    let (mut b1, id_b1) = server.join(&room_b).await;
    let (mut a2, id_a2) = server.join(&room_a).await;
    assert_eq!(next_event(&mut a1).await, json!({"NewPeer": id_a2}));

    a1.send(signal(&id_a2, json!({"Offer": "v=0 a"})))
        .await
        .unwrap();
    assert_eq!(
        next_event(&mut a2).await,
        json!({"Signal": {"sender": id_a1, "data": {"Offer": "v=0 a"}}})
    );
    a2.send(signal(&id_a1, json!({"Answer": "v=0 b"})))
        .await
        .unwrap();
    assert_eq!(
        next_event(&mut a1).await,
        json!({"Signal": {"sender": id_a2, "data": {"Answer": "v=0 b"}}})
    );

    a1.send(signal(&id_b1, json!({"Offer": "cross"})))
        .await
        .unwrap();
    b1.send(signal(&id_a1, json!({"IceCandidate": "cross"})))
        .await
        .unwrap();
    expect_silence(&mut b1).await;
    expect_silence(&mut a1).await;
    expect_silence(&mut a2).await;

    a1.send(Message::text(r#""KeepAlive""#)).await.unwrap();
    drop(a1);
    assert_eq!(next_event(&mut a2).await, json!({"PeerLeft": id_a1}));
    let info = server
        .http("GET", &format!("/api/rooms/{room_a}"), &[], "")
        .await
        .json();
    assert_eq!(info["peers"], 1);
}

#[tokio::test]
async fn oversize_floods_full_rooms_and_unknown_codes_are_refused_clearly() {
    let server = Server::start(&["--room-peers", "2"]);
    let (code, _) = server.create_room().await;
    let (mut big, _) = server.join(&code).await;
    let (mut flood, _) = server.join(&code).await;

    let mut full = server.connect(&code).await;
    let frame = expect_close(&mut full).await;
    assert_eq!(u16::from(frame.code), 4009);
    assert!(
        frame.reason.contains("is full (2 peers)"),
        "{}",
        frame.reason
    );

    let mut unknown = server.connect("ZZZZZZ").await;
    let frame = expect_close(&mut unknown).await;
    assert_eq!(u16::from(frame.code), 4004);
    assert!(
        frame.reason.contains("no room has the code ZZZZZZ"),
        "{}",
        frame.reason
    );

    let padding = "x".repeat(17 * 1024);
    big.send(signal(
        "8f0c6f52-7d0b-4b5e-9a63-1f2d3c4b5a69",
        json!({"Offer": padding}),
    ))
    .await
    .unwrap();
    let frame = expect_close(&mut big).await;
    assert_eq!(u16::from(frame.code), 1009);
    assert!(
        frame.reason.contains("over the 16384-byte signal limit"),
        "{}",
        frame.reason
    );

    let keep_alive = r#""KeepAlive""#;
    let mut sent = 0;
    while sent < 5000 && flood.send(Message::text(keep_alive)).await.is_ok() {
        sent += 1;
    }
    let frame = expect_close(&mut flood).await;
    assert_eq!(u16::from(frame.code), 1008);
    assert!(
        frame.reason.contains("too many messages"),
        "{}",
        frame.reason
    );
}

#[tokio::test]
async fn instructor_actions_need_the_secret() {
    let server = Server::start(&[]);
    let (code, secret) = server.create_room().await;
    let (_, other_secret) = server.create_room().await;
    let (mut first, id_first) = server.join(&code).await;
    let (mut second, id_second) = server.join(&code).await;
    assert_eq!(next_event(&mut first).await, json!({"NewPeer": id_second}));
    let room = format!("/api/rooms/{code}");
    let params_path = format!("{room}/params");
    let params = r#"{"epoch":1,"chain":{"block_seconds":5}}"#;

    let missing = server.http("PUT", &params_path, &[], params).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(
        missing.json()["error"]
            .as_str()
            .unwrap()
            .contains("X-Instructor-Secret")
    );
    let wrong = server
        .http(
            "PUT",
            &params_path,
            &[("x-instructor-secret", &other_secret)],
            params,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let bad_json = server
        .http(
            "PUT",
            &params_path,
            &[("x-instructor-secret", &secret)],
            "{",
        )
        .await;
    assert_eq!(bad_json.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        server.http("GET", &room, &[], "").await.json()["params"],
        Value::Null
    );

    let set = server
        .http(
            "PUT",
            &params_path,
            &[("x-instructor-secret", &secret)],
            params,
        )
        .await;
    assert_eq!(set.status, StatusCode::NO_CONTENT);
    let info = server.http("GET", &room, &[], "").await.json();
    assert_eq!(info["params"]["epoch"], 1);
    assert_eq!(info["params"]["chain"]["block_seconds"], 5);

    let kick_path = format!("{room}/peers/{id_first}");
    let refused = server
        .http(
            "DELETE",
            &kick_path,
            &[("x-instructor-secret", &other_secret)],
            "",
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let kicked = server
        .http(
            "DELETE",
            &kick_path,
            &[("x-instructor-secret", &secret)],
            "",
        )
        .await;
    assert_eq!(kicked.status, StatusCode::NO_CONTENT);
    assert_eq!(u16::from(expect_close(&mut first).await.code), 4001);
    assert_eq!(next_event(&mut second).await, json!({"PeerLeft": id_first}));

    assert_eq!(
        server
            .http(
                "DELETE",
                &room,
                &[("x-instructor-secret", &other_secret)],
                ""
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        server
            .http("DELETE", &room, &[("x-instructor-secret", &secret)], "")
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let frame = expect_close(&mut second).await;
    assert_eq!(u16::from(frame.code), 4000);
    assert!(frame.reason.contains("closed the room"));
    assert_eq!(
        server.http("GET", &room, &[], "").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn room_events_stream_peers_params_and_closing() {
    let server = Server::start(&[]);
    let (code, secret) = server.create_room().await;
    let stream = TcpStream::connect(&server.address).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let request = Request::get(format!("/api/rooms/{code}/events"))
        .header(HOST, &server.address)
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.into_body();
    let mut seen = String::new();
    let mut read_until = async |needle: &str| {
        while !seen.contains(needle) {
            let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            if let Ok(data) = frame.into_data() {
                seen.push_str(std::str::from_utf8(&data).unwrap());
            }
        }
    };
    read_until(r#""peers":0"#).await;
    let (_peer, _) = server.join(&code).await;
    read_until(r#""peers":1"#).await;
    let path = format!("/api/rooms/{code}/params");
    server
        .http(
            "PUT",
            &path,
            &[("x-instructor-secret", &secret)],
            r#"{"epoch":3}"#,
        )
        .await;
    read_until(r#""epoch":3"#).await;
    server
        .http(
            "DELETE",
            &format!("/api/rooms/{code}"),
            &[("x-instructor-secret", &secret)],
            "",
        )
        .await;
    read_until("event: closed").await;
}

fn status(name: &str, height: u32) -> String {
    let address = ledger::PrivateKey::from_entropy([5; 32]).unwrap().address();
    json!({
        "name": name, "role": "student", "address": address, "epoch": 0,
        "height": height, "tip": "ab".repeat(32), "hashrate": 2048.5,
        "mining": true, "peers": 1, "balance": 0,
    })
    .to_string()
}

#[tokio::test]
async fn members_report_status_that_everyone_reads_until_they_leave() {
    let server = Server::start(&[]);
    let (code, secret) = server.create_room().await;
    let (other, _) = server.create_room().await;
    let (mut ada, id_ada) = server.join(&code).await;
    let (bo, id_bo) = server.join(&code).await;
    let (_eve, id_eve) = server.join(&other).await;
    let board_path = format!("/api/rooms/{code}/status");
    let put = async |member: &str, body: &str| {
        let path = format!("/api/rooms/{code}/status/{member}");
        server.http("PUT", &path, &[], body).await
    };

    assert_eq!(
        put(&id_ada, &status("Ada", 7)).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        put(&id_bo, &status("Bo", 9)).await.status,
        StatusCode::NO_CONTENT
    );
    let board = server.http("GET", &board_path, &[], "").await;
    assert_eq!(board.status, StatusCode::OK);
    let board = board.json();
    assert_eq!(board["params"], Value::Null);
    let mut rows: Vec<(String, String, u64)> = board["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            assert!(row["age_ms"].as_u64().unwrap() < 5000);
            (
                row["member"].as_str().unwrap().to_string(),
                row["status"]["name"].as_str().unwrap().to_string(),
                row["status"]["height"].as_u64().unwrap(),
            )
        })
        .collect();
    rows.sort();
    let mut expected = vec![
        (id_ada.clone(), "Ada".into(), 7),
        (id_bo.clone(), "Bo".into(), 9),
    ];
    expected.sort();
    assert_eq!(rows, expected);

    let cases = [
        (
            id_eve.as_str(),
            status("Eve", 1),
            StatusCode::NOT_FOUND,
            "not connected",
        ),
        (
            id_ada.as_str(),
            status("", 1),
            StatusCode::BAD_REQUEST,
            "name",
        ),
        (
            id_ada.as_str(),
            "{".to_string(),
            StatusCode::BAD_REQUEST,
            "not a valid status",
        ),
        (
            id_ada.as_str(),
            " ".repeat(5000),
            StatusCode::PAYLOAD_TOO_LARGE,
            "4096-byte",
        ),
        (
            "ada",
            status("Ada", 1),
            StatusCode::BAD_REQUEST,
            "not a peer id",
        ),
    ];
    for (member, body, expected, reason) in cases {
        let refused = put(member, &body).await;
        assert_eq!(refused.status, expected, "{}", refused.body);
        let error = refused.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains(reason), "{error:?} lacks {reason:?}");
    }
    let unknown_room = server
        .http("GET", "/api/rooms/ZZZZZZ/status", &[], "")
        .await;
    assert_eq!(unknown_room.status, StatusCode::NOT_FOUND);

    let mut statuses = Vec::new();
    for height in 10..16 {
        statuses.push(put(&id_ada, &status("Ada", height)).await.status);
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "a burst of reports is throttled: {statuses:?}"
    );

    drop(bo);
    let kicked = server
        .http(
            "DELETE",
            &format!("/api/rooms/{code}/peers/{id_ada}"),
            &[("x-instructor-secret", &secret)],
            "",
        )
        .await;
    assert_eq!(kicked.status, StatusCode::NO_CONTENT);
    expect_close(&mut ada).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let board = server.http("GET", &board_path, &[], "").await.json();
        if board["members"].as_array().unwrap().is_empty() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "statuses outlived their members: {board}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn params_are_checked_and_refused_with_the_reason() {
    let server = Server::start(&[]);
    let (code, secret) = server.create_room().await;
    let path = format!("/api/rooms/{code}/params");
    let put = async |body: &str| {
        server
            .http("PUT", &path, &[("x-instructor-secret", &secret)], body)
            .await
    };
    let without_reset = put(r#"{"chain":{"reward_coins":10}}"#).await;
    assert_eq!(without_reset.status, StatusCode::BAD_REQUEST);
    assert!(
        without_reset.json()["error"]
            .as_str()
            .unwrap()
            .contains("reset")
    );
    let unknown = put(r#"{"scenario":{"kind":"teleport"}}"#).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let reset = put(r#"{"epoch":1,"chain":{"reward_coins":10,"start_bits":545259519}}"#).await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.body);
    let board = server
        .http("GET", &format!("/api/rooms/{code}/status"), &[], "")
        .await
        .json();
    assert_eq!(board["params"]["chain"]["reward_coins"], 10);
    assert_eq!(board["params"]["chain"]["start_bits"], 0x207f_ffff);
    assert_eq!(board["members"], json!([]));
}

/// Accepts any certificate but keeps the one the server presented, so the test can
/// compare it with the printed fingerprint, as an instructor compares it by eye.
#[derive(Debug)]
struct RecordingVerifier {
    presented: std::sync::Mutex<Vec<u8>>,
    provider: rustls::crypto::CryptoProvider,
}

impl rustls::client::danger::ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        *self.presented.lock().unwrap() = end_entity.to_vec();
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[test]
fn self_signed_https_serves_the_app_with_the_printed_fingerprint() {
    use std::io::{Read, Write};
    use std::sync::Arc;

    let server = Server::start(&["--tls-self-signed"]);
    assert!(
        server.stdout[0].starts_with("ChainLab is serving on https://127.0.0.1:"),
        "{:?}",
        server.stdout
    );
    let printed = server.stdout[1]
        .strip_prefix("certificate SHA-256 fingerprint: ")
        .unwrap();

    let provider = rustls::crypto::ring::default_provider();
    let verifier = Arc::new(RecordingVerifier {
        presented: Default::default(),
        provider: provider.clone(),
    });
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut tcp = std::net::TcpStream::connect(&server.address).unwrap();
    let mut stream = rustls::Stream::new(&mut tls, &mut tcp);
    stream
        .write_all(b"GET /lessons/1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("cross-origin-embedder-policy: require-corp"),
        "{response}"
    );
    assert!(response.ends_with(INDEX), "{response}");

    use sha2::Digest;
    let digest = sha2::Sha256::digest(&*verifier.presented.lock().unwrap());
    let fingerprint: Vec<String> = digest.iter().map(|byte| format!("{byte:02X}")).collect();
    assert_eq!(printed, fingerprint.join(":"));
}

#[test]
fn loadtest_with_100_peers_in_5_rooms_has_no_errors() {
    let out = Command::new(env!("CARGO_BIN_EXE_chainlab"))
        .args([
            "loadtest",
            "--peers",
            "100",
            "--rooms",
            "5",
            "--timeout-secs",
            "30",
        ])
        .output()
        .expect("chainlab runs");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = stdout.lines();
    let summary: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(summary["errors"], 0);
    assert_eq!(summary["finished"], 100);
    // 5 rooms of 20: 190 pairs each, and every pair exchanges offer, answer and a
    // candidate each way.
    assert_eq!(summary["signals_received"], 5 * 190 * 4);
    let bench = lines.next().unwrap().strip_prefix("BENCH ").unwrap();
    let bench: Value = serde_json::from_str(bench).unwrap();
    assert_eq!(bench["name"], "signaling_join_p99_ms");
    assert!(bench["value"].as_f64().unwrap() > 0.0);
}

#[tokio::test]
async fn a_reloaded_tab_takes_its_seat_and_its_side_back() {
    let server = Server::start(&[]);
    let (code, secret) = server.create_room().await;
    let seated = format!("{code}?seat=seat-0123456789abcdef");
    let (before, ada) = server.join(&seated).await;
    let (_bo_socket, bo) = server.join(&code).await;
    let params = json!({ "scenario": { "kind": "partition", "side": [ada] } }).to_string();
    let path = format!("/api/rooms/{code}/params");
    let put = server
        .http("PUT", &path, &[("x-instructor-secret", &secret)], &params)
        .await;
    assert_eq!(put.status, StatusCode::NO_CONTENT, "{}", put.body);
    drop(before);
    let (_after, reloaded) = server.join(&seated).await;
    assert_ne!(reloaded, ada, "every connection gets a new id");
    let info = server
        .http("GET", &format!("/api/rooms/{code}"), &[], "")
        .await;
    assert_eq!(
        info.json()["params"]["scenario"]["side"],
        json!([reloaded]),
        "the partition names the reloaded tab, not {bo}"
    );

    let mut bad = server.connect(&format!("{code}?seat=short")).await;
    let frame = expect_close(&mut bad).await;
    assert_eq!(u16::from(frame.code), 1008);
    assert!(frame.reason.contains("seat token"), "{}", frame.reason);
}
