//! The settings of the consensus widgets, read from lesson directives and embed URLs.
//!
//! Numbers are kept as integers (q in per mille) so a widget stays comparable and
//! hashable like the other widget settings.

/// A setting that was given but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("{key} must be a whole number from {min} to {max}, got {value:?}")]
    OutOfRange {
        key: &'static str,
        min: u64,
        max: u64,
        value: String,
    },
    #[error(
        "q is the attacker's share of hash power, a number above 0 and below 1 such as 0.3, got {0:?}"
    )]
    Share(String),
    #[error("{key} must be one of {choices}, got {value:?}")]
    Choice {
        key: &'static str,
        choices: &'static str,
        value: String,
    },
}

fn whole(key: &'static str, value: &str, min: u64, max: u64) -> Result<u64, SettingError> {
    value
        .trim()
        .parse()
        .ok()
        .filter(|v| (min..=max).contains(v))
        .ok_or_else(|| SettingError::OutOfRange {
            key,
            min,
            max,
            value: value.into(),
        })
}

/// The double-spend race: attacker share and the merchant's confirmations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RaceSettings {
    /// Attacker's share of the hash power, in thousandths.
    pub q_permille: u32,
    /// Confirmations the merchant waits for.
    pub z: u32,
}

/// Most confirmations the slider offers: beyond this every chart is flat at zero.
pub const RACE_MAX_Z: u32 = 12;

impl Default for RaceSettings {
    fn default() -> Self {
        Self {
            q_permille: 300,
            z: 6,
        }
    }
}

impl RaceSettings {
    /// The keys this widget reads.
    pub fn accepts(key: &str) -> bool {
        matches!(key, "q" | "z")
    }

    /// Applies one `key=value`.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SettingError> {
        match key {
            "q" => self.q_permille = parse_share(value)?,
            _ => self.z = whole("z", value, 0, RACE_MAX_Z.into())? as u32,
        }
        Ok(())
    }

    /// q as a fraction.
    pub fn q(&self) -> f64 {
        f64::from(self.q_permille) / 1000.0
    }
}

/// Reads q as a fraction (0.3) or a percentage (30%), to the nearest thousandth.
fn parse_share(value: &str) -> Result<u32, SettingError> {
    let text = value.trim();
    let (number, scale) = match text.strip_suffix('%') {
        Some(percent) => (percent, 10.0),
        None => (text, 1000.0),
    };
    number
        .parse::<f64>()
        .ok()
        .map(|q| (q * scale).round())
        .filter(|q| (1.0..=999.0).contains(q))
        .map(|q| q as u32)
        .ok_or_else(|| SettingError::Share(value.into()))
}

/// The Raft cluster: how many servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RaftSettings {
    pub n: usize,
}

impl Default for RaftSettings {
    fn default() -> Self {
        Self { n: 5 }
    }
}

impl RaftSettings {
    /// The keys this widget reads.
    pub fn accepts(key: &str) -> bool {
        key == "n"
    }

    /// Applies one `key=value`.
    pub fn set(&mut self, _key: &str, value: &str) -> Result<(), SettingError> {
        self.n = whole("n", value, 3, 7)? as usize;
        Ok(())
    }
}

/// What goes wrong in a PBFT run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PbftFault {
    /// Every replica follows the protocol.
    None,
    /// The first `f` replicas, the primary among them, say nothing.
    SilentPrimary,
    /// The first `f` replicas, the primary among them, send conflicting PRE-PREPAREs.
    EquivocatingPrimary,
    /// The last `f` replicas are down from the start.
    CrashedBackup,
}

/// The fault names, as written in settings.
pub const PBFT_FAULTS: [(&str, PbftFault); 4] = [
    ("none", PbftFault::None),
    ("silent-primary", PbftFault::SilentPrimary),
    ("equivocating-primary", PbftFault::EquivocatingPrimary),
    ("crashed-backup", PbftFault::CrashedBackup),
];

/// A PBFT cluster: replicas, faulty replicas and what they do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PbftSettings {
    /// Replicas, 4 to 10.
    pub n: usize,
    /// Faulty replicas, at most (n - 1) / 3 so the run can stay safe and live.
    pub f: usize,
    pub fault: PbftFault,
}

impl Default for PbftSettings {
    fn default() -> Self {
        Self {
            n: 4,
            f: 1,
            fault: PbftFault::None,
        }
    }
}

impl PbftSettings {
    /// The keys this widget reads.
    pub fn accepts(key: &str) -> bool {
        matches!(key, "n" | "f" | "fault")
    }

