//! ChainLab's ledger core: hashes, keys, transactions, Merkle trees, headers,
//! targets, chain state and mempool.
//!
//! Everything here is pure and deterministic: no I/O, no clock (callers pass "now"),
//! no global state, and no operating-system randomness (key generation takes entropy
//! from the caller). That is what lets the same code run natively, in tests and in
//! the browser (wasm32-unknown-unknown), and what makes every run reproducible.
//!
//! ```
//! use std::sync::Arc;
//! use ledger::chain::{genesis_block, mine_header};
//! use ledger::{Chain, ChainParams, Mempool, PrivateKey, Sha256dHasher, sha256};
//!
//! let params = ChainParams::regtest();
//! let genesis = genesis_block(&params, &Sha256dHasher);
//! let mut chain = Chain::new(params, genesis, Arc::new(Sha256dHasher)).unwrap();
//! let miner = PrivateKey::from_entropy(sha256(b"miner")).unwrap();
//! let mempool = Mempool::new();
//!
//! let now = chain.params().genesis_time + 600;
//! let mut block = mempool.block_template(&chain, miner.address(), now, 100);
//! let seed = chain.seed_for_child(&chain.tip());
//! assert!(mine_header(&mut block.header, chain.hasher().as_ref(), &seed));
//! let update = chain.accept_block(block, now).unwrap();
//! assert_eq!(update.connected.len(), 1);
//! assert_eq!(chain.balance(&miner.address()), chain.params().block_subsidy(1));
//! ```

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
mod serde_text;
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
