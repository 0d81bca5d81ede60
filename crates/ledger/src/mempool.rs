//! The memory pool: valid transactions waiting for a block, best fee rate first.
//!
//! A transaction is admitted only if it spends outputs that are in the chain's UTXO set
//! right now (chains of unconfirmed transactions are not accepted, which keeps the
//! pool easy to reason about) and spends nothing another pooled transaction already
//! spends: the first spend seen wins and a conflicting one is rejected with
//! [`MempoolError::Conflict`]. After every chain update the pool is re-checked
//! against the new UTXO set, which drops transactions that were mined or now
//! conflict, and transactions of blocks disconnected by a reorganisation are offered
//! again so they can be mined on the new branch.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::amount::Amount;
use crate::block::Block;
use crate::chain::{Chain, ChainUpdate, TxError, check_spends, check_transaction};
use crate::hash::Txid;
use crate::header::BlockHeader;
use crate::keys::Address;
use crate::merkle::merkle_root;
use crate::tx::{OutPoint, Transaction, TxOut};

/// Why a transaction was not admitted. Nothing changes on error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MempoolError {
    /// The pool already has it.
    #[error("transaction {0} is already in the mempool")]
    AlreadyInPool(Txid),
    /// The transaction breaks a rule.
    #[error("invalid transaction: {0}")]
    Invalid(#[from] TxError),
    /// Another pooled transaction already spends one of its inputs (a double spend).
    #[error("double spend: {outpoint} is already spent by pooled transaction {existing}")]
    Conflict {
        /// The contested output.
        outpoint: OutPoint,
        /// The transaction that spent it first.
        existing: Txid,
    },
}

/// A pooled transaction with its fee.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct MempoolEntry {
    /// The transaction.
    pub tx: Transaction,
    /// Its id.
    pub txid: Txid,
    /// Inputs minus outputs.
    pub fee: Amount,
    /// Encoded size in bytes.
    pub size: usize,
}

impl MempoolEntry {
    /// Fee per byte, for display.
    pub fn fee_rate(&self) -> f64 {
        self.fee.to_sat() as f64 / self.size as f64
    }

    /// Higher fee rate first (compared exactly, by cross-multiplying), then txid.
    fn priority(&self, other: &Self) -> Ordering {
        let mine = u128::from(self.fee.to_sat()) * other.size as u128;
        let theirs = u128::from(other.fee.to_sat()) * self.size as u128;
        theirs.cmp(&mine).then(self.txid.cmp(&other.txid))
    }
}

/// The memory pool.
#[derive(Clone, Debug, Default)]
pub struct Mempool {
    entries: BTreeMap<Txid, MempoolEntry>,
    spends: BTreeMap<OutPoint, Txid>,
}

impl Mempool {
    /// An empty pool.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of pooled transactions.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// A pooled transaction.
    pub fn get(&self, txid: &Txid) -> Option<&MempoolEntry> {
        self.entries.get(txid)
    }

    /// All entries, best fee rate first.
    pub fn by_fee_rate(&self) -> Vec<&MempoolEntry> {
        let mut entries: Vec<&MempoolEntry> = self.entries.values().collect();
        entries.sort_by(|a, b| a.priority(b));
        entries
    }

    /// Validates `tx` against `chain`'s UTXO set and the pool, then admits it.
    pub fn add(&mut self, tx: Transaction, chain: &Chain) -> Result<Txid, MempoolError> {
        let txid = tx.txid();
        if self.entries.contains_key(&txid) {
            return Err(MempoolError::AlreadyInPool(txid));
        }
        if tx.is_coinbase() {
            return Err(TxError::UnexpectedCoinbase.into());
        }
        check_transaction(&tx)?;
        for input in &tx.inputs {
            if let Some(existing) = self.spends.get(&input.prevout) {
                return Err(MempoolError::Conflict {
                    outpoint: input.prevout,
                    existing: *existing,
                });
            }
        }
        let fee = check_spends(&tx, |outpoint| chain.utxo(outpoint).map(|utxo| utxo.output))?;
        for input in &tx.inputs {
            self.spends.insert(input.prevout, txid);
        }
        let size = tx.size();
        self.entries.insert(
            txid,
            MempoolEntry {
                tx,
                txid,
                fee,
                size,
            },
        );
        Ok(txid)
    }

    /// Brings the pool in line with `chain` after `update`: mined and conflicting
    /// transactions leave, transactions of disconnected blocks come back if they are
    /// still valid.
    pub fn apply_update(&mut self, chain: &Chain, update: &ChainUpdate) {
        let returning: Vec<Transaction> = update
            .disconnected
            .iter()
            .rev()
            .filter_map(|hash| chain.block(hash))
            .flat_map(|block| block.transactions.iter().skip(1).cloned())
            .collect();
        let pooled = std::mem::take(&mut self.entries);
        self.spends.clear();
        for tx in returning
            .into_iter()
            .chain(pooled.into_values().map(|entry| entry.tx))
        {
            // Invalid now means mined, conflicting or spending a vanished output.
            let _ = self.add(tx, chain);
        }
    }

    /// A block for miners on top of `chain`'s tip: a coinbase paying subsidy plus fees
    /// to `reward_address`, then up to `max_transactions` pooled transactions by fee
    /// rate. `time` is raised above the median time past if needed. The nonce is 0;
    /// the miner searches from there.
    pub fn block_template(
        &self,
        chain: &Chain,
        reward_address: Address,
        time: u32,
        max_transactions: usize,
    ) -> Block {
        let chosen: Vec<&MempoolEntry> = self
            .by_fee_rate()
            .into_iter()
            .take(max_transactions)
            .collect();
        let height = chain.height() + 1;
        let fees = Amount::checked_sum(chosen.iter().map(|entry| entry.fee))
            .expect("pooled fees stay below MAX_MONEY");
        let reward = chain
            .params()
            .block_subsidy(height)
            .checked_add(fees)
            .expect("subsidy plus fees stays below MAX_MONEY");
        let coinbase = Transaction::coinbase(
            height,
            vec![TxOut {
                amount: reward,
                address: reward_address,
            }],
        );
        let transactions: Vec<Transaction> = std::iter::once(coinbase)
            .chain(chosen.iter().map(|entry| entry.tx.clone()))
            .collect();
        let txids: Vec<Txid> = transactions.iter().map(Transaction::txid).collect();
        Block {
            header: BlockHeader {
                version: 1,
                prev_blockhash: chain.tip(),
                merkle_root: merkle_root(&txids).expect("the coinbase is always there"),
                time: time.max(chain.median_time_past() + 1),
                bits: chain.next_bits(),
                nonce: 0,
            },
            transactions,
        }
    }
}
