//! ChainLab's sans-IO full node.
//!
//! Every browser tab and the native `chainlab serve` run this same node. It never
//! touches a socket, a clock or an entropy source: the shell hands it bytes from peers,
//! the current time in milliseconds and entropy for keys, and carries out the
//! [`Output`]s it queues (send these bytes, drop that peer, show this event). That is
//! the style of str0m and tikv/raft-rs, and it is what lets the tests run whole
//! classrooms of nodes deterministically in memory.
//!
//! - [`wire`]: the versioned binary protocol with hard size limits.
//! - [`node`]: gossip, header-first sync, orphans and peer hygiene.
//! - [`wallet`]: keys, balance, coin selection, signed payments, export/import.
//! - [`store`]: the snapshot a tab saves to IndexedDB and validates on reload.
//! - [`classroom`]: the room's control plane (instructor's parameters and scenarios,
//!   each node's status), carried by `chainlab serve` rather than by peers.

pub mod classroom;
pub mod node;
pub mod peer;
pub mod store;
pub mod wallet;
pub mod wire;

pub use node::{Event, Node, Output};
pub use peer::{Misbehavior, PeerId};
pub use store::{Snapshot, StoreError};
pub use wallet::{Balance, Wallet, WalletError};
pub use wire::{InvItem, Message, WireError};

use std::sync::Arc;

use ledger::{ChainParams, PowAlgorithm, PowHasher, Sha256dHasher};

/// The proof-of-work hasher that validates blocks of `params`' chain.
pub fn hasher_for(params: &ChainParams) -> Arc<dyn PowHasher> {
    match params.pow {
        PowAlgorithm::Sha256d => Arc::new(Sha256dHasher),
        PowAlgorithm::Tensority { .. } => Arc::new(pow::TensorityHasher::default()),
    }
}
