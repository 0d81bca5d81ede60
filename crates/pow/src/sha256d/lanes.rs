//! Four SHA-256d tries at once, one nonce per 32-bit lane.
//!
//! The compression is written once over the [`Lanes`] trait. [`Portable`] implements
//! it with plain `[u32; 4]` arithmetic, which lets native tests check the exact lane
//! logic that [`Simd128`] runs in the browser on `v128` registers.

use super::{IV, Midstate, digest_bytes};

/// Four u32 lanes and the operations SHA-256 needs.
pub trait Lanes: Copy {
    fn splat(value: u32) -> Self;
    fn from_array(values: [u32; 4]) -> Self;
    fn to_array(self) -> [u32; 4];
    fn add(self, other: Self) -> Self;
    fn xor(self, other: Self) -> Self;
    fn and(self, other: Self) -> Self;
    /// `!self & other`.
    fn andnot(self, other: Self) -> Self;
    fn rotr(self, bits: u32) -> Self;
    fn shr(self, bits: u32) -> Self;
}

/// Plain-Rust lanes: the reference for the SIMD version and the fallback elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Portable([u32; 4]);

impl Lanes for Portable {
    fn splat(value: u32) -> Self {
        Self([value; 4])
    }
    fn from_array(values: [u32; 4]) -> Self {
        Self(values)
    }
    fn to_array(self) -> [u32; 4] {
        self.0
    }
    fn add(self, other: Self) -> Self {
        Self(std::array::from_fn(|i| self.0[i].wrapping_add(other.0[i])))
    }
    fn xor(self, other: Self) -> Self {
        Self(std::array::from_fn(|i| self.0[i] ^ other.0[i]))
    }
    fn and(self, other: Self) -> Self {
        Self(std::array::from_fn(|i| self.0[i] & other.0[i]))
    }
    fn andnot(self, other: Self) -> Self {
        Self(std::array::from_fn(|i| !self.0[i] & other.0[i]))
    }
    fn rotr(self, bits: u32) -> Self {
        Self(self.0.map(|v| v.rotate_right(bits)))
    }
    fn shr(self, bits: u32) -> Self {
        Self(self.0.map(|v| v >> bits))
    }
}

/// WebAssembly SIMD128 lanes: one `v128` holds the four nonces' words.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[derive(Clone, Copy, Debug)]
pub struct Simd128(core::arch::wasm32::v128);

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
impl Lanes for Simd128 {
    fn splat(value: u32) -> Self {
        Self(core::arch::wasm32::u32x4_splat(value))
    }
    fn from_array(v: [u32; 4]) -> Self {
        Self(core::arch::wasm32::u32x4(v[0], v[1], v[2], v[3]))
    }
    fn to_array(self) -> [u32; 4] {
        use core::arch::wasm32::u32x4_extract_lane as lane;
        [
            lane::<0>(self.0),
            lane::<1>(self.0),
            lane::<2>(self.0),
            lane::<3>(self.0),
        ]
    }
    fn add(self, other: Self) -> Self {
        Self(core::arch::wasm32::i32x4_add(self.0, other.0))
    }
    fn xor(self, other: Self) -> Self {
        Self(core::arch::wasm32::v128_xor(self.0, other.0))
    }
    fn and(self, other: Self) -> Self {
        Self(core::arch::wasm32::v128_and(self.0, other.0))
    }
    fn andnot(self, other: Self) -> Self {
        Self(core::arch::wasm32::v128_andnot(other.0, self.0))
    }
    fn rotr(self, bits: u32) -> Self {
        use core::arch::wasm32::{u32x4_shl, u32x4_shr, v128_or};
        Self(v128_or(
            u32x4_shr(self.0, bits),
            u32x4_shl(self.0, 32 - bits),
        ))
    }
    fn shr(self, bits: u32) -> Self {
        Self(core::arch::wasm32::u32x4_shr(self.0, bits))
    }
}

/// The lanes type the current build compiles best.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub type Best = Simd128;
/// The lanes type the current build compiles best.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub type Best = Portable;

/// SHA-256d of the header behind `midstate` with each of the four `nonces`.
pub fn hash4<L: Lanes>(midstate: &Midstate, nonces: [u32; 4]) -> [[u8; 32]; 4] {
    let tail = midstate.tail_words();
    let zero = L::splat(0);
    let mut block = [zero; 16];
    for (dst, word) in block.iter_mut().zip(tail) {
        *dst = L::splat(word);
    }
    // The nonce's little-endian bytes read as SHA-256's big-endian word.
    block[3] = L::from_array(nonces.map(u32::swap_bytes));
    block[4] = L::splat(0x8000_0000);
    block[15] = L::splat(640);
    let first = compress(midstate.state().map(L::splat), &block);

    let mut block = [zero; 16];
    block[..8].copy_from_slice(&first);
    block[8] = L::splat(0x8000_0000);
    block[15] = L::splat(256);
    let second = compress(IV.map(L::splat), &block);

    let words = second.map(L::to_array);
    std::array::from_fn(|lane| digest_bytes(&words.map(|w| w[lane])))
}

#[rustfmt::skip]
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// One SHA-256 compression (FIPS 180-4 §6.2.2) on four independent states.
fn compress<L: Lanes>(state: [L; 8], block: &[L; 16]) -> [L; 8] {
    let mut w = [L::splat(0); 64];
    w[..16].copy_from_slice(block);
    for t in 16..64 {
        let s0 = w[t - 15]
            .rotr(7)
            .xor(w[t - 15].rotr(18))
            .xor(w[t - 15].shr(3));
        let s1 = w[t - 2]
            .rotr(17)
            .xor(w[t - 2].rotr(19))
            .xor(w[t - 2].shr(10));
        w[t] = w[t - 16].add(s0).add(w[t - 7]).add(s1);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = state;
    for (t, &k) in K.iter().enumerate() {
        let s1 = e.rotr(6).xor(e.rotr(11)).xor(e.rotr(25));
        let choose = e.and(f).xor(e.andnot(g));
        let t1 = h.add(s1).add(choose).add(L::splat(k)).add(w[t]);
        let s0 = a.rotr(2).xor(a.rotr(13)).xor(a.rotr(22));
        let majority = a.and(b).xor(a.and(c)).xor(b.and(c));
        let t2 = s0.add(majority);
        (h, g, f, e, d, c, b, a) = (g, f, e, d.add(t1), c, b, a, t1.add(t2));
    }
    let out = [a, b, c, d, e, f, g, h];
    std::array::from_fn(|i| state[i].add(out[i]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sha256d::reference;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn portable_lanes_match_the_reference(prefix: [u8; 32], rest: [u8; 48], nonces: [u32; 4]) {
            let mut header = [0u8; 80];
            header[..32].copy_from_slice(&prefix);
            header[32..].copy_from_slice(&rest);
            let midstate = Midstate::new(&header);
            let hashes = hash4::<Portable>(&midstate, nonces);
            for (nonce, hash) in nonces.iter().zip(hashes) {
                header[76..].copy_from_slice(&nonce.to_le_bytes());
                prop_assert_eq!(hash, reference(&header));
            }
        }
    }
}
