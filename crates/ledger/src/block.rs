//! Blocks: a header plus the transactions its Merkle root commits to.
//!
//! Encoding: the 80-byte header, a CompactSize transaction count, then each
//! transaction's canonical encoding (see [`crate::tx`]). Decoding is strict.

use serde::{Deserialize, Serialize};

use crate::encode::{DecodeError, Reader, write_compact_size};
use crate::hash::{BlockHash, MerkleRoot, Txid};
use crate::header::BlockHeader;
use crate::merkle::{MerkleError, merkle_root};
use crate::tx::Transaction;

/// A block.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Block {
    /// The header (proof of work commits to it).
    pub header: BlockHeader,
    /// Transactions; the first is the coinbase.
    pub transactions: Vec<Transaction>,
}

/// Smallest possible transaction encoding: version plus two empty counts.
const MIN_TX_SIZE: usize = 6;

impl Block {
    /// The block's hash (its header's hash).
    pub fn block_hash(&self) -> BlockHash {
        self.header.block_hash()
    }

    /// The txids in block order.
    pub fn txids(&self) -> Vec<Txid> {
        self.transactions.iter().map(Transaction::txid).collect()
    }

    /// The Merkle root of the transactions (an error for a block without any).
    pub fn compute_merkle_root(&self) -> Result<MerkleRoot, MerkleError> {
        merkle_root(&self.txids())
    }

    /// Encodes header, count and transactions.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.header.encode().to_vec();
        write_compact_size(&mut out, self.transactions.len() as u64);
        for tx in &self.transactions {
            out.extend_from_slice(&tx.encode());
        }
        out
    }

    /// Decodes exactly one block.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(bytes);
        let header = BlockHeader::decode_from(&mut reader)?;
        let transactions = (0..reader.count(MIN_TX_SIZE)?)
            .map(|_| Transaction::decode_from(&mut reader))
            .collect::<Result<_, _>>()?;
        reader.finish()?;
        Ok(Self {
            header,
            transactions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::tests::arb_header;
    use crate::tx::tests::arb_transaction;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn block_round_trips(
            header in arb_header(),
            transactions in prop::collection::vec(arb_transaction(), 0..4),
        ) {
            let block = Block { header, transactions };
            let bytes = block.encode();
            prop_assert_eq!(Block::decode(&bytes).unwrap(), block.clone());
            let mut longer = bytes.clone();
            longer.push(0);
            prop_assert_eq!(Block::decode(&longer), Err(DecodeError::TrailingBytes(1)));
        }
    }
}
