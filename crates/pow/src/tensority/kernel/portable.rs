//! Portable kernel: row-dot-row with 16-bit wrapping accumulators. Legal because only
//! `acc mod 2^16` reaches g, and the narrow lanes let the compiler vectorize twice as
//! wide as with i32 on any SIMD target it knows.

use super::super::cache::{DIM, MATRIX_LEN};
use super::identity;

pub fn lane<'a>(matrices: impl Iterator<Item = &'a [i8]>) -> Vec<i8> {
    chain(&identity(), matrices)
}

/// Runs `g(A · Bᵀ)` for each B in turn, starting from `a`.
pub fn chain<'a>(a: &[i8], matrices: impl IntoIterator<Item = &'a [i8]>) -> Vec<i8> {
    let mut a: Vec<i16> = a.iter().map(|&v| i16::from(v)).collect();
    let mut b16 = vec![0i16; MATRIX_LEN];
    let mut next = vec![0i16; MATRIX_LEN];
    for b in matrices {
        for (dst, &src) in b16.iter_mut().zip(b) {
            *dst = i16::from(src);
        }
        product(&a, &b16, &mut next);
        std::mem::swap(&mut a, &mut next);
    }
    a.iter().map(|&v| v as i8).collect()
}

fn product(a: &[i16], b: &[i16], out: &mut [i16]) {
    for (a_row, out_row) in a.chunks_exact(DIM).zip(out.chunks_exact_mut(DIM)) {
        let a_row: &[i16; DIM] = a_row.try_into().unwrap();
        for (b_row, cell) in b.chunks_exact(DIM).zip(out_row.iter_mut()) {
            let b_row: &[i16; DIM] = b_row.try_into().unwrap();
            *cell = i16::from(reduce16(dot16(a_row, b_row)));
        }
    }
}

fn dot16(a: &[i16; DIM], b: &[i16; DIM]) -> u16 {
    let mut lanes = [0u16; 16];
    for (a, b) in a.chunks_exact(16).zip(b.chunks_exact(16)) {
        for k in 0..16 {
            lanes[k] = lanes[k].wrapping_add(a[k].wrapping_mul(b[k]) as u16);
        }
    }
    lanes.iter().fold(0u16, |sum, &v| sum.wrapping_add(v))
}

fn reduce16(u: u16) -> i8 {
    ((u & 0xff) + (u >> 8)) as u8 as i8
}
