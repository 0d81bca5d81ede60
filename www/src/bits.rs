//! Bit-level views of digests: the avalanche comparison and leading-zero counts.

use ledger::U256;

/// Number of bits in a SHA-256 digest.
pub const DIGEST_BITS: usize = 256;

/// Bit `i` of `bytes`, counting from the most significant bit of the first byte, the
/// order in which the hex digest is read.
pub fn bit(bytes: &[u8], i: usize) -> bool {
    bytes[i / 8] & (0x80 >> (i % 8)) != 0
}

/// The bits that differ between two digests, in reading order.
pub fn flipped(a: &[u8; 32], b: &[u8; 32]) -> [bool; DIGEST_BITS] {
    std::array::from_fn(|i| bit(a, i) != bit(b, i))
}

/// How many bits differ: about half (128) for unrelated SHA-256 inputs.
pub fn hamming_distance(a: &[u8; 32], b: &[u8; 32]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// Leading zero bits of a digest in reading order; a digest "below a target" of `k`
/// zero bits is exactly one where this is at least `k`.
pub fn leading_zero_bits(digest: &[u8; 32]) -> u32 {
    DIGEST_BITS as u32 - U256::from_be_bytes(*digest).bits()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bits_are_read_msb_first() {
        let bytes = [0b1000_0001, 0b0100_0000];
        let read: Vec<bool> = (0..16).map(|i| bit(&bytes, i)).collect();
        assert!(read[0] && read[7] && read[9]);
        assert_eq!(read.iter().filter(|&&b| b).count(), 3);
    }

    #[test]
    fn leading_zeros() {
        let with_prefix = |prefix: &[u8]| {
            let mut digest = [0xff; 32];
            digest[..prefix.len()].copy_from_slice(prefix);
            leading_zero_bits(&digest)
        };
        assert_eq!(with_prefix(&[]), 0);
        assert_eq!(with_prefix(&[0x00, 0x00, 0x0f]), 20);
        assert_eq!(with_prefix(&[0x00, 0x01]), 15);
        assert_eq!(leading_zero_bits(&[0; 32]), 256);
    }

    #[test]
    fn one_letter_changes_about_half_the_bits() {
        let a = ledger::sha256(b"hello");
        let b = ledger::sha256(b"hellp");
        let distance = hamming_distance(&a, &b);
        assert_eq!(
            distance as usize,
            flipped(&a, &b).iter().filter(|&&f| f).count()
        );
        // Binomial(256, 1/2): 128 +- 8 is one standard deviation; this pair is fixed data.
        assert!((96..=160).contains(&distance), "{distance}");
    }

    proptest! {
        #[test]
        fn flipped_matches_xor(a in any::<[u8; 32]>(), b in any::<[u8; 32]>()) {
            let flips = flipped(&a, &b);
            let xor: Vec<u8> = a.iter().zip(&b).map(|(x, y)| x ^ y).collect();
            for (i, &f) in flips.iter().enumerate() {
                prop_assert_eq!(f, bit(&xor, i));
            }
            prop_assert_eq!(hamming_distance(&a, &b), hamming_distance(&b, &a));
            prop_assert_eq!(hamming_distance(&a, &a), 0);
        }

        #[test]
        fn leading_zero_bits_bounds_the_value(bytes in any::<[u8; 32]>()) {
            let k = leading_zero_bits(&bytes) as usize;
            prop_assert!((0..k).all(|i| !bit(&bytes, i)));
            prop_assert!(k == 256 || bit(&bytes, k));
        }
    }
}
