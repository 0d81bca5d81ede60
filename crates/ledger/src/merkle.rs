//! Merkle trees over txids, with Bitcoin's exact rules, and SPV inclusion proofs.
//!
//! Each parent is SHA-256d of its two children's raw-order bytes concatenated. When a
//! level has an odd number of nodes, the last one is paired with itself. (That rule
//! lets two different transaction lists share a root, CVE-2012-2459; full nodes defend
//! by rejecting blocks with duplicate transactions, which a UTXO chain does anyway
//! because the duplicate would be a double spend.)
//!
//! A proof lists the sibling of each node on the path from a leaf up to the root; the
//! leaf's index says, bit by bit, whether the path node is a left (bit 0) or right
//! (bit 1) child. A light client holding only headers can check it with
//! `depth` hashes instead of downloading the block.

use serde::{Deserialize, Serialize};

use crate::hash::{MerkleRoot, TxMerkleNode, Txid};

/// Why a Merkle computation or proof failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// There is no Merkle root of nothing: a block has at least its coinbase.
    #[error("a Merkle tree needs at least one txid")]
    Empty,
    /// The requested leaf does not exist.
    #[error("index {index} is out of range for {count} txids")]
    IndexOutOfRange {
        /// Requested index.
        index: usize,
        /// Number of leaves.
        count: usize,
    },
    /// The index has bits set beyond the proof's depth, so it cannot describe the path.
    #[error("index {index} needs more than the proof's {depth} levels")]
    IndexTooDeep {
        /// The proof's leaf index.
        index: u64,
        /// Number of siblings in the proof.
        depth: usize,
    },
    /// Hashing the path does not give the expected root.
    #[error("the path hashes to {computed}, not the root {expected}")]
    RootMismatch {
        /// The root the proof was checked against.
        expected: MerkleRoot,
        /// What the path actually hashes to.
        computed: MerkleRoot,
    },
}

/// SHA-256d of two raw-order child hashes.
pub fn parent(left: TxMerkleNode, right: TxMerkleNode) -> TxMerkleNode {
    let mut data = [0u8; 64];
    data[..32].copy_from_slice(left.as_byte_array());
    data[32..].copy_from_slice(right.as_byte_array());
    TxMerkleNode::hash(&data)
}

/// Every level of a Merkle tree, from the leaves (level 0) to the root (last level).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct MerkleTree {
    levels: Vec<Vec<TxMerkleNode>>,
}

impl MerkleTree {
    /// Builds the whole tree.
    pub fn new(txids: &[Txid]) -> Result<Self, MerkleError> {
        if txids.is_empty() {
            return Err(MerkleError::Empty);
        }
        let mut levels = vec![
            txids
                .iter()
                .map(|txid| TxMerkleNode::from_byte_array(txid.to_byte_array()))
                .collect::<Vec<_>>(),
        ];
        while levels.last().expect("non-empty").len() > 1 {
            let below = levels.last().expect("non-empty");
            let above = below
                .chunks(2)
                .map(|pair| parent(pair[0], *pair.get(1).unwrap_or(&pair[0])))
                .collect();
            levels.push(above);
        }
        Ok(Self { levels })
    }

    /// The levels, leaves first, root last. Drawing code can show duplicated last
    /// nodes wherever a level has odd length.
    pub fn levels(&self) -> &[Vec<TxMerkleNode>] {
        &self.levels
    }

    /// The root.
    pub fn root(&self) -> MerkleRoot {
        self.levels.last().expect("non-empty")[0]
    }

    /// The inclusion proof for the leaf at `index`.
    pub fn proof(&self, index: usize) -> Result<MerkleProof, MerkleError> {
        let count = self.levels[0].len();
        if index >= count {
            return Err(MerkleError::IndexOutOfRange { index, count });
        }
        let mut position = index;
        let siblings = self.levels[..self.levels.len() - 1]
            .iter()
            .map(|level| {
                let sibling = level.get(position ^ 1).unwrap_or(&level[position]);
                position /= 2;
                *sibling
            })
            .collect();
        Ok(MerkleProof {
            root: self.root(),
            txid: Txid::from_byte_array(self.levels[0][index].to_byte_array()),
            index: index as u64,
            siblings,
        })
    }
}

/// The Merkle root of `txids` (Bitcoin's rule).
pub fn merkle_root(txids: &[Txid]) -> Result<MerkleRoot, MerkleError> {
    MerkleTree::new(txids).map(|tree| tree.root())
}

