//! SHA-256d over Bitcoin's 80-byte header.
//!
//! The header spans two 64-byte SHA-256 blocks and the nonce sits in the second, so
//! the first block is compressed once per header (the "midstate") and each try costs
//! two compressions: the second block, then the 32-byte digest. `sha2::compress256`
//! picks SHA-NI or AVX2 at run time; the mining [`kernel`] does the same two
//! compressions for a group of nonces at once on the [`lanes`] of WebAssembly SIMD128
//! (eight nonces as two `v128` sets), skipping the work a miner can skip.

mod engine;
pub mod kernel;
pub mod lanes;

pub use engine::{Sha256dEngine, Sha256dKernel};

use sha2::{Digest, Sha256};

use crate::HEADER_LEN;

/// SHA-256's initial state.
#[rustfmt::skip]
pub(crate) const IV: [u32; 8] = [
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
    0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
];

/// The scalar reference: SHA-256 of SHA-256 with the `sha2` crate's streaming API.
pub fn reference(data: &[u8]) -> [u8; 32] {
    Sha256::digest(Sha256::digest(data)).into()
}

/// A header with its first 64 bytes already compressed.
#[derive(Clone, Debug)]
pub struct Midstate {
    state: [u32; 8],
    /// Second block, padding included, with the nonce field left to fill in.
    tail: [u8; 64],
}

impl Midstate {
    /// Compresses the first block of `header`; the nonce field (bytes 76..80) is ignored.
    pub fn new(header: &[u8; HEADER_LEN]) -> Self {
        let mut state = IV;
        let first: [u8; 64] = header[..64].try_into().unwrap();
        sha2::compress256(&mut state, &[first.into()]);
        let mut tail = [0u8; 64];
        tail[..16].copy_from_slice(&header[64..]);
        tail[16] = 0x80;
        tail[56..].copy_from_slice(&((HEADER_LEN as u64) * 8).to_be_bytes());
        Self { state, tail }
    }

    /// The state after the first block.
    pub fn state(&self) -> &[u32; 8] {
        &self.state
    }

    /// Words 0..3 of the second block (merkle tail, time, bits) as big-endian words,
    /// the form the lane kernel feeds to the message schedule.
    pub fn tail_words(&self) -> [u32; 3] {
        std::array::from_fn(|i| u32::from_be_bytes(self.tail[4 * i..4 * i + 4].try_into().unwrap()))
    }

    /// SHA-256d of the header with `nonce` in place: two compressions, no allocation.
    pub fn hash(&self, nonce: u32) -> [u8; 32] {
        let mut block = self.tail;
        block[12..16].copy_from_slice(&nonce.to_le_bytes());
        let mut first = self.state;
        sha2::compress256(&mut first, &[block.into()]);
        let mut second = [0u8; 64];
        for (dst, word) in second.chunks_exact_mut(4).zip(first) {
            dst.copy_from_slice(&word.to_be_bytes());
        }
        second[32] = 0x80;
        second[56..].copy_from_slice(&256u64.to_be_bytes());
        let mut state = IV;
        sha2::compress256(&mut state, &[second.into()]);
        digest_bytes(&state)
    }
}

/// A final SHA-256 state as the digest's bytes.
pub(crate) fn digest_bytes(state: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (dst, word) in out.chunks_exact_mut(4).zip(state) {
        dst.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Bitcoin's genesis header and its block hash (raw byte order).
    const GENESIS: &str = concat!(
        "0100000000000000000000000000000000000000000000000000000000000000",
        "000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa",
        "4b1e5e4a29ab5f49ffff001d1dac2b7c"
    );

    #[test]
    fn genesis_hash_matches_bitcoin() {
        let header: [u8; 80] = hex::decode(GENESIS).unwrap().try_into().unwrap();
        let mut hash = reference(&header);
        hash.reverse();
        let expected = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
        assert_eq!(hex::encode(hash), expected);
        let nonce = u32::from_le_bytes(header[76..].try_into().unwrap());
        assert_eq!(Midstate::new(&header).hash(nonce), reference(&header));
    }

    proptest! {
        #[test]
        fn midstate_matches_reference(header in proptest::array::uniform32(any::<u8>()), rest: [u8; 48], nonce: u32) {
            let mut full = [0u8; 80];
            full[..32].copy_from_slice(&header);
            full[32..].copy_from_slice(&rest);
            let midstate = Midstate::new(&full);
            full[76..].copy_from_slice(&nonce.to_le_bytes());
            prop_assert_eq!(midstate.hash(nonce), reference(&full));
        }
    }
}
