//! The scalar reference, written straight from the specification and kept for tests:
//! every fast kernel is checked against it.

use super::cache::{Cache, DIM, MATRIX_LEN};
use super::finish::{combine, index_sequence, reduce};

/// Tensority(H, S) computed the slow, obvious way (about 4 G multiply-adds).
pub fn hash(header_hash: &[u8; 32], cache: &Cache) -> [u8; 32] {
    let lanes = std::array::from_fn(|k| lane(cache, &index_sequence(header_hash, k)));
    combine(&lanes)
}

/// One lane: 64 chained products starting from the identity (§3.2).
pub fn lane(cache: &Cache, indices: &[u8; 32]) -> Vec<i8> {
    let mut a = identity();
    for _ in 0..2 {
        for &index in indices {
            a = product(&a, cache.matrix(index));
        }
    }
    a
}

/// `g(A · Bᵀ)`: output column c pairs with row c of `b`. Exact int32 accumulation.
pub fn product(a: &[i8], b: &[i8]) -> Vec<i8> {
    let mut out = vec![0i8; MATRIX_LEN];
    for (a_row, out_row) in a.chunks_exact(DIM).zip(out.chunks_exact_mut(DIM)) {
        for (b_row, cell) in b.chunks_exact(DIM).zip(out_row.iter_mut()) {
            let acc: i32 = a_row
                .iter()
                .zip(b_row)
                .map(|(&x, &y)| i32::from(x) * i32::from(y))
                .sum();
            *cell = reduce(acc);
        }
    }
    out
}

/// The starting matrix of every lane.
pub fn identity() -> Vec<i8> {
    let mut a = vec![0i8; MATRIX_LEN];
    for r in 0..DIM {
        a[r * DIM + r] = 1;
    }
    a
}
