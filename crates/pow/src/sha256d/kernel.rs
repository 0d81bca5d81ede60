//! SHA-256d of one header for a group of nonces at once, shaped for mining.
//!
//! A miner's input is mostly fixed: the second header block holds three words that are
//! the same for every nonce, the nonce, then padding, and the second hash's input ends
//! in fixed padding too. So the kernel runs rounds 0..3 of the first compression once
//! per batch, computes schedule words 16..32 unrolled so that the padding and zero
//! words fold away as constants, and leaves the rest to loops of eight unrolled rounds:
//! small enough for the CPU's decoded-instruction cache, which a fully unrolled
//! SHA-256d overflows (it measured slower). The scan only needs the hash's top 32 bits
//! to reject a nonce; they are the last state word, fixed after round 60 of the second
//! compression, so rounds 61..64 are skipped. The few groups that pass this quick check
//! are confirmed on full hashes by the scalar path.

use std::ops::Range;

use super::lanes::Lanes;
use super::{IV, Midstate, digest_bytes};
use crate::scan::{Nonces, Solution};
use crate::target::HashTarget;

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

/// The padding word after a message: a single 1 bit.
const PAD: u32 = 0x8000_0000;

/// Runs `$body` once per listed index with `$t` bound to it, so that every array index
/// in the body is a constant: the compiler then keeps the words in registers instead
/// of a stack array, and a loop it might not unroll cannot hide the constant words.
macro_rules! unroll {
    ($t:ident in [$($n:literal)*] $body:block) => {
        $({
            let $t: usize = $n;
            $body
        })*
    };
}

#[inline(always)]
fn big_sigma0<L: Lanes>(x: L) -> L {
    x.rotr(2).xor(x.rotr(13)).xor(x.rotr(22))
}

#[inline(always)]
fn big_sigma1<L: Lanes>(x: L) -> L {
    x.rotr(6).xor(x.rotr(11)).xor(x.rotr(25))
}

#[inline(always)]
fn small_sigma0<L: Lanes>(x: L) -> L {
    x.rotr(7).xor(x.rotr(18)).xor(x.shr(3))
}

#[inline(always)]
fn small_sigma1<L: Lanes>(x: L) -> L {
    x.rotr(17).xor(x.rotr(19)).xor(x.shr(10))
}

/// `(e & f) ^ (!e & g)` in three operations.
#[inline(always)]
fn choose<L: Lanes>(e: L, f: L, g: L) -> L {
    g.xor(e.and(f.xor(g)))
}

/// A compression's working state. The eight words stay in place and their roles
/// rotate instead: word `j` (a = 0 .. h = 7) of round `t` sits at index
/// `(j - t) mod 8`, so a round writes only d and h, and eight rounds bring every word
/// back to its place.
#[derive(Clone, Copy)]
struct State<L> {
    words: [L; 8],
    /// b ^ c: the majority function takes it from the round before, where it was a ^ b.
    b_xor_c: L,
}

impl<L: Lanes> State<L> {
    #[inline(always)]
    fn new(words: [L; 8]) -> Self {
        Self {
            words,
            b_xor_c: words[1].xor(words[2]),
        }
    }

    #[inline(always)]
    fn round(&mut self, t: usize, k: L, w: L) {
        let at = |j: usize| (j + 8 - t % 8) % 8;
        let s = &mut self.words;
        let (a, b, e, f, g) = (s[at(0)], s[at(1)], s[at(4)], s[at(5)], s[at(6)]);
        // h, k, w and choose first: only Σ1(e) is then left on the path from e to e.
        let t1 = s[at(7)]
            .add(k.add(w))
            .add(choose(e, f, g))
            .add(big_sigma1(e));
        // Majority is b where a and b agree, else c: with b ^ c kept from the round
        // before, only a ^ b is new (and becomes the next round's b ^ c).
        let a_xor_b = a.xor(b);
        let majority = b.xor(a_xor_b.and(self.b_xor_c));
        self.b_xor_c = a_xor_b;
        s[at(3)] = s[at(3)].add(t1);
        s[at(7)] = t1.add(big_sigma0(a)).add(majority);
    }

