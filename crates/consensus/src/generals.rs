//! The Byzantine generals (Lamport, Shostak and Pease, 1982): the oral-messages
//! algorithm OM(m) with its whole recursive message tree kept for display, the
//! signed-messages algorithm SM(m) with signature chains, traitor strategies chosen by
//! the learner, and a checker for IC1 and IC2.
//!
//! General 0 is the commander; generals 1..n are lieutenants. Both algorithms run in
//! synchronous rounds, which is the model of the paper, so they do not need the
//! event engine.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::rng::mix;

/// What the commander orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Attack.
    Attack,
    /// Retreat, also the default when there is no majority.
    Retreat,
}

impl Order {
    fn flip(self) -> Order {
        match self {
            Order::Attack => Order::Retreat,
            Order::Retreat => Order::Attack,
        }
    }
}

/// How a traitor chooses what to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Always says attack.
    AlwaysAttack,
    /// Always says retreat.
    AlwaysRetreat,
    /// Says the opposite of what it was told (under SM: tries to forge a flipped order).
    Flip,
    /// Attack to even-numbered receivers, retreat to odd ones (under SM: relays only to
    /// even-numbered receivers).
    Split,
    /// The mirror image of `Split`.
    SplitInverse,
}

impl Strategy {
    /// The family the exhaustive checker ranges over.
    pub const ALL: [Strategy; 5] = [
        Strategy::AlwaysAttack,
        Strategy::AlwaysRetreat,
        Strategy::Flip,
        Strategy::Split,
        Strategy::SplitInverse,
    ];

    /// What a traitor says to `to` when it should have said `honest`.
    pub fn say(self, honest: Order, to: usize) -> Order {
        match self {
            Strategy::AlwaysAttack => Order::Attack,
            Strategy::AlwaysRetreat => Order::Retreat,
            Strategy::Flip => honest.flip(),
            Strategy::Split if to.is_multiple_of(2) => Order::Attack,
            Strategy::Split => Order::Retreat,
            Strategy::SplitInverse if to.is_multiple_of(2) => Order::Retreat,
            Strategy::SplitInverse => Order::Attack,
        }
    }
}

/// Which algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// Oral messages, OM(m).
    Om,
    /// Signed messages, SM(m).
    Sm,
}

/// One scenario: who is loyal, what the commander orders, how traitors behave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setup {
    /// Generals, commander included.
    pub n: usize,
    /// Traitors the algorithm is run for (recursion depth / signature rounds).
    pub m: usize,
    /// The commander's order (a loyal commander sends it to everyone).
    pub order: Order,
    /// Traitors and their strategies.
    pub traitors: Vec<(usize, Strategy)>,
}

/// Parameters that cannot run.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum GeneralsError {
    /// Fewer than two generals.
    #[error(
        "the generals problem needs a commander and at least one lieutenant (n >= 2), got n = {0}"
    )]
    TooFew(usize),
    /// m is not below n.
    #[error("m = {m} traitors is not fewer than the n = {n} generals")]
    TooManyTraitors { n: usize, m: usize },
    /// The message tree would not fit on a classroom screen or in memory.
    #[error("OM({m}) with {n} generals sends {messages} messages; keep it under {limit}")]
    TooLarge {
        n: usize,
        m: usize,
        messages: u64,
        limit: u64,
    },
    /// A traitor id outside 0..n.
    #[error("traitor {id} is not one of the generals 0..{n}")]
    UnknownTraitor { id: usize, n: usize },
}

/// Most messages one run may send.
pub const MESSAGE_LIMIT: u64 = 200_000;

impl Setup {
    fn strategy(&self, general: usize) -> Option<Strategy> {
        self.traitors
            .iter()
            .find(|(g, _)| *g == general)
            .map(|(_, s)| *s)
    }

    /// Whether `general` is loyal.
    pub fn loyal(&self, general: usize) -> bool {
        self.strategy(general).is_none()
    }

    /// Check sizes before running.
    pub fn validate(&self) -> Result<(), GeneralsError> {
        if self.n < 2 {
            return Err(GeneralsError::TooFew(self.n));
        }
        if self.m >= self.n {
            return Err(GeneralsError::TooManyTraitors {
                n: self.n,
                m: self.m,
            });
        }
        if let Some(&(id, _)) = self.traitors.iter().find(|(g, _)| *g >= self.n) {
            return Err(GeneralsError::UnknownTraitor { id, n: self.n });
        }
        let messages = om_messages(self.n, self.m);
        if messages > MESSAGE_LIMIT {
            return Err(GeneralsError::TooLarge {
                n: self.n,
                m: self.m,
                messages,
                limit: MESSAGE_LIMIT,
            });
        }
        Ok(())
    }
}

