//! Validation rules and their errors, shared by the chain and the mempool.
//!
//! Checks are split the way Bitcoin Core splits them: rules that need nothing but the
//! block itself ([`check_block`]), rules that need the parent's position in the chain
//! (difficulty, timestamps, coinbase height), and rules that need the UTXO set
//! ([`check_spends`]).

use std::collections::BTreeSet;

use crate::amount::{Amount, AmountError};
use crate::block::Block;
use crate::hash::{BlockHash, MerkleRoot, Txid};
use crate::keys::KeyError;
use crate::params::ChainParams;
use crate::target::{CompactTarget, Target, TargetError};
use crate::tx::{OutPoint, Transaction, TxOut};

/// Why a transaction is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// Every transaction spends something.
    #[error("the transaction has no inputs")]
    NoInputs,
    /// Every transaction pays something.
    #[error("the transaction has no outputs")]
    NoOutputs,
    /// An output above 21 million coins.
    #[error("output {index} pays {amount:?}, more than the 21 million coins that can exist")]
    OutputOutOfRange {
        /// Which output.
        index: usize,
        /// Its amount.
        amount: Amount,
    },
    /// Totals overflowed.
    #[error("value overflow: {0}")]
    ValueOverflow(AmountError),
    /// The same outpoint appears twice in one transaction.
    #[error("the transaction spends {0} twice")]
    DuplicateInput(OutPoint),
    /// A normal transaction referring to the null txid reserved for coinbases.
    #[error("only a coinbase may have an input with the all-zero txid")]
    NullInput,
    /// A coinbase outside the first position of a block (or in the mempool).
    #[error("a coinbase transaction is only allowed as the first transaction of a block")]
    UnexpectedCoinbase,
    /// The outpoint is not in the UTXO set.
    #[error("input spends {0}, which does not exist or was already spent")]
    MissingOrSpentInput(OutPoint),
    /// The public key does not hash to the address that owns the spent output.
    #[error(
        "input {input} offers a public key whose address {offered} does not own the spent output (owner {owner})"
    )]
    WrongKey {
        /// Which input.
        input: usize,
        /// The address of the offered key.
        offered: crate::keys::Address,
        /// The address that owns the output.
        owner: crate::keys::Address,
    },
    /// The signature does not verify.
    #[error("input {input}: {reason}")]
    BadSignature {
        /// Which input.
        input: usize,
        /// What went wrong.
        reason: KeyError,
    },
    /// Outputs exceed inputs.
    #[error("outputs total {outputs} but inputs only {inputs}")]
    InsufficientFunds {
        /// Sum of spent outputs.
        inputs: Amount,
        /// Sum of new outputs.
        outputs: Amount,
    },
}

/// Why a block was rejected. Rejection never changes the chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// The chain already has (or holds as an orphan) this block.
    #[error("block {0} is already known")]
    AlreadyKnown(BlockHash),
    /// The block (or its parent) was rejected before.
    #[error("block {0} builds on a block that was rejected as invalid")]
    InvalidAncestor(BlockHash),
    /// The bits do not decode to a usable target.
    #[error("bad difficulty bits: {0}")]
    BadBits(#[from] TargetError),
    /// The target is easier than the chain allows.
    #[error("bits {0} are easier than this chain's proof-of-work limit")]
    BitsAboveLimit(CompactTarget),
    /// The header hash does not meet the target.
    #[error("proof of work too weak: hash {hash} is above the target {target}")]
    BadProofOfWork {
        /// The proof-of-work hash as a big-endian hex number.
        hash: String,
        /// The target as a big-endian hex number.
        target: String,
    },
    /// A block must contain its coinbase.
    #[error("the block has no transactions (it needs at least a coinbase)")]
    NoTransactions,
    /// The header's Merkle root does not match the transactions.
    #[error("bad Merkle root: the header says {header} but the transactions give {computed}")]
    BadMerkleRoot {
        /// Root in the header.
        header: MerkleRoot,
        /// Root of the transactions.
        computed: MerkleRoot,
    },
    /// The first transaction must be the coinbase.
    #[error("the first transaction is not a coinbase")]
    FirstNotCoinbase,
    /// The coinbase must commit to the block's height.
    #[error("the coinbase commits to height {found} but the block is at height {expected}")]
    BadCoinbaseHeight {
        /// The block's height.
        expected: u32,
        /// What the coinbase says.
        found: u32,
    },
    /// Two transactions of the block spend the same output.
    #[error("double spend inside the block: {0} is spent twice")]
    DoubleSpendInBlock(OutPoint),
    /// A transaction of the block is invalid.
    #[error("transaction {index} ({txid}) is invalid: {error}")]
    BadTransaction {
        /// Position in the block.
        index: usize,
        /// Its txid.
        txid: Txid,
        /// Why.
        error: TxError,
    },
    /// The coinbase must claim exactly subsidy plus fees.
    #[error("wrong coinbase amount: it pays {claimed} but subsidy plus fees is {allowed}")]
    CoinbaseAmount {
        /// Subsidy plus fees.
        allowed: Amount,
        /// What the coinbase pays.
        claimed: Amount,
    },
    /// Fees plus subsidy overflowed.
    #[error("value overflow adding up the block's fees")]
    ValueOverflow,
    /// The bits are not what the retarget rule requires.
    #[error("wrong difficulty: bits {found} but the retarget rule requires {expected}")]
    WrongBits {
        /// Required bits.
        expected: CompactTarget,
        /// Bits in the header.
        found: CompactTarget,
    },
    /// The timestamp is not after the median of the previous blocks.
    #[error(
        "timestamp {time} is not after the median time {median_time_past} of the previous blocks"
    )]
    TimeTooOld {
        /// Header time.
        time: u32,
        /// Median time past.
        median_time_past: u32,
    },
    /// The timestamp is too far in the future.
    #[error("timestamp {time} is too far in the future (latest allowed now is {max})")]
    TimeTooNew {
        /// Header time.
        time: u32,
        /// `now` plus the allowed drift.
        max: u32,
    },
    /// The header's parent is not known (for header checks, which need it).
    #[error("the parent block {0} is unknown")]
    UnknownParent(BlockHash),
    /// A genesis block must not point to a parent.
    #[error("a genesis block's previous hash must be all zeros")]
    GenesisHasParent,
}

