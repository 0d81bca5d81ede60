//! Several SHA-256d tries at once, one nonce per 32-bit lane.
//!
//! The kernel in [`super::kernel`] is written once over the [`Lanes`] trait.
//! [`Portable`] implements it with plain `[u32; 4]` arithmetic, which lets native tests
//! check the exact lane logic that [`Simd128`] runs in the browser on `v128` registers;
//! [`Sse`] is the same width natively on x86-64, the yardstick for the browser's
//! figure; [`Pair`] runs two sets side by side so the CPU has independent work to
//! overlap.
//!
//! Every operation is `#[inline(always)]`: WebAssembly shifts by a constant count are
//! single instructions, and the kernel's loop-invariant work can only be hoisted out
//! of the scanning loop once nothing in it is left as a call.

/// A fixed number of u32 lanes and the operations SHA-256 needs.
pub trait Lanes: Copy {
    /// Nonces tried per kernel call.
    const WIDTH: usize;

    fn splat(value: u32) -> Self;
    /// Lane `i` holds `lane(i)`.
    fn from_fn(lane: impl FnMut(usize) -> u32) -> Self;
    /// The value of lane `i`.
    fn lane(self, i: usize) -> u32;
    fn add(self, other: Self) -> Self;
    fn xor(self, other: Self) -> Self;
    fn and(self, other: Self) -> Self;
    fn or(self, other: Self) -> Self;
    fn shl(self, bits: u32) -> Self;
    fn shr(self, bits: u32) -> Self;
    /// Each lane's bytes reversed.
    fn swap_bytes(self) -> Self;
    /// Whether any lane is at most `bound` (unsigned).
    fn any_at_most(self, bound: u32) -> bool;

    /// WebAssembly has no vector rotate: two shifts and an or.
    #[inline(always)]
    fn rotr(self, bits: u32) -> Self {
        self.shr(bits).or(self.shl(32 - bits))
    }
}

/// Plain-Rust lanes: the reference for the SIMD version and the fallback elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Portable([u32; 4]);

impl Portable {
    #[inline(always)]
    fn zip(self, other: Self, op: impl Fn(u32, u32) -> u32) -> Self {
        Self(std::array::from_fn(|i| op(self.0[i], other.0[i])))
    }
}

impl Lanes for Portable {
    const WIDTH: usize = 4;

    #[inline(always)]
    fn splat(value: u32) -> Self {
        Self([value; 4])
    }
    #[inline(always)]
    fn from_fn(lane: impl FnMut(usize) -> u32) -> Self {
        Self(std::array::from_fn(lane))
    }
    #[inline(always)]
    fn lane(self, i: usize) -> u32 {
        self.0[i]
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        self.zip(other, u32::wrapping_add)
    }
    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        self.zip(other, |a, b| a ^ b)
    }
    #[inline(always)]
    fn and(self, other: Self) -> Self {
        self.zip(other, |a, b| a & b)
    }
    #[inline(always)]
    fn or(self, other: Self) -> Self {
        self.zip(other, |a, b| a | b)
    }
    #[inline(always)]
    fn shl(self, bits: u32) -> Self {
        Self(self.0.map(|v| v << bits))
    }
    #[inline(always)]
    fn shr(self, bits: u32) -> Self {
        Self(self.0.map(|v| v >> bits))
    }
    #[inline(always)]
    fn swap_bytes(self) -> Self {
        Self(self.0.map(u32::swap_bytes))
    }
    #[inline(always)]
    fn any_at_most(self, bound: u32) -> bool {
        self.0.iter().any(|&v| v <= bound)
    }
}

/// WebAssembly SIMD128 lanes: one `v128` holds four nonces' words.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[derive(Clone, Copy, Debug)]
pub struct Simd128(core::arch::wasm32::v128);

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
impl Lanes for Simd128 {
    const WIDTH: usize = 4;

    #[inline(always)]
    fn splat(value: u32) -> Self {
        Self(core::arch::wasm32::u32x4_splat(value))
    }
    #[inline(always)]
    fn from_fn(mut lane: impl FnMut(usize) -> u32) -> Self {
        Self(core::arch::wasm32::u32x4(
            lane(0),
            lane(1),
            lane(2),
            lane(3),
        ))
    }
    #[inline(always)]
    fn lane(self, i: usize) -> u32 {
        use core::arch::wasm32::u32x4_extract_lane as extract;
        match i {
            0 => extract::<0>(self.0),
            1 => extract::<1>(self.0),
            2 => extract::<2>(self.0),
            _ => extract::<3>(self.0),
        }
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        Self(core::arch::wasm32::i32x4_add(self.0, other.0))
    }
    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        Self(core::arch::wasm32::v128_xor(self.0, other.0))
    }
    #[inline(always)]
    fn and(self, other: Self) -> Self {
        Self(core::arch::wasm32::v128_and(self.0, other.0))
    }
    #[inline(always)]
    fn or(self, other: Self) -> Self {
        Self(core::arch::wasm32::v128_or(self.0, other.0))
    }
    #[inline(always)]
    fn shl(self, bits: u32) -> Self {
        Self(core::arch::wasm32::u32x4_shl(self.0, bits))
    }
    #[inline(always)]
    fn shr(self, bits: u32) -> Self {
        Self(core::arch::wasm32::u32x4_shr(self.0, bits))
    }
    #[inline(always)]
    #[rustfmt::skip]
    fn swap_bytes(self) -> Self {
        Self(core::arch::wasm32::i8x16_shuffle::<
            3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12,
        >(self.0, self.0))
    }
    #[inline(always)]
    fn any_at_most(self, bound: u32) -> bool {
        use core::arch::wasm32::{u32x4_le, u32x4_splat, v128_any_true};
        v128_any_true(u32x4_le(self.0, u32x4_splat(bound)))
    }
}

