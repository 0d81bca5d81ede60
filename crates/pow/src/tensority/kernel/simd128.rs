//! WebAssembly SIMD128 kernel: the AVX2 layout at half width. B is packed into panels
//! of 8 columns; one `v128` holds the (2t, 2t+1) pairs of 4 columns, and
//! `i32x4.dot_i16x8_s` against A's broadcast pair updates 4 outputs. A 4×8 tile keeps
//! 8 accumulators in registers.
//!
//! Each 8 multiply-adds cost a dot and an add, the least SIMD128 allows without
//! relaxed SIMD (i16 multiply and add is the same count). In Chromium 156 a hash takes
//! about 1.8 times as long as the AVX2 kernel natively (115 against 64 ms of CPU on the
//! same core): close to the 2 that half the vector width predicts, so what is left to
//! win is outside the products, and the B repack is done with shuffles for that reason.
//!
//! Relaxed SIMD's `i32x4.relaxed_dot_i8x16_i7x16_add_s` is exact here only with B split
//! into its low 7 bits and its sign (two dots per quad of inner indices); so split it
//! measured no faster in Chromium 156 (0.49 against 0.45 ms a product), and a module
//! that uses it does not load at all where relaxed SIMD is missing.

use core::arch::wasm32::*;

use super::super::cache::{DIM, MATRIX_LEN};

/// Output columns per packed panel.
const W: usize = 8;
/// i16 elements in one packed panel.
const PANEL_LEN: usize = DIM * W;
/// Rows per register tile.
const TILE_ROWS: usize = 4;

pub fn chain<'a>(a: &[i8], matrices: impl IntoIterator<Item = &'a [i8]>) -> Vec<i8> {
    let mut a: Vec<i16> = a.iter().map(|&v| i16::from(v)).collect();
    let mut packed = vec![0i16; MATRIX_LEN];
    let mut next = vec![0i16; MATRIX_LEN];
    for b in matrices {
        pack_pairs(b, &mut packed);
        product(&a, &packed, &mut next);
        std::mem::swap(&mut a, &mut next);
    }
    a.iter().map(|&v| v as i8).collect()
}

/// Repacks `b` (rows indexed [c][i]) into panels of `W` columns: row t of a panel is
/// the (2t, 2t+1) pairs of its columns, sign-extended to i16. Each step widens 8 inner
/// indices of 4 rows and transposes the resulting 4×4 block of 32-bit pairs; done
/// element by element the repack took about 6% of a product.
fn pack_pairs(b: &[i8], packed: &mut [i16]) {
    assert!(b.len() == MATRIX_LEN && packed.len() == MATRIX_LEN);
    for (quad, rows) in b.chunks_exact(4 * DIM).enumerate() {
        let panel = &mut packed[(quad / 2) * PANEL_LEN..][..PANEL_LEN];
        let half = (quad % 2) * 8;
        for q in 0..DIM / 8 {
            let pairs: [v128; 4] = std::array::from_fn(|j| {
                let src = &rows[j * DIM + 8 * q..][..8];
                // SAFETY: `src` holds the 8 bytes the load reads.
                unsafe { i16x8_load_extend_i8x8(src.as_ptr()) }
            });
            let low01 = i32x4_shuffle::<0, 4, 1, 5>(pairs[0], pairs[1]);
            let low23 = i32x4_shuffle::<0, 4, 1, 5>(pairs[2], pairs[3]);
            let high01 = i32x4_shuffle::<2, 6, 3, 7>(pairs[0], pairs[1]);
            let high23 = i32x4_shuffle::<2, 6, 3, 7>(pairs[2], pairs[3]);
            let steps = [
                i64x2_shuffle::<0, 2>(low01, low23),
                i64x2_shuffle::<1, 3>(low01, low23),
                i64x2_shuffle::<0, 2>(high01, high23),
                i64x2_shuffle::<1, 3>(high01, high23),
            ];
            for (k, step) in steps.into_iter().enumerate() {
                let dst = &mut panel[(4 * q + k) * 2 * W + half..][..8];
                // SAFETY: `dst` holds the 8 i16 the store writes.
                unsafe { v128_store(dst.as_mut_ptr().cast(), step) };
            }
        }
    }
}

fn product(a: &[i16], packed: &[i16], out: &mut [i16]) {
    assert!(a.len() == MATRIX_LEN && packed.len() == MATRIX_LEN && out.len() == MATRIX_LEN);
    for (panel_index, panel) in packed.chunks_exact(PANEL_LEN).enumerate() {
        for row in (0..DIM).step_by(TILE_ROWS) {
            tile(a, panel, out, row, panel_index * W);
        }
    }
}

/// 4 rows × 8 columns of the output, starting at (`row`, `col`).
#[inline]
fn tile(a: &[i16], panel: &[i16], out: &mut [i16], row: usize, col: usize) {
    assert!((row + TILE_ROWS) * DIM <= a.len() && panel.len() == PANEL_LEN && col + W <= DIM);
    let mut acc = [[i32x4_splat(0); 2]; TILE_ROWS];
    let a = a[row * DIM..].as_ptr();
    let b = panel.as_ptr();
    for t in 0..DIM / 2 {
        // SAFETY: t < 128 keeps both loads inside the panel (asserted above).
        let (b0, b1) = unsafe {
            let p = b.add(t * 2 * W);
            (v128_load(p.cast()), v128_load(p.add(8).cast()))
        };
        for (r, acc) in acc.iter_mut().enumerate() {
            // SAFETY: row r < 4 and 2t + 1 < 256 stay inside A (asserted above).
            let pair = unsafe { a.add(r * DIM + 2 * t).cast::<i32>().read_unaligned() };
            let pair = i32x4_splat(pair);
            acc[0] = i32x4_add(acc[0], i32x4_dot_i16x8(pair, b0));
            acc[1] = i32x4_add(acc[1], i32x4_dot_i16x8(pair, b1));
        }
    }
    for (r, acc) in acc.iter().enumerate() {
        let narrowed = i16x8_narrow_i32x4(reduce(acc[0]), reduce(acc[1]));
        let dst = &mut out[(row + r) * DIM + col..][..W];
        // SAFETY: `dst` holds exactly 8 i16.
        unsafe { v128_store(dst.as_mut_ptr().cast(), narrowed) };
    }
}

/// g on four i32 accumulators, sign-extended back to i32 so narrowing keeps them exact.
#[inline]
fn reduce(acc: v128) -> v128 {
    let byte = i32x4_splat(0xff);
    let low = v128_and(acc, byte);
    let high = v128_and(u32x4_shr(acc, 8), byte);
    let sum = i32x4_add(low, high);
    i32x4_shr(i32x4_shl(sum, 24), 24)
}