/// Messages OM(m) sends: (n-1) + (n-1)(n-2) + ... over m+1 rounds.
pub fn om_messages(n: usize, m: usize) -> u64 {
    let mut total = 0u64;
    let mut level = 1u64;
    for k in 0..=m {
        level = level.saturating_mul(n.saturating_sub(1 + k) as u64);
        total = total.saturating_add(level);
    }
    total
}

/// One oral message: the chain of generals it passed through and its receiver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OralMessage {
    /// Senders, commander first; the last one sent it to `to`.
    pub path: Vec<usize>,
    /// Receiver.
    pub to: usize,
    /// What was said.
    pub value: Order,
}

/// A node of a lieutenant's decision tree: what it was told along `path` and the
/// majority it computed there (the leaves keep what they were told).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeNode {
    /// The lieutenant deciding.
    pub lieutenant: usize,
    /// The chain of senders.
    pub path: Vec<usize>,
    /// The value received along that chain.
    pub received: Order,
    /// The value it stands for after taking majorities of the subtree.
    pub resolved: Order,
}

/// IC1/IC2 verdict for one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// Each lieutenant's decision (index 0, the commander, is `None`).
    pub decisions: Vec<Option<Order>>,
    /// IC1: all loyal lieutenants decide the same.
    pub ic1: bool,
    /// IC2: if the commander is loyal, every loyal lieutenant obeys it.
    pub ic2: bool,
}

fn verdict(setup: &Setup, decisions: Vec<Option<Order>>) -> Verdict {
    let loyal: Vec<Order> = (1..setup.n)
        .filter(|&g| setup.loyal(g))
        .filter_map(|g| decisions[g])
        .collect();
    let ic1 = loyal.windows(2).all(|w| w[0] == w[1]);
    let ic2 = !setup.loyal(0) || loyal.iter().all(|d| *d == setup.order);
    Verdict {
        decisions,
        ic1,
        ic2,
    }
}

fn majority(values: impl Iterator<Item = Order>) -> Order {
    let (mut attack, mut retreat) = (0usize, 0usize);
    for v in values {
        match v {
            Order::Attack => attack += 1,
            Order::Retreat => retreat += 1,
        }
    }
    if attack > retreat {
        Order::Attack
    } else {
        Order::Retreat
    }
}

/// A full OM(m) run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OmRun {
    /// The scenario.
    pub setup: Setup,
    /// Every message, round by round (round = path length).
    pub messages: Vec<OralMessage>,
    /// Every lieutenant's decision tree, root first within each lieutenant.
    pub tree: Vec<TreeNode>,
    /// Decisions and the IC1/IC2 check.
    pub verdict: Verdict,
}

/// Run OM(m).
pub fn run_om(setup: &Setup) -> Result<OmRun, GeneralsError> {
    setup.validate()?;
    let n = setup.n;
    let say = |from: usize, honest: Order, to: usize| {
        setup.strategy(from).map_or(honest, |s| s.say(honest, to))
    };
    let mut messages: Vec<OralMessage> = (1..n)
        .map(|to| OralMessage {
            path: vec![0],
            to,
            value: say(0, setup.order, to),
        })
        .collect();
    let mut round_start = 0;
    for _ in 0..setup.m {
        let round_end = messages.len();
        for i in round_start..round_end {
            let (path, relay, value) =
                (messages[i].path.clone(), messages[i].to, messages[i].value);
            let mut next = path.clone();
            next.push(relay);
            for to in (1..n).filter(|j| !next.contains(j)) {
                messages.push(OralMessage {
                    path: next.clone(),
                    to,
                    value: say(relay, value, to),
                });
            }
        }
        round_start = round_end;
    }
    let received: HashMap<(&[usize], usize), Order> = messages
        .iter()
        .map(|m| ((m.path.as_slice(), m.to), m.value))
        .collect();
    let mut tree = Vec::new();
    let mut decisions = vec![None; n];
    for (lieutenant, decision) in decisions.iter_mut().enumerate().skip(1) {
        let resolved = resolve(setup, &received, &mut vec![0], lieutenant, &mut tree);
        *decision = Some(resolved);
    }
    let verdict = verdict(setup, decisions);
    Ok(OmRun {
        setup: setup.clone(),
        messages,
        tree,
        verdict,
    })
}

