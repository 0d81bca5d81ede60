//! The per-hash steps around the matrix products: index sequences (§3.1) before,
//! and combine, pack, FNV fold and the final SHA3 (§3.3-3.6) after. They are cheap
//! next to the 2^32 multiply-adds, so every kernel shares this one scalar version.

use sha3::{Digest, Sha3_256};

use super::cache::{DIM, MATRIX_LEN};

/// Independent chains of products per hash.
pub const LANES: usize = 4;
/// Products per lane: the 32 indices are walked twice.
pub const PRODUCTS_PER_LANE: usize = 64;

/// Q_k = SHA3-256(H[8k..8k+8]): the 32 matrix indices lane k walks through.
pub fn index_sequence(header_hash: &[u8; 32], lane: usize) -> [u8; 32] {
    Sha3_256::digest(&header_hash[8 * lane..8 * lane + 8]).into()
}

/// The post-processing g: add the two low bytes of the accumulator and keep 8 bits,
/// read as int8. Only `acc mod 2^16` matters, so any wrapping accumulator of 16 bits
/// or more gives the same value.
pub fn reduce(acc: i32) -> i8 {
    let u = acc as u32;
    ((u & 0xff) + ((u >> 8) & 0xff)) as u8 as i8
}

/// Sums the lane matrices mod 256, packs, folds with FNV and hashes (§3.3-3.6).
pub fn combine(lanes: &[Vec<i8>; LANES]) -> [u8; 32] {
    let bytes: Vec<u8> = (0..MATRIX_LEN)
        .map(|i| {
            lanes
                .iter()
                .fold(0u8, |sum, lane| sum.wrapping_add(lane[i] as u8))
        })
        .collect();
    let mut words: Vec<[u32; 64]> = bytes
        .chunks_exact(DIM)
        .map(|row| {
            std::array::from_fn(|j| {
                u32::from_le_bytes([row[j], row[j + 64], row[j + 128], row[j + 192]])
            })
        })
        .collect();
    let mut k = DIM;
    while k > 1 {
        let half = k / 2;
        for j in 0..half {
            let (low, high) = words.split_at_mut(half);
            for (a, b) in low[j].iter_mut().zip(&high[j]) {
                *a = fnv(*a, *b);
            }
        }
        k = half;
    }
    let serialized: Vec<u8> = words[0].iter().flat_map(|w| w.to_le_bytes()).collect();
    Sha3_256::digest(serialized).into()
}

/// FNV-1 style step; the lower-indexed row is the one multiplied.
fn fnv(a: u32, b: u32) -> u32 {
    a.wrapping_mul(0x0100_0193) ^ b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduce_matches_the_spec_examples() {
        assert_eq!(reduce(1), 1);
        assert_eq!(reduce(-1), -2);
        assert_eq!(reduce(256), 1);
        assert_eq!(reduce(300), 45);
        assert_eq!(reduce(0x1_0000 + 300), 45, "bits above 16 are ignored");
    }

    #[test]
    fn fnv_multiplies_the_first_argument() {
        assert_eq!(fnv(1, 0), 0x0100_0193);
        assert_eq!(fnv(0, 5), 5);
    }
}
