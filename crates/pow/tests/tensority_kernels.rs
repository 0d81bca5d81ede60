//! Every fast kernel against the scalar reference on random inputs: single products
//! for breadth (including extreme values), a whole lane for the chaining.

use pow::tensority::finish::index_sequence;
use pow::tensority::{Cache, Kernel, reference};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const LEN: usize = 256 * 256;

fn random_matrix(rng: &mut ChaCha8Rng) -> Vec<i8> {
    (0..LEN).map(|_| rng.r#gen::<i8>()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn products_match_reference_on_random_matrices(seed: u64) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (a, b) = (random_matrix(&mut rng), random_matrix(&mut rng));
        let expected = reference::product(&a, &b);
        for kernel in Kernel::available() {
            prop_assert!(kernel.product(&a, &b) == expected, "kernel {}", kernel.name());
        }
    }
}

#[test]
fn products_match_reference_at_the_extremes() {
    // All -128 gives the largest accumulator magnitude (2^22): exercises the wrap.
    for (x, y) in [(-128i8, -128i8), (-128, 127), (127, 127), (-1, 1)] {
        let (a, b) = (vec![x; LEN], vec![y; LEN]);
        let expected = reference::product(&a, &b);
        for kernel in Kernel::available() {
            assert!(
                kernel.product(&a, &b) == expected,
                "{} at ({x}, {y})",
                kernel.name()
            );
        }
    }
}

#[test]
fn lanes_match_reference_on_a_random_seed() {
    let cache = Cache::new(ChaCha8Rng::seed_from_u64(11).r#gen());
    let indices = index_sequence(&[0x5c; 32], 2);
    let expected = reference::lane(&cache, &indices);
    for kernel in Kernel::available() {
        assert!(
            kernel.lane(&cache, &indices) == expected,
            "kernel {}",
            kernel.name()
        );
    }
}
