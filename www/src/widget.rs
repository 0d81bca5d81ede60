//! The widget registry: every interactive piece a lesson can show or a page can embed.
//!
//! Lessons (`::: widget block difficulty=16`) and embed URLs (`/embed/block?difficulty=16`)
//! both name a widget and give it `key=value` parameters, so both go through
//! [`Widget::from_params`] and a teacher gets the same error message either way.

use crate::consensus_view::settings::{
    GeneralsSettings, PbftSettings, RaceSettings, RaftSettings, SettingError,
};

/// The fewest leading zero bits a mining widget accepts: below this it is not a puzzle.
pub const MIN_DIFFICULTY: u32 = 1;
/// The most leading zero bits a mining widget accepts: 2^32 expected tries already
/// takes minutes on a laptop, more would keep a classroom waiting.
pub const MAX_DIFFICULTY: u32 = 32;

/// A widget and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Widget {
    /// Live SHA-256 of the text the learner types.
    Sha256 { text: String },
    /// Two inputs whose digests are compared bit by bit.
    Avalanche { a: String, b: String },
    /// Search for a nonce so that SHA-256(text + nonce) starts with `difficulty` zero bits.
    NonceSearch { text: String, difficulty: u32 },
    /// A real block header mined against a target of `difficulty` leading zero bits.
    Block { data: String, difficulty: u32 },
    /// The double-spend race: attacker share q against the merchant's confirmations.
    Race(RaceSettings),
    /// The Byzantine generals under OM(m) or SM(m).
    Generals(GeneralsSettings),
    /// A live Raft cluster with presenter keys and a scrubbable timeline.
    Raft(RaftSettings),
    /// A live PBFT cluster: phases, quorums, faulty primaries, view changes.
    Pbft(PbftSettings),
    /// A chain of real blocks to tamper with and re-mine; `tamper` starts one block's
    /// coinbase already edited (0 = none).
    Chain {
        blocks: u32,
        difficulty: u32,
        tamper: u32,
    },
    /// A Merkle tree over `leaves` transactions, with proofs and tampering.
    Merkle { leaves: u32 },
    /// A light client that keeps only headers and checks payments with proofs.
    Spv,
    /// The target on the line of all hashes, and the bits converter.
    Target,
    /// The retarget rule simulated over many periods.
    Retarget { interval: u32, spacing: u32 },
    /// Tensority taken apart stage by stage, computed by the mining worker.
    Tensority,
    /// Two Tensority engines (CPU and GPU, or one thread and all) on the same nonces.
    TensorityRace,
}

/// The widget names, as written in lessons and embed URLs.
pub const NAMES: [&str; 15] = [
    "sha256",
    "avalanche",
    "nonce-search",
    "block",
    "race",
    "generals",
    "raft",
    "pbft",
    "chain",
    "merkle",
    "spv",
    "target",
    "retarget",
    "tensority",
    "tensority-race",
];

/// Why a widget name or parameter was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WidgetError {
    #[error("there is no widget called {0:?}; the widgets are: {names}", names = NAMES.join(", "))]
    UnknownWidget(String),
    #[error("the {widget} widget has no setting called {key:?}")]
    UnknownParam { widget: &'static str, key: String },
    #[error(
        "difficulty must be a whole number of zero bits from {MIN_DIFFICULTY} to {MAX_DIFFICULTY}, got {0:?}"
    )]
    BadDifficulty(String),
    #[error(transparent)]
    Setting(#[from] SettingError),
    #[error("{key} must be a whole number from {min} to {max}, got {value:?}")]
    OutOfRange {
        key: String,
        min: u32,
        max: u32,
        value: String,
    },
}

impl Widget {
    /// Builds a widget from its name and `key=value` settings; unset settings take
    /// defaults chosen so that the widget makes sense on its own.
    pub fn from_params<'a>(
        name: &str,
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, WidgetError> {
        let mut widget = Self::default_for(name)?;
        for (key, value) in params {
            widget.set(key, value)?;
        }
        Ok(widget)
    }

