//! Portable kernel: for each output row, broadcast A[r][i] against row i of Bᵀ and
//! accumulate 64 columns at a time in 16-bit wrapping lanes. Legal because only
//! `acc mod 2^16` reaches g; the narrow, contiguous lanes let the compiler vectorize
//! it on any SIMD target it knows, and the 64-lane tile stays in registers.

use super::super::cache::{DIM, MATRIX_LEN};
use super::identity;

/// Output columns accumulated together.
const TILE: usize = 64;

pub fn lane<'a>(matrices: impl Iterator<Item = &'a [i8]>) -> Vec<i8> {
    chain(&identity(), matrices)
}

/// Runs `g(A · Bᵀ)` for each B in turn, starting from `a`.
pub fn chain<'a>(a: &[i8], matrices: impl IntoIterator<Item = &'a [i8]>) -> Vec<i8> {
    let mut a: Vec<u16> = a.iter().map(|&v| i16::from(v) as u16).collect();
    let mut bt = vec![0u16; MATRIX_LEN];
    let mut next = vec![0u16; MATRIX_LEN];
    for b in matrices {
        for (c, row) in b.chunks_exact(DIM).enumerate() {
            for (i, &v) in row.iter().enumerate() {
                bt[i * DIM + c] = i16::from(v) as u16;
            }
        }
        product(&a, &bt, &mut next);
        std::mem::swap(&mut a, &mut next);
    }
    a.iter().map(|&v| v as i8).collect()
}

/// `out = g(A · B^T)` with `bt` holding B transposed ([i][c]).
fn product(a: &[u16], bt: &[u16], out: &mut [u16]) {
    for (a_row, out_row) in a.chunks_exact(DIM).zip(out.chunks_exact_mut(DIM)) {
        for (col, out_tile) in out_row.chunks_exact_mut(TILE).enumerate() {
            let mut acc = [0u16; TILE];
            for (&s, bt_row) in a_row.iter().zip(bt.chunks_exact(DIM)) {
                let b: &[u16; TILE] = bt_row[col * TILE..][..TILE].try_into().unwrap();
                for (acc, &b) in acc.iter_mut().zip(b) {
                    *acc = acc.wrapping_add(s.wrapping_mul(b));
                }
            }
            for (dst, acc) in out_tile.iter_mut().zip(acc) {
                *dst = i16::from(reduce16(acc)) as u16;
            }
        }
    }
}

fn reduce16(u: u16) -> i8 {
    ((u & 0xff) + (u >> 8)) as u8 as i8
}
