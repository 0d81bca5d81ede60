//! How likely an attacker is to rewrite history: section 11 of the Bitcoin whitepaper.
//!
//! An attacker with a fraction `q` of the hash power tries to build a longer chain
//! after the merchant has waited for `z` confirmations. While the honest chain found
//! `z` blocks, the attacker's progress is Poisson distributed with mean
//! `lambda = z * q / p`; from a deficit of `z - k` blocks the attacker eventually
//! catches up with probability `(q / p)^(z - k)` (a gambler's ruin).
//!
//! `P = 1 - sum_{k=0..z} Poisson(k; lambda) * (1 - (q/p)^(z-k))`
//!
//! The Poisson terms are computed in log space so that large `z` neither overflows
//! nor underflows.

/// The probability that an attacker with hash-power share `q` ever catches up from
/// `z` blocks behind. `q >= 0.5` (the attacker has the majority) gives 1, and `q <= 0`
/// gives 0 (and 1 for `z = 0`: nothing to catch up). NaN is treated as 1, the safe
/// answer.
pub fn attacker_success_probability(q: f64, z: u32) -> f64 {
    if q.is_nan() || q >= 0.5 || z == 0 {
        return 1.0;
    }
    if q <= 0.0 {
        return 0.0;
    }
    let p = 1.0 - q;
    let ratio = q / p;
    let lambda = f64::from(z) * ratio;
    let mut log_poisson = -lambda;
    let mut sum = 1.0;
    for k in 0..=z {
        if k > 0 {
            log_poisson += lambda.ln() - f64::from(k).ln();
        }
        sum -= log_poisson.exp() * (1.0 - ratio.powi((z - k) as i32));
    }
    sum.max(0.0)
}

/// The smallest number of confirmations `z` with success probability below
/// `threshold`, or `None` when there is none: the attacker has the majority
/// (`q >= 0.5`), `threshold` is not in (0, 1], or the answer exceeds `u32::MAX`.
pub fn min_confirmations(q: f64, threshold: f64) -> Option<u32> {
    if q.is_nan() || q >= 0.5 || threshold.is_nan() || threshold <= 0.0 || threshold > 1.0 {
        return None;
    }
    if attacker_success_probability(q, 0) < threshold {
        return Some(0);
    }
    // The probability falls as z grows, so double until below, then bisect.
    let below = |z: u32| attacker_success_probability(q, z) < threshold;
    let mut high = 1u32;
    while !below(high) {
        high = high.checked_mul(2)?;
    }
    let mut low = high / 2;
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if below(middle) {
            high = middle;
        } else {
            low = middle;
        }
    }
    Some(high)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whitepaper's table for q = 0.1.
    #[test]
    fn whitepaper_q_0_1_table() {
        let expected = [
            1.0000000, 0.2045873, 0.0509779, 0.0131722, 0.0034552, 0.0009137, 0.0002428, 0.0000647,
            0.0000173, 0.0000046, 0.0000012,
        ];
        for (z, want) in expected.iter().enumerate() {
            let got = attacker_success_probability(0.1, z as u32);
            assert!((got - want).abs() < 5e-8, "z={z}: {got} vs {want}");
        }
    }

    /// The whitepaper's table of z for P < 0.001.
    #[test]
    fn whitepaper_confirmations_table() {
        let expected = [
            (0.10, 5),
            (0.15, 8),
            (0.20, 11),
            (0.25, 15),
            (0.30, 24),
            (0.35, 41),
            (0.40, 89),
            (0.45, 340),
        ];
        for (q, z) in expected {
            assert_eq!(min_confirmations(q, 0.001), Some(z), "q={q}");
        }
    }

    #[test]
    fn edge_cases() {
        assert_eq!(attacker_success_probability(0.5, 10), 1.0);
        assert_eq!(attacker_success_probability(0.0, 3), 0.0);
        assert_eq!(min_confirmations(0.5, 0.001), None);
        assert_eq!(min_confirmations(0.1, 0.0), None);
        assert_eq!(min_confirmations(0.1, 1.5), None);
        // A large z must not underflow into a probability of 1.
        let far = attacker_success_probability(0.3, 2000);
        assert!((0.0..1e-30).contains(&far), "{far}");
    }
}
