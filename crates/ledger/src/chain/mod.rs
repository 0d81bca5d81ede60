//! Chain state: the block tree, fork choice by most work, reorganisations with undo
//! data, orphan blocks, and the UTXO set.
//!
//! Like Bitcoin Core, the chain stores every valid-looking block it hears about in a
//! tree, but only the branch with the most cumulative *work* (not the most blocks) is
//! active and has its transactions applied to the UTXO set. A side branch's
//! transactions are checked when it overtakes the active branch; if one of its blocks
//! then fails, the chain switches back to exactly where it was and forgets the bad
//! block and its descendants. Blocks whose parent is unknown wait in a bounded orphan
//! pool. Maps are `BTreeMap`s so that every query answers in the same order on every
//! run and every machine.

mod validate;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use validate::{
    BlockError, TxError, check_block, check_pow_hash, check_spends, check_transaction,
};

use crate::amount::Amount;
use crate::block::Block;
use crate::hash::BlockHash;
use crate::header::BlockHeader;
use crate::keys::Address;
use crate::merkle::merkle_root;
use crate::params::ChainParams;
use crate::pow::{
    PowAlgorithm, PowHasher, calculate_next_work_required, initial_seed, seed_height,
};
use crate::target::{CompactTarget, Target, Work};
use crate::tx::{OutPoint, Transaction, TxOut};

/// An unspent output with the facts validation needs about it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Utxo {
    /// The output.
    pub output: TxOut,
    /// Height of the block that created it.
    pub height: u32,
    /// Whether a coinbase created it.
    pub is_coinbase: bool,
}

/// Where a submitted block ended up.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum BlockStatus {
    /// Its parent is unknown; it waits in the orphan pool.
    Orphan,
    /// Stored on a branch with less work than the active one.
    SideBranch,
    /// Part of the active chain.
    Active,
}

/// What [`Chain::accept_block`] changed. The mempool and the UI replay this.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct ChainUpdate {
    /// Blocks added to the tree: the submitted one, then orphans it adopted.
    pub added: Vec<BlockHash>,
    /// Blocks removed from the active chain, old tip first.
    pub disconnected: Vec<BlockHash>,
    /// Blocks added to the active chain, lowest first.
    pub connected: Vec<BlockHash>,
}

/// One node of the block tree, for drawing forks.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct TreeNode {
    /// The block.
    pub hash: BlockHash,
    /// Its parent (`None` for genesis).
    pub parent: Option<BlockHash>,
    /// Height above genesis.
    pub height: u32,
    /// Work of the chain ending here.
    pub chain_work: Work,
    /// Whether it is on the active chain.
    pub active: bool,
}

#[derive(Clone, Debug)]
struct Entry {
    block: Block,
    height: u32,
    chain_work: Work,
    /// Arrival order, to prefer the first-seen block among equal-work tips.
    sequence: u64,
}

/// The chain state.
#[derive(Clone)]
pub struct Chain {
    params: ChainParams,
    hasher: Arc<dyn PowHasher>,
    entries: BTreeMap<BlockHash, Entry>,
    active: Vec<BlockHash>,
    utxos: BTreeMap<OutPoint, Utxo>,
    undo: BTreeMap<BlockHash, Vec<(OutPoint, Utxo)>>,
    orphans: BTreeMap<BlockHash, Block>,
    orphan_order: VecDeque<BlockHash>,
    invalid: BTreeSet<BlockHash>,
    next_sequence: u64,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain")
            .field("params", &self.params.name)
            .field("height", &self.height())
            .field("tip", &self.tip())
            .finish_non_exhaustive()
    }
}

/// Builds and mines the deterministic genesis block of `params`: one coinbase paying
/// the subsidy to the all-zero address (coins nobody can spend), at
/// `params.genesis_time` and the proof-of-work limit.
pub fn genesis_block(params: &ChainParams, hasher: &dyn PowHasher) -> Block {
    let coinbase = Transaction::coinbase(
        0,
        vec![TxOut {
            amount: params.block_subsidy(0),
            address: Address([0; 20]),
        }],
    );
    let mut header = BlockHeader {
        version: 1,
        prev_blockhash: BlockHash::ZERO,
        merkle_root: merkle_root(&[coinbase.txid()]).expect("one txid"),
        time: params.genesis_time,
        bits: params.pow_limit.to_compact(),
        nonce: 0,
    };
    assert!(
        mine_header(&mut header, hasher, &initial_seed()),
        "the proof-of-work limit is reachable"
    );
    Block {
        header,
        transactions: vec![coinbase],
    }
}

