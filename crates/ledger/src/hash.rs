//! Hash functions and the hash newtypes.
//!
//! Every 32-byte digest in the ledger gets its own type so that a transaction id can
//! never be passed where a block hash is expected. Bitcoin-style digests (SHA-256d)
//! are *displayed* byte-reversed, the way block explorers and Bitcoin Core print them,
//! while [`to_byte_array`](BlockHash::to_byte_array) gives the raw order used inside
//! encodings and Merkle trees.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};
use sha3::Sha3_256;

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Double SHA-256, Bitcoin's hash for block headers, txids and Merkle nodes.
pub fn sha256d(data: &[u8]) -> [u8; 32] {
    sha256(&sha256(data))
}

/// SHA3-256 (FIPS 202), used by Bytom's Tensority seed schedule.
pub fn sha3_256(data: &[u8]) -> [u8; 32] {
    Sha3_256::digest(data).into()
}

/// Why a hex string could not be read as a hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashParseError {
    /// The string is not 64 characters long.
    #[error("a hash is 64 hex characters, got {0}")]
    Length(usize),
    /// The string contains something other than hex digits.
    #[error("a hash may only contain hex digits 0-9 and a-f")]
    NotHex,
}

/// Decodes exactly 64 hex characters into 32 bytes in the order written.
pub(crate) fn parse_hex32(s: &str) -> Result<[u8; 32], HashParseError> {
    if s.len() != 64 {
        return Err(HashParseError::Length(s.len()));
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).map_err(|_| HashParseError::NotHex)?;
    Ok(out)
}

macro_rules! hash_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name([u8; 32]);

        impl $name {
            /// The all-zero hash (for example the "previous block" of a genesis block).
            pub const ZERO: Self = Self([0; 32]);

            /// Wraps bytes in raw (internal, hashing) order.
            pub const fn from_byte_array(bytes: [u8; 32]) -> Self {
                Self(bytes)
            }

            /// The bytes in raw (internal, hashing) order.
            pub const fn to_byte_array(self) -> [u8; 32] {
                self.0
            }

            /// Borrows the raw-order bytes.
            pub const fn as_byte_array(&self) -> &[u8; 32] {
                &self.0
            }

            /// Double SHA-256 of `data`, the way Bitcoin derives this kind of hash.
            pub fn hash(data: &[u8]) -> Self {
                Self(sha256d(data))
            }
        }

        impl fmt::Display for $name {
            /// Explorer order: the raw bytes reversed, as lowercase hex.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut reversed = self.0;
                reversed.reverse();
                f.write_str(&hex::encode(reversed))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self)
            }
        }

        impl FromStr for $name {
            type Err = HashParseError;

            /// Reads explorer order (the inverse of `Display`).
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let mut bytes = parse_hex32(s)?;
                bytes.reverse();
                Ok(Self(bytes))
            }
        }

        crate::serde_text::serde_as_text!($name);
    };
}

hash_newtype!(
    /// The double SHA-256 of a block's 80-byte header.
    BlockHash
);
hash_newtype!(
    /// A transaction id: double SHA-256 of the transaction's canonical encoding.
    Txid
);
hash_newtype!(
    /// A node of a transaction Merkle tree; the root is stored in block headers.
    TxMerkleNode
);

/// The Merkle root of a block's transactions (the top [`TxMerkleNode`]).
pub type MerkleRoot = TxMerkleNode;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(
            hex::encode(sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex::encode(sha3_256(b"abc")),
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"
        );
        assert_eq!(
            hex::encode(sha256d(b"hello")),
            "9595c9df90075148eb06860365df33584b75bff782a510c6cd4883a419833d50"
        );
    }

    #[test]
    fn display_is_reversed_and_round_trips() {
        let mut raw = [0u8; 32];
        raw[0] = 0xab;
        let hash = BlockHash::from_byte_array(raw);
        let text = hash.to_string();
        assert!(text.ends_with("ab"));
        assert_eq!(text.parse::<BlockHash>().unwrap(), hash);
        let json = serde_json::to_string(&hash).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<BlockHash>(&json).unwrap(), hash);
    }

    #[test]
    fn bad_hex_is_a_clear_error() {
        assert_eq!("abc".parse::<Txid>(), Err(HashParseError::Length(3)));
        assert_eq!("zz".repeat(32).parse::<Txid>(), Err(HashParseError::NotHex));
    }
}
