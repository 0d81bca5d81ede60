//! The live side of the rooms: the registry behind a lock, one mailbox per connected
//! peer, and a watch channel per room for the instructor's dashboard and the app.
//!
//! Every method takes the lock once, asks the registry what to do, and hands the
//! resulting messages to mailboxes without waiting, so a slow peer never holds up a
//! room: if its mailbox is full it is disconnected instead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::sync::{Notify, mpsc, watch};

use super::protocol::{PeerEvent, PeerId, PeerRequest};
use super::rooms::{
    JoinCode, Left, Limits, NewRoom, Registry, RoomError, RoomInfo, Seat, SignalError, StatusBoard,
    StatusError,
};

/// Enough for a full burst of signals plus the room's join and leave events.
pub const MAILBOX_CAPACITY: usize = 1024;

/// WebSocket close codes the app can act on (4000-4999 are free for applications).
pub mod close_code {
    pub const ROOM_CLOSED: u16 = 4000;
    pub const KICKED: u16 = 4001;
    pub const NO_SUCH_ROOM: u16 = 4004;
    pub const ROOM_FULL: u16 = 4009;
    pub const UNSUPPORTED: u16 = 1003;
    pub const POLICY: u16 = 1008;
    pub const TOO_BIG: u16 = 1009;
}

/// A frame for a peer's connection task.
#[derive(Debug)]
pub enum Outbound {
    Text(String),
    Close(Closing),
}

/// The close frame that ends a connection, with a reason a learner can read.
#[derive(Debug)]
pub struct Closing {
    pub code: u16,
    pub reason: String,
}

impl Closing {
    pub fn new(code: u16, reason: impl ToString) -> Self {
        Self {
            code,
            reason: reason.to_string(),
        }
    }
}

/// What the connection task of one peer listens to.
pub struct Connection {
    pub peer: PeerId,
    pub outbox: mpsc::Receiver<Outbound>,
    /// Fired when the hub drops the peer without being able to queue a close frame.
    pub evicted: Arc<Notify>,
}

/// What the room's watchers see: the latest state, or that the room is gone.
#[derive(Clone, Debug, PartialEq)]
pub enum RoomEvent {
    Open(RoomInfo),
    Closed,
}

struct Mailbox {
    sender: mpsc::Sender<Outbound>,
    evicted: Arc<Notify>,
}

struct State {
    registry: Registry,
    mailboxes: HashMap<PeerId, Mailbox>,
    watchers: HashMap<JoinCode, watch::Sender<RoomEvent>>,
}

pub struct Hub {
    state: Mutex<State>,
    epoch: Instant,
}

