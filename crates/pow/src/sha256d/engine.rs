//! SHA-256d as a scanning [`Engine`].

use crate::scan::{Control, Engine, Nonces, Outcome, Solution, scan_batches};
use crate::{HEADER_LEN, HashTarget};

use super::Midstate;
use super::{kernel, lanes};

/// Nonces between stop checks: about a millisecond of work natively.
const BATCH: u64 = 1 << 16;

/// How the engine computes its tries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sha256dKernel {
    /// One nonce at a time through `sha2::compress256` (SHA-NI/AVX2 when present).
    Compress,
    /// A group of nonces at a time through [`kernel::scan`] with the build's best
    /// lanes: eight nonces on two 128-bit sets (SIMD128 on wasm, SSE2 on x86-64), four
    /// in plain Rust elsewhere.
    Lanes,
}

/// Bitcoin's proof of work, scanning with a per-header midstate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sha256dEngine {
    kernel: Sha256dKernel,
}

impl Sha256dEngine {
    /// An engine using `kernel`.
    pub fn new(kernel: Sha256dKernel) -> Self {
        Self { kernel }
    }

    /// The fastest kernel for this build: SIMD lanes in the browser, `compress256`
    /// (hardware SHA when the CPU has it) natively.
    pub fn best() -> Self {
        let simd_lanes = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));
        Self::new(if simd_lanes {
            Sha256dKernel::Lanes
        } else {
            Sha256dKernel::Compress
        })
    }

    /// The kernel in use.
    pub fn kernel(&self) -> Sha256dKernel {
        self.kernel
    }
}

impl Engine for Sha256dEngine {
    fn batch(&self) -> u64 {
        BATCH
    }

    fn pow_hash(&self, header: &[u8; HEADER_LEN]) -> [u8; 32] {
        let nonce = u32::from_le_bytes(header[76..].try_into().unwrap());
        Midstate::new(header).hash(nonce)
    }

    fn scan(
        &self,
        header: &[u8; HEADER_LEN],
        nonces: Nonces,
        target: &HashTarget,
        control: &Control<'_>,
    ) -> Outcome {
        let midstate = Midstate::new(header);
        scan_batches(nonces, BATCH, control, |batch| match self.kernel {
            Sha256dKernel::Compress => batch.iter().find_map(|nonce| {
                let hash = midstate.hash(nonce);
                target.is_met_by(&hash).then_some(Solution { nonce, hash })
            }),
            Sha256dKernel::Lanes => scan_lanes(&midstate, batch, target),
        })
    }
}

/// The lane kernel, with AVX's three-operand encoding of the same 128-bit
/// instructions where an x86-64 CPU has it, as V8 compiles SIMD128, so that the
/// native figure compares like with like.
fn scan_lanes(midstate: &Midstate, batch: Nonces, target: &HashTarget) -> Option<Solution> {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx") {
        #[target_feature(enable = "avx")]
        fn with_avx(midstate: &Midstate, batch: Nonces, target: &HashTarget) -> Option<Solution> {
            kernel::scan::<lanes::Best>(midstate, batch, target)
        }
        // SAFETY: the CPU has AVX.
        return unsafe { with_avx(midstate, batch, target) };
    }
    kernel::scan::<lanes::Best>(midstate, batch, target)
}
