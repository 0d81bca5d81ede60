//! ICE servers the app hands to `RTCPeerConnection`.
//!
//! On one LAN peers reach each other by their host candidates, so the default is no
//! ICE server at all: nothing leaves the classroom. Across networks (students at home,
//! a school that isolates Wi-Fi clients) a STUN/TURN server such as coturn is needed.

use serde::Serialize;

/// The shape of WebRTC's `RTCIceServer` (and of matchbox's `RtcIceServerConfig`).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum IceError {
    #[error("'{0}' is not an ICE server URL: it must start with stun:, stuns:, turn: or turns:")]
    Scheme(String),
    #[error("TURN server '{0}' needs --turn-username and --turn-credential")]
    MissingCredentials(String),
}

/// Builds the list from `--ice-server` flags; TURN entries carry the credentials.
pub fn ice_servers(
    urls: &[String],
    username: Option<&str>,
    credential: Option<&str>,
) -> Result<Vec<IceServer>, IceError> {
    urls.iter()
        .map(|url| ice_server(url, username, credential))
        .collect()
}

fn ice_server(
    url: &str,
    username: Option<&str>,
    credential: Option<&str>,
) -> Result<IceServer, IceError> {
    let scheme = url
        .split_once(':')
        .map(|(scheme, _)| scheme)
        .unwrap_or_default();
    let relay = match scheme {
        "stun" | "stuns" => false,
        "turn" | "turns" => true,
        _ => return Err(IceError::Scheme(url.to_string())),
    };
    let (username, credential) = match (relay, username, credential) {
        (false, _, _) => (None, None),
        (true, Some(user), Some(pass)) => (Some(user.to_string()), Some(pass.to_string())),
        (true, _, _) => return Err(IceError::MissingCredentials(url.to_string())),
    };
    Ok(IceServer {
        urls: vec![url.to_string()],
        username,
        credential,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_by_default() {
        assert_eq!(ice_servers(&[], None, None), Ok(vec![]));
    }

    #[test]
    fn stun_goes_bare_and_turn_carries_credentials() {
        let urls = [
            "stun:10.0.0.2:3478".to_string(),
            "turn:10.0.0.2:3478?transport=udp".to_string(),
        ];
        let servers = ice_servers(&urls, Some("class"), Some("s3cret")).unwrap();
        assert_eq!(servers[0].username, None);
        assert_eq!(servers[1].username.as_deref(), Some("class"));
        let json = serde_json::to_value(&servers).unwrap();
        assert_eq!(json[0], serde_json::json!({"urls": ["stun:10.0.0.2:3478"]}));
        assert_eq!(json[1]["credential"], "s3cret");
    }

    #[test]
    fn bad_urls_and_bare_turn_are_refused() {
        let http = ["http://10.0.0.2".to_string()];
        assert_eq!(
            ice_servers(&http, None, None),
            Err(IceError::Scheme(http[0].clone()))
        );
        let turn = ["turns:relay.school.example:5349".to_string()];
        assert_eq!(
            ice_servers(&turn, Some("u"), None),
            Err(IceError::MissingCredentials(turn[0].clone()))
        );
    }
}
