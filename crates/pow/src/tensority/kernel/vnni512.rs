//! AVX-512 VNNI kernel: `vpdpbusd` multiplies 4 unsigned by 4 signed bytes and adds
//! them into an i32 lane, 64 multiply-adds per instruction with no widening step.
//!
//! Its first operand must be unsigned, so A is stored biased: `a + 128` as u8. Then
//! Σ (a + 128)·b = Σ a·b + 128·Σ b, and each accumulator starts at `-128 · Σ_i B[c][i]`
//! to cancel the bias. B is packed into panels of 32 columns whose 4-byte groups
//! (4q..4q+4) sit side by side, so two 512-bit loads feed 32 columns; an 8×32 tile
//! holds 16 accumulators in registers.

use std::arch::x86_64::*;

use super::super::cache::{DIM, MATRIX_LEN};

/// Output columns per packed panel.
const W: usize = 32;
/// Groups of four inner indices.
const QUADS: usize = DIM / 4;
/// Bytes in one packed panel.
const PANEL_LEN: usize = QUADS * 4 * W;
/// Rows per register tile.
const TILE_ROWS: usize = 8;
/// The bias that makes A unsigned.
const BIAS: u8 = 0x80;

pub fn is_supported() -> bool {
    is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512bw")
        && is_x86_feature_detected!("avx512vnni")
}

pub fn chain<'a>(a: &[i8], matrices: impl IntoIterator<Item = &'a [i8]>) -> Vec<i8> {
    assert!(
        is_supported(),
        "the AVX-512 VNNI kernel needs a CPU with AVX-512 VNNI"
    );
    let mut a: Vec<u8> = a.iter().map(|&v| v as u8 ^ BIAS).collect();
    let mut packed = vec![0i8; MATRIX_LEN];
    let mut correction = vec![0i32; DIM];
    let mut next = vec![0u8; MATRIX_LEN];
    for b in matrices {
        pack_quads(b, &mut packed, &mut correction);
        // SAFETY: AVX-512 F/BW/VNNI support was checked above.
        unsafe { product(&a, &packed, &correction, &mut next) };
        std::mem::swap(&mut a, &mut next);
    }
    a.iter().map(|&v| (v ^ BIAS) as i8).collect()
}

/// Packs B into quad panels and computes each column's bias correction.
fn pack_quads(b: &[i8], packed: &mut [i8], correction: &mut [i32]) {
    for (c, row) in b.chunks_exact(DIM).enumerate() {
        correction[c] = -128 * row.iter().map(|&v| i32::from(v)).sum::<i32>();
        let panel = &mut packed[(c / W) * PANEL_LEN..][..PANEL_LEN];
        let j = c % W;
        for (q, quad) in row.chunks_exact(4).enumerate() {
            panel[q * 4 * W + 4 * j..][..4].copy_from_slice(quad);
        }
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
fn product(a: &[u8], packed: &[i8], correction: &[i32], out: &mut [u8]) {
    assert!(a.len() == MATRIX_LEN && packed.len() == MATRIX_LEN && out.len() == MATRIX_LEN);
    assert_eq!(correction.len(), DIM);
    for (panel_index, panel) in packed.chunks_exact(PANEL_LEN).enumerate() {
        let col = panel_index * W;
        // SAFETY: col + 32 <= 256 entries of `correction`.
        let start = unsafe {
            let p = correction.as_ptr().add(col);
            [
                _mm512_loadu_si512(p.cast()),
                _mm512_loadu_si512(p.add(16).cast()),
            ]
        };
        for row in (0..DIM).step_by(TILE_ROWS) {
            tile(a, panel, start, out, row, col);
        }
    }
}

/// 8 rows × 32 columns of the output, starting at (`row`, `col`).
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
#[inline]
fn tile(a: &[u8], panel: &[i8], start: [__m512i; 2], out: &mut [u8], row: usize, col: usize) {
    assert!((row + TILE_ROWS) * DIM <= a.len() && panel.len() == PANEL_LEN && col + W <= DIM);
    let mut acc = [start; TILE_ROWS];
    let a = a[row * DIM..].as_ptr();
    let b = panel.as_ptr();
    for q in 0..QUADS {
        // SAFETY: q < 64 keeps both 64-byte loads inside the panel (asserted above).
        let (b0, b1) = unsafe {
            let p = b.add(q * 4 * W);
            (
                _mm512_loadu_si512(p.cast()),
                _mm512_loadu_si512(p.add(64).cast()),
            )
        };
        for (r, acc) in acc.iter_mut().enumerate() {
            // SAFETY: row r < 8 and 4q + 3 < 256 stay inside A (asserted above).
            let quad = unsafe { a.add(r * DIM + 4 * q).cast::<i32>().read_unaligned() };
            let quad = _mm512_set1_epi32(quad);
            acc[0] = _mm512_dpbusd_epi32(acc[0], quad, b0);
            acc[1] = _mm512_dpbusd_epi32(acc[1], quad, b1);
        }
    }
    for (r, acc) in acc.iter().enumerate() {
        for (half, &acc) in acc.iter().enumerate() {
            let bytes = _mm512_cvtepi32_epi8(reduce_biased(acc));
            let dst = &mut out[(row + r) * DIM + col + 16 * half..][..16];
            // SAFETY: `dst` holds exactly 16 bytes.
            unsafe { _mm_storeu_si128(dst.as_mut_ptr().cast(), bytes) };
        }
    }
}

/// g on sixteen accumulators, plus the bias for the next product; the caller keeps
/// the low byte of each lane.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
#[inline]
fn reduce_biased(acc: __m512i) -> __m512i {
    let byte = _mm512_set1_epi32(0xff);
    let low = _mm512_and_si512(acc, byte);
    let high = _mm512_and_si512(_mm512_srli_epi32::<8>(acc), byte);
    _mm512_xor_si512(
        _mm512_add_epi32(low, high),
        _mm512_set1_epi32(i32::from(BIAS)),
    )
}
