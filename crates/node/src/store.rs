//! Snapshots: what a tab writes to IndexedDB and reads back on reload.
//!
//! A snapshot holds the active chain's blocks in order, the wallet export and the
//! node's own payments not mined yet. It is never trusted: loading replays every
//! block through full validation on a fresh chain, so a damaged or edited snapshot
//! fails with a clear error instead of giving a tab a chain its peers would reject,
//! and the payments go through the pool's checks as if just made.
//!
//! ```text
//! snapshot = magic "CLsn" | version:u16 LE | count:u32 LE | (len:u32 LE | block)*count
//!            | wallet_len:u32 LE | wallet export JSON (UTF-8; empty for no wallet)
//!            | pending:u32 LE | (len:u32 LE | transaction)*pending   (version 2 on)
//! ```

use std::sync::Arc;

use ledger::chain::genesis_block;
use ledger::{
    Block, BlockError, BlockHash, Chain, ChainParams, DecodeError, PowHasher, Transaction,
};

use crate::node::Node;
use crate::wallet::{Wallet, WalletError};
use crate::wire::MAX_MESSAGE_SIZE;

const MAGIC: [u8; 4] = *b"CLsn";
/// Version of the snapshot format written; version 1 (no pending payments) still
/// reads, so a tab saved before an update keeps its chain.
pub const SNAPSHOT_VERSION: u16 = 2;

/// Why a snapshot could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Not a snapshot.
    #[error("not a ChainLab snapshot (wrong magic bytes)")]
    BadMagic,
    /// A newer format.
    #[error(
        "snapshot version {0} is not supported (this app reads versions 1 to {SNAPSHOT_VERSION})"
    )]
    UnsupportedVersion(u16),
    /// The data ends early or claims more than it holds.
    #[error("the snapshot is cut short")]
    Truncated,
    /// Bytes after the end.
    #[error("{0} unexpected bytes after the end of the snapshot")]
    TrailingBytes(usize),
    /// A block that does not decode.
    #[error("block {index} of the snapshot does not decode: {error}")]
    BadBlockEncoding {
        /// Position in the snapshot.
        index: usize,
        /// Why.
        error: DecodeError,
    },
    /// The snapshot has no blocks at all.
    #[error("the snapshot holds no blocks")]
    Empty,
    /// The snapshot belongs to another chain.
    #[error("the snapshot starts from genesis {found}, but this chain's genesis is {expected}")]
    WrongGenesis {
        /// Our genesis.
        expected: BlockHash,
        /// The snapshot's.
        found: BlockHash,
    },
    /// A block fails validation.
    #[error("block at height {height} of the snapshot is invalid: {error}")]
    InvalidBlock {
        /// Its height.
        height: usize,
        /// Why.
        error: BlockError,
    },
    /// A block that does not extend the one before it.
    #[error("block at height {height} of the snapshot does not extend the block before it")]
    NotAChain {
        /// Its position.
        height: usize,
    },
    /// A pending payment that does not decode.
    #[error("pending payment {index} of the snapshot does not decode: {error}")]
    BadTxEncoding {
        /// Position among the pending payments.
        index: usize,
        /// Why.
        error: DecodeError,
    },
    /// The wallet part is not valid text.
    #[error("the wallet part of the snapshot is not UTF-8 text")]
    BadWalletText,
    /// The wallet export fails to import.
    #[error("the snapshot's wallet: {0}")]
    Wallet(#[from] WalletError),
}

/// The active chain (genesis first), the wallet and the node's own pending payments.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Snapshot {
    /// Blocks of the active chain, genesis first.
    pub blocks: Vec<Block>,
    /// The wallet's export document, if the tab has a wallet.
    pub wallet: Option<String>,
    /// Payments made here and not mined yet, in the order made.
    pub pending: Vec<Transaction>,
}

impl Snapshot {
    /// Captures the node's active chain and the wallet.
    pub fn capture(node: &Node, wallet: Option<&Wallet>) -> Self {
        let chain = node.chain();
        let blocks = (0..=chain.height())
            .map(|height| {
                chain
                    .block_at_height(height)
                    .expect("every active height has a block")
                    .clone()
            })
            .collect();
        Self {
            blocks,
            wallet: wallet.map(Wallet::export),
            pending: node.own_pending(),
        }
    }

