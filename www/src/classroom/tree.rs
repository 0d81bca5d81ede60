//! Where each block of the class's block tree goes in the dashboard's drawing.
//!
//! Columns are heights, so blocks mined at the same time line up on the projector.
//! The active chain runs along lane 0; every stale branch (the losing side of a fork,
//! a partition's shorter half, a released secret chain that lost) gets the lowest
//! lane free for its whole span, so branches never cross and a class that forks a
//! dozen times still fits in a few lanes.

use std::collections::BTreeMap;

use ledger::BlockHash;
use ledger::chain::TreeNode;

/// One block's place in the drawing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    pub hash: BlockHash,
    pub height: u32,
    /// Column: height above the first height drawn.
    pub column: u32,
    /// Lane 0 is the active chain.
    pub lane: u32,
    pub active: bool,
    /// Index of its parent in [`Layout::blocks`], when the parent is drawn.
    pub parent: Option<usize>,
}

/// A stale branch: blocks mined on a fork that lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Branch {
    pub lane: u32,
    /// Height of the block it forked from (the last block shared with its parent branch).
    pub fork_height: u32,
    /// Its last block.
    pub tip: BlockHash,
    pub tip_height: u32,
    /// Its blocks: how deep a reorganisation it was (or would have been).
    pub length: u32,
}

/// The whole drawing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// In the order of the input (height, then arrival).
    pub blocks: Vec<Placed>,
    pub branches: Vec<Branch>,
    pub columns: u32,
    pub lanes: u32,
}

impl Layout {
    /// Lays out `nodes` (as [`ledger::Chain::tree`] returns them), keeping only
    /// the `recent` highest heights so a chain of thousands of blocks stays drawable.
    pub fn new(nodes: &[TreeNode], recent: u32) -> Self {
        let Some(top) = nodes.iter().map(|n| n.height).max() else {
            return Self::default();
        };
        let first = top.saturating_sub(recent.saturating_sub(1));
        let kept: Vec<&TreeNode> = nodes.iter().filter(|n| n.height >= first).collect();
        let index: BTreeMap<BlockHash, usize> =
            kept.iter().enumerate().map(|(i, n)| (n.hash, i)).collect();
        let parents: Vec<Option<usize>> = kept
            .iter()
            .map(|n| n.parent.and_then(|p| index.get(&p).copied()))
            .collect();
        let (lanes, branches) = assign_lanes(&kept, &parents);
        let blocks = kept
            .iter()
            .zip(&parents)
            .zip(&lanes)
            .map(|((node, parent), lane)| Placed {
                hash: node.hash,
                height: node.height,
                column: node.height - first,
                lane: *lane,
                active: node.active,
                parent: *parent,
            })
            .collect();
        Self {
            blocks,
            lanes: lanes.iter().max().map_or(0, |l| l + 1),
            columns: top - first + 1,
            branches,
        }
    }

    /// The active chain's tip, where the drawing scrolls to.
    pub fn tip(&self) -> Option<&Placed> {
        self.blocks
            .iter()
            .filter(|b| b.active)
            .max_by_key(|b| b.height)
    }
}

