//! UTXO transactions, their canonical encoding, txids and signature hashes.
//!
//! # Encoding
//! All integers little-endian; `CompactSize` as in Bitcoin (see [`crate::encode`]).
//!
//! ```text
//! transaction = version:u32  n_in:CompactSize  input*n_in  n_out:CompactSize  output*n_out
//! input       = prev_txid:[u8;32] (raw order)  prev_vout:u32  public_key:[u8;33]  signature:[u8;64]
//! output      = amount:u64 (sats)  address:[u8;20] (the address payload)
//! ```
//!
//! The txid is SHA-256d of that encoding ([`Transaction::txid`]). Decoding rejects
//! trailing bytes, non-minimal lengths, and counts the remaining bytes cannot hold.
//!
//! # Coinbase
//! The first transaction of a block creates new coins. It has exactly one input whose
//! outpoint has the all-zero txid and whose `vout` holds the block height (like
//! Bitcoin's BIP 34, this makes every coinbase txid unique); its key and signature are
//! all zeros.
//!
//! # What is signed
//! Input `i` carries an ECDSA signature over the [sighash](Transaction::sighash):
//!
//! ```text
//! sighash(i) = SHA-256d( encoding of the tx with every signature set to 64 zero bytes
//!                        ‖ i:u32 ‖ spent output encoding (amount ‖ address) )
//! ```
//!
//! Blanking the signatures is what lets a signature cover the transaction that contains
//! it. Every public key, input and output is covered, so nothing can be changed after
//! signing; committing to the spent output's amount lets an offline signer know exactly
//! what it spends. The spender proves ownership by revealing a public key whose
//! [address](crate::keys::PublicKey::address) equals the spent output's address.

use serde::{Deserialize, Serialize};

use crate::amount::Amount;
use crate::encode::{DecodeError, Reader, write_compact_size};
use crate::hash::{Txid, sha256d};
use crate::keys::{Address, PrivateKey, PublicKey, Signature};

/// A reference to one output of an earlier transaction.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
pub struct OutPoint {
    /// The transaction that created the output.
    pub txid: Txid,
    /// Its position in that transaction's outputs.
    pub vout: u32,
}

impl std::fmt::Display for OutPoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.txid, self.vout)
    }
}

/// Spends one earlier output.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct TxIn {
    /// The output being spent.
    pub prevout: OutPoint,
    /// The key whose address owns the spent output.
    pub public_key: PublicKey,
    /// Signature over [`Transaction::sighash`] for this input.
    pub signature: Signature,
}

/// Creates coins owned by an address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct TxOut {
    /// How much.
    pub amount: Amount,
    /// Who may spend it.
    pub address: Address,
}

/// A transaction: inputs consume earlier outputs, outputs create new ones.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Transaction {
    /// Format version (1).
    pub version: u32,
    /// Outputs consumed.
    pub inputs: Vec<TxIn>,
    /// Outputs created.
    pub outputs: Vec<TxOut>,
}

/// One output to spend when building a transaction with [`Transaction::new_signed`].
#[derive(Clone, Debug)]
pub struct Spend<'k> {
    /// Which output.
    pub outpoint: OutPoint,
    /// The output itself (signed over; its address must match the key).
    pub output: TxOut,
    /// The key that owns it.
    pub key: &'k PrivateKey,
}

const INPUT_SIZE: usize = 32 + 4 + 33 + 64;
const OUTPUT_SIZE: usize = 8 + 20;

impl TxOut {
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.amount.to_sat().to_le_bytes());
        out.extend_from_slice(&self.address.0);
    }

    fn decode_from(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            amount: Amount::from_raw(reader.u64()?),
            address: Address(reader.array()?),
        })
    }
}

impl TxIn {
    fn encode_into(&self, out: &mut Vec<u8>, blank_signature: bool) {
        out.extend_from_slice(self.prevout.txid.as_byte_array());
        out.extend_from_slice(&self.prevout.vout.to_le_bytes());
        out.extend_from_slice(&self.public_key.0);
        let signature = if blank_signature {
            [0; 64]
        } else {
            self.signature.0
        };
        out.extend_from_slice(&signature);
    }