/// Searches nonces from the header's current one upwards until its proof-of-work hash
/// meets its bits. Returns `false` if the nonce space ran out (change the time or the
/// coinbase and try again).
pub fn mine_header(header: &mut BlockHeader, hasher: &dyn PowHasher, seed: &[u8; 32]) -> bool {
    let Ok(target) = Target::from_compact(header.bits) else {
        return false;
    };
    loop {
        if target.is_met_by(hasher.pow_hash(header, seed)) {
            return true;
        }
        match header.nonce.checked_add(1) {
            Some(nonce) => header.nonce = nonce,
            None => return false,
        }
    }
}

impl Chain {
    /// A chain holding only `genesis`, which must be well formed, meet its proof of
    /// work, and pay exactly the height-0 subsidy.
    pub fn new(
        params: ChainParams,
        genesis: Block,
        hasher: Arc<dyn PowHasher>,
    ) -> Result<Self, BlockError> {
        if genesis.header.prev_blockhash != BlockHash::ZERO {
            return Err(BlockError::GenesisHasParent);
        }
        check_block(&params, &genesis)?;
        check_pow_hash(
            hasher.pow_hash(&genesis.header, &initial_seed()),
            genesis.header.bits,
        )?;
        check_coinbase_height(&genesis, 0)?;
        let hash = genesis.block_hash();
        let work = Target::from_compact(genesis.header.bits)?.work();
        let mut chain = Self {
            params,
            hasher,
            entries: BTreeMap::new(),
            active: Vec::new(),
            utxos: BTreeMap::new(),
            undo: BTreeMap::new(),
            orphans: BTreeMap::new(),
            orphan_order: VecDeque::new(),
            invalid: BTreeSet::new(),
            next_sequence: 0,
        };
        chain.insert_entry(genesis, 0, work);
        chain.connect(hash)?;
        Ok(chain)
    }

    /// The consensus parameters.
    pub fn params(&self) -> &ChainParams {
        &self.params
    }

    /// The proof-of-work hasher the chain validates with.
    pub fn hasher(&self) -> &Arc<dyn PowHasher> {
        &self.hasher
    }

    /// Hash of the active tip.
    pub fn tip(&self) -> BlockHash {
        *self.active.last().expect("the chain always has a genesis")
    }

    /// Height of the active tip (genesis is 0).
    pub fn height(&self) -> u32 {
        (self.active.len() - 1) as u32
    }

    /// Cumulative work of the active chain.
    pub fn chain_work(&self) -> Work {
        self.entries[&self.tip()].chain_work
    }

    /// Any known block (active or side branch).
    pub fn block(&self, hash: &BlockHash) -> Option<&Block> {
        self.entries.get(hash).map(|entry| &entry.block)
    }

    /// Height of a known block.
    pub fn height_of(&self, hash: &BlockHash) -> Option<u32> {
        self.entries.get(hash).map(|entry| entry.height)
    }

    /// Cumulative work up to a known block.
    pub fn chain_work_of(&self, hash: &BlockHash) -> Option<Work> {
        self.entries.get(hash).map(|entry| entry.chain_work)
    }

    /// Whether the block is on the active chain.
    pub fn is_active(&self, hash: &BlockHash) -> bool {
        self.entries
            .get(hash)
            .is_some_and(|entry| self.active.get(entry.height as usize) == Some(hash))
    }

    /// The active block at `height`.
    pub fn block_at_height(&self, height: u32) -> Option<&Block> {
        self.active
            .get(height as usize)
            .and_then(|hash| self.block(hash))
    }

    /// The ancestor of `hash` at `height` (the block itself at its own height).
    pub fn ancestor(&self, hash: &BlockHash, height: u32) -> Option<BlockHash> {
        let mut cursor = *hash;
        let mut entry = self.entries.get(&cursor)?;
        if height > entry.height {
            return None;
        }
        while entry.height > height {
            if self.is_active(&cursor) {
                return Some(self.active[height as usize]);
            }
            cursor = entry.block.header.prev_blockhash;
            entry = &self.entries[&cursor];
        }
        Some(cursor)
    }