/// x86-64 SSE2 lanes: the same 128-bit width and the same missing rotate as SIMD128,
/// so natively compiled they show how fast the kernel can run on this CPU at the
/// width a browser gets (`cargo xtask bench` puts the two figures side by side).
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, Debug)]
pub struct Sse(core::arch::x86_64::__m128i);

#[cfg(target_arch = "x86_64")]
// SAFETY: every intrinsic here is SSE2, which every x86-64 CPU has.
impl Lanes for Sse {
    const WIDTH: usize = 4;

    #[inline(always)]
    fn splat(value: u32) -> Self {
        Self(unsafe { core::arch::x86_64::_mm_set1_epi32(value as i32) })
    }
    #[inline(always)]
    fn from_fn(mut lane: impl FnMut(usize) -> u32) -> Self {
        let [a, b, c, d] = [lane(0), lane(1), lane(2), lane(3)].map(|v| v as i32);
        Self(unsafe { core::arch::x86_64::_mm_setr_epi32(a, b, c, d) })
    }
    #[inline(always)]
    fn lane(self, i: usize) -> u32 {
        // SAFETY: a __m128i is 16 bytes of plain data, like [u32; 4].
        let lanes: [u32; 4] = unsafe { core::mem::transmute(self.0) };
        lanes[i]
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        Self(unsafe { core::arch::x86_64::_mm_add_epi32(self.0, other.0) })
    }
    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        Self(unsafe { core::arch::x86_64::_mm_xor_si128(self.0, other.0) })
    }
    #[inline(always)]
    fn and(self, other: Self) -> Self {
        Self(unsafe { core::arch::x86_64::_mm_and_si128(self.0, other.0) })
    }
    #[inline(always)]
    fn or(self, other: Self) -> Self {
        Self(unsafe { core::arch::x86_64::_mm_or_si128(self.0, other.0) })
    }
    #[inline(always)]
    fn shl(self, bits: u32) -> Self {
        use core::arch::x86_64::{_mm_cvtsi32_si128, _mm_sll_epi32};
        Self(unsafe { _mm_sll_epi32(self.0, _mm_cvtsi32_si128(bits as i32)) })
    }
    #[inline(always)]
    fn shr(self, bits: u32) -> Self {
        use core::arch::x86_64::{_mm_cvtsi32_si128, _mm_srl_epi32};
        Self(unsafe { _mm_srl_epi32(self.0, _mm_cvtsi32_si128(bits as i32)) })
    }
    /// SSE2 has no byte shuffle: shifts and masks, once per group of nonces.
    #[inline(always)]
    fn swap_bytes(self) -> Self {
        let outer = self.shl(24).or(self.shr(24));
        let second = self.shl(8).and(Self::splat(0x00ff_0000));
        let third = self.shr(8).and(Self::splat(0x0000_ff00));
        outer.or(second).or(third)
    }
    #[inline(always)]
    fn any_at_most(self, bound: u32) -> bool {
        (0..Self::WIDTH).any(|i| self.lane(i) <= bound)
    }
}

/// Two sets of lanes: lanes `0..L::WIDTH` in the first, the rest in the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair<L>(L, L);

impl<L: Lanes> Lanes for Pair<L> {
    const WIDTH: usize = 2 * L::WIDTH;

    #[inline(always)]
    fn splat(value: u32) -> Self {
        Self(L::splat(value), L::splat(value))
    }
    #[inline(always)]
    fn from_fn(mut lane: impl FnMut(usize) -> u32) -> Self {
        let low = L::from_fn(&mut lane);
        Self(low, L::from_fn(|i| lane(L::WIDTH + i)))
    }
    #[inline(always)]
    fn lane(self, i: usize) -> u32 {
        if i < L::WIDTH {
            self.0.lane(i)
        } else {
            self.1.lane(i - L::WIDTH)
        }
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        Self(self.0.add(other.0), self.1.add(other.1))
    }
    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        Self(self.0.xor(other.0), self.1.xor(other.1))
    }
    #[inline(always)]
    fn and(self, other: Self) -> Self {
        Self(self.0.and(other.0), self.1.and(other.1))
    }
    #[inline(always)]
    fn or(self, other: Self) -> Self {
        Self(self.0.or(other.0), self.1.or(other.1))
    }
    #[inline(always)]
    fn shl(self, bits: u32) -> Self {
        Self(self.0.shl(bits), self.1.shl(bits))
    }
    #[inline(always)]
    fn shr(self, bits: u32) -> Self {
        Self(self.0.shr(bits), self.1.shr(bits))
    }
    #[inline(always)]
    fn swap_bytes(self) -> Self {
        Self(self.0.swap_bytes(), self.1.swap_bytes())
    }
    #[inline(always)]
    fn any_at_most(self, bound: u32) -> bool {
        self.0.any_at_most(bound) | self.1.any_at_most(bound)
    }
}

/// The lanes type the current build compiles best: two SIMD128 sets measured faster
/// than one in V8, as the CPU overlaps their independent rounds.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub type Best = Pair<Simd128>;
/// The lanes type the current build compiles best.
#[cfg(target_arch = "x86_64")]
pub type Best = Pair<Sse>;
/// The lanes type the current build compiles best.
#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
pub type Best = Portable;