impl Hub {
    pub fn new(limits: Limits, seed: [u8; 32]) -> Self {
        let state = State {
            registry: Registry::new(limits, seed),
            mailboxes: HashMap::new(),
            watchers: HashMap::new(),
        };
        Self {
            state: Mutex::new(state),
            epoch: Instant::now(),
        }
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn create_room(&self) -> Result<NewRoom, RoomError> {
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let mut state = self.lock();
        let room = state.registry.create_room(self.now(), unix)?;
        let info = state.registry.info(room.code)?;
        state
            .watchers
            .insert(room.code, watch::Sender::new(RoomEvent::Open(info)));
        Ok(room)
    }

    pub fn info(&self, code: &str) -> Result<RoomInfo, RoomError> {
        let state = self.lock();
        let code = state.registry.find(code)?;
        state.registry.info(code)
    }

    pub fn watch(&self, code: &str) -> Result<watch::Receiver<RoomEvent>, RoomError> {
        let state = self.lock();
        let code = state.registry.find(code)?;
        state
            .watchers
            .get(&code)
            .map(watch::Sender::subscribe)
            .ok_or(RoomError::NoSuchRoom(code))
    }

    /// Admits a new peer: it hears its id first, its roommates hear of it. With a
    /// seat it takes the place its tab had before a reload, and everyone watching the
    /// room sees the parameters name it.
    pub fn join(&self, code: &str, seat: Option<Seat>) -> Result<Connection, RoomError> {
        let now = self.now();
        let mut state = self.lock();
        let code = state.registry.find(code)?;
        let joined = state.registry.join(code, now)?;
        if let Some(seat) = seat {
            state.registry.take_seat(joined.peer, seat);
        }
        let (sender, outbox) = mpsc::channel(MAILBOX_CAPACITY);
        let evicted = Arc::new(Notify::new());
        let mailbox = Mailbox {
            sender,
            evicted: evicted.clone(),
        };
        state.mailboxes.insert(joined.peer, mailbox);
        state.send(
            joined.peer,
            Outbound::Text(PeerEvent::IdAssigned(joined.peer).to_text()),
        );
        let news = PeerEvent::NewPeer(joined.peer).to_text();
        for roommate in joined.roommates {
            state.send(roommate, Outbound::Text(news.clone()));
        }
        state.publish(code);
        Ok(Connection {
            peer: joined.peer,
            outbox,
            evicted,
        })
    }

    /// Forgets a peer whose connection ended; harmless if it was already removed.
    pub fn leave(&self, peer: PeerId) {
        let now = self.now();
        let mut state = self.lock();
        state.mailboxes.remove(&peer);
        if let Some(left) = state.registry.leave(peer, now) {
            state.announce_departure(peer, left);
        }
    }

    /// Handles one text frame from a peer. An error is the close frame to send back.
    pub fn receive(&self, peer: PeerId, text: &str) -> Result<(), Closing> {
        let now = self.now();
        let mut state = self.lock();
        state
            .registry
            .admit(peer, text.len(), now)
            .map_err(closing)?;
        let request: PeerRequest = serde_json::from_str(text).map_err(|error| {
            Closing::new(
                close_code::UNSUPPORTED,
                format!("not a signaling message: {error}"),
            )
        })?;
        let PeerRequest::Signal { receiver, data } = request else {
            return Ok(());
        };
        match state.registry.route(peer, receiver) {
            Ok(()) => {
                let event = PeerEvent::Signal { sender: peer, data };
                state.send(receiver, Outbound::Text(event.to_text()));
                Ok(())
            }
            Err(error) if error.ends_connection() => Err(closing(error)),
            Err(_) => Ok(()),
        }
    }

    pub fn close_room(&self, code: &str, secret: &str) -> Result<(), RoomError> {
        let mut state = self.lock();
        let code = state.registry.find(code)?;
        for peer in state.registry.close(code, secret)? {
            state.disconnect(
                peer,
                Closing::new(close_code::ROOM_CLOSED, "the instructor closed the room"),
            );
        }
        if let Some(watcher) = state.watchers.remove(&code) {
            watcher.send_replace(RoomEvent::Closed);
        }
        Ok(())
    }

    pub fn kick(&self, code: &str, secret: &str, peer: PeerId) -> Result<(), RoomError> {
        let now = self.now();
        let mut state = self.lock();
        let code = state.registry.find(code)?;
        let left = state.registry.kick(code, secret, peer, now)?;
        state.disconnect(
            peer,
            Closing::new(
                close_code::KICKED,
                "the instructor removed you from the room",
            ),
        );
        state.announce_departure(peer, left);
        Ok(())
    }

    pub fn set_params(
        &self,
        code: &str,
        secret: &str,
        params: Value,
        size: usize,
    ) -> Result<(), RoomError> {
        let mut state = self.lock();
        let code = state.registry.find(code)?;
        state.registry.set_params(code, secret, params, size)?;
        state.publish(code);
        Ok(())
    }

    /// Records a member's status. An unknown room is a [`RoomError`] inside the
    /// outer result, so the caller can answer 404 for both unknowns.
    pub fn report_status(
        &self,
        code: &str,
        member: PeerId,
        body: &[u8],
    ) -> Result<Result<(), StatusError>, RoomError> {
        let now = self.now();
        let mut state = self.lock();
        let code = state.registry.find(code)?;
        Ok(state.registry.report_status(code, member, body, now))
    }

    pub fn status_board(&self, code: &str) -> Result<StatusBoard, RoomError> {
        let now = self.now();
        let state = self.lock();
        let code = state.registry.find(code)?;
        state.registry.status_board(code, now)
    }

    /// Drops rooms empty past their TTL; the server calls this once a minute.
    pub fn expire(&self) {
        let now = self.now();
        let mut state = self.lock();
        for code in state.registry.expire(now) {
            if let Some(watcher) = state.watchers.remove(&code) {
                watcher.send_replace(RoomEvent::Closed);
            }
        }
    }
}

impl State {
    /// Queues a frame without waiting; a peer too slow to drain its mailbox is cut off.
    fn send(&mut self, peer: PeerId, frame: Outbound) {
        let Some(mailbox) = self.mailboxes.get(&peer) else {
            return;
        };
        if mailbox.sender.try_send(frame).is_err() {
            mailbox.evicted.notify_one();
            self.mailboxes.remove(&peer);
        }
    }

    fn disconnect(&mut self, peer: PeerId, closing: Closing) {
        self.send(peer, Outbound::Close(closing));
        self.mailboxes.remove(&peer);
    }

    fn announce_departure(&mut self, peer: PeerId, left: Left) {
        let news = PeerEvent::PeerLeft(peer).to_text();
        for roommate in left.roommates {
            self.send(roommate, Outbound::Text(news.clone()));
        }
        self.publish(left.code);
    }

    fn publish(&self, code: JoinCode) {
        if let (Some(watcher), Ok(info)) = (self.watchers.get(&code), self.registry.info(code)) {
            watcher.send_replace(RoomEvent::Open(info));
        }
    }
}

fn closing(error: SignalError) -> Closing {
    let code = match error {
        SignalError::TooLarge { .. } => close_code::TOO_BIG,
        _ => close_code::POLICY,
    };
    Closing::new(code, error)
}