    fn decode_from(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            prevout: OutPoint {
                txid: Txid::from_byte_array(reader.array()?),
                vout: reader.u32()?,
            },
            public_key: PublicKey(reader.array()?),
            signature: Signature(reader.array()?),
        })
    }
}

impl Transaction {
    /// The transaction format version this crate writes.
    pub const VERSION: u32 = 1;

    /// A coinbase for the block at `height` paying `outputs`.
    pub fn coinbase(height: u32, outputs: Vec<TxOut>) -> Self {
        Self {
            version: Self::VERSION,
            inputs: vec![TxIn {
                prevout: OutPoint {
                    txid: Txid::ZERO,
                    vout: height,
                },
                public_key: PublicKey([0; 33]),
                signature: Signature([0; 64]),
            }],
            outputs,
        }
    }

    /// Builds and signs a transaction spending `spends` to `outputs`.
    pub fn new_signed(spends: &[Spend<'_>], outputs: Vec<TxOut>) -> Self {
        let mut tx = Self {
            version: Self::VERSION,
            inputs: spends
                .iter()
                .map(|spend| TxIn {
                    prevout: spend.outpoint,
                    public_key: spend.key.public_key(),
                    signature: Signature([0; 64]),
                })
                .collect(),
            outputs,
        };
        let signatures: Vec<Signature> = spends
            .iter()
            .enumerate()
            .map(|(index, spend)| spend.key.sign(&tx.sighash(index, &spend.output)))
            .collect();
        for (input, signature) in tx.inputs.iter_mut().zip(signatures) {
            input.signature = signature;
        }
        tx
    }

    /// Whether this is a coinbase (one input spending the null txid).
    pub fn is_coinbase(&self) -> bool {
        self.inputs.len() == 1 && self.inputs[0].prevout.txid == Txid::ZERO
    }

    /// The height committed to by a coinbase.
    pub fn coinbase_height(&self) -> Option<u32> {
        self.is_coinbase().then(|| self.inputs[0].prevout.vout)
    }

    fn encode_with(&self, blank_signatures: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            4 + 18 + INPUT_SIZE * self.inputs.len() + OUTPUT_SIZE * self.outputs.len(),
        );
        out.extend_from_slice(&self.version.to_le_bytes());
        write_compact_size(&mut out, self.inputs.len() as u64);
        for input in &self.inputs {
            input.encode_into(&mut out, blank_signatures);
        }
        write_compact_size(&mut out, self.outputs.len() as u64);
        for output in &self.outputs {
            output.encode_into(&mut out);
        }
        out
    }

    /// The canonical encoding (see the module documentation).
    pub fn encode(&self) -> Vec<u8> {
        self.encode_with(false)
    }

    /// Size of the canonical encoding in bytes (used for fee rates).
    pub fn size(&self) -> usize {
        self.encode().len()
    }