    /// Rounds `8 * chunk` for each chunk in `chunks`, eight at a time and unrolled: the
    /// loop stays small enough for the CPU's decoded-instruction cache, which a fully
    /// unrolled SHA-256d overflows.
    #[inline(always)]
    fn rounds(&mut self, k: &[L; 64], w: &[L; 64], chunks: Range<usize>) {
        let (k, _) = k.as_chunks::<8>();
        let (w, _) = w.as_chunks::<8>();
        for (k, w) in k[chunks.clone()].iter().zip(&w[chunks]) {
            unroll!(i in [0 1 2 3 4 5 6 7] {
                self.round(i, k[i], w[i]);
            });
        }
    }

    /// The compression's output: the words added to the state it started from.
    #[inline(always)]
    fn finish(&self, start: &[L; 8]) -> [L; 8] {
        std::array::from_fn(|i| start[i].add(self.words[i]))
    }
}

/// Message schedule words `from..to`, in a loop.
#[inline(always)]
fn expand<L: Lanes>(w: &mut [L; 64], from: usize, to: usize) {
    for t in from..to {
        w[t] = small_sigma1(w[t - 2])
            .add(w[t - 7])
            .add(small_sigma0(w[t - 15]))
            .add(w[t - 16]);
    }
}

/// Schedule words 16..32 computed unrolled from `block` and stored in `w`: there the
/// padding and zero words of a header's second block and of the second hash's input
/// are still visible as constants, and every term they make folds away. Each word is
/// stored on its own: a copy of the whole array would compile to a bulk memory
/// operation, which V8 runs as a call out of the generated code.
#[inline(always)]
fn expand_head<L: Lanes>(block: [L; 16], w: &mut [L; 64]) {
    let mut v = [L::splat(0); 32];
    unroll!(t in [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15] {
        v[t] = block[t];
    });
    unroll!(t in [16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31] {
        v[t] = small_sigma1(v[t - 2])
            .add(v[t - 7])
            .add(small_sigma0(v[t - 15]))
            .add(v[t - 16]);
        w[t] = v[t];
    });
}

/// What every group of a batch shares, in lanes, and room for each group's schedule.
struct Batch<L> {
    midstate: [L; 8],
    /// Words 0..3 of the second header block: merkle root tail, time and bits.
    tail: [L; 3],
    /// The first compression after rounds 0..3, which see only the fixed words.
    after_round_2: State<L>,
    k: [L; 64],
    /// Schedules of the group in flight, for the rolled loops. Their constant words
    /// are written once per batch, the others by each group.
    first: [L; 64],
    second: [L; 64],
}

impl<L: Lanes> Batch<L> {
    #[inline(always)]
    fn new(midstate: &Midstate) -> Self {
        let k = K.map(L::splat);
        let tail = midstate.tail_words().map(L::splat);
        let midstate = midstate.state().map(L::splat);
        let mut after_round_2 = State::new(midstate);
        for t in 0..3 {
            after_round_2.round(t, k[t], tail[t]);
        }
        let zero = L::splat(0);
        let mut first = [zero; 64];
        first[..3].copy_from_slice(&tail);
        first[4] = L::splat(PAD);
        first[15] = L::splat(640);
        let mut second = [zero; 64];
        second[8] = L::splat(PAD);
        second[15] = L::splat(256);
        Self {
            midstate,
            tail,
            after_round_2,
            k,
            first,
            second,
        }
    }

