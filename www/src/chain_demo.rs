//! The little chain of the "Blocks and chains" lesson: real ledger blocks with real
//! signed transactions between Alice, Bob and Carol, which the learner tampers with
//! and re-mines.
//!
//! Each block keeps the previous-block hash it was mined on, as a real header does.
//! That is what makes tampering cascade: change block k and its hash no longer meets
//! the target, block k+1 still points at the old hash, and every block after stands
//! on a broken link. Judging a block therefore needs the whole chain, not the block.

use ledger::{
    Address, Amount, Block, BlockHash, BlockHeader, OutPoint, PrivateKey, Spend, Target,
    Transaction, TxOut,
};

use crate::difficulty::compact_for_zero_bits;

/// The learners who pay each other, in the order they mine blocks.
pub const PEOPLE: [&str; 3] = ["Alice", "Bob", "Carol"];
/// New coins in every coinbase.
pub const SUBSIDY_COINS: u64 = 50;
/// Every payment leaves this much to the miner.
pub const FEE_COINS: u64 = 1;
/// A fixed start time, so every learner sees the same chain.
const START_TIME: u32 = 1_732_147_200;

/// The payments of each block after the first: (payer, payee, coins).
const PAYMENTS: [&[(usize, usize, u64)]; 4] = [
    &[(0, 1, 10)],
    &[(1, 2, 5), (0, 2, 7)],
    &[(2, 0, 3), (1, 0, 2)],
    &[(0, 1, 4), (2, 1, 6)],
];

/// Person `who`'s key, derived from a fixed seed so that the lesson is the same for all.
pub fn key(who: usize) -> PrivateKey {
    PrivateKey::from_entropy([who as u8 + 1; 32]).expect("small constant entropy is a valid key")
}

/// Whose address this is, if it belongs to one of [`PEOPLE`].
pub fn owner(address: &Address) -> Option<&'static str> {
    (0..PEOPLE.len())
        .find(|&who| key(who).address() == *address)
        .map(|who| PEOPLE[who])
}

/// Whole coins as a ledger amount.
pub fn coins(n: u64) -> Amount {
    Amount::from_sat(n * Amount::COIN.to_sat()).expect("lesson amounts are small")
}

/// A transaction and the outputs it spends, which its signatures commit to.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoTx {
    pub tx: Transaction,
    pub spent: Vec<TxOut>,
}

impl DemoTx {
    /// Which inputs carry a signature that matches the transaction as it is now.
    pub fn signatures_ok(&self) -> Vec<bool> {
        if self.tx.is_coinbase() {
            return Vec::new();
        }
        self.tx
            .inputs
            .iter()
            .zip(&self.spent)
            .enumerate()
            .map(|(i, (input, spent))| {
                input
                    .public_key
                    .verify(&self.tx.sighash(i, spent), &input.signature)
                    .is_ok()
            })
            .collect()
    }

    /// Coins in minus coins out; zero for a coinbase.
    pub fn fee(&self) -> i128 {
        if self.tx.is_coinbase() {
            return 0;
        }
        let sum = |outs: &mut dyn Iterator<Item = &TxOut>| {
            outs.map(|out| i128::from(out.amount.to_sat()))
                .sum::<i128>()
        };
        sum(&mut self.spent.iter()) - sum(&mut self.tx.outputs.iter())
    }
}

/// One block: its transactions and the header fields that are not derived from them.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoBlock {
    pub prev: BlockHash,
    pub time: u32,
    pub nonce: u32,
    pub txs: Vec<DemoTx>,
}

/// Why a block is not valid, in the order a node would check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The block points at a hash that is not the current hash of the block before.
    BrokenLink,
    /// The block sits on top of a block that is invalid.
    InvalidParent,
    /// Its hash is above the target: the nonce no longer fits the header.
    HashAboveTarget,
    /// A signature does not match the transaction it signs.
    BadSignature,
    /// A payment's outputs add up to more than the coins it spends.
    Overspend,
    /// The coinbase claims more than the subsidy plus the fees.
    CoinbaseTooLarge,
}

/// The lesson's chain at a fixed difficulty.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoChain {
    pub zero_bits: u32,
    pub blocks: Vec<DemoBlock>,
}