    /// Every known block with its parent, height and work, ordered by height then
    /// arrival, for drawing the tree of forks.
    pub fn tree(&self) -> Vec<TreeNode> {
        let mut nodes: Vec<(u64, TreeNode)> = self
            .entries
            .iter()
            .map(|(hash, entry)| {
                let node = TreeNode {
                    hash: *hash,
                    parent: (entry.height > 0).then_some(entry.block.header.prev_blockhash),
                    height: entry.height,
                    chain_work: entry.chain_work,
                    active: self.is_active(hash),
                };
                (entry.sequence, node)
            })
            .collect();
        nodes.sort_by_key(|(sequence, node)| (node.height, *sequence));
        nodes.into_iter().map(|(_, node)| node).collect()
    }

    /// Number of blocks waiting for their parent.
    pub fn orphan_count(&self) -> usize {
        self.orphans.len()
    }

    /// The unspent output at `outpoint`.
    pub fn utxo(&self, outpoint: &OutPoint) -> Option<&Utxo> {
        self.utxos.get(outpoint)
    }

    /// The whole UTXO set, in outpoint order.
    pub fn utxos(&self) -> &BTreeMap<OutPoint, Utxo> {
        &self.utxos
    }

    /// The unspent outputs owned by `address`.
    pub fn utxos_of(&self, address: &Address) -> Vec<(OutPoint, Utxo)> {
        self.utxos
            .iter()
            .filter(|(_, utxo)| utxo.output.address == *address)
            .map(|(outpoint, utxo)| (*outpoint, *utxo))
            .collect()
    }

    /// Total unspent value owned by `address`.
    pub fn balance(&self, address: &Address) -> Amount {
        Amount::checked_sum(self.utxos_of(address).iter().map(|(_, u)| u.output.amount))
            .expect("the UTXO set never exceeds MAX_MONEY")
    }

    /// Bits the next block on the active tip must carry.
    pub fn next_bits(&self) -> CompactTarget {
        self.next_bits_after(&self.tip())
    }

    /// Median of the last `median_time_span` timestamps of the active chain: the next
    /// block's time must be greater.
    pub fn median_time_past(&self) -> u32 {
        self.median_time_past_at(&self.tip())
    }

    /// The proof-of-work seed for a child of `parent` (Tensority's schedule; the
    /// initial seed for SHA-256d).
    pub fn seed_for_child(&self, parent: &BlockHash) -> [u8; 32] {
        let PowAlgorithm::Tensority { seed_interval } = self.params.pow else {
            return initial_seed();
        };
        let height = self.height_of(parent).map_or(0, |h| h + 1);
        seed_height(height, seed_interval)
            .and_then(|seed_height| self.ancestor(parent, seed_height))
            .map_or_else(initial_seed, BlockHash::to_byte_array)
    }

    /// A block locator for header-first sync: the tip, then hashes going back with
    /// exponentially growing steps after the first ten, always ending at genesis.
    pub fn locator(&self) -> Vec<BlockHash> {
        let mut locator = Vec::new();
        let mut height = i64::from(self.height());
        let mut step = 1;
        while height > 0 {
            locator.push(self.active[height as usize]);
            if locator.len() >= 10 {
                step *= 2;
            }
            height -= step;
        }
        locator.push(self.active[0]);
        locator
    }

    /// Headers of the active chain after the first `locator` hash we have on it (or
    /// after genesis), at most `max` of them: the answer to a peer's `getheaders`.
    pub fn headers_after(&self, locator: &[BlockHash], max: usize) -> Vec<BlockHeader> {
        let start = locator
            .iter()
            .find(|hash| self.is_active(hash))
            .and_then(|hash| self.height_of(hash))
            .unwrap_or(0);
        self.active[start as usize + 1..]
            .iter()
            .take(max)
            .map(|hash| self.entries[hash].block.header)
            .collect()
    }

