//! Nakamoto's double-spend race (Bitcoin whitepaper, section 11): an attacker with a
//! fraction `q` of the hash power tries to overtake the honest chain after the merchant
//! waited for `z` confirmations.
//!
//! The Monte Carlo simulation races block by block. It sits next to two closed forms:
//! the whitepaper's, which approximates the attacker's progress during the wait with a
//! Poisson distribution, and the exact negative-binomial sum (Rosenfeld, 2014), which is
//! what the simulation should converge to.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::rng::Rng;

/// A deficit so large that catching up is negligible for any q < 0.5 worth simulating,
/// ((q/p)^400 < 1e-9 for q <= 0.47); the race is called lost there.
const GIVE_UP_DEFICIT: u64 = 400;

/// Bad race parameters.
#[derive(Debug, Error, PartialEq)]
pub enum RaceError {
    /// q outside (0, 1).
    #[error("the attacker's share of hash power q must be between 0 and 1 (exclusive), got {0}")]
    Share(f64),
    /// Too many confirmations to be meaningful.
    #[error("z = {0} confirmations is more than the 1000 this lab simulates")]
    Confirmations(u64),
    /// No trials.
    #[error("the Monte Carlo estimate needs at least one trial")]
    NoTrials,
}

fn validate(q: f64, z: u64) -> Result<(), RaceError> {
    if !(q > 0.0 && q < 1.0) {
        return Err(RaceError::Share(q));
    }
    if z > 1000 {
        return Err(RaceError::Confirmations(z));
    }
    Ok(())
}

/// The whitepaper's `AttackerSuccessProbability(q, z)`.
pub fn whitepaper(q: f64, z: u64) -> f64 {
    let p = 1.0 - q;
    if q >= p {
        return 1.0;
    }
    let lambda = z as f64 * (q / p);
    let mut poisson = (-lambda).exp();
    let mut sum = 1.0;
    for k in 0..=z {
        if k > 0 {
            poisson *= lambda / k as f64;
        }
        sum -= poisson * (1.0 - (q / p).powi((z - k) as i32));
    }
    sum
}

/// The exact probability under the same race: the attacker's blocks while the honest
/// network finds `z` are negative-binomial, then it must close the remaining gap.
pub fn exact(q: f64, z: u64) -> f64 {
    let p = 1.0 - q;
    if q >= p {
        return 1.0;
    }
    let mut term = p.powi(z as i32);
    let mut miss = 0.0;
    for k in 0..z {
        miss += term * (1.0 - (q / p).powi((z - k) as i32));
        term *= (z + k) as f64 / (k + 1) as f64 * q;
    }
    1.0 - miss
}

/// One race: the attacker mines in secret while the merchant waits for `z` honest
/// blocks, then keeps going; true if it ever catches up with the honest chain.
pub fn race_once(q: f64, z: u64, rng: &mut Rng) -> bool {
    let (mut honest, mut attacker) = (0u64, 0u64);
    while honest < z {
        if rng.chance(q) {
            attacker += 1;
        } else {
            honest += 1;
        }
    }
    loop {
        if attacker >= honest {
            return true;
        }
        if honest - attacker > GIVE_UP_DEFICIT {
            return false;
        }
        if rng.chance(q) {
            attacker += 1;
        } else {
            honest += 1;
        }
    }
}

/// A Monte Carlo estimate next to the closed forms.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Estimate {
    /// Attacker's hash share.
    pub q: f64,
    /// Confirmations waited for.
    pub z: u64,
    /// Races simulated.
    pub trials: u64,
    /// Races the attacker won.
    pub successes: u64,
    /// successes / trials.
    pub estimate: f64,
    /// Standard error of the estimate, sqrt(p(1-p)/trials).
    pub std_error: f64,
    /// The whitepaper's Poisson approximation.
    pub whitepaper: f64,
    /// The exact probability.
    pub exact: f64,
}