    /// Applies one `key=value`; `f` is checked against `n` when the run is built, so
    /// the keys may come in any order.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SettingError> {
        match key {
            "n" => self.n = whole("n", value, 4, 10)? as usize,
            "f" => self.f = whole("f", value, 0, 3)? as usize,
            _ => {
                self.fault = PBFT_FAULTS
                    .iter()
                    .find(|(name, _)| *name == value.trim())
                    .map(|(_, f)| *f)
                    .ok_or_else(|| SettingError::Choice {
                        key: "fault",
                        choices: "none, silent-primary, equivocating-primary, crashed-backup",
                        value: value.into(),
                    })?
            }
        }
        Ok(())
    }

    /// Faulty replicas this run really has: none without a fault, and never more than
    /// the (n - 1) / 3 the cluster is sized for.
    pub fn faulty(&self) -> usize {
        match self.fault {
            PbftFault::None => 0,
            _ => self.f.clamp(1, (self.n - 1) / 3),
        }
    }
}

/// Which Byzantine generals algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneralsAlgorithm {
    /// Oral messages, OM(m).
    Om,
    /// Signed messages, SM(m).
    Sm,
}

/// The Byzantine generals: algorithm, size, traitors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneralsSettings {
    pub algorithm: GeneralsAlgorithm,
    /// Generals, commander included.
    pub n: usize,
    /// Traitors the algorithm is run for.
    pub m: usize,
    /// Which generals are traitors (0 is the commander).
    pub traitors: Vec<usize>,
    /// How the traitors lie.
    pub strategy: consensus::generals::Strategy,
}

/// Most generals the tree view draws: OM(2) with 7 generals is already 156 messages.
pub const GENERALS_MAX_N: usize = 7;

impl Default for GeneralsSettings {
    fn default() -> Self {
        Self {
            algorithm: GeneralsAlgorithm::Om,
            n: 4,
            m: 1,
            traitors: vec![3],
            strategy: consensus::generals::Strategy::Flip,
        }
    }
}

/// The strategy names, as written in settings.
pub const STRATEGIES: [(&str, consensus::generals::Strategy); 5] = {
    use consensus::generals::Strategy::*;
    [
        ("flip", Flip),
        ("split", Split),
        ("split-inverse", SplitInverse),
        ("attack", AlwaysAttack),
        ("retreat", AlwaysRetreat),
    ]
};

impl GeneralsSettings {
    /// The keys this widget reads.
    pub fn accepts(key: &str) -> bool {
        matches!(key, "algorithm" | "n" | "m" | "traitors" | "strategy")
    }

    /// Applies one `key=value`.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SettingError> {
        match key {
            "algorithm" => {
                self.algorithm = match value.trim() {
                    "om" => GeneralsAlgorithm::Om,
                    "sm" => GeneralsAlgorithm::Sm,
                    _ => {
                        return Err(SettingError::Choice {
                            key: "algorithm",
                            choices: "om, sm",
                            value: value.into(),
                        });
                    }
                }
            }
            "n" => self.n = whole("n", value, 3, GENERALS_MAX_N as u64)? as usize,
            "m" => self.m = whole("m", value, 0, 2)? as usize,
            "traitors" => {
                self.traitors = value
                    .split(',')
                    .filter(|t| !t.trim().is_empty())
                    .map(|t| whole("traitors", t, 0, GENERALS_MAX_N as u64 - 1).map(|t| t as usize))
                    .collect::<Result<_, _>>()?;
            }
            _ => {
                self.strategy = STRATEGIES
                    .iter()
                    .find(|(name, _)| *name == value.trim())
                    .map(|(_, s)| *s)
                    .ok_or_else(|| SettingError::Choice {
                        key: "strategy",
                        choices: "flip, split, split-inverse, attack, retreat",
                        value: value.into(),
                    })?
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn race_share_reads_fractions_and_percentages() {
        let mut race = RaceSettings::default();
        race.set("q", "0.1").unwrap();
        assert_eq!(race.q_permille, 100);
        race.set("q", "45%").unwrap();
        assert_eq!(race.q_permille, 450);
        race.set("z", "5").unwrap();
        assert_eq!(race.z, 5);
        for bad in ["0", "1", "1.5", "-0.2", "x", ""] {
            assert_eq!(race.set("q", bad), Err(SettingError::Share(bad.into())));
        }
        assert!(race.set("z", "13").is_err());
        assert_eq!(
            race,
            RaceSettings {
                q_permille: 450,
                z: 5
            }
        );
    }

    #[test]
    fn generals_settings_parse_every_key() {
        let mut g = GeneralsSettings::default();
        for (k, v) in [
            ("algorithm", "sm"),
            ("n", "3"),
            ("m", "1"),
            ("traitors", "0"),
            ("strategy", "split"),
        ] {
            assert!(GeneralsSettings::accepts(k));
            g.set(k, v).unwrap();
        }
        assert_eq!(
            g,
            GeneralsSettings {
                algorithm: GeneralsAlgorithm::Sm,
                n: 3,
                m: 1,
                traitors: vec![0],
                strategy: consensus::generals::Strategy::Split,
            }
        );
        assert!(g.set("algorithm", "raft").is_err());
        assert!(g.set("n", "8").is_err());
        assert!(g.set("traitors", "1,x").is_err());
        assert_eq!(g.traitors, vec![0]);
    }
}