/// Rules that need only the transaction.
pub fn check_transaction(tx: &Transaction) -> Result<(), TxError> {
    if tx.inputs.is_empty() {
        return Err(TxError::NoInputs);
    }
    if tx.outputs.is_empty() {
        return Err(TxError::NoOutputs);
    }
    for (index, output) in tx.outputs.iter().enumerate() {
        if !output.amount.is_in_range() {
            return Err(TxError::OutputOutOfRange {
                index,
                amount: output.amount,
            });
        }
    }
    tx.output_total().map_err(TxError::ValueOverflow)?;
    if tx.is_coinbase() {
        return Ok(());
    }
    let mut seen = BTreeSet::new();
    for input in &tx.inputs {
        if input.prevout.txid == Txid::ZERO {
            return Err(TxError::NullInput);
        }
        if !seen.insert(input.prevout) {
            return Err(TxError::DuplicateInput(input.prevout));
        }
    }
    Ok(())
}

/// Rules that need only the block (the chain-independent part of proof of work is
/// here; the hash itself is checked by the chain, which knows the seed).
pub fn check_block(params: &ChainParams, block: &Block) -> Result<(), BlockError> {
    let target = Target::from_compact(block.header.bits)?;
    if target > params.pow_limit {
        return Err(BlockError::BitsAboveLimit(block.header.bits));
    }
    let computed = block
        .compute_merkle_root()
        .map_err(|_| BlockError::NoTransactions)?;
    if computed != block.header.merkle_root {
        return Err(BlockError::BadMerkleRoot {
            header: block.header.merkle_root,
            computed,
        });
    }
    if !block.transactions[0].is_coinbase() {
        return Err(BlockError::FirstNotCoinbase);
    }
    let mut spent = BTreeSet::new();
    for (index, tx) in block.transactions.iter().enumerate() {
        let reject = |error| BlockError::BadTransaction {
            index,
            txid: tx.txid(),
            error,
        };
        if index > 0 && tx.is_coinbase() {
            return Err(reject(TxError::UnexpectedCoinbase));
        }
        check_transaction(tx).map_err(reject)?;
        if index > 0 {
            for input in &tx.inputs {
                if !spent.insert(input.prevout) {
                    return Err(BlockError::DoubleSpendInBlock(input.prevout));
                }
            }
        }
    }
    Ok(())
}

/// Checks a proof-of-work hash against the header's bits.
pub fn check_pow_hash(pow_hash: [u8; 32], bits: CompactTarget) -> Result<(), BlockError> {
    let target = Target::from_compact(bits)?;
    if target.is_met_by(pow_hash) {
        return Ok(());
    }
    Err(BlockError::BadProofOfWork {
        hash: crate::uint::U256::from_le_bytes(pow_hash).to_string(),
        target: target.0.to_string(),
    })
}

/// Checks the inputs of a non-coinbase transaction against unspent outputs found
/// through `lookup`, and returns its fee. Ownership is proven by a public key whose
/// address matches the spent output, and a signature over the sighash.
pub fn check_spends(
    tx: &Transaction,
    lookup: impl Fn(&OutPoint) -> Option<TxOut>,
) -> Result<Amount, TxError> {
    let mut inputs = Amount::ZERO;
    for (index, input) in tx.inputs.iter().enumerate() {
        let spent = lookup(&input.prevout).ok_or(TxError::MissingOrSpentInput(input.prevout))?;
        let offered = input.public_key.address();
        if offered != spent.address {
            return Err(TxError::WrongKey {
                input: index,
                offered,
                owner: spent.address,
            });
        }
        input
            .public_key
            .verify(&tx.sighash(index, &spent), &input.signature)
            .map_err(|reason| TxError::BadSignature {
                input: index,
                reason,
            })?;
        inputs = inputs
            .checked_add(spent.amount)
            .map_err(TxError::ValueOverflow)?;
    }
    let outputs = tx.output_total().map_err(TxError::ValueOverflow)?;
    inputs
        .checked_sub(outputs)
        .map_err(|_| TxError::InsufficientFunds { inputs, outputs })
}