/// OM(m)'s decision rule seen from one lieutenant: at each node take the majority of
/// what it was told directly and what each other lieutenant's sub-run resolved to.
fn resolve(
    setup: &Setup,
    received: &HashMap<(&[usize], usize), Order>,
    path: &mut Vec<usize>,
    me: usize,
    tree: &mut Vec<TreeNode>,
) -> Order {
    let told = received[&(path.as_slice(), me)];
    let slot = tree.len();
    tree.push(TreeNode {
        lieutenant: me,
        path: path.clone(),
        received: told,
        resolved: told,
    });
    if path.len() == setup.m + 1 {
        return told;
    }
    let others: Vec<usize> = (1..setup.n)
        .filter(|j| *j != me && !path.contains(j))
        .collect();
    let mut votes = vec![told];
    for j in others {
        path.push(j);
        votes.push(resolve(setup, received, path, me, tree));
        path.pop();
    }
    let resolved = majority(votes.into_iter());
    tree[slot].resolved = resolved;
    resolved
}

/// A signed order: the value and the chain of signatures, commander first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedOrder {
    /// The order.
    pub value: Order,
    /// Who signed, in order.
    pub signers: Vec<usize>,
    /// Each signer's tag over the value and the chain before it.
    pub tags: Vec<u64>,
}

/// Simulated signatures: a keyed mix of the signer's secret with the value and the
/// previous tag. Generals cannot compute each other's tags, which is all the proof
/// needs; a forged chain fails [`verify`].
fn sign(signer: usize, value: Order, previous: u64) -> u64 {
    let secret = mix(0x51_6E_4E_D0, signer as u64);
    mix(mix(secret, previous), value as u64 + 1)
}

/// Check every signature of a chain.
pub fn verify(order: &SignedOrder) -> bool {
    let mut previous = 0;
    order.signers.len() == order.tags.len()
        && order.signers.iter().zip(&order.tags).all(|(&s, &t)| {
            let ok = sign(s, order.value, previous) == t;
            previous = t;
            ok
        })
}

fn extend(order: &SignedOrder, signer: usize) -> SignedOrder {
    let previous = order.tags.last().copied().unwrap_or(0);
    let mut next = order.clone();
    next.signers.push(signer);
    next.tags.push(sign(signer, order.value, previous));
    next
}

/// One signed message and what the receiver made of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedMessage {
    /// Round (1 = from the commander).
    pub round: usize,
    /// Receiver.
    pub to: usize,
    /// The chain as received.
    pub order: SignedOrder,
    /// False when a signature did not check out and the message was discarded.
    pub valid: bool,
}

/// A full SM(m) run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SmRun {
    /// The scenario.
    pub setup: Setup,
    /// Every message in round order.
    pub messages: Vec<SignedMessage>,
    /// The set V_i of orders each lieutenant accepted.
    pub accepted: Vec<BTreeSet<Order>>,
    /// Decisions and the IC1/IC2 check.
    pub verdict: Verdict,
}

/// Run SM(m): accept every validly signed order, relay it with one's own signature
/// while the chain has at most m lieutenant signatures, and decide `Attack` only if it
/// is the single order seen.
pub fn run_sm(setup: &Setup) -> Result<SmRun, GeneralsError> {
    setup.validate()?;
    let n = setup.n;
    let mut accepted = vec![BTreeSet::new(); n];
    let mut messages = Vec::new();
    let mut inbox: Vec<(usize, SignedOrder)> = (1..n)
        .map(|to| {
            let value = setup
                .strategy(0)
                .map_or(setup.order, |s| s.say(setup.order, to));
            (
                to,
                extend(
                    &SignedOrder {
                        value,
                        signers: vec![],
                        tags: vec![],
                    },
                    0,
                ),
            )
        })
        .collect();
    for round in 1..=setup.m + 1 {
        let mut outbox = Vec::new();
        for (to, order) in inbox {
            let valid = verify(&order);
            messages.push(SignedMessage {
                round,
                to,
                order: order.clone(),
                valid,
            });
            if !valid || !accepted[to].insert(order.value) || order.signers.len() > setup.m {
                continue;
            }
            let relayed = extend(&order, to);
            for next in (1..n).filter(|j| !relayed.signers.contains(j)) {
                if let Some(copy) = traitor_relay(setup.strategy(to), &relayed, next) {
                    outbox.push((next, copy));
                }
            }
        }
        inbox = outbox;
    }
    let decisions = (0..n)
        .map(|g| match g {
            0 => None,
            _ if accepted[g].len() == 1 => accepted[g].iter().next().copied(),
            _ => Some(Order::Retreat),
        })
        .collect();
    let verdict = verdict(setup, decisions);
    Ok(SmRun {
        setup: setup.clone(),
        messages,
        accepted,
        verdict,
    })
}

