//! The per-seed stage (spec §2): 128 chained scrypt SMix rounds whose fill tables
//! become 256 int8 matrices of 256×256, 16 MiB in all.
//!
//! The seed changes only every 256 blocks, so this is built once and shared
//! (behind an `Arc`) by every thread hashing nonces against it.

use std::sync::atomic::{AtomicBool, Ordering};

use sha3::{Digest, Sha3_256};

use crate::Stopped;

/// Side of every cache matrix.
pub const DIM: usize = 256;
/// Elements in one matrix.
pub const MATRIX_LEN: usize = DIM * DIM;
/// Number of matrices a seed expands to (they are indexed by a byte).
pub const MATRICES: usize = 256;
/// Chained SMix rounds; each yields two matrices.
pub const ROUNDS: usize = MATRICES / 2;

const SMIX_N: usize = 1024;
const BLOCK_WORDS: usize = 32;

/// The 256 matrices `M_0 .. M_255` derived from one seed.
pub struct Cache {
    seed: [u8; 32],
    matrices: Box<[i8]>,
    first_words: [u32; ROUNDS],
}

impl Cache {
    /// Builds the cache for `seed` (about half a second of Salsa20/8 on one core).
    pub fn new(seed: [u8; 32]) -> Self {
        match Self::build(seed, &AtomicBool::new(false), |_| {}) {
            Ok(cache) => cache,
            Err(Stopped) => unreachable!("nothing can raise a flag owned by this call"),
        }
    }

    /// Builds the cache, calling `on_round(done)` after each of the 128 rounds so a UI
    /// can show progress, and giving up between rounds once `stop` is set.
    pub fn build(
        seed: [u8; 32],
        stop: &AtomicBool,
        mut on_round: impl FnMut(usize),
    ) -> Result<Self, Stopped> {
        let mut x = extended_seed(&seed);
        let mut v = vec![[0u32; BLOCK_WORDS]; SMIX_N];
        let mut matrices = vec![0i8; MATRICES * MATRIX_LEN].into_boxed_slice();
        let mut first_words = [0u32; ROUNDS];
        for round in 0..ROUNDS {
            if stop.load(Ordering::Relaxed) {
                return Err(Stopped);
            }
            smix(&mut x, &mut v);
            first_words[round] = v[0][0];
            let pair = &mut matrices[2 * round * MATRIX_LEN..(2 * round + 2) * MATRIX_LEN];
            split_even_odd(&v, pair);
            on_round(round + 1);
        }
        Ok(Self {
            seed,
            matrices,
            first_words,
        })
    }

    /// The seed this cache was built from.
    pub fn seed(&self) -> &[u8; 32] {
        &self.seed
    }

    /// Matrix `M_index`, row-major: row `c` is the cache row that pairs with output
    /// column `c` in `A · Bᵀ`.
    pub fn matrix(&self, index: u8) -> &[i8] {
        let start = usize::from(index) * MATRIX_LEN;
        &self.matrices[start..start + MATRIX_LEN]
    }

    /// Word 0 of each round's table `V_c`: what the seed-cache vectors record.
    pub fn first_words(&self) -> &[u32; ROUNDS] {
        &self.first_words
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("seed", &hex::encode(self.seed))
            .finish_non_exhaustive()
    }
}

/// E = S || SHA3(S) || SHA3(SHA3(S)) || ..., read as 32 little-endian words (§2.1-2.2).
fn extended_seed(seed: &[u8; 32]) -> [u32; BLOCK_WORDS] {
    let mut bytes = [0u8; 128];
    bytes[..32].copy_from_slice(seed);
    for chunk in 1..4 {
        let previous = &bytes[32 * (chunk - 1)..32 * chunk];
        let next: [u8; 32] = Sha3_256::digest(previous).into();
        bytes[32 * chunk..32 * (chunk + 1)].copy_from_slice(&next);
    }
    std::array::from_fn(|i| u32::from_le_bytes(bytes[4 * i..4 * i + 4].try_into().unwrap()))
}

/// scrypt's SMix with r = 1, N = 1024, keeping the fill table in `v`. `x` carries over
/// from round to round, which is what chains the 128 rounds.
fn smix(x: &mut [u32; BLOCK_WORDS], v: &mut [[u32; BLOCK_WORDS]]) {
    for slot in v.iter_mut() {
        *slot = *x;
        block_mix(x);
    }
    for _ in 0..SMIX_N {
        let j = x[16] as usize % SMIX_N;
        for (word, mixed) in x.iter_mut().zip(&v[j]) {
            *word ^= mixed;
        }
        block_mix(x);
    }
}

