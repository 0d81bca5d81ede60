//! The control plane's two directions: the instructor's parameters arrive as
//! server-sent events, this node's status leaves as a PUT every few seconds.
//!
//! Both run as tasks beside the event loop, so a slow or restarting server never
//! delays a block: the loop receives parameters on a channel and hands its latest
//! status to a watch, which keeps only the newest one.

use std::time::Duration;

use http_body_util::BodyExt;
use node::classroom::{MemberId, PeerStatus, RoomParams};
use tokio::sync::{mpsc, watch};

use super::room::Server;

/// How long to wait before reopening a broken event stream.
const RECONNECT: Duration = Duration::from_secs(1);
/// The server refuses more than four reports a second; this keeps well below.
const REPORT_GAP: Duration = Duration::from_millis(400);

/// What the room's event stream says.
#[derive(Debug, PartialEq)]
pub enum RoomNews {
    /// The room's parameters (sent again whenever its peers change).
    Params(RoomParams),
    /// The instructor closed the room, or it expired.
    Closed,
}

/// Splits a server-sent event stream into `(event, data)` pairs. Chunks may end
/// anywhere, even inside a character, so bytes wait in a buffer until a line ends.
#[derive(Debug, Default)]
pub struct SseParser {
    pending: Vec<u8>,
    event: String,
    data: Vec<String>,
}

impl SseParser {
    pub fn push(&mut self, chunk: &[u8]) -> Vec<(String, String)> {
        self.pending.extend_from_slice(chunk);
        let mut events = Vec::new();
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if !self.data.is_empty() {
                    let event = std::mem::take(&mut self.event);
                    let event = if event.is_empty() {
                        "message".into()
                    } else {
                        event
                    };
                    events.push((event, self.data.join("\n")));
                }
                self.event.clear();
                self.data.clear();
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => self.event = value.to_string(),
                "data" => self.data.push(value.to_string()),
                _ => {}
            }
        }
        events
    }
}

/// What one event means for the node; `None` for events it does not act on.
pub fn news_of(event: &str, data: &str) -> Option<Result<RoomNews, String>> {
    match event {
        "room" => {
            let info: serde_json::Value = match serde_json::from_str(data) {
                Ok(info) => info,
                Err(error) => return Some(Err(format!("room event is not JSON: {error}"))),
            };
            Some(RoomParams::from_json(&info["params"]).map(RoomNews::Params))
        }
        "closed" => Some(Ok(RoomNews::Closed)),
        _ => None,
    }
}

/// Follows room `code`'s events until it closes or `news` has no reader, reopening
/// the stream after a network error.
pub fn watch_room(
    server: Server,
    code: String,
    name: String,
    news: mpsc::UnboundedSender<RoomNews>,
) {
    tokio::spawn(async move {
        loop {
            match follow(&server, &code, &name, &news).await {
                Ok(()) => return,
                Err(error) => eprintln!("{name}: room events: {error:#}; reconnecting"),
            }
            tokio::time::sleep(RECONNECT).await;
        }
    });
}

/// `Ok` once the room closed (or nobody listens); `Err` when the stream broke.
async fn follow(
    server: &Server,
    code: &str,
    name: &str,
    news: &mpsc::UnboundedSender<RoomNews>,
) -> anyhow::Result<()> {
    let mut body = server.events(code).await?.into_body();
    let mut parser = SseParser::default();
    while let Some(frame) = body.frame().await {
        let Ok(chunk) = frame?.into_data() else {
            continue;
        };
        for (event, data) in parser.push(&chunk) {
            match news_of(&event, &data) {
                None => {}
                Some(Err(why)) => eprintln!("{name}: ignoring the room's parameters: {why}"),
                Some(Ok(item)) => {
                    let closed = item == RoomNews::Closed;
                    if news.send(item).is_err() || closed {
                        return Ok(());
                    }
                }
            }
        }
    }
    anyhow::bail!("the server ended the event stream")
}

/// A status to report, and who reports it.
pub type Report = Option<(MemberId, PeerStatus)>;

/// PUTs the newest status whenever it changes, at most once per [`REPORT_GAP`]. An
/// error is printed once until the next success, so a server without the status
/// endpoint does not fill the log.
pub fn report_status(
    server: Server,
    code: String,
    name: String,
    mut reports: watch::Receiver<Report>,
) {
    tokio::spawn(async move {
        let mut last_error = None;
        while reports.changed().await.is_ok() {
            let report = reports.borrow_and_update().clone();
            let Some((member, status)) = report else {
                continue;
            };
            match server.put_status(&code, &member, &status).await {
                Ok(()) => last_error = None,
                Err(error) => {
                    let text = format!("{error:#}");
                    if last_error.as_ref() != Some(&text) {
                        eprintln!("{name}: status report: {text}");
                        last_error = Some(text);
                    }
                }
            }
            tokio::time::sleep(REPORT_GAP).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use node::classroom::Scenario;

    #[test]
    fn events_split_across_chunks_and_comments_are_skipped() {
        let mut parser = SseParser::default();
        let stream = ":keep-alive\n\nevent: room\ndata: {\"params\":\ndata: null}\n\nevent: closed\r\ndata: {}\r\n\r\n";
        let mut events = Vec::new();
        for chunk in stream.as_bytes().chunks(3) {
            events.extend(parser.push(chunk));
        }
        assert_eq!(
            events,
            [
                ("room".to_string(), "{\"params\":\nnull}".to_string()),
                ("closed".to_string(), "{}".to_string()),
            ]
        );
    }

    #[test]
    fn a_character_split_between_chunks_survives() {
        let mut parser = SseParser::default();
        let bytes = "event: room\ndata: 课\n\n".as_bytes();
        let split = bytes.len() - 3;
        assert!(parser.push(&bytes[..split]).is_empty());
        assert_eq!(parser.push(&bytes[split..])[0].1, "课");
    }

    #[test]
    fn room_events_carry_parameters_and_bad_ones_are_refused() {
        let partition = r#"{"code":"ABC123","peers":2,"params":{"epoch":1,"scenario":{"kind":"partition","side":["a"]}}}"#;
        let Some(Ok(RoomNews::Params(params))) = news_of("room", partition) else {
            panic!("a room event with parameters");
        };
        assert_eq!(params.epoch, 1);
        assert!(matches!(params.scenario, Scenario::Partition { .. }));
        let defaults = news_of("room", r#"{"params":null}"#);
        assert_eq!(defaults, Some(Ok(RoomNews::Params(RoomParams::default()))));
        let bad = r#"{"params":{"chain":{"block_seconds":0}}}"#;
        assert!(matches!(news_of("room", bad), Some(Err(why)) if why.contains("block_seconds")));
        assert_eq!(news_of("closed", "{}"), Some(Ok(RoomNews::Closed)));
        assert_eq!(news_of("ping", "{}"), None);
    }
}