/// A traitorous lieutenant cannot change a signed value; it can only choose whom to
/// tell, or try a forgery that the receiver's signature check throws away.
fn traitor_relay(
    strategy: Option<Strategy>,
    order: &SignedOrder,
    to: usize,
) -> Option<SignedOrder> {
    match strategy {
        None => Some(order.clone()),
        Some(Strategy::AlwaysAttack) => (order.value == Order::Attack).then(|| order.clone()),
        Some(Strategy::AlwaysRetreat) => (order.value == Order::Retreat).then(|| order.clone()),
        Some(Strategy::Flip) => Some(SignedOrder {
            value: order.value.flip(),
            ..order.clone()
        }),
        Some(Strategy::Split) => to.is_multiple_of(2).then(|| order.clone()),
        Some(Strategy::SplitInverse) => (!to.is_multiple_of(2)).then(|| order.clone()),
    }
}

/// Run either algorithm and return its verdict.
pub fn check(algorithm: Algorithm, setup: &Setup) -> Result<Verdict, GeneralsError> {
    Ok(match algorithm {
        Algorithm::Om => run_om(setup)?.verdict,
        Algorithm::Sm => run_sm(setup)?.verdict,
    })
}

/// What an exhaustive sweep found.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Sweep {
    /// Algorithm.
    pub algorithm: Algorithm,
    /// Generals.
    pub n: usize,
    /// Traitors tolerated by design.
    pub m: usize,
    /// Traitor placements checked (sets of at most m generals).
    pub placements: u64,
    /// Scenarios run (placements x strategies x commander orders).
    pub cases: u64,
    /// Scenarios where loyal lieutenants disagreed.
    pub ic1_violations: u64,
    /// Scenarios where a loyal commander was disobeyed.
    pub ic2_violations: u64,
    /// The first violating scenario, with its decisions.
    pub counterexample: Option<(Setup, Verdict)>,
}

/// Most scenarios one sweep may run.
pub const SWEEP_LIMIT: u64 = 2_000_000;

/// Every placement of up to `m` traitors among the `n` generals, every assignment of
/// strategies from [`Strategy::ALL`], both commander orders.
pub fn sweep(algorithm: Algorithm, n: usize, m: usize) -> Result<Sweep, GeneralsError> {
    Setup {
        n,
        m,
        order: Order::Attack,
        traitors: vec![],
    }
    .validate()?;
    let placements = subsets(n, m);
    let cases: u64 = placements
        .iter()
        .map(|p| 2 * (Strategy::ALL.len() as u64).pow(p.len() as u32))
        .sum();
    if cases.saturating_mul(om_messages(n, m)) > SWEEP_LIMIT * 50 {
        return Err(GeneralsError::TooLarge {
            n,
            m,
            messages: cases.saturating_mul(om_messages(n, m)),
            limit: SWEEP_LIMIT * 50,
        });
    }
    let mut sweep = Sweep {
        algorithm,
        n,
        m,
        placements: placements.len() as u64,
        cases: 0,
        ic1_violations: 0,
        ic2_violations: 0,
        counterexample: None,
    };
    for placement in &placements {
        let combos = (Strategy::ALL.len() as u64).pow(placement.len() as u32);
        for combo in 0..combos {
            let mut code = combo;
            let traitors = placement
                .iter()
                .map(|&g| {
                    let s = Strategy::ALL[(code % Strategy::ALL.len() as u64) as usize];
                    code /= Strategy::ALL.len() as u64;
                    (g, s)
                })
                .collect::<Vec<_>>();
            for order in [Order::Attack, Order::Retreat] {
                let setup = Setup {
                    n,
                    m,
                    order,
                    traitors: traitors.clone(),
                };
                let verdict = check(algorithm, &setup)?;
                sweep.cases += 1;
                sweep.ic1_violations += u64::from(!verdict.ic1);
                sweep.ic2_violations += u64::from(!verdict.ic2);
                if (!verdict.ic1 || !verdict.ic2) && sweep.counterexample.is_none() {
                    sweep.counterexample = Some((setup, verdict));
                }
            }
        }
    }
    Ok(sweep)
}

