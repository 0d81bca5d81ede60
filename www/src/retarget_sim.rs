//! The retarget rule over many periods while miners join and leave.
//!
//! Block times are drawn from the exponential distribution a Poisson process of
//! hashing gives (rate = hash rate / expected tries per block), from a seed, so a
//! class sees the same run and a test can pin it. The difficulty for each next period
//! comes from the ledger's `calculate_next_work_required`, the same code a node runs,
//! so the factor-of-4 clamp the learner sees is the real one.

use ledger::pow::calculate_next_work_required;
use ledger::{ChainParams, CompactTarget, Target};

use crate::difficulty::{compact_for_zero_bits, expected_tries};

/// The first period's difficulty in leading zero bits: harder than the classroom
/// limit (16 bits), so the difficulty has room to fall when miners leave.
pub const START_ZERO_BITS: u32 = 20;

/// A small seeded generator (SplitMix64). The simulation needs a few hundred draws
/// and must give the same run in the browser and in tests; a generator this size
/// keeps the web crate free of the `getrandom` plumbing `rand` needs on wasm.
struct SplitMix(u64);

impl SplitMix {
    /// A uniform draw from (0, 1], never 0 so its logarithm is finite.
    fn next_unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        ((z >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }
}

/// One retarget period.
#[derive(Clone, Debug, PartialEq)]
pub struct Period {
    /// Hash power during the period, relative to the first period's.
    pub power: f64,
    /// Expected tries per block during the period, relative to the first period's.
    pub difficulty: f64,
    /// Seconds between consecutive blocks of the period.
    pub block_times: Vec<u32>,
    /// Seconds the whole period took.
    pub timespan: u32,
    /// Whether the retarget after this period hit the factor-of-4 limit.
    pub clamped: bool,
    /// The bits the period was mined at.
    pub bits: CompactTarget,
}

impl Period {
    /// Mean seconds per block.
    pub fn mean_block_time(&self) -> f64 {
        f64::from(self.timespan) / self.block_times.len().max(1) as f64
    }
}

/// The retarget rule's settings: blocks per period and seconds per block.
pub fn params(interval: u32, spacing: u32) -> ChainParams {
    ChainParams {
        pow_target_spacing: spacing,
        pow_target_timespan: interval * spacing,
        ..ChainParams::classroom()
    }
}

/// Simulates one period per entry of `powers` (hash power relative to the start,
/// where the start's hash power finds a block every `spacing` seconds on average).
pub fn simulate(interval: u32, spacing: u32, powers: &[f64], seed: u64) -> Vec<Period> {
    let params = params(interval, spacing);
    let mut rng = SplitMix(seed);
    let first_bits = compact_for_zero_bits(START_ZERO_BITS);
    let first_tries = tries(first_bits);
    let base_rate = first_tries / f64::from(spacing);
    let mut bits = first_bits;
    let mut clock = params.genesis_time;
    let mut periods = Vec::with_capacity(powers.len());
    for &power in powers {
        let per_block = tries(bits);
        let blocks_per_second = base_rate * power / per_block;
        let start = clock;
        let block_times: Vec<u32> = (0..interval)
            .map(|_| {
                let seconds = (-rng.next_unit().ln() / blocks_per_second).round().max(1.0);
                let seconds = seconds.min(f64::from(u32::MAX / 4)) as u32;
                clock = clock.saturating_add(seconds);
                seconds
            })
            .collect();
        let timespan = clock - start;
        let clamped =
            timespan < params.pow_target_timespan / 4 || timespan > params.pow_target_timespan * 4;
        periods.push(Period {
            power,
            difficulty: per_block / first_tries,
            block_times,
            timespan,
            clamped,
            bits,
        });
        bits = calculate_next_work_required(&params, bits, clock, start);
    }
    periods
}

fn tries(bits: CompactTarget) -> f64 {
    expected_tries(Target::from_compact(bits).expect("bits from the retarget rule are valid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_run() {
        let powers = [1.0, 2.0, 0.5];
        assert_eq!(simulate(10, 15, &powers, 7), simulate(10, 15, &powers, 7));
        assert_ne!(simulate(10, 15, &powers, 7), simulate(10, 15, &powers, 8));
    }

    #[test]
    fn steady_hash_power_keeps_blocks_near_the_spacing() {
        let periods = simulate(10, 15, &[1.0; 200], 1);
        let total: u32 = periods.iter().map(|p| p.timespan).sum();
        let mean = f64::from(total) / 2000.0;
        // A little above 15 s: the rule divides by a random timespan, which biases it
        // towards slightly easier targets (Jensen's inequality), as in Bitcoin.
        assert!((14.0..17.5).contains(&mean), "mean block time {mean}");
        let last = periods.last().unwrap().difficulty;
        assert!((0.5..2.0).contains(&last), "difficulty drifted to {last}");
    }

    #[test]
    fn more_miners_raise_the_difficulty_and_bring_times_back() {
        let mut powers = vec![1.0; 3];
        powers.extend([4.0; 12]);
        let periods = simulate(10, 15, &powers, 3);
        assert!(periods[3].mean_block_time() < 8.0);
        let late = &periods[14];
        assert!((2.0..8.0).contains(&late.difficulty), "{}", late.difficulty);
    }

    #[test]
    fn a_huge_jump_is_clamped_to_a_factor_of_four() {
        let periods = simulate(10, 15, &[1.0, 1.0, 64.0, 64.0], 5);
        assert!(periods[2].clamped);
        let ratio = periods[3].difficulty / periods[2].difficulty;
        // Exactly 4 before the compact form rounds the new target to 3 mantissa bytes.
        assert!((3.95..4.06).contains(&ratio), "ratio {ratio}");
    }

    #[test]
    fn block_times_add_up_to_the_timespan() {
        for period in simulate(10, 15, &[1.0, 0.25, 3.0], 9) {
            assert_eq!(period.block_times.len(), 10);
            assert_eq!(period.block_times.iter().sum::<u32>(), period.timespan);
        }
    }
}