    /// Validates `block` and adds it to the tree, switching the active chain if it
    /// (or an orphan it completes) gives more work. `now` (Unix seconds, from the
    /// caller) bounds timestamps. A block whose parent is unknown is held as an orphan
    /// (only its context-free rules are checked until the parent arrives; the update
    /// is then empty).
    ///
    /// On error the chain is unchanged, with one deliberate exception: if the block
    /// fails because an ancestor stored earlier on a side branch turns out to carry
    /// invalid transactions, that ancestor and its descendants are forgotten, so the
    /// bad branch is not re-validated on every new block.
    pub fn accept_block(&mut self, block: Block, now: u32) -> Result<ChainUpdate, BlockError> {
        let hash = block.block_hash();
        if self.entries.contains_key(&hash) || self.orphans.contains_key(&hash) {
            return Err(BlockError::AlreadyKnown(hash));
        }
        let parent = block.header.prev_blockhash;
        if self.invalid.contains(&hash) || self.invalid.contains(&parent) {
            return Err(BlockError::InvalidAncestor(hash));
        }
        check_block(&self.params, &block)?;
        if !self.entries.contains_key(&parent) {
            self.add_orphan(hash, block);
            return Ok(ChainUpdate::default());
        }
        self.check_contextual(&block, now)?;
        let saved = self.save_tree_state();
        self.insert_child(block);
        let mut added = vec![hash];
        self.adopt_orphans(hash, now, &mut added);
        loop {
            match self.activate_best_chain() {
                Ok((disconnected, connected)) => {
                    return Ok(ChainUpdate {
                        added,
                        disconnected,
                        connected,
                    });
                }
                // The submitted block or one of its ancestors is bad: undo everything
                // this call added. A bad ancestor stored earlier is forgotten too.
                Err(failure) if self.is_descendant(&hash, &failure.0) => {
                    let (bad, error) = *failure;
                    let stored_earlier = !added.contains(&bad);
                    self.restore(saved);
                    if stored_earlier {
                        self.forget_branch(bad);
                    }
                    return Err(error);
                }
                // An adopted orphan is bad: drop it and try the next best branch.
                Err(failure) => {
                    let bad = failure.0;
                    added.retain(|hash| !self.is_descendant(hash, &bad));
                    self.forget_branch(bad);
                }
            }
        }
    }

    /// Where a known block stands.
    pub fn status(&self, hash: &BlockHash) -> Option<BlockStatus> {
        if self.orphans.contains_key(hash) {
            Some(BlockStatus::Orphan)
        } else if self.is_active(hash) {
            Some(BlockStatus::Active)
        } else {
            self.entries
                .contains_key(hash)
                .then_some(BlockStatus::SideBranch)
        }
    }

    fn next_bits_after(&self, parent: &BlockHash) -> CompactTarget {
        let entry = &self.entries[parent];
        let interval = self.params.difficulty_adjustment_interval();
        let bits = entry.block.header.bits;
        if self.params.no_retargeting || !(entry.height + 1).is_multiple_of(interval) {
            return bits;
        }
        let first = self
            .ancestor(parent, entry.height + 1 - interval)
            .expect("a retarget height has a full period behind it");
        calculate_next_work_required(
            &self.params,
            bits,
            entry.block.header.time,
            self.entries[&first].block.header.time,
        )
    }

    fn median_time_past_at(&self, hash: &BlockHash) -> u32 {
        let mut times = Vec::with_capacity(self.params.median_time_span);
        let mut cursor = Some(*hash);
        while let Some(hash) = cursor {
            if times.len() == self.params.median_time_span {
                break;
            }
            let entry = &self.entries[&hash];
            times.push(entry.block.header.time);
            cursor = (entry.height > 0).then_some(entry.block.header.prev_blockhash);
        }
        times.sort_unstable();
        times[times.len() / 2]
    }

    /// Checks a header whose parent is known against the chain: difficulty bits,
    /// timestamp rules and proof of work. Header-first sync uses this to reject bad
    /// headers before downloading their blocks.
    pub fn check_header(&self, header: &BlockHeader, now: u32) -> Result<(), BlockError> {
        let parent = header.prev_blockhash;
        if !self.entries.contains_key(&parent) {
            return Err(BlockError::UnknownParent(parent));
        }
        let expected = self.next_bits_after(&parent);
        if header.bits != expected {
            return Err(BlockError::WrongBits {
                expected,
                found: header.bits,
            });
        }
        let median_time_past = self.median_time_past_at(&parent);
        if header.time <= median_time_past {
            return Err(BlockError::TimeTooOld {
                time: header.time,
                median_time_past,
            });
        }
        let max = now.saturating_add(self.params.max_future_block_time);
        if header.time > max {
            return Err(BlockError::TimeTooNew {
                time: header.time,
                max,
            });
        }
        let seed = self.seed_for_child(&parent);
        check_pow_hash(self.hasher.pow_hash(header, &seed), header.bits)
    }

    /// Rules that need the parent: the header rules and the coinbase height.
    fn check_contextual(&self, block: &Block, now: u32) -> Result<(), BlockError> {
        self.check_header(&block.header, now)?;
        let height = self.entries[&block.header.prev_blockhash].height + 1;
        check_coinbase_height(block, height)
    }