/// All subsets of `0..n` with at most `m` elements, smallest first.
fn subsets(n: usize, m: usize) -> Vec<Vec<usize>> {
    let mut out = vec![vec![]];
    let mut frontier = vec![vec![]];
    for _ in 0..m {
        let mut next = Vec::new();
        for set in &frontier {
            let start = set.last().map_or(0, |l| l + 1);
            for g in start..n {
                let mut bigger: Vec<usize> = set.clone();
                bigger.push(g);
                next.push(bigger);
            }
        }
        out.extend(next.iter().cloned());
        frontier = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn om_fails_with_three_generals_and_one_traitor() {
        let sweep = sweep(Algorithm::Om, 3, 1).unwrap();
        assert_eq!(sweep.placements, 4);
        assert!(sweep.ic1_violations + sweep.ic2_violations > 0);
        let (setup, verdict) = sweep.counterexample.unwrap();
        assert!(!verdict.ic1 || !verdict.ic2);
        assert_eq!(setup.traitors.len(), 1);
    }

    #[test]
    fn paper_figure_traitorous_lieutenant_fools_the_other() {
        // Lamport figure 1: loyal commander says attack, lieutenant 2 lies.
        let setup = Setup {
            n: 3,
            m: 1,
            order: Order::Attack,
            traitors: vec![(2, Strategy::Flip)],
        };
        let run = run_om(&setup).unwrap();
        assert_eq!(run.verdict.decisions[1], Some(Order::Retreat));
        assert!(!run.verdict.ic2);
    }

    #[test]
    fn om_holds_when_n_exceeds_three_m() {
        for (n, m) in [(4, 1), (5, 1), (7, 2)] {
            let sweep = sweep(Algorithm::Om, n, m).unwrap();
            assert_eq!(
                (sweep.ic1_violations, sweep.ic2_violations),
                (0, 0),
                "n={n} m={m}"
            );
            assert!(sweep.cases > 0);
        }
    }

    #[test]
    fn om_tree_has_every_message_and_node() {
        let run = run_om(&Setup {
            n: 4,
            m: 1,
            order: Order::Attack,
            traitors: vec![(3, Strategy::Split)],
        })
        .unwrap();
        assert_eq!(run.messages.len() as u64, om_messages(4, 1));
        assert_eq!(run.messages.len(), 3 + 3 * 2);
        // Each lieutenant: a root plus one leaf per other lieutenant.
        assert_eq!(run.tree.len(), 3 * 3);
        assert_eq!(
            run.verdict.decisions[1..3],
            [Some(Order::Attack), Some(Order::Attack)]
        );
    }

    #[test]
    fn sm_holds_for_any_n_even_three() {
        for (n, m) in [(3, 1), (4, 2), (5, 3), (6, 2)] {
            let sweep = sweep(Algorithm::Sm, n, m).unwrap();
            assert_eq!(
                (sweep.ic1_violations, sweep.ic2_violations),
                (0, 0),
                "n={n} m={m}"
            );
        }
    }

    #[test]
    fn forged_signatures_are_rejected() {
        let run = run_sm(&Setup {
            n: 3,
            m: 1,
            order: Order::Attack,
            traitors: vec![(2, Strategy::Flip)],
        })
        .unwrap();
        let forged: Vec<&SignedMessage> = run.messages.iter().filter(|m| !m.valid).collect();
        assert_eq!(forged.len(), 1);
        assert_eq!(forged[0].order.value, Order::Retreat);
        assert_eq!(run.verdict.decisions[1], Some(Order::Attack));
    }

    #[test]
    fn traitorous_commander_under_sm_is_caught_by_two_values() {
        let run = run_sm(&Setup {
            n: 3,
            m: 1,
            order: Order::Attack,
            traitors: vec![(0, Strategy::Split)],
        })
        .unwrap();
        assert_eq!(run.accepted[1].len(), 2);
        assert_eq!(run.verdict.decisions[1], run.verdict.decisions[2]);
    }

    #[test]
    fn rejects_bad_sizes() {
        assert_eq!(
            run_om(&Setup {
                n: 1,
                m: 0,
                order: Order::Attack,
                traitors: vec![]
            })
            .err(),
            Some(GeneralsError::TooFew(1))
        );
        assert!(matches!(
            sweep(Algorithm::Om, 30, 6),
            Err(GeneralsError::TooLarge { .. })
        ));
        assert_eq!(subsets(4, 2).len(), 1 + 4 + 6);
    }
}
