//! Keys, signatures and addresses (ECDSA over secp256k1, via the `k256` crate).
//!
//! Key generation takes 32 bytes of entropy from the caller: the core never touches
//! an OS random number generator, so it runs unchanged in the browser and tests are
//! reproducible. Signing uses RFC 6979 deterministic nonces, so signing needs no
//! randomness either.
//!
//! # Addresses
//! An address is what a learner copies to receive coins. ChainLab derives it like a
//! Bitcoin P2PKH address, with one simplification (no RIPEMD-160 dependency):
//!
//! 1. `payload` = the first 20 bytes of SHA-256(33-byte compressed public key);
//! 2. `data` = version byte `0x1c` ‖ `payload`;
//! 3. `checksum` = the first 4 bytes of SHA-256d(`data`);
//! 4. the address is Base58 (Bitcoin's alphabet, no `0`, `O`, `I`, `l`) of
//!    `data` ‖ `checksum`.
//!
//! The version byte makes every address start with `C` (for ChainLab), Base58 avoids
//! look-alike characters, and the checksum catches typos: a mistyped address is
//! rejected instead of silently burning coins.

use std::fmt;
use std::str::FromStr;

use k256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use k256::ecdsa::{SigningKey, VerifyingKey};

use crate::hash::{sha256, sha256d};

/// Why a key, signature or address was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The entropy is zero or not below the curve order (astronomically unlikely for
    /// random bytes).
    #[error("these 32 bytes are not a valid secp256k1 private key (zero or >= curve order)")]
    InvalidPrivateKey,
    /// The bytes are not a compressed point on secp256k1.
    #[error("not a valid compressed secp256k1 public key")]
    InvalidPublicKey,
    /// The signature does not verify for this key and message.
    #[error("the signature does not match the public key and the signed data")]
    BadSignature,
    /// The text contains a character outside the Base58 alphabet.
    #[error(
        "address contains {0:?}, which is not a Base58 character (0, O, I and l are never used)"
    )]
    BadCharacter(char),
    /// The text decodes to the wrong number of bytes or the wrong version.
    #[error("not a ChainLab address: it should be 25 bytes starting with version 0x1c")]
    BadAddressFormat,
    /// The checksum does not match: most likely a typo.
    #[error("address checksum mismatch: check for a typo")]
    BadChecksum,
    /// Hex text of the wrong length or with non-hex characters.
    #[error("expected {expected} hex characters")]
    BadHex {
        /// How many hex characters were expected.
        expected: usize,
    },
}

/// A secp256k1 private key.
#[derive(Clone)]
pub struct PrivateKey(SigningKey);

impl PrivateKey {
    /// Builds a key from 32 bytes of caller-provided entropy.
    pub fn from_entropy(entropy: [u8; 32]) -> Result<Self, KeyError> {
        SigningKey::from_slice(&entropy)
            .map(Self)
            .map_err(|_| KeyError::InvalidPrivateKey)
    }

    /// The secret scalar as 32 big-endian bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes().into()
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_verifying_key(self.0.verifying_key())
    }

    /// The address that this key can spend from.
    pub fn address(&self) -> Address {
        self.public_key().address()
    }

    /// Signs a 32-byte message digest (deterministic RFC 6979 nonce, low-S).
    pub fn sign(&self, digest: &[u8; 32]) -> Signature {
        let signature: k256::ecdsa::Signature = self
            .0
            .sign_prehash(digest)
            .expect("a 32-byte digest is always signable");
        Signature(signature.to_bytes().into())
    }
}

impl fmt::Debug for PrivateKey {
    /// Never prints the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({})", self.address())
    }
}

macro_rules! hex_bytes_newtype {
    ($(#[$doc:meta])* $name:ident, $len:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; $len]);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self)
            }
        }

        impl FromStr for $name {
            type Err = KeyError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let mut bytes = [0u8; $len];
                hex::decode_to_slice(s, &mut bytes)
                    .map_err(|_| KeyError::BadHex { expected: 2 * $len })?;
                Ok(Self(bytes))
            }
        }

        crate::serde_text::serde_as_text!($name);
    };
}

hex_bytes_newtype!(
    /// A compressed SEC1 public key (33 bytes). Stored as bytes and parsed when a
    /// signature is checked, so a transaction carrying garbage still decodes and is
    /// then rejected with a readable error.
    PublicKey,
    33
);
hex_bytes_newtype!(
    /// A compact ECDSA signature: r ‖ s, 32 bytes each.
    Signature,
    64
);

impl PublicKey {
    fn from_verifying_key(key: &VerifyingKey) -> Self {
        let point = key.to_encoded_point(true);
        let mut bytes = [0u8; 33];
        bytes.copy_from_slice(point.as_bytes());
        Self(bytes)
    }

    /// The address derived from this key (see the module documentation).
    pub fn address(&self) -> Address {
        let digest = sha256(&self.0);
        let mut payload = [0u8; 20];
        payload.copy_from_slice(&digest[..20]);
        Address(payload)
    }

    /// Checks `signature` over `digest` with this key.
    pub fn verify(&self, digest: &[u8; 32], signature: &Signature) -> Result<(), KeyError> {
        let key = VerifyingKey::from_sec1_bytes(&self.0).map_err(|_| KeyError::InvalidPublicKey)?;
        let signature =
            k256::ecdsa::Signature::from_slice(&signature.0).map_err(|_| KeyError::BadSignature)?;
        key.verify_prehash(digest, &signature)
            .map_err(|_| KeyError::BadSignature)
    }
}

/// Where coins are sent: a 20-byte digest of a public key, shown in Base58Check.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address(pub [u8; 20]);

