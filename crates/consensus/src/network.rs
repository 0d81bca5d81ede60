//! The simulated network: per-link delay, loss and duplication, plus partitions.
//!
//! Reordering is not a separate knob: every copy of a message draws its own delay, so
//! two messages on one link can overtake each other whenever the delay range is wide.

use serde::{Deserialize, Serialize};

use crate::engine::{NodeId, Time};
use crate::rng::Rng;

/// How one directed link behaves.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkConfig {
    /// Shortest delivery delay, in simulated milliseconds.
    pub min_delay: Time,
    /// Longest delivery delay; delays are uniform in `min_delay..=max_delay`.
    pub max_delay: Time,
    /// Probability that a message is lost.
    pub loss: f64,
    /// Probability that a delivered message arrives a second time.
    pub duplicate: f64,
}

impl Default for LinkConfig {
    fn default() -> Self {
        Self {
            min_delay: 5,
            max_delay: 15,
            loss: 0.0,
            duplicate: 0.0,
        }
    }
}

/// What the network decided for one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Delivered after each of these delays (two entries when duplicated).
    Deliver(Vec<Time>),
    /// Lost on the wire.
    Lost,
}

/// All links plus the current partition.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Network {
    default: LinkConfig,
    overrides: Vec<(NodeId, NodeId, LinkConfig)>,
    /// Partition group of each node; two nodes can talk only inside one group.
    groups: Vec<u32>,
}

impl Network {
    /// `nodes` nodes, all links behaving like `default`, no partition.
    pub fn new(nodes: usize, default: LinkConfig) -> Self {
        Self {
            default,
            overrides: Vec::new(),
            groups: vec![0; nodes],
        }
    }

    /// Make the link `from -> to` behave differently from the rest.
    pub fn set_link(&mut self, from: NodeId, to: NodeId, config: LinkConfig) {
        self.overrides.retain(|(f, t, _)| (*f, *t) != (from, to));
        self.overrides.push((from, to, config));
    }

    /// Change every link that has no override.
    pub fn set_default(&mut self, config: LinkConfig) {
        self.default = config;
    }

    /// The behaviour of `from -> to`.
    pub fn link(&self, from: NodeId, to: NodeId) -> LinkConfig {
        self.overrides
            .iter()
            .find(|(f, t, _)| (*f, *t) == (from, to))
            .map_or(self.default, |(_, _, c)| *c)
    }

    /// Split the nodes: each listed group becomes an island; unlisted nodes form one more.
    pub fn partition(&mut self, islands: &[Vec<NodeId>]) {
        let rest = islands.len() as u32 + 1;
        self.groups.iter_mut().for_each(|g| *g = rest);
        for (index, island) in islands.iter().enumerate() {
            for &node in island {
                if let Some(g) = self.groups.get_mut(node) {
                    *g = index as u32 + 1;
                }
            }
        }
    }

    /// Remove every partition.
    pub fn heal(&mut self) {
        self.groups.iter_mut().for_each(|g| *g = 0);
    }

    /// Whether `a` and `b` are on the same side of the current partition.
    pub fn connected(&self, a: NodeId, b: NodeId) -> bool {
        a == b || self.groups.get(a) == self.groups.get(b)
    }

    /// Roll the dice for one message.
    pub fn fate(&self, from: NodeId, to: NodeId, rng: &mut Rng) -> Fate {
        if from == to {
            return Fate::Deliver(vec![0]);
        }
        let link = self.link(from, to);
        if rng.chance(link.loss) {
            return Fate::Lost;
        }
        let mut delays = vec![rng.between(link.min_delay, link.max_delay)];
        if rng.chance(link.duplicate) {
            delays.push(rng.between(link.min_delay, link.max_delay));
        }
        Fate::Deliver(delays)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_separates_islands_and_heal_joins_them() {
        let mut net = Network::new(5, LinkConfig::default());
        net.partition(&[vec![0, 1]]);
        assert!(net.connected(0, 1));
        assert!(net.connected(2, 4));
        assert!(!net.connected(1, 2));
        net.heal();
        assert!(net.connected(1, 2));
    }

    #[test]
    fn lossy_link_loses_about_the_configured_fraction() {
        let mut net = Network::new(2, LinkConfig::default());
        net.set_link(
            0,
            1,
            LinkConfig {
                loss: 0.25,
                ..LinkConfig::default()
            },
        );
        let mut rng = Rng::new(3);
        let lost = (0..10_000)
            .filter(|_| net.fate(0, 1, &mut rng) == Fate::Lost)
            .count();
        assert!((2200..2800).contains(&lost), "lost {lost}");
        assert!((0..1000).all(|_| net.fate(1, 0, &mut rng) != Fate::Lost));
    }
}
