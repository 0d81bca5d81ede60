//! What the Merkle widget draws: the ledger's tree laid out level by level, the proof
//! path of one leaf, each step of checking that proof, and which hashes a tamper changed.
//!
//! Bitcoin pairs an odd last node with a copy of itself. The tree stores only real
//! nodes, so the layout adds those copies explicitly: a learner who counts the boxes
//! should see why five leaves make three parents.

use ledger::merkle::parent;
use ledger::{MerkleError, MerkleProof, MerkleTree, TxMerkleNode, Txid};

/// The txid of a lesson transaction written as text: SHA-256d of its bytes.
pub fn txid_of(text: &str) -> Txid {
    Txid::hash(text.as_bytes())
}

/// One box of the drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeBox {
    /// Level from the leaves (0) up to the root.
    pub level: usize,
    /// Position in its level; a copy has the index of the slot it fills.
    pub index: usize,
    pub hash: TxMerkleNode,
    /// Horizontal centre, from 0 (left edge) to 1 (right edge).
    pub x: f64,
    /// Bitcoin's duplicate of an odd last node.
    pub copy: bool,
}

/// The tree's boxes, leaves first; parents sit centred over their two children and a
/// copy sits one slot to the right of the node it copies.
pub fn layout(tree: &MerkleTree) -> Vec<NodeBox> {
    let levels = tree.levels();
    let mut xs: Vec<f64> = (0..levels[0].len()).map(|i| i as f64).collect();
    let mut boxes = Vec::new();
    for (level, nodes) in levels.iter().enumerate() {
        for (index, hash) in nodes.iter().enumerate() {
            boxes.push(NodeBox {
                level,
                index,
                hash: *hash,
                x: xs[index],
                copy: false,
            });
        }
        if level + 1 < levels.len() && nodes.len() % 2 == 1 {
            let index = nodes.len();
            let x = xs[index - 1] + f64::from(1u32 << level.min(31));
            xs.push(x);
            boxes.push(NodeBox {
                level,
                index,
                hash: nodes[index - 1],
                x,
                copy: true,
            });
        }
        xs = xs
            .chunks(2)
            .map(|pair| (pair[0] + pair[pair.len() - 1]) / 2.0)
            .collect();
    }
    let span = boxes.iter().map(|b| b.x).fold(0.0, f64::max) + 1.0;
    for b in &mut boxes {
        b.x = (b.x + 0.5) / span;
    }
    boxes
}

/// The role of a box in the proof of one leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// On the path from the leaf to the root: computed by the verifier.
    Path,
    /// A sibling hash the proof must carry.
    Sibling,
}

/// Where `(level, index)` stands in the proof of leaf `leaf`.
pub fn role(leaf: usize, level: usize, index: usize) -> Option<Role> {
    let on_path = leaf >> level;
    if index == on_path {
        Some(Role::Path)
    } else if index == on_path ^ 1 {
        Some(Role::Sibling)
    } else {
        None
    }
}

/// One step of checking a proof: hash the running value with a sibling.
#[derive(Clone, Debug, PartialEq)]
pub struct ProofStep {
    pub left: TxMerkleNode,
    pub right: TxMerkleNode,
    pub result: TxMerkleNode,
    /// Whether the sibling was on the left.
    pub sibling_left: bool,
}

/// The hashing steps a verifier does with `proof`, starting from the proven txid.
pub fn proof_steps(proof: &MerkleProof) -> Vec<ProofStep> {
    let mut running = TxMerkleNode::from_byte_array(proof.txid.to_byte_array());
    let mut position = proof.index;
    proof
        .siblings
        .iter()
        .map(|&sibling| {
            let sibling_left = position % 2 == 1;
            let (left, right) = if sibling_left {
                (sibling, running)
            } else {
                (running, sibling)
            };
            running = parent(left, right);
            position /= 2;
            ProofStep {
                left,
                right,
                result: running,
                sibling_left,
            }
        })
        .collect()
}

/// Positions `(level, index)` whose hash differs between two trees of the same shape.
pub fn changed(before: &MerkleTree, after: &MerkleTree) -> Vec<(usize, usize)> {
    before
        .levels()
        .iter()
        .zip(after.levels())
        .enumerate()
        .flat_map(|(level, (a, b))| {
            a.iter()
                .zip(b)
                .enumerate()
                .filter(|(_, (x, y))| x != y)
                .map(move |(index, _)| (level, index))
        })
        .collect()
}

/// The tree over these transaction texts.
pub fn tree_of(texts: &[String]) -> Result<MerkleTree, MerkleError> {
    MerkleTree::new(&texts.iter().map(|t| txid_of(t)).collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("tx {i}")).collect()
    }

    #[test]
    fn odd_levels_get_a_drawn_copy() {
        let tree = tree_of(&texts(5)).unwrap();
        let boxes = layout(&tree);
        let copies: Vec<_> = boxes
            .iter()
            .filter(|b| b.copy)
            .map(|b| (b.level, b.index))
            .collect();
        assert_eq!(copies, vec![(0, 5), (1, 3)]);
        let copy = boxes.iter().find(|b| b.copy).unwrap();
        assert_eq!(copy.hash, tree.levels()[0][4]);
        assert_eq!(boxes.len(), 6 + 3 + 1 + 2 + 1);
        assert!(boxes.iter().all(|b| b.x > 0.0 && b.x < 1.0));
    }

    #[test]
    fn parents_sit_over_their_children() {
        let tree = tree_of(&texts(4)).unwrap();
        let boxes = layout(&tree);
        let x = |level, index| {
            boxes
                .iter()
                .find(|b| b.level == level && b.index == index)
                .unwrap()
                .x
        };
        assert_eq!(x(1, 0), (x(0, 0) + x(0, 1)) / 2.0);
        assert_eq!(x(2, 0), 0.5);
    }

    #[test]
    fn proof_steps_end_at_the_root() {
        for n in 1..9 {
            let tree = tree_of(&texts(n)).unwrap();
            for leaf in 0..n {
                let proof = tree.proof(leaf).unwrap();
                let steps = proof_steps(&proof);
                let end = steps.last().map_or(tree.levels()[0][leaf], |s| s.result);
                assert_eq!(end, tree.root(), "n={n} leaf={leaf}");
                assert_eq!(proof.verify(), Ok(()));
            }
        }
    }

    #[test]
    fn roles_follow_the_path() {
        assert_eq!(role(5, 0, 5), Some(Role::Path));
        assert_eq!(role(5, 0, 4), Some(Role::Sibling));
        assert_eq!(role(5, 1, 2), Some(Role::Path));
        assert_eq!(role(5, 1, 3), Some(Role::Sibling));
        assert_eq!(role(5, 0, 1), None);
    }

    #[test]
    fn a_tamper_changes_exactly_its_path() {
        let before = tree_of(&texts(6)).unwrap();
        let mut edited = texts(6);
        edited[3].push('!');
        let after = tree_of(&edited).unwrap();
        assert_eq!(
            changed(&before, &after),
            vec![(0, 3), (1, 1), (2, 0), (3, 0)]
        );
    }

    /// Bitcoin block 100000's four txids and its header's Merkle root.
    #[test]
    fn bitcoin_block_100000_root() {
        let txids: Vec<Txid> = [
            "8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87",
            "fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
            "6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4",
            "e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d",
        ]
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
        let tree = MerkleTree::new(&txids).unwrap();
        assert_eq!(
            tree.root().to_string(),
            "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766"
        );
        assert_eq!(layout(&tree).len(), 7);
    }
}
