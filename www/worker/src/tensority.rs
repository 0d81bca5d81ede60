//! Tensority in the worker: one seed's cache, kept while the seed stays the same, and
//! the two things the page asks of it: single hashes (vectors, the lesson) and nonce
//! searches on a block header.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use pow::tensority::{Cache, Kernel};
use pow::{Solution, TensorityEngine};

use crate::scan::HeaderJob;

/// A built cache and the engine that hashes with it.
pub struct TensorityJob {
    engine: TensorityEngine,
}

impl TensorityJob {
    /// Builds the 16 MiB cache for `seed`, calling `on_round(done)` after each of its
    /// 128 rounds so the page can draw real progress while it waits.
    pub fn build(seed: [u8; 32], on_round: impl FnMut(usize)) -> Self {
        let never = AtomicBool::new(false);
        let cache = Cache::build(seed, &never, on_round)
            .expect("nothing can raise a flag owned by this call");
        Self {
            engine: TensorityEngine::new(Arc::new(cache)),
        }
    }

    pub fn seed(&self) -> &[u8; 32] {
        self.engine.cache().seed()
    }

    /// Tensority(H, seed). The threaded bundle runs the four lanes on four threads:
    /// one hash has no other parallelism to offer.
    pub fn hash(&self, header_hash: &[u8; 32]) -> [u8; 32] {
        let kernel: Kernel = self.engine.kernel();
        #[cfg(feature = "threads")]
        return kernel.hash_parallel(header_hash, self.engine.cache());
        #[cfg(not(feature = "threads"))]
        kernel.hash(header_hash, self.engine.cache())
    }

    /// The lowest nonce in `start..start + count` whose Tensority hash meets the
    /// header's target, with that hash. Threads take one nonce each.
    pub fn search(&self, job: &HeaderJob, start: u32, count: u64) -> Option<Solution> {
        job.search_with(&self.engine, start, count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger::{BlockHash, BlockHeader, CompactTarget, Target, TxMerkleNode};

    fn hex32(text: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    /// The first Bytom reference vector from ../shared/vectors/tensority.json.
    #[test]
    fn hash_matches_a_bytom_vector_and_progress_counts_every_round() {
        let mut rounds = Vec::new();
        let job = TensorityJob::build(
            hex32("0737520781345b11b7bd0f843c1bdd9aea81b6da94fd141cc9f2df53ac6744d2"),
            |done| rounds.push(done),
        );
        assert_eq!(rounds, (1..=128).collect::<Vec<_>>());
        let hash = job.hash(&hex32(
            "d0dad73fb2dabf3353fda15571b4e5f6ac62ff187b354fadd4840d9ff2f1afdf",
        ));
        assert_eq!(
            hash,
            hex32("e35da54795d82f8549c0e580cbf2e3757ab5ef8fed1bdbe439416c7e6f8df227")
        );
    }

    #[test]
    fn search_finds_a_nonce_that_meets_the_target() {
        let header = BlockHeader {
            version: 1,
            prev_blockhash: BlockHash::ZERO,
            merkle_root: TxMerkleNode::hash(b"lab"),
            time: 1_700_000_000,
            bits: CompactTarget::from_consensus(0x207f_ffff),
            nonce: 0,
        };
        let job = TensorityJob::build([7; 32], |_| {});
        let header_job = HeaderJob::new(&header.encode()).unwrap();
        let found = job.search(&header_job, 0, 64).expect("one bit in 64 tries");
        let block_hash = BlockHeader {
            nonce: found.nonce,
            ..header
        }
        .block_hash()
        .to_byte_array();
        assert_eq!(found.hash, job.hash(&block_hash));
        let target = Target::from_compact(header.bits).unwrap();
        assert!(target.is_met_by(found.hash));
    }
}
