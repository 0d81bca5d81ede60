//! The classroom pages, and the hook every one of them uses to run a node in a room.
//!
//! # `use_class_session`: a full node in a room, for any page
//!
//! ```ignore
//! use crate::classroom::browser::shell::{Connection, Failure, Room, SessionConfig};
//! use crate::ui::classroom::{SessionHandle, use_class_session};
//!
//! let session: SessionHandle = use_class_session(SessionConfig {
//!     room: Room::Server(code),          // or Room::Local (this browser's tabs)
//!     role: Role::Instructor,            // node::classroom::Role
//!     name: "Teacher".into(),            // shown on the status board
//! });
//! session.connection()  -> Connection    // Loading | Connecting | Joined | Failed(Failure)
//! session.notice()      -> Option<String> // storage trouble etc., not fatal
//! session.me()          -> Option<MemberId>
//! session.tree()        -> Vec<ledger::chain::TreeNode>  // Chain::tree(): every block, forks too
//! session.members()     -> Vec<classroom::board::Member> // the status board, read every 2 s
//! session.params()      -> RoomParams    // what the node obeys now (SSE `room` events)
//! session.events()      -> Vec<FeedItem> // newest first; item.text(lang), item.is_alert()
//! session.with(|s: &Session| ...)        // anything else: chain, mempool, wallet, history,
//!                                        // arrivals, side(), sync(), status(..)
//! session.pay(to, amount, fee) -> Result<Txid, PayError>
//! session.refresh_board()                // read the status board now (after a PUT)
//! ```
//!
//! The hook starts the node when the component mounts (or the config changes): it
//! loads the saved chain for `(room, name)` from IndexedDB (validated block by block;
//! a new epoch keeps only the wallet), joins the room's WebRTC mesh (or the tabs'
//! BroadcastChannel), obeys the instructor's parameters, reports its status every
//! 2 s, and says goodbye when the component unmounts. The calling component re-renders
//! whenever the node changed; `SessionHandle` compares by revision, so it can be
//! passed down as a prop. The rules themselves live in the pure
//! [`crate::classroom::session::Session`], tested natively.

pub mod student;

use std::rc::Rc;

use ledger::chain::TreeNode;
use ledger::{Address, Amount, Block, BlockError, Txid};
use node::classroom::{MemberId, RoomParams};
use yew::prelude::*;

use crate::classroom::board::Member;
use crate::classroom::browser::clock::now_ms;
use crate::classroom::browser::shell::{Connection, SessionConfig, Shared, Shell};
use crate::classroom::feed::FeedItem;
use crate::classroom::session::{PayError, Session};

/// A page's handle on its running node. Cheap to clone.
#[derive(Clone)]
pub struct SessionHandle {
    shell: Shared,
    revision: u64,
}

impl PartialEq for SessionHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.shell, &other.shell) && self.revision == other.revision
    }
}

impl SessionHandle {
    pub fn connection(&self) -> Connection {
        self.shell.borrow().connection().clone()
    }

    pub fn notice(&self) -> Option<String> {
        self.shell.borrow().notice().map(str::to_string)
    }

    pub fn config(&self) -> SessionConfig {
        self.shell.borrow().config().clone()
    }

    /// Whether the node is running (the saved chain is loaded).
    pub fn is_ready(&self) -> bool {
        self.shell.borrow().session().is_some()
    }

    /// Reads the session; `None` until it is loaded.
    pub fn with<R>(&self, read: impl FnOnce(&Session) -> R) -> Option<R> {
        let shell = self.shell.borrow();
        shell.session().map(read)
    }

    pub fn me(&self) -> Option<MemberId> {
        self.with(|s| s.me().cloned()).flatten()
    }

    pub fn tree(&self) -> Vec<TreeNode> {
        self.with(|s| s.node().chain().tree()).unwrap_or_default()
    }

    pub fn members(&self) -> Vec<Member> {
        self.with(|s| s.board().members.clone()).unwrap_or_default()
    }

    pub fn params(&self) -> RoomParams {
        self.with(|s| s.params().clone()).unwrap_or_default()
    }

    pub fn events(&self) -> Vec<FeedItem> {
        self.with(|s| s.feed().newest_first().cloned().collect())
            .unwrap_or_default()
    }

    /// Signs a payment, hands it to the node and sends it to the peers.
    pub fn pay(&self, to: Address, amount: Amount, fee: Amount) -> Result<Txid, PayError> {
        let mut shell = self.shell.borrow_mut();
        let session = shell
            .session_mut()
            .ok_or(PayError::Wallet(node::WalletError::ZeroAmount))?;
        let result = session.pay(to, amount, fee, now_ms());
        shell.flush();
        if result.is_ok() {
            shell.save_soon();
        }
        result
    }

    /// A block for the miner on the current tip.
    pub fn block_template(&self) -> Option<Block> {
        self.with(|s| s.block_template(now_ms()))
    }

    /// A block the miner found: validated, connected and relayed.
    pub fn submit_block(&self, block: Block) -> Option<Result<(), BlockError>> {
        let mut shell = self.shell.borrow_mut();
        let result = shell
            .session_mut()
            .map(|session| session.submit_mined(block, now_ms()));
        shell.flush();
        result
    }

    /// Replaces the wallet's keys with an exported wallet's.
    pub fn import_wallet(&self, json: &str) -> Option<Result<(), node::WalletError>> {
        let mut shell = self.shell.borrow_mut();
        shell
            .session_mut()
            .map(|session| session.import_wallet(json, now_ms()))
    }

    /// The miner's state, reported with the status.
    pub fn set_mining(&self, mining: bool, hashrate: f64) {
        self.shell.borrow_mut().set_mining(mining, hashrate);
    }

    pub fn refresh_board(&self) {
        self.shell.borrow_mut().refresh_board();
    }
}

/// Runs a node in a room for the calling component (see the module docs).
#[hook]
pub fn use_class_session(config: SessionConfig) -> SessionHandle {
    let redraw = use_force_update();
    let shell = use_memo(config, move |config| {
        let notify: Rc<dyn Fn()> = Rc::new(move || redraw.force_update());
        Running(Shell::start(config.clone(), notify))
    });
    use_effect_with(shell.clone(), |running| {
        let shell = running.0.clone();
        move || shell.borrow_mut().stop()
    });
    let shell = shell.0.clone();
    let revision = shell.borrow().revision();
    SessionHandle { shell, revision }
}

/// One started shell; equal only to itself, so the effect above stops exactly the
/// shell that the memo replaced.
struct Running(Shared);

impl PartialEq for Running {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}
