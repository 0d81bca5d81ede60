//! The two searches the lab runs, as plain Rust that tests natively.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64};

use ledger::{BlockHeader, Target, U256, sha256};
use pow::{Control, Engine, HEADER_LEN, HashTarget, Nonces, Outcome, Sha256dEngine, Solution};

/// "Find a nonce so that SHA-256(text + nonce) starts with k zero bits": the lesson's
/// first taste of proof of work, before block headers appear.
pub struct TextJob {
    text: Vec<u8>,
    zero_bits: u32,
}

impl TextJob {
    pub fn new(text: &str, zero_bits: u32) -> Self {
        Self {
            text: text.as_bytes().to_vec(),
            zero_bits,
        }
    }

    /// Whether SHA-256(text + `nonce` in decimal) starts with enough zero bits.
    pub fn accepts(&self, nonce: u64) -> bool {
        let mut input = Vec::with_capacity(self.text.len() + 20);
        input.extend_from_slice(&self.text);
        write!(input, "{nonce}").expect("writing to a Vec cannot fail");
        starts_with_zero_bits(&sha256(&input), self.zero_bits)
    }

    /// The lowest accepted nonce in `start..start + count`.
    pub fn search(&self, start: u64, count: u64) -> Option<u64> {
        let nonces = start..start.saturating_add(count);
        #[cfg(feature = "threads")]
        {
            use rayon::prelude::*;
            nonces
                .into_par_iter()
                .find_first(|&nonce| self.accepts(nonce))
        }
        #[cfg(not(feature = "threads"))]
        nonces.into_iter().find(|&nonce| self.accepts(nonce))
    }
}

fn starts_with_zero_bits(hash: &[u8; 32], zero_bits: u32) -> bool {
    256 - U256::from_be_bytes(*hash).bits() >= zero_bits
}

/// Why header bytes could not be mined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderJobError {
    #[error("a block header is {HEADER_LEN} bytes, got {0}")]
    Length(usize),
    #[error("the header's bits do not encode a usable target: {0}")]
    Target(#[from] ledger::target::TargetError),
}

/// A block header to mine against the target in its own `bits` field.
pub struct HeaderJob {
    header: [u8; HEADER_LEN],
    target: HashTarget,
}

impl HeaderJob {
    pub fn new(bytes: &[u8]) -> Result<Self, HeaderJobError> {
        let header: [u8; HEADER_LEN] = bytes
            .try_into()
            .map_err(|_| HeaderJobError::Length(bytes.len()))?;
        let bits = BlockHeader::decode(&header)
            .expect("80 bytes always decode")
            .bits;
        let target = Target::from_compact(bits)?;
        Ok(Self {
            header,
            target: HashTarget::from_le_bytes(target.0.to_le_bytes()),
        })
    }

    #[cfg(feature = "gpu")]
    pub fn header(&self) -> &[u8; HEADER_LEN] {
        &self.header
    }

    #[cfg(feature = "gpu")]
    pub fn target(&self) -> &HashTarget {
        &self.target
    }

    /// The lowest nonce in `start..start + count` (cut at 2^32 - 1) that meets the target.
    pub fn search(&self, start: u32, count: u64) -> Option<u32> {
        self.search_with(&Sha256dEngine::best(), start, count)
            .map(|solution| solution.nonce)
    }

    /// The same search with any proof-of-work engine; the threaded bundle spreads the
    /// nonces over the rayon pool.
    pub fn search_with<E: Engine>(&self, engine: &E, start: u32, count: u64) -> Option<Solution> {
        let (stop, tried) = (AtomicBool::new(false), AtomicU64::new(0));
        let control = Control {
            stop: &stop,
            tried: &tried,
        };
        let nonces = Nonces::new(start, count);
        #[cfg(feature = "threads")]
        let outcome = pow::scan_parallel(engine, &self.header, nonces, &self.target, &control);
        #[cfg(not(feature = "threads"))]
        let outcome = engine.scan(&self.header, nonces, &self.target, &control);
        match outcome {
            Outcome::Found(solution) => Some(solution),
            Outcome::Exhausted | Outcome::Stopped => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger::{BlockHash, CompactTarget, TxMerkleNode};

    #[test]
    fn zero_bit_prefixes() {
        let mut hash = [0xffu8; 32];
        assert!(starts_with_zero_bits(&hash, 0));
        assert!(!starts_with_zero_bits(&hash, 1));
        hash[0] = 0x00;
        hash[1] = 0x1f;
        assert!(starts_with_zero_bits(&hash, 11));
        assert!(!starts_with_zero_bits(&hash, 12));
    }

    #[test]
    fn text_search_finds_the_lowest_nonce_and_it_checks_out() {
        let job = TextJob::new("hello", 12);
        let nonce = job
            .search(0, 1 << 20)
            .expect("2^20 tries find a 12-bit prefix");
        let digest = sha256(format!("hello{nonce}").as_bytes());
        assert!(
            digest[0] == 0 && digest[1] >> 4 == 0,
            "{}",
            hex_string(&digest)
        );
        assert_eq!(
            (0..nonce).find(|&n| job.accepts(n)),
            None,
            "a lower nonce works too"
        );
        assert_eq!(job.search(nonce + 1, 0), None);
        assert_eq!(job.search(nonce, 1), Some(nonce));
    }

    fn hex_string(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn header_search_meets_the_ledgers_target() {
        let mut header = BlockHeader {
            version: 1,
            prev_blockhash: BlockHash::ZERO,
            merkle_root: TxMerkleNode::hash(b"lab"),
            time: 1_700_000_000,
            bits: CompactTarget::from_consensus(0x1f00_ffff),
            nonce: 0,
        };
        let job = HeaderJob::new(&header.encode()).unwrap();
        header.nonce = job.search(0, 1 << 22).expect("16 bits within 2^22 tries");
        let target = Target::from_compact(header.bits).unwrap();
        assert!(target.is_met_by(header.block_hash().to_byte_array()));
        assert!(header.block_hash().to_string().starts_with("0000"));
        assert_eq!(job.search(header.nonce, 1), Some(header.nonce));
    }

    #[test]
    fn bad_headers_are_refused() {
        assert_eq!(
            HeaderJob::new(&[0; 79]).err(),
            Some(HeaderJobError::Length(79))
        );
        let mut header = [0u8; HEADER_LEN];
        header[72..76].copy_from_slice(&0x1d00_0000u32.to_le_bytes());
        assert!(matches!(
            HeaderJob::new(&header),
            Err(HeaderJobError::Target(_))
        ));
    }
}
