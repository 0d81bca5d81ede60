//! Where the classroom is and what it says: the server's address, the room's
//! signaling URL, the ICE servers the instructor configured, the room's parameters
//! and status board, and the status this node reports.

use anyhow::{Context, bail};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use matchbox_socket::RtcIceServerConfig;
use node::classroom::{MemberId, PeerStatus, RoomParams};
use serde::Deserialize;
use tokio::net::TcpStream;

/// A `chainlab serve` reached over plain HTTP.
#[derive(Clone, Debug)]
pub struct Server {
    /// `host:port`.
    authority: String,
}

/// One entry of `GET /api/config`'s `ice_servers`.
#[derive(Debug, Deserialize)]
struct IceServer {
    urls: Vec<String>,
    username: Option<String>,
    credential: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Config {
    ice_servers: Vec<IceServer>,
}

/// One row of `GET /api/rooms/<code>/status`.
#[derive(Debug, Deserialize)]
pub struct MemberStatus {
    pub member: MemberId,
    pub status: PeerStatus,
}

#[derive(Debug, Deserialize)]
struct Board {
    members: Vec<MemberStatus>,
}

impl Server {
    /// Parses `http://host:port` (a trailing slash is fine).
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        let Some(rest) = url.strip_prefix("http://") else {
            if url.starts_with("https://") {
                bail!(
                    "'{url}': the native node speaks plain http only; \
                     run it against the server's http address"
                );
            }
            bail!("'{url}' is not a server address like http://192.168.1.10:8080");
        };
        let authority = rest.trim_end_matches('/');
        if authority.is_empty() || authority.contains('/') {
            bail!("'{url}' is not a server address like http://192.168.1.10:8080");
        }
        let authority = if authority.contains(':') {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        Ok(Self { authority })
    }

    /// The matchbox signaling socket of room `code`.
    pub fn signal_url(&self, code: &str) -> String {
        format!("ws://{}/signal/{code}", self.authority)
    }

    /// The ICE servers the classroom hands to every tab. matchbox takes one server
    /// entry, so the URLs are merged and the first credentials kept; with none, the
    /// entry has no URL at all and only host candidates are gathered, which is all a
    /// single LAN needs (and keeps matchbox from its default public STUN host).
    pub async fn ice_config(&self) -> anyhow::Result<RtcIceServerConfig> {
        let body = self.get("/api/config").await?;
        let config: Config = serde_json::from_slice(&body)
            .with_context(|| format!("{} sent a config that is not ChainLab's", self.authority))?;
        Ok(merge(config.ice_servers))
    }

    /// The room's current parameters (the defaults until the instructor sets some).
    pub async fn params(&self, code: &str) -> anyhow::Result<RoomParams> {
        let body = self.get(&format!("/api/rooms/{code}")).await?;
        let info: serde_json::Value = serde_json::from_slice(&body)
            .with_context(|| format!("{} sent room info that is not JSON", self.authority))?;
        RoomParams::from_json(&info["params"])
            .map_err(|why| anyhow::anyhow!("the room's parameters are unusable: {why}"))
    }

    /// The room's status board: every member that reported, with its status.
    pub async fn board(&self, code: &str) -> anyhow::Result<Vec<MemberStatus>> {
        let body = self.get(&format!("/api/rooms/{code}/status")).await?;
        let board: Board = serde_json::from_slice(&body).with_context(|| {
            format!(
                "{} sent a status board that is not ChainLab's",
                self.authority
            )
        })?;
        Ok(board.members)
    }

    /// Reports this node's status as `member` of room `code`.
    pub async fn put_status(
        &self,
        code: &str,
        member: &MemberId,
        status: &PeerStatus,
    ) -> anyhow::Result<()> {
        let body = serde_json::to_vec(status)?;
        let path = format!("/api/rooms/{code}/status/{member}");
        let response = self.send(Method::PUT, &path, body).await?;
        checked(&self.authority, &path, response).await?;
        Ok(())
    }

    /// Opens the room's server-sent event stream; the caller reads the body.
    pub async fn events(&self, code: &str) -> anyhow::Result<Response<Incoming>> {
        let path = format!("/api/rooms/{code}/events");
        let response = self.send(Method::GET, &path, Vec::new()).await?;
        if !response.status().is_success() {
            return Err(refusal(&self.authority, &path, response).await);
        }
        Ok(response)
    }

    async fn get(&self, path: &str) -> anyhow::Result<Bytes> {
        let response = self.send(Method::GET, path, Vec::new()).await?;
        checked(&self.authority, path, response).await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<Response<Incoming>> {
        let stream = TcpStream::connect(&self.authority)
            .await
            .with_context(|| format!("cannot reach the classroom server at {}", self.authority))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, &self.authority)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))?;
        Ok(sender.send_request(request).await?)
    }
}

/// The body of a successful response, or the server's complaint as the error.
async fn checked(
    authority: &str,
    path: &str,
    response: Response<Incoming>,
) -> anyhow::Result<Bytes> {
    if !response.status().is_success() {
        return Err(refusal(authority, path, response).await);
    }
    Ok(response.into_body().collect().await?.to_bytes())
}

/// The server's answer to a refused request, in words.
async fn refusal(authority: &str, path: &str, response: Response<Incoming>) -> anyhow::Error {
    let status = response.status();
    let body = match response.into_body().collect().await {
        Ok(body) => String::from_utf8_lossy(&body.to_bytes()).into_owned(),
        Err(error) => error.to_string(),
    };
    anyhow::anyhow!("{authority} answered {status} to {path}: {body}")
}

fn merge(servers: Vec<IceServer>) -> RtcIceServerConfig {
    let mut credentials = None;
    let mut urls = Vec::new();
    for server in servers {
        if let (None, Some(user), Some(pass)) = (&credentials, server.username, server.credential) {
            credentials = Some((user, pass));
        }
        urls.extend(server.urls);
    }
    let (username, credential) = credentials.unzip();
    RtcIceServerConfig {
        urls,
        username,
        credential,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_parse_or_say_what_is_expected() {
        let server = Server::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(
            server.signal_url("ABC123"),
            "ws://127.0.0.1:8080/signal/ABC123"
        );
        let server = Server::parse("http://lab.local").unwrap();
        assert_eq!(server.signal_url("X"), "ws://lab.local:80/signal/X");
        let https = Server::parse("https://lab.local").unwrap_err().to_string();
        assert!(https.contains("plain http"), "{https}");
        let bad = Server::parse("lab.local:8080").unwrap_err().to_string();
        assert!(bad.contains("is not a server address"), "{bad}");
        assert!(Server::parse("http://lab.local/x").is_err());
    }

    #[test]
    fn no_ice_servers_means_no_urls_and_turn_keeps_its_credentials() {
        let none = merge(vec![]);
        assert!(none.urls.is_empty());
        assert_eq!(none.username, None);
        let config: Config = serde_json::from_str(
            r#"{"ice_servers":[{"urls":["stun:10.0.0.2:3478"]},
                {"urls":["turn:10.0.0.2:3478"],"username":"class","credential":"pw"}]}"#,
        )
        .unwrap();
        let merged = merge(config.ice_servers);
        assert_eq!(merged.urls, ["stun:10.0.0.2:3478", "turn:10.0.0.2:3478"]);
        assert_eq!(merged.username.as_deref(), Some("class"));
        assert_eq!(merged.credential.as_deref(), Some("pw"));
    }
}