/// Gives every block a lane: 0 for the active chain, and for each stale branch
/// (found from its tip back to where it joins an earlier branch) the lowest lane
/// whose columns are free from the fork to the tip.
fn assign_lanes(nodes: &[&TreeNode], parents: &[Option<usize>]) -> (Vec<u32>, Vec<Branch>) {
    let mut lane: Vec<Option<u32>> = nodes.iter().map(|n| n.active.then_some(0)).collect();
    let mut has_child = vec![false; nodes.len()];
    for parent in parents.iter().flatten() {
        has_child[*parent] = true;
    }
    let mut tips: Vec<usize> = (0..nodes.len())
        .filter(|&i| !nodes[i].active && !has_child[i])
        .collect();
    tips.sort_by_key(|&i| (std::cmp::Reverse(nodes[i].height), i));
    let mut taken: Vec<Vec<(u32, u32)>> = vec![Vec::new()];
    let mut branches = Vec::new();
    for tip in tips {
        let mut members = vec![tip];
        let mut cursor = parents[tip];
        while let Some(at) = cursor.filter(|&at| lane[at].is_none()) {
            members.push(at);
            cursor = parents[at];
        }
        let lowest = nodes[*members.last().expect("a tip is a member")].height;
        let fork_height = lowest.saturating_sub(1);
        let span = (fork_height, nodes[tip].height);
        let free = (1..)
            .find(|&l| {
                taken
                    .get(l as usize)
                    .is_none_or(|spans| spans.iter().all(|s| s.1 < span.0 || span.1 < s.0))
            })
            .expect("some lane is free");
        if taken.len() <= free as usize {
            taken.resize(free as usize + 1, Vec::new());
        }
        taken[free as usize].push(span);
        for member in &members {
            lane[*member] = Some(free);
        }
        branches.push(Branch {
            lane: free,
            fork_height,
            tip: nodes[tip].hash,
            tip_height: nodes[tip].height,
            length: members.len() as u32,
        });
    }
    (lane.into_iter().map(|l| l.unwrap_or(0)).collect(), branches)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use ledger::target::Work;
    use proptest::prelude::*;

    use super::*;

    fn hash(n: u32) -> BlockHash {
        let mut bytes = [0; 32];
        bytes[..4].copy_from_slice(&n.to_le_bytes());
        BlockHash::from_byte_array(bytes)
    }

    /// Blocks as `(id, parent id, active)`; heights follow from the parents.
    fn tree(spec: &[(u32, Option<u32>, bool)]) -> Vec<TreeNode> {
        let mut heights = BTreeMap::new();
        let mut nodes: Vec<TreeNode> = spec
            .iter()
            .map(|&(id, parent, active)| {
                let height = parent.map_or(0, |p| heights[&p] + 1);
                heights.insert(id, height);
                TreeNode {
                    hash: hash(id),
                    parent: parent.map(hash),
                    height,
                    chain_work: Work::ZERO,
                    active,
                }
            })
            .collect();
        nodes.sort_by_key(|n| n.height);
        nodes
    }

    fn lane_of(layout: &Layout, id: u32) -> u32 {
        layout
            .blocks
            .iter()
            .find(|b| b.hash == hash(id))
            .unwrap()
            .lane
    }

    #[test]
    fn a_straight_chain_is_one_lane_of_consecutive_columns() {
        let layout = Layout::new(
            &tree(&[(0, None, true), (1, Some(0), true), (2, Some(1), true)]),
            100,
        );
        let places: Vec<(u32, u32)> = layout.blocks.iter().map(|b| (b.column, b.lane)).collect();
        assert_eq!(places, vec![(0, 0), (1, 0), (2, 0)]);
        assert_eq!((layout.columns, layout.lanes), (3, 1));
        assert_eq!(layout.branches, vec![]);
        assert_eq!(layout.tip().unwrap().hash, hash(2));
        assert_eq!(layout.blocks[2].parent, Some(1));
    }

    #[test]
    fn a_lost_fork_is_a_labelled_branch_beside_the_active_chain() {
        // 0 - 1 - 2 - 3 - 4 (active); 1 - 10 - 11 lost.
        let layout = Layout::new(
            &tree(&[
                (0, None, true),
                (1, Some(0), true),
                (2, Some(1), true),
                (10, Some(1), false),
                (3, Some(2), true),
                (11, Some(10), false),
                (4, Some(3), true),
            ]),
            100,
        );
        assert_eq!(lane_of(&layout, 10), 1);
        assert_eq!(lane_of(&layout, 11), 1);
        assert_eq!(lane_of(&layout, 4), 0);
        assert_eq!(
            layout.branches,
            vec![Branch {
                lane: 1,
                fork_height: 1,
                tip: hash(11),
                tip_height: 3,
                length: 2
            }]
        );
        assert_eq!(layout.lanes, 2);
    }

    #[test]
    fn branches_share_a_lane_when_apart_and_stack_when_they_overlap() {
        // Active 0..=6; stale forks at 1 (one block), at 4 (one block) and at 3
        // (two blocks, overlapping the one at 4).
        let layout = Layout::new(
            &tree(&[
                (0, None, true),
                (1, Some(0), true),
                (2, Some(1), true),
                (20, Some(1), false),
                (3, Some(2), true),
                (4, Some(3), true),
                (30, Some(3), false),
                (5, Some(4), true),
                (40, Some(4), false),
                (31, Some(30), false),
                (6, Some(5), true),
            ]),
            100,
        );
        assert_eq!(lane_of(&layout, 30), lane_of(&layout, 31));
        assert_ne!(lane_of(&layout, 30), lane_of(&layout, 40));
        assert_eq!(
            lane_of(&layout, 20),
            1,
            "an early fork reuses the first lane"
        );
        assert_eq!(layout.lanes, 3);
        assert_eq!(layout.branches.len(), 3);
    }

    #[test]
    fn a_fork_of_a_stale_branch_is_its_own_branch() {
        // 1 - 10 - 11 stale, and 10 - 12 forked off that stale branch.
        let layout = Layout::new(
            &tree(&[
                (0, None, true),
                (1, Some(0), true),
                (2, Some(1), true),
                (10, Some(1), false),
                (3, Some(2), true),
                (11, Some(10), false),
                (12, Some(10), false),
            ]),
            100,
        );
        let lengths: Vec<(u32, u32)> = layout
            .branches
            .iter()
            .map(|b| (b.fork_height, b.length))
            .collect();
        assert_eq!(lengths, vec![(1, 2), (2, 1)]);
        assert_ne!(lane_of(&layout, 11), lane_of(&layout, 12));
    }

    #[test]
    fn only_the_recent_heights_are_drawn() {
        let spec: Vec<(u32, Option<u32>, bool)> =
            (0..500u32).map(|i| (i, i.checked_sub(1), true)).collect();
        let layout = Layout::new(&tree(&spec), 50);
        assert_eq!(layout.blocks.len(), 50);
        assert_eq!(layout.columns, 50);
        assert_eq!(layout.blocks[0].height, 450);
        assert_eq!(layout.blocks[0].column, 0);
        assert_eq!(layout.blocks[0].parent, None, "its parent is not drawn");
        assert_eq!(Layout::new(&[], 50), Layout::default());
    }

    proptest! {
        /// Random trees (each block's parent is an earlier block) always lay out with
        /// every block in one cell, the active chain on lane 0, stale blocks off it,
        /// and every edge one column long.
        #[test]
        fn every_block_gets_its_own_cell(parents in proptest::collection::vec(any::<prop::sample::Index>(), 1..120)) {
            let mut spec: Vec<(u32, Option<u32>, bool)> = vec![(0, None, true)];
            let mut heights = vec![0u32];
            for (i, parent) in parents.iter().enumerate() {
                let parent = parent.index(spec.len()) as u32;
                heights.push(heights[parent as usize] + 1);
                spec.push((i as u32 + 1, Some(parent), false));
            }
            let tip = (0..heights.len()).max_by_key(|&i| (heights[i], std::cmp::Reverse(i))).unwrap();
            let mut cursor = Some(tip as u32);
            while let Some(at) = cursor {
                spec[at as usize].2 = true;
                cursor = spec[at as usize].1;
            }
            let layout = Layout::new(&tree(&spec), 1000);
            prop_assert_eq!(layout.blocks.len(), spec.len());
            let cells: HashSet<(u32, u32)> = layout.blocks.iter().map(|b| (b.column, b.lane)).collect();
            prop_assert_eq!(cells.len(), spec.len());
            for block in &layout.blocks {
                prop_assert_eq!(block.lane == 0, block.active);
                prop_assert!(block.lane < layout.lanes);
                if let Some(parent) = block.parent {
                    prop_assert_eq!(layout.blocks[parent].column + 1, block.column);
                }
            }
            let stale: u32 = layout.branches.iter().map(|b| b.length).sum();
            prop_assert_eq!(stale as usize, layout.blocks.iter().filter(|b| !b.active).count());
        }
    }
}
