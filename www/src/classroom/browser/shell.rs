//! The tab's event loop around a [`Session`]: it loads the saved chain, opens the
//! transport, feeds the session every 50 ms, sends what it queues, saves new tips to
//! IndexedDB, reports status to the room and reads the status board.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo::events::EventListener;
use gloo::net::eventsource::futures::EventSource;
use gloo::timers::callback::Interval;
use js_sys::{Array, Function, Object, Reflect};
use node::classroom::{Role, RoomParams};
use node::{Snapshot, StoreError, Wallet};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;

use super::api::{JoinFailure, RoomApi};
use super::clock::{now_ms, random};
use super::idb::Store;
use super::transport::{Happening, LocalTabs, Transport, WebMesh};
use crate::classroom::session::{RestoreError, Session};

const POLL_MS: u32 = 50;
const TICK_MS: u64 = 1_000;
const REPORT_MS: u64 = 2_000;
/// The server accepts 4 reports a second; new tips may come faster.
const MIN_REPORT_GAP_MS: u64 = 300;
const BOARD_MS: u64 = 2_000;
const SAVE_MS: u64 = 1_000;

/// Where the session's peers are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Room {
    /// A room on the `chainlab serve` this page came from.
    Server(String),
    /// This browser's tabs, with no server.
    Local,
}