/// Race `trials` times from `seed`.
pub fn monte_carlo(q: f64, z: u64, trials: u64, seed: u64) -> Result<Estimate, RaceError> {
    validate(q, z)?;
    if trials == 0 {
        return Err(RaceError::NoTrials);
    }
    let mut rng = Rng::new(seed);
    let successes = (0..trials).filter(|_| race_once(q, z, &mut rng)).count() as u64;
    let estimate = successes as f64 / trials as f64;
    Ok(Estimate {
        q,
        z,
        trials,
        successes,
        estimate,
        std_error: (estimate * (1.0 - estimate) / trials as f64).sqrt(),
        whitepaper: whitepaper(q, z),
        exact: exact(q, z),
    })
}

/// Chain lengths after each block of a traced race, for the race chart.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RaceTrace {
    /// (honest, attacker) lengths since the double-spent transaction, one per block.
    pub blocks: Vec<(u64, u64)>,
    /// Index into `blocks` where the attacker's chain became strictly longer, after the
    /// merchant's `z` confirmations: the double spend succeeds there.
    pub overtaken_at: Option<usize>,
}

/// Trace one race block by block for at most `max_blocks` blocks. With q > 0.5 (a
/// 51% attack) the attacker's chain overtakes eventually, whatever z is.
pub fn trace_race(q: f64, z: u64, seed: u64, max_blocks: usize) -> Result<RaceTrace, RaceError> {
    validate(q, z)?;
    let mut rng = Rng::new(seed);
    let (mut honest, mut attacker) = (0u64, 0u64);
    let mut blocks = Vec::new();
    while blocks.len() < max_blocks {
        if rng.chance(q) {
            attacker += 1;
        } else {
            honest += 1;
        }
        blocks.push((honest, attacker));
        if honest >= z && attacker > honest {
            return Ok(RaceTrace {
                overtaken_at: Some(blocks.len() - 1),
                blocks,
            });
        }
    }
    Ok(RaceTrace {
        blocks,
        overtaken_at: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitepaper_table_for_q_one_tenth() {
        let table = [
            (0, 1.0),
            (1, 0.2045873),
            (2, 0.0509779),
            (5, 0.0009137),
            (10, 0.0000012),
        ];
        for (z, p) in table {
            assert!(
                (whitepaper(0.1, z) - p).abs() < 5e-8,
                "z={z}: {}",
                whitepaper(0.1, z)
            );
        }
        assert!((whitepaper(0.3, 5) - 0.1773523).abs() < 5e-8);
    }

    #[test]
    fn exact_matches_a_direct_sum() {
        // z = 1: the attacker wins if it mines the first block, or from one behind.
        let q: f64 = 0.3;
        let direct = q + (1.0 - q) * (q / (1.0 - q));
        assert!((exact(q, 1) - direct).abs() < 1e-12);
        assert!(
            exact(0.3, 5) > whitepaper(0.3, 5),
            "Poisson understates the attacker"
        );
    }

    #[test]
    fn monte_carlo_lands_within_four_standard_errors_of_exact() {
        let e = monte_carlo(0.3, 5, 100_000, 42).unwrap();
        assert!((e.estimate - e.exact).abs() < 4.0 * e.std_error, "{e:?}");
        assert!(e.std_error > 0.0 && e.std_error < 0.002);
    }

    #[test]
    fn majority_attacker_always_overtakes() {
        for seed in 0..20 {
            let t = trace_race(0.6, 6, seed, 100_000).unwrap();
            let at = t.overtaken_at.expect("51% wins");
            let (h, a) = t.blocks[at];
            assert!(a > h && h >= 6);
        }
        assert_eq!(monte_carlo(0.55, 10, 1000, 1).unwrap().whitepaper, 1.0);
    }

    #[test]
    fn rejects_bad_parameters() {
        assert_eq!(
            monte_carlo(1.5, 5, 10, 0).err(),
            Some(RaceError::Share(1.5))
        );
        assert_eq!(monte_carlo(0.2, 5, 0, 0).err(), Some(RaceError::NoTrials));
        assert_eq!(
            monte_carlo(0.2, 5000, 1, 0).err(),
            Some(RaceError::Confirmations(5000))
        );
    }
}
