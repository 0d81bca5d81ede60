//! AVX2 kernel. A is kept as i16 rows; B is repacked into panels of 16 columns where
//! each 256-bit load holds the (2t, 2t+1) pairs of 8 columns. Broadcasting A's pair
//! (2t, 2t+1) and `vpmaddwd`-ing it against two such loads updates 16 outputs: a
//! 6×16 register tile (12 accumulators) walks the 128 pair steps with the 8 KiB panel
//! hot in L1, so both operands stream contiguously and no horizontal sums are needed.

use std::arch::x86_64::*;

use super::super::cache::{DIM, MATRIX_LEN};
use super::pack_pairs;

/// Output columns per packed panel.
const W: usize = 16;
/// i16 elements in one packed panel.
const PANEL_LEN: usize = DIM * W;
/// Rows per register tile; 256 = 42 × 6 + 4.
const TILE_ROWS: usize = 6;

pub fn is_supported() -> bool {
    is_x86_feature_detected!("avx2")
}

pub fn chain<'a>(a: &[i8], matrices: impl IntoIterator<Item = &'a [i8]>) -> Vec<i8> {
    assert!(is_supported(), "the AVX2 kernel needs a CPU with AVX2");
    let mut a: Vec<i16> = a.iter().map(|&v| i16::from(v)).collect();
    let mut packed = vec![0i16; MATRIX_LEN];
    let mut next = vec![0i16; MATRIX_LEN];
    for b in matrices {
        pack_pairs::<W>(b, &mut packed);
        // SAFETY: AVX2 support was checked above.
        unsafe { product(&a, &packed, &mut next) };
        std::mem::swap(&mut a, &mut next);
    }
    a.iter().map(|&v| v as i8).collect()
}

#[target_feature(enable = "avx2")]
fn product(a: &[i16], packed: &[i16], out: &mut [i16]) {
    assert!(a.len() == MATRIX_LEN && packed.len() == MATRIX_LEN && out.len() == MATRIX_LEN);
    for (panel_index, panel) in packed.chunks_exact(PANEL_LEN).enumerate() {
        let col = panel_index * W;
        let mut row = 0;
        while row + TILE_ROWS <= DIM {
            tile::<TILE_ROWS>(a, panel, out, row, col);
            row += TILE_ROWS;
        }
        tile::<{ DIM % TILE_ROWS }>(a, panel, out, row, col);
    }
}

/// `ROWS` rows × 16 columns of the output, starting at (`row`, `col`).
#[target_feature(enable = "avx2")]
#[inline]
fn tile<const ROWS: usize>(a: &[i16], panel: &[i16], out: &mut [i16], row: usize, col: usize) {
    assert!((row + ROWS) * DIM <= a.len() && panel.len() == PANEL_LEN && col + W <= DIM);
    let mut acc = [[_mm256_setzero_si256(); 2]; ROWS];
    let a = a[row * DIM..].as_ptr();
    let b = panel.as_ptr();
    for t in 0..DIM / 2 {
        // SAFETY: t < 128, so the loads stay inside the panel (asserted above).
        let (b0, b1) = unsafe {
            let p = b.add(t * 2 * W);
            (
                _mm256_loadu_si256(p.cast()),
                _mm256_loadu_si256(p.add(16).cast()),
            )
        };
        for (r, acc) in acc.iter_mut().enumerate() {
            // SAFETY: row r < ROWS and 2t + 1 < 256 stay inside A (asserted above).
            let pair = unsafe { a.add(r * DIM + 2 * t).cast::<i32>().read_unaligned() };
            let pair = _mm256_set1_epi32(pair);
            acc[0] = _mm256_add_epi32(acc[0], _mm256_madd_epi16(pair, b0));
            acc[1] = _mm256_add_epi32(acc[1], _mm256_madd_epi16(pair, b1));
        }
    }
    for (r, acc) in acc.iter().enumerate() {
        let packed = _mm256_packs_epi32(reduce(acc[0]), reduce(acc[1]));
        let ordered = _mm256_permute4x64_epi64::<0b11_01_10_00>(packed);
        let dst = &mut out[(row + r) * DIM + col..][..W];
        // SAFETY: `dst` holds exactly 16 i16.
        unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast(), ordered) };
    }
}

/// g on eight i32 accumulators, sign-extended back to i32 so `packs` keeps them exact.
#[target_feature(enable = "avx2")]
#[inline]
fn reduce(acc: __m256i) -> __m256i {
    let byte = _mm256_set1_epi32(0xff);
    let low = _mm256_and_si256(acc, byte);
    let high = _mm256_and_si256(_mm256_srli_epi32::<8>(acc), byte);
    let sum = _mm256_add_epi32(low, high);
    _mm256_srai_epi32::<24>(_mm256_slli_epi32::<24>(sum))
}