    fn insert_entry(&mut self, block: Block, height: u32, chain_work: Work) {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        self.entries.insert(
            block.block_hash(),
            Entry {
                block,
                height,
                chain_work,
                sequence,
            },
        );
    }

    fn insert_child(&mut self, block: Block) {
        let parent = &self.entries[&block.header.prev_blockhash];
        let work = Target::from_compact(block.header.bits)
            .expect("checked by check_block")
            .work();
        let (height, chain_work) = (parent.height + 1, parent.chain_work + work);
        self.insert_entry(block, height, chain_work);
    }

    fn add_orphan(&mut self, hash: BlockHash, block: Block) {
        self.orphans.insert(hash, block);
        self.orphan_order.push_back(hash);
        while self.orphans.len() > self.params.max_orphans {
            let oldest = self.orphan_order.pop_front().expect("non-empty");
            self.orphans.remove(&oldest);
        }
    }

    /// Moves orphans whose ancestry is now complete into the tree (dropping those
    /// that fail their contextual checks).
    fn adopt_orphans(&mut self, root: BlockHash, now: u32, added: &mut Vec<BlockHash>) {
        let mut parents = vec![root];
        while let Some(parent) = parents.pop() {
            let children: Vec<BlockHash> = self
                .orphan_order
                .iter()
                .filter(|hash| self.orphans[*hash].header.prev_blockhash == parent)
                .copied()
                .collect();
            for child in children {
                self.orphan_order.retain(|hash| *hash != child);
                let block = self.orphans.remove(&child).expect("listed orphan");
                if self.check_contextual(&block, now).is_ok() {
                    self.insert_child(block);
                    added.push(child);
                    parents.push(child);
                } else {
                    self.invalid.insert(child);
                }
            }
        }
    }

    /// The known block with the most work; the earliest seen wins ties, so the active
    /// tip only changes for strictly more work.
    fn best_candidate(&self) -> BlockHash {
        let tip = self.tip();
        let tip_work = self.chain_work();
        self.entries
            .iter()
            .filter(|(_, entry)| entry.chain_work > tip_work)
            .max_by_key(|(_, entry)| (entry.chain_work, std::cmp::Reverse(entry.sequence)))
            .map_or(tip, |(hash, _)| *hash)
    }

    /// Reorganises to the best candidate. On failure the active chain is back where
    /// it was and the error names the block that failed.
    fn activate_best_chain(&mut self) -> Result<Reorg, Box<(BlockHash, BlockError)>> {
        let target = self.best_candidate();
        let mut path = Vec::new();
        let mut cursor = target;
        while !self.is_active(&cursor) {
            path.push(cursor);
            cursor = self.entries[&cursor].block.header.prev_blockhash;
        }
        let fork_height = self.entries[&cursor].height;
        let mut disconnected = Vec::new();
        while self.height() > fork_height {
            disconnected.push(self.disconnect_tip());
        }
        let mut connected = Vec::new();
        for hash in path.into_iter().rev() {
            if let Err(error) = self.connect(hash) {
                for _ in &connected {
                    self.disconnect_tip();
                }
                for hash in disconnected.iter().rev() {
                    self.connect(*hash)
                        .expect("a block that was active reconnects");
                }
                return Err(Box::new((hash, error)));
            }
            connected.push(hash);
        }
        Ok((disconnected, connected))
    }

    /// Applies a block's transactions on top of the active tip (its parent).
    fn connect(&mut self, hash: BlockHash) -> Result<(), BlockError> {
        let entry = &self.entries[&hash];
        let (block, height) = (&entry.block, entry.height);
        let mut created: BTreeMap<OutPoint, Utxo> = BTreeMap::new();
        let mut spent: Vec<(OutPoint, Utxo)> = Vec::new();
        let mut fees = Amount::ZERO;
        for (index, tx) in block.transactions.iter().enumerate().skip(1) {
            let lookup = |outpoint: &OutPoint| {
                created
                    .get(outpoint)
                    .or_else(|| self.utxos.get(outpoint))
                    .map(|utxo| utxo.output)
            };
            let fee = check_spends(tx, lookup).map_err(|error| BlockError::BadTransaction {
                index,
                txid: tx.txid(),
                error,
            })?;
            fees = fees
                .checked_add(fee)
                .map_err(|_| BlockError::ValueOverflow)?;
            for input in &tx.inputs {
                let utxo = created
                    .remove(&input.prevout)
                    .or_else(|| self.utxos.get(&input.prevout).copied())
                    .expect("checked by check_spends");
                spent.push((input.prevout, utxo));
            }
            add_outputs(&mut created, tx, height);
        }
        let coinbase = &block.transactions[0];
        let allowed = self
            .params
            .block_subsidy(height)
            .checked_add(fees)
            .map_err(|_| BlockError::ValueOverflow)?;
        let claimed = coinbase
            .output_total()
            .map_err(|_| BlockError::ValueOverflow)?;
        if claimed != allowed {
            return Err(BlockError::CoinbaseAmount { allowed, claimed });
        }
        add_outputs(&mut created, coinbase, height);
        // Outputs created and spent inside this block never touch the UTXO set.
        let spent: Vec<(OutPoint, Utxo)> = spent
            .into_iter()
            .filter(|(outpoint, _)| self.utxos.contains_key(outpoint))
            .collect();
        for (outpoint, _) in &spent {
            self.utxos.remove(outpoint);
        }
        self.utxos.extend(created);
        self.undo.insert(hash, spent);
        self.active.push(hash);
        Ok(())
    }

