//! Block headers, serialized exactly like Bitcoin's 80-byte header.
//!
//! ```text
//! version:i32 LE | prev_blockhash:[u8;32] raw | merkle_root:[u8;32] raw | time:u32 LE | bits:u32 LE | nonce:u32 LE
//! ```
//!
//! Because the layout is Bitcoin's, a real Bitcoin header hashes (SHA-256d) to its
//! real block hash, which the tests check for the genesis block and block 100000.

use serde::{Deserialize, Serialize};

use crate::encode::{DecodeError, Reader};
use crate::hash::{BlockHash, TxMerkleNode};
use crate::target::CompactTarget;

/// A block header: everything proof of work commits to.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct BlockHeader {
    /// Block version.
    pub version: i32,
    /// Hash of the parent block's header.
    pub prev_blockhash: BlockHash,
    /// Merkle root of the block's txids.
    pub merkle_root: TxMerkleNode,
    /// Seconds since the Unix epoch, as claimed by the miner.
    pub time: u32,
    /// The target this block's proof of work must meet.
    pub bits: CompactTarget,
    /// The number miners vary to search for a valid hash.
    pub nonce: u32,
}

impl BlockHeader {
    /// Serialized size in bytes.
    pub const SIZE: usize = 80;

    /// The 80-byte serialization.
    pub fn encode(&self) -> [u8; Self::SIZE] {
        let mut out = [0u8; Self::SIZE];
        out[0..4].copy_from_slice(&self.version.to_le_bytes());
        out[4..36].copy_from_slice(self.prev_blockhash.as_byte_array());
        out[36..68].copy_from_slice(self.merkle_root.as_byte_array());
        out[68..72].copy_from_slice(&self.time.to_le_bytes());
        out[72..76].copy_from_slice(&self.bits.to_consensus().to_le_bytes());
        out[76..80].copy_from_slice(&self.nonce.to_le_bytes());
        out
    }

    pub(crate) fn decode_from(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            version: reader.i32()?,
            prev_blockhash: BlockHash::from_byte_array(reader.array()?),
            merkle_root: TxMerkleNode::from_byte_array(reader.array()?),
            time: reader.u32()?,
            bits: CompactTarget::from_consensus(reader.u32()?),
            nonce: reader.u32()?,
        })
    }

    /// Decodes exactly 80 bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(bytes);
        let header = Self::decode_from(&mut reader)?;
        reader.finish()?;
        Ok(header)
    }

    /// Decodes 160 hex characters.
    pub fn from_hex(text: &str) -> Result<Self, DecodeError> {
        let bytes = hex::decode(text.trim()).map_err(|_| DecodeError::NotHex)?;
        Self::decode(&bytes)
    }

    /// SHA-256d of the 80 bytes: the block's identity.
    pub fn block_hash(&self) -> BlockHash {
        BlockHash::hash(&self.encode())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The Bitcoin genesis block header.
    pub(crate) const GENESIS_HEX: &str = "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";

    #[test]
    fn bitcoin_genesis_header() {
        let header = BlockHeader::from_hex(GENESIS_HEX).unwrap();
        assert_eq!(
            header.block_hash().to_string(),
            "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
        );
        assert_eq!(
            header.merkle_root.to_string(),
            "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
        );
        assert_eq!(header.time, 1231006505);
        assert_eq!(header.bits.to_consensus(), 0x1d00ffff);
        assert_eq!(header.nonce, 2083236893);
        assert_eq!(hex::encode(header.encode()), GENESIS_HEX);
    }

    #[test]
    fn bitcoin_block_100000_header() {
        let header = BlockHeader {
            version: 1,
            prev_blockhash: "000000000002d01c1fccc21636b607dfd930d31d01c3a62104612a1719011250"
                .parse()
                .unwrap(),
            merkle_root: "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766"
                .parse()
                .unwrap(),
            time: 1293623863,
            bits: CompactTarget::from_consensus(0x1b04864c),
            nonce: 274148111,
        };
        assert_eq!(
            header.block_hash().to_string(),
            "000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506"
        );
    }

    #[test]
    fn wrong_lengths_are_rejected() {
        assert!(matches!(
            BlockHeader::from_hex(&GENESIS_HEX[..158]),
            Err(DecodeError::UnexpectedEnd { .. })
        ));
        assert_eq!(
            BlockHeader::from_hex(&format!("{GENESIS_HEX}00")),
            Err(DecodeError::TrailingBytes(1))
        );
        assert_eq!(BlockHeader::from_hex("zz"), Err(DecodeError::NotHex));
    }

    pub(crate) fn arb_header() -> impl Strategy<Value = BlockHeader> {
        (
            any::<i32>(),
            any::<[u8; 32]>(),
            any::<[u8; 32]>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
        )
            .prop_map(|(version, prev, root, time, bits, nonce)| BlockHeader {
                version,
                prev_blockhash: BlockHash::from_byte_array(prev),
                merkle_root: TxMerkleNode::from_byte_array(root),
                time,
                bits: CompactTarget::from_consensus(bits),
                nonce,
            })
    }

    proptest! {
        #[test]
        fn header_round_trips(header in arb_header()) {
            prop_assert_eq!(BlockHeader::decode(&header.encode()).unwrap(), header);
            let json = serde_json::to_string(&header).unwrap();
            prop_assert_eq!(serde_json::from_str::<BlockHeader>(&json).unwrap(), header);
        }
    }
}