impl Address {
    /// Version byte; chosen so that every address starts with `C`.
    pub const VERSION: u8 = 0x1c;
}

const BASE58_ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Base58 of `bytes`: repeated division of the big-endian number by 58, with one `1`
/// per leading zero byte.
fn base58_encode(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = Vec::new();
    for &byte in bytes {
        let mut carry = u32::from(byte);
        for digit in digits.iter_mut() {
            carry += u32::from(*digit) << 8;
            *digit = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    std::iter::repeat_n('1', zeros)
        .chain(
            digits
                .iter()
                .rev()
                .map(|&d| char::from(BASE58_ALPHABET[usize::from(d)])),
        )
        .collect()
}

fn base58_decode(text: &str) -> Result<Vec<u8>, KeyError> {
    let mut bytes: Vec<u8> = Vec::new();
    for c in text.chars() {
        let value = BASE58_ALPHABET
            .iter()
            .position(|&a| char::from(a) == c)
            .ok_or(KeyError::BadCharacter(c))?;
        let mut carry = value as u32;
        for byte in bytes.iter_mut() {
            carry += u32::from(*byte) * 58;
            *byte = carry as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.push(carry as u8);
            carry >>= 8;
        }
    }
    let zeros = text.chars().take_while(|&c| c == '1').count();
    Ok(std::iter::repeat_n(0, zeros)
        .chain(bytes.into_iter().rev())
        .collect())
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut data = Vec::with_capacity(25);
        data.push(Self::VERSION);
        data.extend_from_slice(&self.0);
        let checksum = sha256d(&data);
        data.extend_from_slice(&checksum[..4]);
        f.write_str(&base58_encode(&data))
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}

impl FromStr for Address {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let data = base58_decode(s.trim())?;
        if data.len() != 25 || data[0] != Self::VERSION {
            return Err(KeyError::BadAddressFormat);
        }
        let (body, checksum) = data.split_at(21);
        if sha256d(body)[..4] != *checksum {
            return Err(KeyError::BadChecksum);
        }
        let mut payload = [0u8; 20];
        payload.copy_from_slice(&body[1..]);
        Ok(Self(payload))
    }
}

crate::serde_text::serde_as_text!(Address);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn base58_matches_bitcoin() {
        // Satoshi's genesis-coinbase address, version 0x00, payload from Bitcoin.
        let data = hex::decode("0062e907b15cbf27d5425399ebf6f0fb50ebb88f18c29b7d93").unwrap();
        assert_eq!(base58_encode(&data), "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
        assert_eq!(
            base58_decode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa").unwrap(),
            data
        );
    }

    #[test]
    fn secp256k1_generator_is_private_key_one() {
        let mut one = [0u8; 32];
        one[31] = 1;
        let key = PrivateKey::from_entropy(one).unwrap();
        assert_eq!(
            key.public_key().to_string(),
            "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
        );
        assert_eq!(
            PrivateKey::from_entropy([0; 32]).unwrap_err(),
            KeyError::InvalidPrivateKey
        );
        assert_eq!(
            PrivateKey::from_entropy([0xff; 32]).unwrap_err(),
            KeyError::InvalidPrivateKey
        );
    }

    #[test]
    fn sign_verify_and_tamper() {
        let key = PrivateKey::from_entropy(sha256(b"alice")).unwrap();
        let digest = sha256(b"pay bob 1 coin");
        let signature = key.sign(&digest);
        assert_eq!(key.public_key().verify(&digest, &signature), Ok(()));
        let other = sha256(b"pay bob 9 coins");
        assert_eq!(
            key.public_key().verify(&other, &signature),
            Err(KeyError::BadSignature)
        );
        let garbage = PublicKey([7; 33]);
        assert_eq!(
            garbage.verify(&digest, &signature),
            Err(KeyError::InvalidPublicKey)
        );
        assert_eq!(
            key.sign(&digest),
            signature,
            "RFC 6979 signing is deterministic"
        );
    }

    #[test]
    fn address_typos_are_caught() {
        let address = PrivateKey::from_entropy(sha256(b"alice"))
            .unwrap()
            .address();
        let text = address.to_string();
        assert!(text.starts_with('C'), "{text}");
        assert_eq!(text.parse::<Address>().unwrap(), address);
        let mut chars: Vec<char> = text.chars().collect();
        chars[5] = if chars[5] == 'x' { 'y' } else { 'x' };
        let typo: String = chars.into_iter().collect();
        assert_eq!(typo.parse::<Address>(), Err(KeyError::BadChecksum));
        assert_eq!("C0ab".parse::<Address>(), Err(KeyError::BadCharacter('0')));
        assert_eq!(
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa".parse::<Address>(),
            Err(KeyError::BadAddressFormat)
        );
    }

    #[test]
    fn hex_keys_and_signatures_parse() {
        let key = PrivateKey::from_entropy(sha256(b"alice"))
            .unwrap()
            .public_key();
        assert_eq!(key.to_string().parse::<PublicKey>(), Ok(key));
        assert_eq!(
            "02ab".parse::<PublicKey>(),
            Err(KeyError::BadHex { expected: 66 })
        );
        assert_eq!(
            "zz".parse::<Signature>(),
            Err(KeyError::BadHex { expected: 128 })
        );
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(serde_json::from_str::<PublicKey>(&json).unwrap(), key);
    }

    proptest! {
        #[test]
        fn addresses_round_trip(payload in any::<[u8; 20]>()) {
            let address = Address(payload);
            let text = address.to_string();
            prop_assert!(text.starts_with('C'));
            prop_assert_eq!(text.parse::<Address>().unwrap(), address);
        }
    }
}