    pub(crate) fn decode_from(reader: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let version = reader.u32()?;
        let inputs = (0..reader.count(INPUT_SIZE)?)
            .map(|_| TxIn::decode_from(reader))
            .collect::<Result<_, _>>()?;
        let outputs = (0..reader.count(OUTPUT_SIZE)?)
            .map(|_| TxOut::decode_from(reader))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            version,
            inputs,
            outputs,
        })
    }

    /// Decodes exactly one transaction; trailing bytes are an error.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(bytes);
        let tx = Self::decode_from(&mut reader)?;
        reader.finish()?;
        Ok(tx)
    }

    /// SHA-256d of the canonical encoding.
    pub fn txid(&self) -> Txid {
        Txid::hash(&self.encode())
    }

    /// The digest that input `index` signs, given the output it spends.
    pub fn sighash(&self, index: usize, spent: &TxOut) -> [u8; 32] {
        let mut data = self.encode_with(true);
        data.extend_from_slice(&(index as u32).to_le_bytes());
        spent.encode_into(&mut data);
        sha256d(&data)
    }

    /// Total of the outputs, failing on overflow.
    pub fn output_total(&self) -> Result<Amount, crate::amount::AmountError> {
        Amount::checked_sum(self.outputs.iter().map(|output| output.amount))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::hash::sha256;
    use proptest::prelude::*;

    pub(crate) fn key(name: &str) -> PrivateKey {
        PrivateKey::from_entropy(sha256(name.as_bytes())).unwrap()
    }

    fn arb_output() -> impl Strategy<Value = TxOut> {
        (any::<u64>(), any::<[u8; 20]>()).prop_map(|(sats, address)| TxOut {
            amount: Amount::from_raw(sats),
            address: Address(address),
        })
    }

    fn arb_input() -> impl Strategy<Value = TxIn> {
        (
            any::<[u8; 32]>(),
            any::<u32>(),
            any::<[u8; 32]>(),
            any::<u8>(),
            any::<[u8; 32]>(),
            any::<[u8; 32]>(),
        )
            .prop_map(|(txid, vout, key, parity, r, s)| {
                let mut public_key = [parity; 33];
                public_key[1..].copy_from_slice(&key);
                let mut signature = [0; 64];
                signature[..32].copy_from_slice(&r);
                signature[32..].copy_from_slice(&s);
                TxIn {
                    prevout: OutPoint {
                        txid: Txid::from_byte_array(txid),
                        vout,
                    },
                    public_key: PublicKey(public_key),
                    signature: Signature(signature),
                }
            })
    }

    pub(crate) fn arb_transaction() -> impl Strategy<Value = Transaction> {
        (
            any::<u32>(),
            prop::collection::vec(arb_input(), 0..4),
            prop::collection::vec(arb_output(), 0..300),
        )
            .prop_map(|(version, inputs, outputs)| Transaction {
                version,
                inputs,
                outputs,
            })
    }

    #[test]
    fn signatures_cover_the_whole_transaction() {
        let alice = key("alice");
        let spent = TxOut {
            amount: Amount::COIN,
            address: alice.address(),
        };
        let outpoint = OutPoint {
            txid: Txid::hash(b"funding"),
            vout: 0,
        };
        let tx = Transaction::new_signed(
            &[Spend {
                outpoint,
                output: spent,
                key: &alice,
            }],
            vec![TxOut {
                amount: Amount::from_sat(90_000_000).unwrap(),
                address: key("bob").address(),
            }],
        );
        let input = tx.inputs[0];
        assert_eq!(input.public_key.address(), alice.address());
        assert!(
            input
                .public_key
                .verify(&tx.sighash(0, &spent), &input.signature)
                .is_ok()
        );
        let mut changed = tx.clone();
        changed.outputs[0].amount = Amount::COIN;
        assert!(
            input
                .public_key
                .verify(&changed.sighash(0, &spent), &input.signature)
                .is_err()
        );
        assert_eq!(tx.size(), 4 + 1 + INPUT_SIZE + 1 + OUTPUT_SIZE);
    }

    #[test]
    fn coinbase_commits_to_height() {
        let coinbase = Transaction::coinbase(7, vec![]);
        assert!(coinbase.is_coinbase());
        assert_eq!(coinbase.coinbase_height(), Some(7));
        assert_ne!(coinbase.txid(), Transaction::coinbase(8, vec![]).txid());
    }

    #[test]
    fn decode_is_strict() {
        let mut bytes = Transaction::coinbase(1, vec![]).encode();
        bytes.push(0);
        assert_eq!(
            Transaction::decode(&bytes),
            Err(DecodeError::TrailingBytes(1))
        );
        // Version, then a claim of 200 inputs with nothing behind it.
        let forged = [1, 0, 0, 0, 200];
        assert!(matches!(
            Transaction::decode(&forged),
            Err(DecodeError::OversizeCount { count: 200, .. })
        ));
        assert!(matches!(
            Transaction::decode(&[1, 0]),
            Err(DecodeError::UnexpectedEnd { .. })
        ));
    }

    proptest! {
        #[test]
        fn encoding_round_trips(tx in arb_transaction()) {
            let bytes = tx.encode();
            prop_assert_eq!(Transaction::decode(&bytes).unwrap(), tx.clone());
            let json = serde_json::to_string(&tx).unwrap();
            prop_assert_eq!(serde_json::from_str::<Transaction>(&json).unwrap(), tx);
        }
    }
}