    fn default_for(name: &str) -> Result<Self, WidgetError> {
        Ok(match name {
            "sha256" => Widget::Sha256 {
                text: "hello".into(),
            },
            "avalanche" => Widget::Avalanche {
                a: "hello".into(),
                b: "hellp".into(),
            },
            "nonce-search" => Widget::NonceSearch {
                text: "hello".into(),
                difficulty: 12,
            },
            "block" => Widget::Block {
                data: "Alice pays Bob 10".into(),
                difficulty: 16,
            },
            "race" => Widget::Race(RaceSettings::default()),
            "generals" => Widget::Generals(GeneralsSettings::default()),
            "raft" => Widget::Raft(RaftSettings::default()),
            "pbft" => Widget::Pbft(PbftSettings::default()),
            "chain" => Widget::Chain {
                blocks: 5,
                difficulty: 12,
                tamper: 0,
            },
            "merkle" => Widget::Merkle { leaves: 5 },
            "spv" => Widget::Spv,
            "target" => Widget::Target,
            "retarget" => Widget::Retarget {
                interval: 10,
                spacing: 15,
            },
            "tensority" => Widget::Tensority,
            "tensority-race" => Widget::TensorityRace,
            other => return Err(WidgetError::UnknownWidget(other.into())),
        })
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), WidgetError> {
        let name = self.name();
        let slot = match (self, key) {
            (Widget::Sha256 { text }, "text")
            | (Widget::Avalanche { a: text, .. }, "a")
            | (Widget::Avalanche { b: text, .. }, "b")
            | (Widget::NonceSearch { text, .. }, "text")
            | (Widget::Block { data: text, .. }, "data") => {
                *text = value.to_owned();
                return Ok(());
            }
            (Widget::NonceSearch { difficulty, .. }, "difficulty")
            | (Widget::Block { difficulty, .. }, "difficulty") => difficulty,
            (Widget::Race(race), key) if RaceSettings::accepts(key) => {
                return Ok(race.set(key, value)?);
            }
            (Widget::Generals(generals), key) if GeneralsSettings::accepts(key) => {
                return Ok(generals.set(key, value)?);
            }
            (Widget::Raft(raft), key) if RaftSettings::accepts(key) => {
                return Ok(raft.set(key, value)?);
            }
            (Widget::Pbft(pbft), key) if PbftSettings::accepts(key) => {
                return Ok(pbft.set(key, value)?);
            }
            (Widget::Chain { blocks, .. }, "blocks") => return set_in(blocks, key, value, 1, 5),
            (Widget::Chain { difficulty, .. }, "difficulty") => {
                return set_in(difficulty, key, value, 4, 16);
            }
            (Widget::Chain { tamper, .. }, "tamper") => return set_in(tamper, key, value, 0, 4),
            (Widget::Merkle { leaves }, "leaves") => return set_in(leaves, key, value, 1, 16),
            (Widget::Retarget { interval, .. }, "interval") => {
                return set_in(interval, key, value, 2, 50);
            }
            (Widget::Retarget { spacing, .. }, "spacing") => {
                return set_in(spacing, key, value, 1, 600);
            }
            // The app's own query settings, read by the embed page, not by the widget.
            (_, "lang") => return Ok(()),
            (_, other) => {
                return Err(WidgetError::UnknownParam {
                    widget: name,
                    key: other.into(),
                });
            }
        };
        *slot = parse_difficulty(value)?;
        Ok(())
    }

    /// The name used in lessons and embed URLs.
    pub fn name(&self) -> &'static str {
        match self {
            Widget::Sha256 { .. } => "sha256",
            Widget::Avalanche { .. } => "avalanche",
            Widget::NonceSearch { .. } => "nonce-search",
            Widget::Block { .. } => "block",
            Widget::Race(_) => "race",
            Widget::Generals(_) => "generals",
            Widget::Raft(_) => "raft",
            Widget::Pbft(_) => "pbft",
            Widget::Chain { .. } => "chain",
            Widget::Merkle { .. } => "merkle",
            Widget::Spv => "spv",
            Widget::Target => "target",
            Widget::Retarget { .. } => "retarget",
            Widget::Tensority => "tensority",
            Widget::TensorityRace => "tensority-race",
        }
    }
}

/// Reads a whole-number setting into `slot` if it lies in `min..=max`.
fn set_in(slot: &mut u32, key: &str, value: &str, min: u32, max: u32) -> Result<(), WidgetError> {
    *slot = value
        .trim()
        .parse()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| WidgetError::OutOfRange {
            key: key.into(),
            min,
            max,
            value: value.into(),
        })?;
    Ok(())
}

/// Reads a difficulty in leading zero bits, within the range the widgets accept.
pub fn parse_difficulty(value: &str) -> Result<u32, WidgetError> {
    value
        .trim()
        .parse()
        .ok()
        .filter(|bits| (MIN_DIFFICULTY..=MAX_DIFFICULTY).contains(bits))
        .ok_or_else(|| WidgetError::BadDifficulty(value.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_name_builds() {
        for name in NAMES {
            assert_eq!(Widget::from_params(name, []).unwrap().name(), name);
        }
    }

    #[test]
    fn params_override_defaults() {
        assert_eq!(
            Widget::from_params("nonce-search", [("difficulty", "20"), ("text", "abc")]),
            Ok(Widget::NonceSearch {
                text: "abc".into(),
                difficulty: 20
            })
        );
        assert_eq!(
            Widget::from_params("sha256", [("text", "abc"), ("lang", "zh")]),
            Ok(Widget::Sha256 { text: "abc".into() })
        );
        assert_eq!(
            Widget::from_params("avalanche", [("a", "x"), ("b", "y")]),
            Ok(Widget::Avalanche {
                a: "x".into(),
                b: "y".into()
            })
        );
    }

    #[test]
    fn bad_input_is_named() {
        assert_eq!(
            Widget::from_params("merkel", []),
            Err(WidgetError::UnknownWidget("merkel".into()))
        );
        assert_eq!(
            Widget::from_params("sha256", [("difficulty", "3")]),
            Err(WidgetError::UnknownParam {
                widget: "sha256",
                key: "difficulty".into()
            })
        );
        for bad in ["0", "33", "-1", "ten", ""] {
            assert_eq!(
                Widget::from_params("block", [("difficulty", bad)]),
                Err(WidgetError::BadDifficulty(bad.into()))
            );
        }
    }
}