    /// Compresses the second header block with `nonces` in place.
    #[inline(always)]
    fn first_hash(&mut self, nonces: L) -> [L; 8] {
        let mut block = [L::splat(0); 16];
        unroll!(t in [0 1 2] {
            block[t] = self.tail[t];
        });
        // The nonce's little-endian bytes read as SHA-256's big-endian word.
        block[3] = nonces.swap_bytes();
        block[4] = L::splat(PAD);
        block[15] = L::splat(640);
        self.first[3] = block[3];
        expand_head(block, &mut self.first);
        expand(&mut self.first, 32, 64);
        let mut state = self.after_round_2;
        unroll!(t in [3 4 5 6 7] {
            state.round(t, self.k[t], self.first[t]);
        });
        state.rounds(&self.k, &self.first, 1..8);
        state.finish(&self.midstate)
    }

    /// Puts the first digest and its padding in the second schedule.
    #[inline(always)]
    fn second_schedule(&mut self, first: [L; 8], to: usize) {
        let mut block = [L::splat(0); 16];
        unroll!(t in [0 1 2 3 4 5 6 7] {
            block[t] = first[t];
            self.second[t] = first[t];
        });
        block[8] = L::splat(PAD);
        block[15] = L::splat(256);
        expand_head(block, &mut self.second);
        expand(&mut self.second, 32, to);
    }

    /// Full SHA-256d state words.
    #[inline(always)]
    fn sha256d(&mut self, nonces: L) -> [L; 8] {
        let first = self.first_hash(nonces);
        self.second_schedule(first, 64);
        let iv = IV.map(L::splat);
        let mut state = State::new(iv);
        state.rounds(&self.k, &self.second, 0..8);
        state.finish(&iv)
    }

    /// SHA-256d state word 7 only: it is e after round 60, so rounds 61..64 and the
    /// schedule words they use are skipped, and rounds 57..61 compute only e.
    #[inline(always)]
    fn word7(&mut self, nonces: L) -> L {
        let first = self.first_hash(nonces);
        self.second_schedule(first, 61);
        let mut state = State::new(IV.map(L::splat));
        state.rounds(&self.k, &self.second, 0..7);
        unroll!(t in [56 57 58 59 60] {
            state.round(t, self.k[t], self.second[t]);
        });
        // After round 60, e sits at index (4 - 61) mod 8 = 7.
        state.words[7].add(L::splat(IV[7]))
    }
}

/// The nonces of a group from `first`, the lanes past `last` repeating `last`.
#[inline(always)]
fn group<L: Lanes>(first: u64, last: u64) -> L {
    L::from_fn(|i| (first + i as u64).min(last) as u32)
}

/// Full SHA-256d hashes of the header behind `midstate` with each of `nonces`, through
/// the lane kernel (the reference for the scan's quick check in tests).
///
/// # Panics
/// If `nonces` does not hold exactly `L::WIDTH` nonces.
pub fn hashes<L: Lanes>(midstate: &Midstate, nonces: &[u32]) -> Vec<[u8; 32]> {
    assert_eq!(nonces.len(), L::WIDTH, "one nonce per lane");
    let words = Batch::<L>::new(midstate).sha256d(L::from_fn(|i| nonces[i]));
    (0..L::WIDTH)
        .map(|lane| digest_bytes(&words.map(|w| w.lane(lane))))
        .collect()
}

/// The top 32 bits of a hash or target read as a little-endian 256-bit number.
fn top_word(le_bytes: &[u8; 32]) -> u32 {
    u32::from_le_bytes(le_bytes[28..].try_into().unwrap())
}

