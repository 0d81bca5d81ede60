//! A tab's wallet: one key, its balance, payments, contacts, export and import.
//!
//! The wallet holds no coins itself; it reads the UTXO set of the node's active
//! chain, so after a reorganisation the balance is simply recomputed. Pending
//! payments are the mempool's transactions: outputs they spend are no longer
//! available, and outputs they pay us are shown as incoming (the mempool does not
//! accept chains of unconfirmed transactions, so those cannot be spent yet).

use std::collections::BTreeMap;

use ledger::chain::Utxo;
use ledger::{
    Address, Amount, Chain, Mempool, OutPoint, PrivateKey, Spend, Transaction, TxOut, sha256d,
};
use serde::{Deserialize, Serialize};

/// Version of the export document.
pub const EXPORT_VERSION: u32 = 1;
/// Longest contact name, in characters.
pub const MAX_NAME_CHARS: usize = 40;

/// Why a wallet operation failed. Nothing changes on error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalletError {
    /// The entropy is not a valid secp256k1 key (all zeros, or above the group order).
    #[error("these 32 bytes cannot be a private key; ask for fresh entropy")]
    BadEntropy,
    /// Nothing to send.
    #[error("the amount to send must be more than zero")]
    ZeroAmount,
    /// Not enough available coins.
    #[error("not enough coins: {needed} needed (amount plus fee) but only {available} available")]
    InsufficientFunds {
        /// Amount plus fee.
        needed: Amount,
        /// Confirmed coins not already spent by a pending transaction.
        available: Amount,
    },
    /// Amount plus fee above 21 million coins.
    #[error("amount plus fee is more than all the coins that can exist")]
    Overflow,
    /// A contact name that is empty or too long.
    #[error("a contact name needs 1 to {MAX_NAME_CHARS} characters")]
    BadName,
    /// The document is not a wallet export.
    #[error("not a wallet export: {0}")]
    BadDocument(String),
    /// A newer export format.
    #[error("wallet export version {0} is not supported (this app reads version {EXPORT_VERSION})")]
    UnsupportedVersion(u32),
    /// The checksum does not match the contents.
    #[error("the wallet export is damaged: its checksum does not match")]
    BadChecksum,
    /// The stored address does not belong to the stored key.
    #[error("the wallet export is inconsistent: its address does not match its key")]
    AddressMismatch,
}

/// What the wallet owns, split the way a learner needs to see it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub struct Balance {
    /// Coins in the UTXO set of the active chain.
    pub confirmed: Amount,
    /// Confirmed coins not spent by a pending transaction: what can be sent now.
    pub available: Amount,
    /// Coins pending transactions pay us (spendable once mined).
    pub incoming: Amount,
}

/// The wallet.
#[derive(Clone, Debug)]
pub struct Wallet {
    key: PrivateKey,
    contacts: BTreeMap<String, Address>,
}

/// The export document, without its checksum.
#[derive(Serialize, Deserialize)]
struct Body {
    version: u32,
    secret_key: String,
    address: Address,
    contacts: BTreeMap<String, Address>,
}

/// The export document as written.
#[derive(Serialize, Deserialize)]
struct Document {
    #[serde(flatten)]
    body: Body,
    checksum: String,
}

impl Wallet {
    /// A wallet whose key comes from 32 bytes of entropy the shell supplies
    /// (`crypto.getRandomValues` in a browser).
    pub fn from_entropy(entropy: [u8; 32]) -> Result<Self, WalletError> {
        let key = PrivateKey::from_entropy(entropy).map_err(|_| WalletError::BadEntropy)?;
        Ok(Self {
            key,
            contacts: BTreeMap::new(),
        })
    }

    /// Where others pay this wallet.
    pub fn address(&self) -> Address {
        self.key.address()
    }