    /// The bytes to store.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&SNAPSHOT_VERSION.to_le_bytes());
        put_items(&mut out, self.blocks.iter().map(Block::encode));
        let wallet = self.wallet.as_deref().unwrap_or_default();
        put_len(&mut out, wallet.len());
        out.extend_from_slice(wallet.as_bytes());
        put_items(&mut out, self.pending.iter().map(Transaction::encode));
        out
    }

    /// Parses stored bytes (without validating the blocks: see [`Snapshot::restore`]).
    pub fn decode(bytes: &[u8]) -> Result<Self, StoreError> {
        let mut rest = bytes;
        if take(&mut rest, 4)? != MAGIC {
            return Err(StoreError::BadMagic);
        }
        let version = u16::from_le_bytes(take(&mut rest, 2)?.try_into().expect("2 bytes"));
        if !(1..=SNAPSHOT_VERSION).contains(&version) {
            return Err(StoreError::UnsupportedVersion(version));
        }
        let blocks = read_items(&mut rest, |index, bytes| {
            Block::decode(bytes).map_err(|error| StoreError::BadBlockEncoding { index, error })
        })?;
        let len = read_len(&mut rest)?;
        let wallet =
            std::str::from_utf8(take(&mut rest, len)?).map_err(|_| StoreError::BadWalletText)?;
        let pending = if version == 1 {
            Vec::new()
        } else {
            read_items(&mut rest, |index, bytes| {
                Transaction::decode(bytes)
                    .map_err(|error| StoreError::BadTxEncoding { index, error })
            })?
        };
        if !rest.is_empty() {
            return Err(StoreError::TrailingBytes(rest.len()));
        }
        Ok(Self {
            blocks,
            wallet: (!wallet.is_empty()).then(|| wallet.to_string()),
            pending,
        })
    }

    /// Rebuilds a node and wallet, validating every block as if it arrived from a
    /// peer at `now` (Unix milliseconds). Pending payments are submitted again; one
    /// that no longer fits the chain (its coin spent by a payment mined meanwhile)
    /// is left out, as the pool would have dropped it when that block came.
    pub fn restore(
        self,
        params: ChainParams,
        hasher: Arc<dyn PowHasher>,
        now: u64,
    ) -> Result<(Node, Option<Wallet>), StoreError> {
        let mut blocks = self.blocks.into_iter();
        let stored_genesis = blocks.next().ok_or(StoreError::Empty)?;
        let genesis = genesis_block(&params, &*hasher);
        if stored_genesis != genesis {
            return Err(StoreError::WrongGenesis {
                expected: genesis.block_hash(),
                found: stored_genesis.block_hash(),
            });
        }
        let mut chain = Chain::new(params, genesis, hasher).expect("the built genesis is valid");
        let now_seconds = u32::try_from(now / 1_000).unwrap_or(u32::MAX);
        for (index, block) in blocks.enumerate() {
            let height = index + 1;
            let hash = block.block_hash();
            chain
                .accept_block(block, now_seconds)
                .map_err(|error| StoreError::InvalidBlock { height, error })?;
            if !chain.is_active(&hash) {
                return Err(StoreError::NotAChain { height });
            }
        }
        let wallet = self.wallet.as_deref().map(Wallet::import).transpose()?;
        let mut node = Node::from_chain(chain);
        for tx in self.pending {
            let _ = node.submit_transaction(tx);
        }
        node.drain_outputs();
        Ok((node, wallet))
    }
}

/// A count, then each item with its length: the layout of the blocks and of the
/// pending payments.
fn put_items(out: &mut Vec<u8>, items: impl ExactSizeIterator<Item = Vec<u8>>) {
    put_len(out, items.len());
    for bytes in items {
        put_len(out, bytes.len());
        out.extend_from_slice(&bytes);
    }
}

/// Reads what [`put_items`] wrote, decoding item `index` with `decode`.
fn read_items<T>(
    rest: &mut &[u8],
    decode: impl Fn(usize, &[u8]) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let count = read_len(rest)?;
    // Each item needs at least its length prefix: a forged count cannot allocate.
    if count > rest.len() / 4 {
        return Err(StoreError::Truncated);
    }
    (0..count)
        .map(|index| {
            let len = read_len(rest)?;
            if len > MAX_MESSAGE_SIZE {
                return Err(StoreError::Truncated);
            }
            decode(index, take(rest, len)?)
        })
        .collect()
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    let len = u32::try_from(len).expect("snapshots stay below 4 GiB");
    out.extend_from_slice(&len.to_le_bytes());
}

fn take<'a>(rest: &mut &'a [u8], n: usize) -> Result<&'a [u8], StoreError> {
    if rest.len() < n {
        return Err(StoreError::Truncated);
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Ok(head)
}

fn read_len(rest: &mut &[u8]) -> Result<usize, StoreError> {
    let bytes = take(rest, 4)?.try_into().expect("4 bytes");
    Ok(u32::from_le_bytes(bytes) as usize)
}