impl Room {
    fn key(&self) -> &str {
        match self {
            Room::Server(code) => code,
            Room::Local => "local",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionConfig {
    pub room: Room,
    pub role: Role,
    pub name: String,
}

/// Where the tab stands with its room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connection {
    /// Reading the saved chain and the room's parameters.
    Loading,
    /// Waiting for the signaling server to admit us.
    Connecting,
    Joined,
    Failed(Failure),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    NoSuchRoom,
    Unreachable(String),
    /// The transport stopped (signaling closed, room full, kicked, WebRTC failed).
    Ended(String),
    /// The instructor closed the room.
    Closed,
    NoBroadcast(String),
}

pub struct Shell {
    config: SessionConfig,
    session: Option<Session>,
    transport: Option<Transport>,
    api: Option<RoomApi>,
    connection: Connection,
    /// Something the student should know that is not a failure (storage trouble).
    notice: Option<String>,
    store: Option<Store>,
    hashrate: f64,
    mining: bool,
    last_tick: u64,
    last_report: u64,
    last_board: u64,
    last_save: u64,
    report_due: bool,
    reporting: bool,
    save_due: bool,
    fingerprint: u64,
    published: usize,
    /// The page left: anything still loading must not open a transport.
    stopped: bool,
    revision: u64,
    notify: Rc<dyn Fn()>,
    _events: Option<EventSource>,
    _interval: Option<Interval>,
    _unload: Option<EventListener>,
}

pub type Shared = Rc<RefCell<Shell>>;

impl Shell {
    /// Starts a session for `config`; `notify` is called whenever it changed.
    pub fn start(config: SessionConfig, notify: Rc<dyn Fn()>) -> Shared {
        let api = match &config.room {
            Room::Server(code) => Some(RoomApi::new(code)),
            Room::Local => None,
        };
        let shell = Rc::new(RefCell::new(Shell {
            config,
            session: None,
            transport: None,
            api,
            connection: Connection::Loading,
            notice: None,
            store: None,
            hashrate: 0.0,
            mining: false,
            last_tick: 0,
            last_report: 0,
            last_board: 0,
            last_save: 0,
            report_due: true,
            reporting: false,
            save_due: false,
            fingerprint: 0,
            published: 0,
            stopped: false,
            revision: 0,
            notify,
            _events: None,
            _interval: None,
            _unload: None,
        }));
        spawn_local(open(Rc::downgrade(&shell)));
        shell
    }

    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    pub fn session_mut(&mut self) -> Option<&mut Session> {
        self.session.as_mut()
    }

    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The miner's state, for the status report.
    pub fn set_mining(&mut self, mining: bool, hashrate: f64) {
        self.mining = mining;
        self.hashrate = if mining { hashrate } else { 0.0 };
    }

    /// Sends what the session queued; call after acting on it from the page.
    pub fn flush(&mut self) {
        let (Some(session), Some(transport)) = (&mut self.session, &mut self.transport) else {
            return;
        };
        while let Some(transmit) = session.poll_transmit() {
            transport.send(&transmit.to, transmit.bytes);
        }
    }

    /// Saves at the next turn of the loop: a payment not mined yet is kept across a
    /// reload, even one no peer heard before the tab closed.
    pub fn save_soon(&mut self) {
        self.save_due = true;
    }

    /// Reads the status board at the next turn of the loop.
    pub fn refresh_board(&mut self) {
        self.last_board = 0;
    }

    /// Says goodbye to the room and saves.
    pub fn stop(&mut self) {
        self.stopped = true;
        self._interval = None;
        self._unload = None;
        self._events = None;
        if let Some(transport) = &mut self.transport {
            transport.close();
        }
        self.transport = None;
        self.save_now();
    }

    fn storage_key(&self) -> String {
        format!("{}/{}", self.config.room.key(), self.config.name)
    }

    fn save_now(&mut self) {
        let (Some(store), Some(session)) = (self.store.clone(), &self.session) else {
            return;
        };
        let bytes = session.snapshot();
        let key = self.storage_key();
        self.save_due = false;
        self.last_save = now_ms();
        spawn_local(async move {
            let _ = store.put(&key, &bytes).await;
        });
    }

    fn changed(&mut self) {
        self.revision += 1;
        (self.notify)();
    }
}

/// Loads the saved chain, learns the room's parameters and opens the transport.
async fn open(weak: Weak<RefCell<Shell>>) {
    let Some(shell) = weak.upgrade() else { return };
    let (config, api) = {
        let s = shell.borrow();
        (s.config.clone(), s.api.clone())
    };
    let params = match &api {
        Some(api) => match api.params().await {
            Ok(params) => params,
            Err(failure) => {
                let failure = match failure {
                    JoinFailure::NoSuchRoom => Failure::NoSuchRoom,
                    JoinFailure::Unreachable(why) => Failure::Unreachable(why),
                };
                fail(&shell, failure);
                return;
            }
        },
        None => RoomParams::default(),
    };
    let store = Store::open().await;
    let key = shell.borrow().storage_key();
    let saved = match &store {
        Ok(store) => store.get(&key).await.ok().flatten(),
        Err(_) => None,
    };
    let (session, notice) = load(&config, params, saved.as_deref());
    if shell.borrow().stopped {
        return;
    }
    {
        let mut s = shell.borrow_mut();
        s.session = Some(session);
        s.notice = notice.or_else(|| {
            store
                .as_ref()
                .err()
                .map(|why| format!("storage unavailable: {why}"))
        });
        s.store = store.ok();
        s.save_due = true;
        s.connection = Connection::Connecting;
    }
    let transport = match &api {
        Some(api) => {
            let ice = api.ice().await;
            if shell.borrow().stopped {
                return;
            }
            Transport::Web(WebMesh::open(api.signal_url(), ice))
        }
        None => match LocalTabs::open() {
            Ok(tabs) => Transport::Local(tabs),
            Err(why) => {
                fail(&shell, Failure::NoBroadcast(why));
                return;
            }
        },
    };
    let events = api.as_ref().and_then(|api| {
        let (on_params, on_closed) = (weak.clone(), weak.clone());
        api.watch(
            move |params| {
                if let Some(shell) = on_params.upgrade() {
                    let mut s = shell.borrow_mut();
                    if let Some(session) = &mut s.session {
                        session.apply_params(params, now_ms());
                    }
                    s.report_due = true;
                    s.flush();
                }
            },
            move || {
                if let Some(shell) = on_closed.upgrade() {
                    fail(&shell, Failure::Closed);
                }
            },
        )
    });
    let poller = weak.clone();
    let interval = Interval::new(POLL_MS, move || {
        if let Some(shell) = poller.upgrade() {
            poll(&shell);
        }
    });
    let leaver = weak.clone();
    let unload = web_sys::window().map(|window| {
        EventListener::new(&window, "beforeunload", move |_| {
            if let Some(shell) = leaver.upgrade() {
                shell.borrow_mut().stop();
            }
        })
    });
    {
        let mut s = shell.borrow_mut();
        s.transport = Some(transport);
        s._events = events;
        s._interval = Some(interval);
        s._unload = unload;
    }
    expose(&weak);
    shell.borrow_mut().changed();
}

/// The saved session if it is valid for this epoch; otherwise a new chain, keeping
/// the saved wallet when there is one. The notice says what was not kept.
fn load(
    config: &SessionConfig,
    params: RoomParams,
    saved: Option<&[u8]>,
) -> (Session, Option<String>) {
    let name = config.name.clone();
    let now = now_ms();
    let Some(bytes) = saved else {
        return (fresh(config, params, None), None);
    };
    match Session::restore(name, config.role, params.clone(), bytes, now) {
        Ok(session) => (session, None),
        Err(error) => {
            let wallet = Snapshot::decode(bytes)
                .ok()
                .and_then(|s| s.wallet)
                .and_then(|json| Wallet::import(&json).ok());
            let notice = match error {
                RestoreError::Store(StoreError::WrongGenesis { .. }) => None,
                other => Some(format!("the saved chain was not used: {other}")),
            };
            (fresh(config, params, wallet), notice)
        }
    }
}

fn fresh(config: &SessionConfig, params: RoomParams, wallet: Option<Wallet>) -> Session {
    let wallet = wallet.unwrap_or_else(|| {
        std::iter::repeat_with(|| Wallet::from_entropy(random()))
            .find_map(Result::ok)
            .expect("random entropy makes a key")
    });
    Session::new(config.name.clone(), config.role, params, wallet)
}

fn fail(shell: &Shared, failure: Failure) {
    let mut s = shell.borrow_mut();
    if s.connection == Connection::Failed(Failure::Closed) {
        return;
    }
    s.connection = Connection::Failed(failure);
    s.changed();
}

/// One turn of the loop.
fn poll(shell: &Shared) {
    let now = now_ms();
    let ended = take_happenings(&mut shell.borrow_mut(), now);
    if let Some(why) = ended {
        shell.borrow_mut().transport = None;
        fail(shell, Failure::Ended(why));
    }
    {
        let mut s = shell.borrow_mut();
        if s.session.as_mut().is_some_and(Session::take_new_tip) {
            s.save_due = true;
            s.report_due = true;
        }
        if s.save_due && now.saturating_sub(s.last_save) >= SAVE_MS {
            s.save_now();
        }
    }
    report(shell, now);
    read_board(shell, now);
    publish(&mut shell.borrow_mut());
    let mut s = shell.borrow_mut();
    let fingerprint = fingerprint(&s);
    if fingerprint != s.fingerprint {
        s.fingerprint = fingerprint;
        s.changed();
    }
}

/// Feeds the transport's news and the timers to the session; why the transport
/// ended, if it did.
fn take_happenings(s: &mut Shell, now: u64) -> Option<String> {
    let happenings = s
        .transport
        .as_mut()
        .map(Transport::poll)
        .unwrap_or_default();
    let mut ended = None;
    let tick = now.saturating_sub(s.last_tick) >= TICK_MS;
    if tick {
        s.last_tick = now;
    }
    if let Some(session) = &mut s.session {
        for happening in happenings {
            match happening {
                Happening::Me(me) => session.set_me(me, now),
                Happening::Joined(member) => session.peer_joined(member, now),
                Happening::Left(member) => session.peer_left(&member, now),
                Happening::Packet(member, bytes) => session.receive(&member, &bytes, now),
                Happening::Ended(why) => ended = Some(why),
            }
        }
        if tick {
            session.tick(now);
        }
        if s.connection == Connection::Connecting && session.me().is_some() {
            s.connection = Connection::Joined;
        }
    }
    s.flush();
    ended
}

/// A cheap summary of what the page shows, to re-render only on change.
fn fingerprint(s: &Shell) -> u64 {
    let Some(session) = &s.session else { return 0 };
    let chain = session.node().chain();
    let tip = chain.tip().to_byte_array();
    let mut hash = u64::from_le_bytes(tip[..8].try_into().expect("8 bytes"));
    let feed = session
        .feed()
        .newest_first()
        .next()
        .map_or(0, |item| item.id);
    for part in [
        feed,
        session.members_present() as u64,
        session.peers_linked() as u64,
        session.node().mempool().len() as u64,
        session.sync().map_or(0, |sync| {
            u64::from(sync.target) << 32 | u64::from(sync.height)
        }),
        session.board().members.len() as u64,
        session
            .board()
            .members
            .iter()
            .map(|m| u64::from(m.status.height))
            .sum(),
        matches!(s.connection, Connection::Joined) as u64,
    ] {
        hash = hash.rotate_left(7) ^ part;
    }
    hash
}

fn report(shell: &Shared, now: u64) {
    let mut s = shell.borrow_mut();
    let due = s.report_due || now.saturating_sub(s.last_report) >= REPORT_MS;
    if !due || s.reporting || now.saturating_sub(s.last_report) < MIN_REPORT_GAP_MS {
        return;
    }
    let (Some(api), Some(session)) = (s.api.clone(), &s.session) else {
        return;
    };
    let Some(me) = session.me().cloned() else {
        return;
    };
    if !matches!(s.connection, Connection::Joined) {
        return;
    }
    let status = session.status(s.hashrate, s.mining);
    s.reporting = true;
    s.report_due = false;
    s.last_report = now;
    let weak = Rc::downgrade(shell);
    spawn_local(async move {
        let _ = api.report(&me, &status).await;
        if let Some(shell) = weak.upgrade() {
            shell.borrow_mut().reporting = false;
        }
    });
}

fn read_board(shell: &Shared, now: u64) {
    let mut s = shell.borrow_mut();
    if now.saturating_sub(s.last_board) < BOARD_MS || !matches!(s.connection, Connection::Joined) {
        return;
    }
    let Some(api) = s.api.clone() else { return };
    s.last_board = now;
    let weak = Rc::downgrade(shell);
    spawn_local(async move {
        let Ok(board) = api.board().await else { return };
        if let Some(shell) = weak.upgrade() {
            let mut s = shell.borrow_mut();
            if let Some(session) = &mut s.session {
                session.set_board(board, now_ms());
            }
            s.flush();
        }
    });
}

/// `window.__chainlab`: the propagation log and the status, for the e2e tests.
fn expose(weak: &Weak<RefCell<Shell>>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hooks = Object::new();
    let _ = Reflect::set(&hooks, &"blocks".into(), &Array::new());
    let reader = weak.clone();
    let status = Closure::<dyn Fn() -> JsValue>::new(move || {
        let Some(shell) = reader.upgrade() else {
            return JsValue::NULL;
        };
        let s = shell.borrow();
        let Some(session) = &s.session else {
            return JsValue::NULL;
        };
        let status = session.status(s.hashrate, s.mining);
        let mut value = serde_json::to_value(status).unwrap_or_default();
        value["member"] = session.me().map(|m| m.to_string()).into();
        value["linked"] = session.peers_linked().into();
        js_sys::JSON::parse(&value.to_string()).unwrap_or(JsValue::NULL)
    });
    let function: Function = status.into_js_value().unchecked_into();
    let _ = Reflect::set(&hooks, &"status".into(), &function);
    let _ = Reflect::set(&window, &"__chainlab".into(), &hooks);
}

/// Appends new arrivals to `window.__chainlab.blocks` (a new epoch starts it over).
fn publish(s: &mut Shell) {
    let Some(session) = &s.session else { return };
    let arrivals = session.arrivals();
    if arrivals.len() == s.published {
        return;
    }
    let Some(hooks) = web_sys::window()
        .and_then(|w| Reflect::get(&w, &"__chainlab".into()).ok())
        .filter(|h| h.is_object())
    else {
        return;
    };
    let blocks = if arrivals.len() < s.published {
        let fresh = Array::new();
        let _ = Reflect::set(&hooks, &"blocks".into(), &fresh);
        s.published = 0;
        fresh
    } else {
        Reflect::get(&hooks, &"blocks".into())
            .map(|b| b.unchecked_into::<Array>())
            .unwrap_or_default()
    };
    for arrival in &arrivals[s.published..] {
        let entry = serde_json::to_string(arrival).unwrap_or_default();
        if let Ok(value) = js_sys::JSON::parse(&entry) {
            blocks.push(&value);
        }
    }
    s.published = arrivals.len();
}