fn block_mix(x: &mut [u32; BLOCK_WORDS]) {
    let (lo, hi) = x.split_at_mut(16);
    let lo: &mut [u32; 16] = lo.try_into().unwrap();
    let hi: &mut [u32; 16] = hi.try_into().unwrap();
    xor_into(lo, hi);
    salsa20_8(lo);
    xor_into(hi, lo);
    salsa20_8(hi);
}

fn xor_into(dst: &mut [u32; 16], src: &[u32; 16]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d ^= s;
    }
}

#[rustfmt::skip]
/// (a, b, c, k): `x[a] ^= rotl(x[b] + x[c], k)`; a column round then a row round.
const DOUBLE_ROUND: [(usize, usize, usize, u32); 32] = [
    (4, 0, 12, 7), (8, 4, 0, 9), (12, 8, 4, 13), (0, 12, 8, 18),
    (9, 5, 1, 7), (13, 9, 5, 9), (1, 13, 9, 13), (5, 1, 13, 18),
    (14, 10, 6, 7), (2, 14, 10, 9), (6, 2, 14, 13), (10, 6, 2, 18),
    (3, 15, 11, 7), (7, 3, 15, 9), (11, 7, 3, 13), (15, 11, 7, 18),
    (1, 0, 3, 7), (2, 1, 0, 9), (3, 2, 1, 13), (0, 3, 2, 18),
    (6, 5, 4, 7), (7, 6, 5, 9), (4, 7, 6, 13), (5, 4, 7, 18),
    (11, 10, 9, 7), (8, 11, 10, 9), (9, 8, 11, 13), (10, 9, 8, 18),
    (12, 15, 14, 7), (13, 12, 15, 9), (14, 13, 12, 13), (15, 14, 13, 18),
];

/// The Salsa20 core with 8 rounds (4 double rounds) and its feed-forward.
fn salsa20_8(block: &mut [u32; 16]) {
    let mut x = *block;
    for _ in 0..4 {
        for &(a, b, c, k) in &DOUBLE_ROUND {
            x[a] ^= x[b].wrapping_add(x[c]).rotate_left(k);
        }
    }
    for (out, mixed) in block.iter_mut().zip(x) {
        *out = out.wrapping_add(mixed);
    }
}

/// Row r of M_{2c+p} is blocks 4r+p and 4r+2+p of V_c, i.e. the even (p = 0) or
/// odd (p = 1) blocks concatenated in order (§2.4).
fn split_even_odd(v: &[[u32; BLOCK_WORDS]], pair: &mut [i8]) {
    let (even, odd) = pair.split_at_mut(MATRIX_LEN);
    for (parity, out) in [(0, even), (1, odd)] {
        let blocks = v.iter().skip(parity).step_by(2);
        for (block, dst) in blocks.zip(out.chunks_exact_mut(4 * BLOCK_WORDS)) {
            for (word, bytes) in block.iter().zip(dst.chunks_exact_mut(4)) {
                for (d, b) in bytes.iter_mut().zip(word.to_le_bytes()) {
                    *d = b as i8;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salsa20_8_matches_rfc7914_vector() {
        // RFC 7914 §8: Salsa20/8 core test vector.
        let input = hex::decode(concat!(
            "7e879a214f3ec9867ca940e641718f26baee555b8c61c1b50df846116dcd3b1d",
            "ee24f319df9b3d8514121e4b5ac5aa3276021d2909c74829edebc68db8b8c25e"
        ))
        .unwrap();
        let expected = hex::decode(concat!(
            "a41f859c6608cc993b81cacb020cef05044b2181a2fd337dfd7b1c6396682f29",
            "b4393168e3c9e6bcfe6bc5b7a06d96bae424cc102c91745c24ad673dc7618f81"
        ))
        .unwrap();
        let mut block: [u32; 16] = std::array::from_fn(|i| {
            u32::from_le_bytes(input[4 * i..4 * i + 4].try_into().unwrap())
        });
        salsa20_8(&mut block);
        let out: Vec<u8> = block.iter().flat_map(|w| w.to_le_bytes()).collect();
        assert_eq!(out, expected);
    }

    #[test]
    fn progress_counts_every_round() {
        let mut reported = Vec::new();
        let cache = Cache::build([1; 32], &AtomicBool::new(false), |done| reported.push(done));
        assert!(cache.is_ok());
        assert_eq!(reported, (1..=ROUNDS).collect::<Vec<_>>());
    }

    #[test]
    fn stop_flag_aborts_the_build() {
        let stop = AtomicBool::new(false);
        let mut rounds = 0;
        let result = Cache::build([7; 32], &stop, |done| {
            rounds = done;
            if done == 3 {
                stop.store(true, Ordering::Relaxed);
            }
        });
        assert!(matches!(result, Err(Stopped)));
        assert_eq!(rounds, 3);
    }
}