    /// Undoes the tip's transactions using its undo data and returns its hash.
    fn disconnect_tip(&mut self) -> BlockHash {
        let hash = self.active.pop().expect("never disconnects genesis");
        let block = &self.entries[&hash].block;
        for tx in &block.transactions {
            let txid = tx.txid();
            for vout in 0..tx.outputs.len() as u32 {
                self.utxos.remove(&OutPoint { txid, vout });
            }
        }
        for (outpoint, utxo) in self
            .undo
            .remove(&hash)
            .expect("connected blocks have undo data")
        {
            self.utxos.insert(outpoint, utxo);
        }
        hash
    }

    fn is_descendant(&self, descendant: &BlockHash, ancestor: &BlockHash) -> bool {
        match (
            self.height_of(ancestor),
            self.entries.contains_key(descendant),
        ) {
            (Some(height), true) => self.ancestor(descendant, height) == Some(*ancestor),
            _ => false,
        }
    }

    /// Removes `bad` and everything built on it from the tree, remembering them as
    /// invalid.
    fn forget_branch(&mut self, bad: BlockHash) {
        let doomed: Vec<BlockHash> = self
            .entries
            .keys()
            .filter(|hash| self.is_descendant(hash, &bad))
            .copied()
            .collect();
        for hash in doomed {
            self.entries.remove(&hash);
            self.invalid.insert(hash);
        }
    }

    fn save_tree_state(&self) -> SavedState {
        SavedState {
            entries: self.entries.keys().copied().collect(),
            orphans: self.orphans.clone(),
            orphan_order: self.orphan_order.clone(),
            invalid: self.invalid.clone(),
            next_sequence: self.next_sequence,
        }
    }

    /// Drops the tree entries added since `saved` and puts the orphan pool back. The
    /// active chain and UTXO set were already restored by the failed reorganisation.
    fn restore(&mut self, saved: SavedState) {
        self.entries.retain(|hash, _| saved.entries.contains(hash));
        self.orphans = saved.orphans;
        self.orphan_order = saved.orphan_order;
        self.invalid = saved.invalid;
        self.next_sequence = saved.next_sequence;
    }
}

/// Blocks disconnected (old tip first) and connected (lowest first) by a reorganisation.
type Reorg = (Vec<BlockHash>, Vec<BlockHash>);

/// The parts of the state `accept_block` may change before it knows the block is bad.
struct SavedState {
    entries: BTreeSet<BlockHash>,
    orphans: BTreeMap<BlockHash, Block>,
    orphan_order: VecDeque<BlockHash>,
    invalid: BTreeSet<BlockHash>,
    next_sequence: u64,
}

fn check_coinbase_height(block: &Block, expected: u32) -> Result<(), BlockError> {
    let found = block.transactions[0]
        .coinbase_height()
        .ok_or(BlockError::FirstNotCoinbase)?;
    if found != expected {
        return Err(BlockError::BadCoinbaseHeight { expected, found });
    }
    Ok(())
}

fn add_outputs(created: &mut BTreeMap<OutPoint, Utxo>, tx: &Transaction, height: u32) {
    let txid = tx.txid();
    for (vout, output) in tx.outputs.iter().enumerate() {
        created.insert(
            OutPoint {
                txid,
                vout: vout as u32,
            },
            Utxo {
                output: *output,
                height,
                is_coinbase: tx.is_coinbase(),
            },
        );
    }
}

#[cfg(test)]
mod tests;
