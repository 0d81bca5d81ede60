//! Tensority in the worker: one seed's cache, kept while the seed stays the same, and
//! the two things the page asks of it: single hashes (vectors, the lesson) and nonce
//! searches on a block header.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use pow::tensority::finish::{LANES, index_sequence};
use pow::tensority::reference::{identity, product};
use pow::tensority::{Cache, Kernel};
use pow::{Solution, TensorityEngine};

use crate::scan::HeaderJob;

/// Every intermediate the Tensority lesson draws, from the real cache and header hash.
pub struct Stages {
    /// S || SHA3(S) || SHA3(SHA3(S)) || SHA3³(S): what the cache build starts from.
    pub extended_seed: [u8; 128],
    /// Q_k = SHA3(H[8k..8k+8]): the 32 matrix indices each lane walks (twice).
    pub indices: [[u8; 32]; LANES],
    /// Lane 0's first product, g(I · M_{Q_0[0]}ᵀ), row-major 256×256 int8.
    pub first_product: Vec<i8>,
    /// The final Tensority hash (raw byte order).
    pub hash: [u8; 32],
}

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

    #[cfg(feature = "gpu")]
    pub fn cache(&self) -> &Arc<Cache> {
        self.engine.cache()
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

    /// The pipeline's stages for one header hash, ending in the same hash as [`Self::hash`].
    pub fn stages(&self, header_hash: &[u8; 32]) -> Stages {
        let seed = self.seed();
        let mut extended_seed = [0u8; 128];
        extended_seed[..32].copy_from_slice(seed);
        for chunk in 1..4 {
            let previous = ledger::sha3_256(&extended_seed[32 * (chunk - 1)..32 * chunk]);
            extended_seed[32 * chunk..32 * (chunk + 1)].copy_from_slice(&previous);
        }
        let indices = std::array::from_fn(|lane| index_sequence(header_hash, lane));
        let first = self.engine.cache().matrix(indices[0][0]);
        Stages {
            extended_seed,
            indices,
            first_product: product(&identity(), first),
            hash: self.hash(header_hash),
        }
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
    fn stages_start_from_the_seed_and_end_in_the_hash() {
        let job = TensorityJob::build([9; 32], |_| {});
        let header_hash = [3u8; 32];
        let stages = job.stages(&header_hash);
        assert_eq!(&stages.extended_seed[..32], &[9; 32]);
        assert_eq!(&stages.extended_seed[32..64], &ledger::sha3_256(&[9; 32]));
        assert_eq!(stages.hash, job.hash(&header_hash));
        assert_eq!(stages.indices[2], ledger::sha3_256(&header_hash[16..24]));
        let first = job.engine.cache().matrix(stages.indices[0][0]);
        assert_eq!(
            stages.first_product,
            pow::tensority::Kernel::Portable.product(&identity(), first)
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
