//! Consensus parameters: everything that differs between Bitcoin and the classroom.

use serde::{Deserialize, Serialize};

use crate::amount::Amount;
use crate::pow::PowAlgorithm;
use crate::target::{CompactTarget, Target};
use crate::uint::U256;

/// The rules of one chain.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ChainParams {
    /// A name for people ("bitcoin", "classroom", "regtest").
    pub name: String,
    /// The proof-of-work function.
    pub pow: PowAlgorithm,
    /// The easiest target allowed (also the genesis target).
    pub pow_limit: Target,
    /// Desired seconds between blocks.
    pub pow_target_spacing: u32,
    /// Desired seconds per retarget period; the period in blocks is
    /// `pow_target_timespan / pow_target_spacing`.
    pub pow_target_timespan: u32,
    /// Keep the genesis difficulty forever (regtest), for instant test chains.
    pub no_retargeting: bool,
    /// Coinbase subsidy of the first block(s).
    pub initial_subsidy: Amount,
    /// Blocks between subsidy halvings.
    pub halving_interval: u32,
    /// How far (seconds) a block's time may be ahead of the caller's "now".
    pub max_future_block_time: u32,
    /// How many previous blocks the median-time-past rule looks at.
    pub median_time_span: usize,
    /// Timestamp of the genesis block.
    pub genesis_time: u32,
    /// Most orphan blocks held while waiting for their parents.
    pub max_orphans: usize,
}

impl ChainParams {
    /// Bitcoin mainnet's rules (2016-block retarget at 10 minutes, 50 BTC halving every
    /// 210,000 blocks, difficulty-1 limit 0x1d00ffff).
    pub fn bitcoin_mainnet() -> Self {
        Self {
            name: "bitcoin".to_string(),
            pow: PowAlgorithm::Sha256d,
            pow_limit: Target(U256::MAX.shr(32)),
            pow_target_spacing: 600,
            pow_target_timespan: 14 * 24 * 60 * 60,
            no_retargeting: false,
            initial_subsidy: Amount::from_sat(50 * 100_000_000).expect("50 coins"),
            halving_interval: 210_000,
            max_future_block_time: 2 * 60 * 60,
            median_time_span: 11,
            genesis_time: 1_231_006_505,
            max_orphans: 100,
        }
    }

    /// A chain a classroom can watch: a block every 15 s, retarget every 10 blocks,
    /// halving every 100 blocks, and a limit of bits 0x1f00ffff (about 65,000 hashes
    /// per block) so a browser finds the first blocks within a second or so and the
    /// retarget visibly raises the difficulty to the class's hash rate.
    pub fn classroom() -> Self {
        Self {
            name: "classroom".to_string(),
            pow_limit: Target::from_compact(CompactTarget::from_consensus(0x1f00ffff))
                .expect("valid classroom limit"),
            pow_target_spacing: 15,
            pow_target_timespan: 150,
            halving_interval: 100,
            max_future_block_time: 60,
            genesis_time: 1_763_683_200,
            ..Self::bitcoin_mainnet()
        }
    }

    /// Bitcoin-regtest-like rules for tests: bits 0x207fffff (half of all hashes
    /// qualify) and no retargeting, so mining a block takes a couple of hashes.
    pub fn regtest() -> Self {
        Self {
            name: "regtest".to_string(),
            pow_limit: Target::from_compact(CompactTarget::from_consensus(0x207fffff))
                .expect("valid regtest limit"),
            no_retargeting: true,
            halving_interval: 150,
            ..Self::classroom()
        }
    }

    /// Blocks per retarget period.
    pub fn difficulty_adjustment_interval(&self) -> u32 {
        (self.pow_target_timespan / self.pow_target_spacing.max(1)).max(1)
    }

    /// Newly created coins allowed in the coinbase at `height`: the initial subsidy
    /// halved once per `halving_interval` blocks (zero after 64 halvings).
    pub fn block_subsidy(&self, height: u32) -> Amount {
        let halvings = height / self.halving_interval.max(1);
        if halvings >= 64 {
            return Amount::ZERO;
        }
        Amount::from_sat(self.initial_subsidy.to_sat() >> halvings)
            .expect("halving never increases an amount")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitcoin_numbers() {
        let params = ChainParams::bitcoin_mainnet();
        assert_eq!(params.difficulty_adjustment_interval(), 2016);
        assert_eq!(params.pow_limit.to_compact().to_consensus(), 0x1d00ffff);
        assert_eq!(params.block_subsidy(0).to_sat(), 5_000_000_000);
        assert_eq!(params.block_subsidy(209_999).to_sat(), 5_000_000_000);
        assert_eq!(params.block_subsidy(210_000).to_sat(), 2_500_000_000);
        assert_eq!(params.block_subsidy(840_000).to_sat(), 312_500_000);
        assert_eq!(params.block_subsidy(64 * 210_000), Amount::ZERO);
    }

    #[test]
    fn classroom_numbers() {
        let params = ChainParams::classroom();
        assert_eq!(params.difficulty_adjustment_interval(), 10);
        assert_eq!(params.pow_limit.to_compact().to_consensus(), 0x1f00ffff);
        assert_eq!(
            ChainParams::regtest().pow_limit.to_compact().to_consensus(),
            0x207fffff
        );
    }
}