    /// Saves a contact (replacing one of the same name).
    pub fn add_contact(&mut self, name: &str, address: Address) -> Result<(), WalletError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(WalletError::BadName);
        }
        self.contacts.insert(name.to_string(), address);
        Ok(())
    }

    /// Forgets a contact; returns its address if it existed.
    pub fn remove_contact(&mut self, name: &str) -> Option<Address> {
        self.contacts.remove(name.trim())
    }

    /// Contacts by name.
    pub fn contacts(&self) -> &BTreeMap<String, Address> {
        &self.contacts
    }

    /// The balance on `chain`'s active branch with `mempool`'s pending transactions.
    pub fn balance(&self, chain: &Chain, mempool: &Mempool) -> Balance {
        let address = self.address();
        let confirmed = chain.balance(&address);
        let available = sum(self
            .spendable(chain, mempool)
            .iter()
            .map(|(_, u)| u.output.amount));
        let incoming = sum(mempool
            .by_fee_rate()
            .iter()
            .flat_map(|entry| &entry.tx.outputs)
            .filter(|output| output.address == address)
            .map(|output| output.amount));
        Balance {
            confirmed,
            available,
            incoming,
        }
    }

    /// Builds and signs a payment of `amount` to `to` with `fee`, spending the
    /// oldest available coins first and returning change to this wallet.
    pub fn pay(
        &self,
        chain: &Chain,
        mempool: &Mempool,
        to: Address,
        amount: Amount,
        fee: Amount,
    ) -> Result<Transaction, WalletError> {
        if amount == Amount::ZERO {
            return Err(WalletError::ZeroAmount);
        }
        let needed = amount.checked_add(fee).map_err(|_| WalletError::Overflow)?;
        let mut coins = self.spendable(chain, mempool);
        // Oldest coins first: every peer that is not far behind holds them, and a
        // reorg is least likely to take them away.
        coins.sort_by(|a, b| {
            a.1.height
                .cmp(&b.1.height)
                .then(b.1.output.amount.cmp(&a.1.output.amount))
                .then(a.0.cmp(&b.0))
        });
        let mut chosen = Vec::new();
        let mut gathered = Amount::ZERO;
        for (outpoint, utxo) in coins {
            if gathered >= needed {
                break;
            }
            gathered = gathered
                .checked_add(utxo.output.amount)
                .expect("the UTXO set never exceeds MAX_MONEY");
            chosen.push(Spend {
                outpoint,
                output: utxo.output,
                key: &self.key,
            });
        }
        if gathered < needed {
            return Err(WalletError::InsufficientFunds {
                needed,
                available: gathered,
            });
        }
        let change = gathered.checked_sub(needed).expect("gathered >= needed");
        let mut outputs = vec![TxOut {
            amount,
            address: to,
        }];
        if change > Amount::ZERO {
            outputs.push(TxOut {
                amount: change,
                address: self.address(),
            });
        }
        Ok(Transaction::new_signed(&chosen, outputs))
    }

    /// The wallet as a JSON document with a version and a checksum. It contains the
    /// private key: whoever has it can spend the coins.
    pub fn export(&self) -> String {
        let body = self.body();
        let checksum = checksum(&body);
        serde_json::to_string_pretty(&Document { body, checksum })
            .expect("a wallet always serializes")
    }

    /// Reads a document written by [`Wallet::export`], checking version, checksum,
    /// key and address.
    pub fn import(json: &str) -> Result<Self, WalletError> {
        let document: Document =
            serde_json::from_str(json).map_err(|e| WalletError::BadDocument(e.to_string()))?;
        if document.body.version != EXPORT_VERSION {
            return Err(WalletError::UnsupportedVersion(document.body.version));
        }
        if checksum(&document.body) != document.checksum {
            return Err(WalletError::BadChecksum);
        }
        let entropy: [u8; 32] = hex::decode(&document.body.secret_key)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| {
                WalletError::BadDocument("the secret key is not 64 hex digits".into())
            })?;
        let wallet = Self {
            contacts: document.body.contacts,
            ..Self::from_entropy(entropy)?
        };
        if wallet.address() != document.body.address {
            return Err(WalletError::AddressMismatch);
        }
        Ok(wallet)
    }

    fn body(&self) -> Body {
        Body {
            version: EXPORT_VERSION,
            secret_key: hex::encode(self.key.to_bytes()),
            address: self.address(),
            contacts: self.contacts.clone(),
        }
    }

    /// Our confirmed coins that no pending transaction spends.
    fn spendable(&self, chain: &Chain, mempool: &Mempool) -> Vec<(OutPoint, Utxo)> {
        let pending: Vec<OutPoint> = mempool
            .by_fee_rate()
            .iter()
            .flat_map(|entry| entry.tx.inputs.iter().map(|input| input.prevout))
            .collect();
        chain
            .utxos_of(&self.address())
            .into_iter()
            .filter(|(outpoint, _)| !pending.contains(outpoint))
            .collect()
    }
}

fn sum(amounts: impl Iterator<Item = Amount>) -> Amount {
    Amount::checked_sum(amounts).expect("amounts on one chain stay below MAX_MONEY")
}

/// First 8 bytes of SHA-256d over the body's JSON, as hex: catches damaged or
/// hand-edited exports.
fn checksum(body: &Body) -> String {
    let json = serde_json::to_vec(body).expect("a body always serializes");
    hex::encode(&sha256d(&json)[..8])
}

#[cfg(test)]
mod tests;