impl DemoChain {
    /// Builds and mines `count` blocks (at most 5) with `zero_bits` of difficulty.
    pub fn new(count: usize, zero_bits: u32) -> Self {
        let mut chain = Self {
            zero_bits,
            blocks: Vec::new(),
        };
        let mut wallet: Vec<(usize, OutPoint, TxOut)> = Vec::new();
        for height in 0..count.clamp(1, PAYMENTS.len() + 1) {
            let payments = height.checked_sub(1).map_or(&[][..], |i| PAYMENTS[i]);
            let mut txs: Vec<DemoTx> = payments
                .iter()
                .map(|&(from, to, amount)| pay(&mut wallet, from, to, amount))
                .collect();
            let miner = height % PEOPLE.len();
            let fees = FEE_COINS * payments.len() as u64;
            let coinbase = Transaction::coinbase(
                height as u32,
                vec![TxOut {
                    amount: coins(SUBSIDY_COINS + fees),
                    address: key(miner).address(),
                }],
            );
            wallet.push((
                miner,
                OutPoint {
                    txid: coinbase.txid(),
                    vout: 0,
                },
                coinbase.outputs[0],
            ));
            txs.insert(
                0,
                DemoTx {
                    tx: coinbase,
                    spent: Vec::new(),
                },
            );
            let prev = chain
                .blocks
                .last()
                .map_or(BlockHash::ZERO, |_| chain.hash(height - 1));
            chain.blocks.push(DemoBlock {
                prev,
                time: START_TIME + 600 * height as u32,
                nonce: 0,
                txs,
            });
            chain.mine_here(height);
        }
        chain
    }

    /// The header of block `index` as it is now.
    pub fn header(&self, index: usize) -> BlockHeader {
        let block = &self.blocks[index];
        BlockHeader {
            version: 1,
            prev_blockhash: block.prev,
            merkle_root: self
                .to_block(index)
                .compute_merkle_root()
                .expect("a coinbase is always there"),
            time: block.time,
            bits: compact_for_zero_bits(self.zero_bits),
            nonce: block.nonce,
        }
    }

    /// Block `index` as the ledger sees it.
    pub fn to_block(&self, index: usize) -> Block {
        let block = &self.blocks[index];
        Block {
            header: BlockHeader {
                version: 1,
                prev_blockhash: block.prev,
                merkle_root: ledger::TxMerkleNode::ZERO,
                time: block.time,
                bits: compact_for_zero_bits(self.zero_bits),
                nonce: block.nonce,
            },
            transactions: block.txs.iter().map(|t| t.tx.clone()).collect(),
        }
    }

    /// The hash of block `index` as it is now.
    pub fn hash(&self, index: usize) -> BlockHash {
        self.header(index).block_hash()
    }

    /// The target every block must meet.
    pub fn target(&self) -> Target {
        Target::from_compact(compact_for_zero_bits(self.zero_bits)).expect("lesson bits are valid")
    }

    /// Everything wrong with block `index`, empty when it is valid.
    pub fn problems(&self, index: usize) -> Vec<Problem> {
        let mut problems = Vec::new();
        if index > 0 {
            if self.blocks[index].prev != self.hash(index - 1) {
                problems.push(Problem::BrokenLink);
            } else if !self.problems(index - 1).is_empty() {
                problems.push(Problem::InvalidParent);
            }
        }
        if !self.target().is_met_by(self.hash(index).to_byte_array()) {
            problems.push(Problem::HashAboveTarget);
        }
        let txs = &self.blocks[index].txs;
        if txs.iter().any(|t| t.signatures_ok().contains(&false)) {
            problems.push(Problem::BadSignature);
        }
        if txs.iter().any(|t| t.fee() < 0) {
            problems.push(Problem::Overspend);
        }
        let fees: i128 = txs.iter().map(|t| t.fee().max(0)).sum();
        let claimed = i128::from(
            txs[0]
                .tx
                .outputs
                .iter()
                .map(|o| o.amount.to_sat())
                .sum::<u64>(),
        );
        if claimed > i128::from(coins(SUBSIDY_COINS).to_sat()) + fees {
            problems.push(Problem::CoinbaseTooLarge);
        }
        problems
    }

    /// Whether every block is valid.
    pub fn all_valid(&self) -> bool {
        (0..self.blocks.len()).all(|i| self.problems(i).is_empty())
    }

    /// Sets output `output` of transaction `tx` in block `block` to `amount`: the
    /// learner's tamper. The signatures stay as they were.
    pub fn set_amount(&mut self, block: usize, tx: usize, output: usize, amount: Amount) {
        self.blocks[block].txs[tx].tx.outputs[output].amount = amount;
    }

    /// Points block `index` at the current hash of the block before and restarts its
    /// nonce: the header a re-mine searches over.
    pub fn relink(&mut self, index: usize) {
        if index > 0 {
            self.blocks[index].prev = self.hash(index - 1);
        }
        self.blocks[index].nonce = 0;
    }