/// `value >> shift`, zero once the shift passes 63 bits.
fn bit_shift(value: u64, shift: usize) -> u64 {
    u32::try_from(shift)
        .ok()
        .and_then(|shift| value.checked_shr(shift))
        .unwrap_or(0)
}

/// An SPV inclusion proof. Serializes to JSON with hashes in explorer order.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct MerkleProof {
    /// The root the proof leads to (compare with a header's Merkle root).
    pub root: MerkleRoot,
    /// The transaction proven to be included.
    pub txid: Txid,
    /// Position of the transaction in the block.
    pub index: u64,
    /// Sibling hashes from the leaf level upwards.
    pub siblings: Vec<TxMerkleNode>,
}

impl MerkleProof {
    /// The root obtained by hashing the path from the leaf.
    pub fn computed_root(&self) -> Result<MerkleRoot, MerkleError> {
        let depth = self.siblings.len();
        if bit_shift(self.index, depth) != 0 {
            return Err(MerkleError::IndexTooDeep {
                index: self.index,
                depth,
            });
        }
        let leaf = TxMerkleNode::from_byte_array(self.txid.to_byte_array());
        Ok(self
            .siblings
            .iter()
            .enumerate()
            .fold(leaf, |node, (level, sibling)| {
                if bit_shift(self.index, level) & 1 == 0 {
                    parent(node, *sibling)
                } else {
                    parent(*sibling, node)
                }
            }))
    }

    /// Checks that the path leads to [`MerkleProof::root`].
    pub fn verify(&self) -> Result<(), MerkleError> {
        let computed = self.computed_root()?;
        if computed == self.root {
            Ok(())
        } else {
            Err(MerkleError::RootMismatch {
                expected: self.root,
                computed,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn txids(texts: &[&str]) -> Vec<Txid> {
        texts.iter().map(|t| t.parse().unwrap()).collect()
    }

    #[test]
    fn bitcoin_block_100000_root() {
        let leaves = txids(&[
            "8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87",
            "fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
            "6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4",
            "e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d",
        ]);
        let tree = MerkleTree::new(&leaves).unwrap();
        assert_eq!(
            tree.root().to_string(),
            "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766"
        );
        assert_eq!(
            tree.levels().iter().map(Vec::len).collect::<Vec<_>>(),
            [4, 2, 1]
        );
        let proof = tree.proof(2).unwrap();
        assert_eq!(proof.verify(), Ok(()));
        let json = serde_json::to_string(&proof).unwrap();
        assert!(json.contains("6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4"));
        assert_eq!(serde_json::from_str::<MerkleProof>(&json).unwrap(), proof);
    }

    #[test]
    fn bitcoin_genesis_root_is_its_only_txid() {
        let leaves = txids(&["4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"]);
        let root = merkle_root(&leaves).unwrap();
        assert_eq!(
            root.to_string(),
            "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
        );
        let proof = MerkleTree::new(&leaves).unwrap().proof(0).unwrap();
        assert!(proof.siblings.is_empty());
        assert_eq!(proof.verify(), Ok(()));
    }

    #[test]
    fn proof_errors() {
        assert_eq!(merkle_root(&[]), Err(MerkleError::Empty));
        let leaves: Vec<Txid> = (0u8..3).map(|i| Txid::hash(&[i])).collect();
        let tree = MerkleTree::new(&leaves).unwrap();
        assert_eq!(
            tree.proof(3),
            Err(MerkleError::IndexOutOfRange { index: 3, count: 3 })
        );
        let mut proof = tree.proof(1).unwrap();
        proof.index = 4;
        assert!(matches!(
            proof.verify(),
            Err(MerkleError::IndexTooDeep { .. })
        ));
        proof.index = 0;
        assert!(matches!(
            proof.verify(),
            Err(MerkleError::RootMismatch { .. })
        ));
    }

    proptest! {
        #[test]
        fn every_leaf_has_a_valid_proof(seeds in prop::collection::vec(any::<[u8; 32]>(), 1..40)) {
            let leaves: Vec<Txid> = seeds.iter().map(|s| Txid::from_byte_array(*s)).collect();
            let tree = MerkleTree::new(&leaves).unwrap();
            for (index, leaf) in leaves.iter().enumerate() {
                let proof = tree.proof(index).unwrap();
                prop_assert_eq!(proof.txid, *leaf);
                prop_assert_eq!(proof.verify(), Ok(()));
                let mut forged = proof.clone();
                forged.txid = Txid::hash(b"not in the block");
                prop_assert!(forged.verify().is_err());
            }
        }
    }
}
