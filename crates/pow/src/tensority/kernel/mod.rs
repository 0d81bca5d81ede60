//! Fast Tensority kernels. Each one runs a whole lane (64 chained `g(A · Bᵀ)`
//! products) in its own matrix layout and hands back the lane as plain int8, so the
//! cheap per-hash finish is shared and every kernel can be checked against the
//! scalar reference lane by lane.

mod portable;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod vnni512;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128;

use super::cache::{Cache, DIM, MATRIX_LEN};
use super::finish::{combine, index_sequence, reduce};

/// A way to compute the matrix products. `Kernel::best()` picks the fastest one this
/// CPU supports; the others stay selectable for tests and benchmarks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Plain Rust with 16-bit wrapping accumulation; runs everywhere.
    Portable,
    /// x86-64 AVX2: `vpmaddwd` on sign-extended pairs, 16 multiply-adds per instruction.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// x86-64 AVX-512 VNNI: `vpdpbusd` on biased bytes, 64 multiply-adds per instruction.
    #[cfg(target_arch = "x86_64")]
    Avx512Vnni,
    /// WebAssembly SIMD128: `i32x4.dot_i16x8_s`, 8 multiply-adds per instruction.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    Simd128,
}

impl Kernel {
    /// The fastest kernel available on this CPU (checked at run time on x86-64).
    pub fn best() -> Self {
        Self::available().pop().unwrap_or(Self::Portable)
    }

    /// Every kernel this CPU can run, slowest first as measured. In Chromium 156 (V8 on
    /// x86-64) a hash takes about 115 ms of CPU with SIMD128 against 155 ms with the
    /// compiler's vectorization of the portable kernel; node 20's older V8 ranked them
    /// the other way round, so measure in the browser the lab runs in.
    pub fn available() -> Vec<Self> {
        let candidates: [(Self, bool); _] = [
            (Self::Portable, true),
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            (Self::Simd128, true),
            #[cfg(target_arch = "x86_64")]
            (Self::Avx2, avx2::is_supported()),
            #[cfg(target_arch = "x86_64")]
            (Self::Avx512Vnni, vnni512::is_supported()),
        ];
        candidates
            .into_iter()
            .filter_map(|(kernel, ok)| ok.then_some(kernel))
            .collect()
    }

    /// Short lowercase name for logs and benchmark labels.
    pub fn name(self) -> &'static str {
        match self {
            Self::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => "avx2",
            #[cfg(target_arch = "x86_64")]
            Self::Avx512Vnni => "avx512-vnni",
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Self::Simd128 => "simd128",
        }
    }

    /// Tensority(H, S) for the seed `cache` was built from, lanes one after another.
    pub fn hash(self, header_hash: &[u8; 32], cache: &Cache) -> [u8; 32] {
        let lanes = std::array::from_fn(|k| self.lane(cache, &index_sequence(header_hash, k)));
        combine(&lanes)
    }

    /// Tensority(H, S) with the four lanes on four rayon tasks: lowest latency for one
    /// hash. Mining prefers one hash per thread (see `TensorityEngine`).
    #[cfg(feature = "threads")]
    pub fn hash_parallel(self, header_hash: &[u8; 32], cache: &Cache) -> [u8; 32] {
        use rayon::prelude::*;
        let lanes: Vec<Vec<i8>> = (0..super::finish::LANES)
            .into_par_iter()
            .map(|k| self.lane(cache, &index_sequence(header_hash, k)))
            .collect();
        combine(&lanes.try_into().expect("four lanes"))
    }

    /// One lane: 64 chained products from the identity, walking `indices` twice. The
    /// first product is `g(I · Bᵀ) = g(Bᵀ)`, taken without multiplying.
    pub fn lane(self, cache: &Cache, indices: &[u8; 32]) -> Vec<i8> {
        let first = first_product(cache.matrix(indices[0]));
        let rest = || {
            indices[1..]
                .iter()
                .chain(indices)
                .map(|&index| cache.matrix(index))
        };
        match self {
            Self::Portable => portable::chain(&first, rest()),
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => avx2::chain(&first, rest()),
            #[cfg(target_arch = "x86_64")]
            Self::Avx512Vnni => vnni512::chain(&first, rest()),
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Self::Simd128 => simd128::chain(&first, rest()),
        }
    }

    /// A single `g(A · Bᵀ)` on arbitrary int8 matrices, for checking a kernel against
    /// the reference on random inputs far faster than whole hashes allow.
    pub fn product(self, a: &[i8], b: &[i8]) -> Vec<i8> {
        assert_eq!(
            (a.len(), b.len()),
            (MATRIX_LEN, MATRIX_LEN),
            "256×256 matrices"
        );
        match self {
            Self::Portable => portable::chain(a, [b]),
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => avx2::chain(a, [b]),
            #[cfg(target_arch = "x86_64")]
            Self::Avx512Vnni => vnni512::chain(a, [b]),
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Self::Simd128 => simd128::chain(a, [b]),
        }
    }
}

/// `g(I · Bᵀ)`: B transposed with g applied to each entry. Skipping the multiply by
/// the identity saves one product in 64; g is not the identity on negative entries,
/// so it still applies.
fn first_product(b: &[i8]) -> Vec<i8> {
    let mut out = vec![0i8; MATRIX_LEN];
    for (c, row) in b.chunks_exact(DIM).enumerate() {
        for (i, &v) in row.iter().enumerate() {
            out[i * DIM + c] = reduce(i32::from(v));
        }
    }
    out
}

/// Repacks `b` (rows indexed [c][i]) for the AVX2 pair-dot kernel: panels of `W` output
/// columns; inside a panel, for each pair of inner indices (2t, 2t+1), the `W`
/// columns' pairs side by side, sign-extended to i16. One vector load then feeds
/// `W / 2` (AVX2: 8) column accumulators with the same broadcast pair of A.
#[cfg(target_arch = "x86_64")]
fn pack_pairs<const W: usize>(b: &[i8], packed: &mut [i16]) {
    let panel_len = DIM * W;
    for (c, row) in b.chunks_exact(DIM).enumerate() {
        let panel = &mut packed[(c / W) * panel_len..][..panel_len];
        let j = c % W;
        for (t, pair) in row.chunks_exact(2).enumerate() {
            panel[t * 2 * W + 2 * j] = i16::from(pair[0]);
            panel[t * 2 * W + 2 * j + 1] = i16::from(pair[1]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensority::reference;

    #[test]
    fn first_product_equals_multiplying_by_the_identity() {
        let b: Vec<i8> = (0..MATRIX_LEN)
            .map(|i| (i * 7 + i / 251) as u8 as i8)
            .collect();
        assert_eq!(
            first_product(&b),
            reference::product(&reference::identity(), &b)
        );
    }
}