    /// Relinks and mines block `index` on this thread; used once when the lesson's
    /// chain is built (the widget re-mines in the worker instead).
    fn mine_here(&mut self, index: usize) {
        self.relink(index);
        let target = self.target();
        let mut header = self.header(index);
        while !target.is_met_by(header.block_hash().to_byte_array()) {
            header.nonce = header
                .nonce
                .checked_add(1)
                .expect("lesson difficulty is far below 2^32 tries");
        }
        self.blocks[index].nonce = header.nonce;
    }
}

/// Alice pays Bob: spends every coin `from` holds, pays `amount` to `to`, keeps one
/// coin as fee and returns the rest to `from` as change.
fn pay(wallet: &mut Vec<(usize, OutPoint, TxOut)>, from: usize, to: usize, amount: u64) -> DemoTx {
    let (mine, rest): (Vec<_>, Vec<_>) = wallet.drain(..).partition(|(who, ..)| *who == from);
    *wallet = rest;
    let key = key(from);
    let total: u64 = mine.iter().map(|(_, _, out)| out.amount.to_sat()).sum();
    let change = total - coins(amount + FEE_COINS).to_sat();
    let outputs = vec![
        TxOut {
            amount: coins(amount),
            address: self::key(to).address(),
        },
        TxOut {
            amount: Amount::from_sat(change).expect("change is below the spent total"),
            address: key.address(),
        },
    ];
    let spends: Vec<Spend<'_>> = mine
        .iter()
        .map(|(_, outpoint, output)| Spend {
            outpoint: *outpoint,
            output: *output,
            key: &key,
        })
        .collect();
    let tx = Transaction::new_signed(&spends, outputs);
    for (vout, out) in tx.outputs.iter().enumerate() {
        let who = if vout == 0 { to } else { from };
        let outpoint = OutPoint {
            txid: tx.txid(),
            vout: vout as u32,
        };
        wallet.push((who, outpoint, *out));
    }
    DemoTx {
        spent: mine.into_iter().map(|(_, _, out)| out).collect(),
        tx,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain() -> DemoChain {
        DemoChain::new(5, 8)
    }

    #[test]
    fn a_fresh_chain_is_valid_and_linked() {
        let chain = chain();
        assert_eq!(chain.blocks.len(), 5);
        assert!(chain.all_valid());
        for i in 1..5 {
            assert_eq!(chain.blocks[i].prev, chain.hash(i - 1));
            assert!(
                chain.blocks[i].txs[1..]
                    .iter()
                    .all(|t| t.fee() == 1_0000_0000)
            );
        }
        assert_eq!(chain.blocks[0].prev, BlockHash::ZERO);
    }

    #[test]
    fn coinbase_is_subsidy_plus_fees_and_goes_to_the_miner() {
        let chain = chain();
        let block = &chain.blocks[2];
        let coinbase = &block.txs[0].tx;
        assert_eq!(coinbase.outputs[0].amount, coins(SUBSIDY_COINS + 2));
        assert_eq!(owner(&coinbase.outputs[0].address), Some("Carol"));
        assert_eq!(owner(&block.txs[1].tx.outputs[0].address), Some("Carol"));
    }

    #[test]
    fn tampering_cascades_and_remining_in_order_repairs() {
        let mut chain = chain();
        chain.set_amount(1, 1, 0, coins(100));
        assert!(chain.problems(0).is_empty());
        let first = chain.problems(1);
        assert!(first.contains(&Problem::BadSignature));
        assert!(first.contains(&Problem::Overspend));
        assert_eq!(chain.problems(2), vec![Problem::BrokenLink]);
        for i in 3..5 {
            assert_eq!(chain.problems(i), vec![Problem::InvalidParent]);
        }
    }

    #[test]
    fn a_smaller_coinbase_only_needs_remining() {
        let mut chain = chain();
        chain.set_amount(1, 0, 0, coins(40));
        assert!(!chain.all_valid());
        assert_eq!(chain.problems(2), vec![Problem::BrokenLink]);
        for i in 1..5 {
            chain.mine_here(i);
        }
        assert!(chain.all_valid());
    }

    #[test]
    fn an_inflated_coinbase_is_caught() {
        let mut chain = chain();
        chain.set_amount(3, 0, 0, coins(60));
        assert!(chain.problems(3).contains(&Problem::CoinbaseTooLarge));
        assert!(!chain.problems(3).contains(&Problem::BadSignature));
    }
}
