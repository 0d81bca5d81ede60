//! Portable kernel: for each output row, broadcast A[r][i] against row i of Bᵀ and
//! accumulate 64 columns at a time in 16-bit wrapping lanes. Legal because only
//! `acc mod 2^16` reaches g; the narrow, contiguous lanes let the compiler vectorize
//! it on any SIMD target it knows, and the 64-lane tile stays in registers.
//!
//! Bᵀ is stored as panels of 64 columns, and every row of A walks one panel before
//! the next: the panel (32 KiB of i16) stays in L1 instead of all of Bᵀ (128 KiB)
//! streaming from L2 once per row. In Chromium that made a product 0.67 ms instead of 0.92.

use super::super::cache::{DIM, MATRIX_LEN};

/// Output columns accumulated together.
const TILE: usize = 64;
/// Elements in one panel of Bᵀ: all 256 inner indices of `TILE` columns.
const PANEL_LEN: usize = DIM * TILE;

/// Runs `g(A · Bᵀ)` for each B in turn, starting from `a`.
pub fn chain<'a>(a: &[i8], matrices: impl IntoIterator<Item = &'a [i8]>) -> Vec<i8> {
    let mut a: Vec<u16> = a.iter().map(|&v| i16::from(v) as u16).collect();
    let mut panels = vec![0u16; MATRIX_LEN];
    let mut next = vec![0u16; MATRIX_LEN];
    for b in matrices {
        transpose_into_panels(b, &mut panels);
        product(&a, &panels, &mut next);
        std::mem::swap(&mut a, &mut next);
    }
    a.iter().map(|&v| v as i8).collect()
}

/// Panel p, row i, lane j holds B[64p + j][i], sign-extended.
fn transpose_into_panels(b: &[i8], panels: &mut [u16]) {
    for (c, row) in b.chunks_exact(DIM).enumerate() {
        let panel = &mut panels[(c / TILE) * PANEL_LEN..][..PANEL_LEN];
        for (i, &v) in row.iter().enumerate() {
            panel[i * TILE + c % TILE] = i16::from(v) as u16;
        }
    }
}

/// `out = g(A · Bᵀ)` with `panels` holding Bᵀ as laid out by `transpose_into_panels`.
fn product(a: &[u16], panels: &[u16], out: &mut [u16]) {
    for (p, panel) in panels.chunks_exact(PANEL_LEN).enumerate() {
        for (a_row, out_row) in a.chunks_exact(DIM).zip(out.chunks_exact_mut(DIM)) {
            let mut acc = [0u16; TILE];
            for (&s, b) in a_row.iter().zip(panel.chunks_exact(TILE)) {
                for (acc, &b) in acc.iter_mut().zip(b) {
                    *acc = acc.wrapping_add(s.wrapping_mul(b));
                }
            }
            for (dst, acc) in out_row[p * TILE..][..TILE].iter_mut().zip(acc) {
                *dst = i16::from(reduce16(acc)) as u16;
            }
        }
    }
}

fn reduce16(u: u16) -> i8 {
    ((u & 0xff) + (u >> 8)) as u8 as i8
}
