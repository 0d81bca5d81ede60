//! ChainLab's ledger core: hashes, keys, transactions, Merkle trees, headers,
//! targets, chain state and mempool.
//!
//! Everything here is pure and deterministic: no I/O, no clock (callers pass "now"),
//! no global state, and no operating-system randomness (key generation takes entropy
//! from the caller). That is what lets the same code run natively, in tests and in
//! the browser (wasm32-unknown-unknown), and what makes every run reproducible.

pub mod amount;
pub mod attack;
pub mod block;
pub mod chain;
pub mod encode;
pub mod hash;
pub mod header;
pub mod keys;
pub mod mempool;
pub mod merkle;
pub mod params;
pub mod pow;
pub mod target;
pub mod tx;
pub mod uint;

pub use amount::{Amount, AmountError};
pub use block::Block;
pub use chain::{BlockError, Chain, ChainUpdate, TxError};
pub use encode::DecodeError;
pub use hash::{BlockHash, MerkleRoot, TxMerkleNode, Txid, sha3_256, sha256, sha256d};
pub use header::BlockHeader;
pub use keys::{Address, KeyError, PrivateKey, PublicKey, Signature};
pub use mempool::{Mempool, MempoolError};
pub use merkle::{MerkleError, MerkleProof, MerkleTree, merkle_root};
pub use params::ChainParams;
pub use pow::{PowAlgorithm, PowHasher, Sha256dHasher};
pub use target::{CompactTarget, Target, Work};
pub use tx::{OutPoint, Spend, Transaction, TxIn, TxOut};
pub use uint::U256;
