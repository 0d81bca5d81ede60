//! The double-spend race chart: the whitepaper's closed form against the engine's
//! Monte Carlo estimates, and a few sample races drawn as walks.

use consensus::Rng;
use consensus::race::{self, RaceError};

/// Races per Monte Carlo point: enough for error bars a projector can show, few
/// enough that one point is computed well inside an animation frame.
pub const TRIALS: u64 = 2_000;

/// One confirmation count on the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartPoint {
    pub z: u64,
    /// The whitepaper's `AttackerSuccessProbability(q, z)`.
    pub whitepaper: f64,
    /// The Monte Carlo estimate and its 95% interval, clamped to [0, 1].
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
    pub trials: u64,
}

/// Races `TRIALS` times at (q, z); the seed differs per z so points are independent.
pub fn point(q: f64, z: u64, seed: u64) -> Result<ChartPoint, RaceError> {
    let e = race::monte_carlo(q, z, TRIALS, seed.wrapping_add(z))?;
    let half = 1.96 * e.std_error;
    Ok(ChartPoint {
        z,
        whitepaper: e.whitepaper,
        estimate: e.estimate,
        low: (e.estimate - half).max(0.0),
        high: (e.estimate + half).min(1.0),
        trials: e.trials,
    })
}

/// One sample race as the attacker's lead (attacker minus honest blocks) after each
/// block, starting from 0 when the payment is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Walk {
    pub lead: Vec<i64>,
    /// Block index (into `lead`) where the attacker's chain became longer after the
    /// merchant's z confirmations: the double spend succeeded there.
    pub overtaken_at: Option<usize>,
}

/// Blocks a sample race is followed for before it is called lost: long enough that a
/// majority attacker (q = 0.55) visibly wins, short enough to draw.
pub const WALK_BLOCKS: usize = 150;

/// `count` sample races from the engine's traced race.
pub fn walks(q: f64, z: u64, seed: u64, count: u64) -> Result<Vec<Walk>, RaceError> {
    (0..count)
        .map(|i| {
            // Neighbouring seeds would give the samples related streams: hash them apart.
            let sample = Rng::new(seed.wrapping_mul(1_000).wrapping_add(i)).next_u64();
            let trace = race::trace_race(q, z, sample, WALK_BLOCKS)?;
            Ok(Walk {
                lead: std::iter::once(0)
                    .chain(trace.blocks.iter().map(|&(h, a)| a as i64 - h as i64))
                    .collect(),
                overtaken_at: trace.overtaken_at.map(|i| i + 1),
            })
        })
        .collect()
}

/// The vertical position of probability `p` on a log axis from 1 down to `floor`:
/// 0.0 at the top, 1.0 at the bottom. Probabilities fall geometrically with z, so a
/// linear axis would show nothing but zeros after a few confirmations.
pub fn log_y(p: f64, floor: f64) -> f64 {
    let p = p.max(floor).min(1.0);
    p.log10() / floor.log10()
}

/// The lowest probability the chart shows.
pub const LOG_FLOOR: f64 = 1e-6;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_uses_the_whitepaper_values() {
        let p = point(0.1, 5, 7).unwrap();
        assert!((p.whitepaper - 0.0009137).abs() < 5e-8, "{}", p.whitepaper);
        let p = point(0.3, 5, 7).unwrap();
        assert!((p.whitepaper - 0.1773523).abs() < 5e-8, "{}", p.whitepaper);
    }

    #[test]
    fn monte_carlo_points_bracket_the_exact_probability() {
        for z in [1, 3, 6] {
            let p = point(0.3, z, 11).unwrap();
            let exact = race::exact(0.3, z);
            assert!(p.low <= exact && exact <= p.high, "z={z}: {p:?} vs {exact}");
            assert!(p.low <= p.estimate && p.estimate <= p.high);
        }
    }

    #[test]
    fn a_majority_attacker_overtakes_in_every_sample() {
        let walks = walks(0.7, 6, 3, 5).unwrap();
        assert_eq!(walks.len(), 5);
        for walk in &walks {
            let at = walk
                .overtaken_at
                .expect("q = 0.7 wins well within 150 blocks");
            assert!(walk.lead[at] > 0);
            assert_eq!(walk.lead.len(), at + 1);
        }
    }

    #[test]
    fn walks_move_one_block_at_a_time() {
        for walk in walks(0.3, 6, 5, 4).unwrap() {
            assert_eq!(walk.lead[0], 0);
            assert!(walk.lead.windows(2).all(|w| (w[0] - w[1]).abs() == 1));
        }
    }

    #[test]
    fn the_log_axis_spans_one_to_the_floor() {
        assert_eq!(log_y(1.0, LOG_FLOOR), 0.0);
        assert_eq!(log_y(1e-6, LOG_FLOOR), 1.0);
        assert_eq!(log_y(0.0, LOG_FLOOR), 1.0);
        assert!((log_y(1e-3, LOG_FLOOR) - 0.5).abs() < 1e-12);
    }
}