/// The lowest nonce in `batch` whose hash meets `target`.
///
/// A hash can only meet the target if its top 32 bits are at most the target's, so
/// each group of `L::WIDTH` nonces is first checked on those bits alone; a group that
/// passes is tried again nonce by nonce, in order, on full hashes.
#[inline(always)]
pub fn scan<L: Lanes>(midstate: &Midstate, batch: Nonces, target: &HashTarget) -> Option<Solution> {
    let mut lanes = Batch::<L>::new(midstate);
    let bound = top_word(&target.to_le_bytes());
    let start = u64::from(batch.start());
    let end = start + batch.count();
    let mut first = start;
    while first < end {
        let word7 = lanes.word7(group::<L>(first, end - 1));
        // The hash's last four bytes are word 7's big-endian bytes.
        if word7.swap_bytes().any_at_most(bound) {
            let group = first..end.min(first + L::WIDTH as u64);
            let found = group.map(|n| n as u32).find_map(|nonce| {
                let hash = midstate.hash(nonce);
                target.is_met_by(&hash).then_some(Solution { nonce, hash })
            });
            if found.is_some() {
                return found;
            }
        }
        first += L::WIDTH as u64;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sha256d::lanes::{Pair, Portable};
    use crate::sha256d::reference;
    use proptest::prelude::*;

    fn header_with(prefix: &[u8; 32], rest: &[u8; 48], nonce: u32) -> [u8; 80] {
        let mut header = [0u8; 80];
        header[..32].copy_from_slice(prefix);
        header[32..].copy_from_slice(rest);
        header[76..].copy_from_slice(&nonce.to_le_bytes());
        header
    }

    proptest! {
        #[test]
        fn lane_hashes_match_the_reference(prefix: [u8; 32], rest: [u8; 48], nonces: [u32; 8]) {
            let midstate = Midstate::new(&header_with(&prefix, &rest, 0));
            let expected: Vec<_> = nonces
                .iter()
                .map(|&n| reference(&header_with(&prefix, &rest, n)))
                .collect();
            prop_assert_eq!(&hashes::<Portable>(&midstate, &nonces[..4]), &expected[..4]);
            prop_assert_eq!(hashes::<Pair<Portable>>(&midstate, &nonces), expected.clone());
            #[cfg(target_arch = "x86_64")]
            prop_assert_eq!(hashes::<Pair<crate::sha256d::lanes::Sse>>(&midstate, &nonces), expected);
        }

        /// A target equal to one nonce's hash, or one below it, puts that nonce exactly
        /// on the edge of the quick check and of the full comparison.
        #[test]
        fn scan_decides_at_the_edge_of_the_target(prefix: [u8; 32], rest: [u8; 48], start: u32, offset in 0u32..8) {
            let start = start.min(u32::MAX - 8);
            let midstate = Midstate::new(&header_with(&prefix, &rest, 0));
            let nonce = start + offset;
            let hash = reference(&header_with(&prefix, &rest, nonce));
            let batch = Nonces::new(start, 8);
            let lowest_meeting = |target: &HashTarget| batch.iter().find_map(|n| {
                let hash = reference(&header_with(&prefix, &rest, n));
                target.is_met_by(&hash).then_some(Solution { nonce: n, hash })
            });
            let on_edge = HashTarget::from_le_bytes(hash);
            // hash - 1 as a little-endian number (the hash itself where it is zero).
            let mut below = hash;
            if let Some(i) = below.iter().position(|&b| b != 0) {
                below[i] -= 1;
                below[..i].fill(0xff);
            }
            for target in [on_edge, HashTarget::from_le_bytes(below)] {
                let expected = lowest_meeting(&target);
                prop_assert_eq!(scan::<Portable>(&midstate, batch, &target), expected);
                prop_assert_eq!(scan::<Pair<Portable>>(&midstate, batch, &target), expected);
                #[cfg(target_arch = "x86_64")]
                prop_assert_eq!(scan::<Pair<crate::sha256d::lanes::Sse>>(&midstate, batch, &target), expected);
            }
            prop_assert_eq!(scan::<Portable>(&midstate, batch, &on_edge).map(|s| s.nonce <= nonce), Some(true));
        }
    }

    #[test]
    fn short_last_group_stays_inside_the_range() {
        let midstate = Midstate::new(&[7; 80]);
        let batch = Nonces::new(u32::MAX - 2, 100);
        assert_eq!(batch.count(), 3);
        let found = scan::<Pair<Portable>>(&midstate, batch, &HashTarget::MAX);
        assert_eq!(found.map(|s| s.nonce), Some(u32::MAX - 2));
        let impossible = HashTarget::from_le_bytes([0; 32]);
        assert_eq!(scan::<Pair<Portable>>(&midstate, batch, &impossible), None);
    }
}
