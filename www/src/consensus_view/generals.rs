//! The Byzantine generals views: each lieutenant's OM(m) decision tree, nested as the
//! recursion runs, and SM(m) signature chains written the way the paper writes them.

use consensus::generals::{self, GeneralsError, OmRun, Order, Setup, SignedOrder, SmRun};

use super::settings::{GeneralsAlgorithm, GeneralsSettings};

/// A run of either algorithm.
#[derive(Debug, Clone)]
pub enum Run {
    Om(OmRun),
    Sm(SmRun),
}

impl Run {
    /// Decisions and the IC1/IC2 verdict.
    pub fn verdict(&self) -> &generals::Verdict {
        match self {
            Run::Om(run) => &run.verdict,
            Run::Sm(run) => &run.verdict,
        }
    }

    /// The scenario that ran.
    pub fn setup(&self) -> &Setup {
        match self {
            Run::Om(run) => &run.setup,
            Run::Sm(run) => &run.setup,
        }
    }
}

/// The scenario a widget's settings describe: the commander orders attack, every
/// traitor lies the same way.
pub fn setup(settings: &GeneralsSettings) -> Setup {
    Setup {
        n: settings.n,
        m: settings.m,
        order: Order::Attack,
        traitors: settings
            .traitors
            .iter()
            .map(|&t| (t, settings.strategy))
            .collect(),
    }
}

/// Runs the engine; the engine's own error explains impossible settings.
pub fn run(settings: &GeneralsSettings) -> Result<Run, GeneralsError> {
    let setup = setup(settings);
    Ok(match settings.algorithm {
        GeneralsAlgorithm::Om => Run::Om(generals::run_om(&setup)?),
        GeneralsAlgorithm::Sm => Run::Sm(generals::run_sm(&setup)?),
    })
}

/// One node of a lieutenant's OM(m) tree: what it heard along `path`, and (for inner
/// nodes) the majority of that and its children's results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionNode {
    /// Senders, commander first.
    pub path: Vec<usize>,
    pub received: Order,
    pub resolved: Order,
    pub children: Vec<DecisionNode>,
}

impl DecisionNode {
    /// The votes of the majority at this node: (attack, retreat), counting what was
    /// heard directly and what each child resolved to.
    pub fn votes(&self) -> (usize, usize) {
        std::iter::once(self.received)
            .chain(self.children.iter().map(|c| c.resolved))
            .fold((0, 0), |(a, r), v| match v {
                Order::Attack => (a + 1, r),
                Order::Retreat => (a, r + 1),
            })
    }

    /// How many levels the tree has (the root alone is one), for the level slider.
    pub fn count_levels(&self) -> usize {
        1 + self
            .children
            .iter()
            .map(Self::count_levels)
            .max()
            .unwrap_or(0)
    }
}

/// Each lieutenant's decision tree, rebuilt from the engine's pre-order node list.
pub fn decision_trees(run: &OmRun) -> Vec<(usize, DecisionNode)> {
    let mut nodes = run.tree.iter().peekable();
    let mut trees = Vec::new();
    while let Some(root) = nodes.next() {
        let mut node = leaf(root);
        fill(&mut node, &mut nodes, root.lieutenant);
        trees.push((root.lieutenant, node));
    }
    trees
}

fn leaf(node: &generals::TreeNode) -> DecisionNode {
    DecisionNode {
        path: node.path.clone(),
        received: node.received,
        resolved: node.resolved,
        children: Vec::new(),
    }
}

fn fill<'a>(
    parent: &mut DecisionNode,
    nodes: &mut std::iter::Peekable<impl Iterator<Item = &'a generals::TreeNode>>,
    lieutenant: usize,
) {
    while let Some(next) = nodes.peek() {
        let is_child = next.lieutenant == lieutenant
            && next.path.len() == parent.path.len() + 1
            && next.path.starts_with(&parent.path);
        if !is_child {
            return;
        }
        let mut child = leaf(next);
        nodes.next();
        fill(&mut child, nodes, lieutenant);
        parent.children.push(child);
    }
}

/// A signature chain as the paper writes it: the value, then each signer.
pub fn chain_label(order: &SignedOrder, attack: &str, retreat: &str) -> String {
    let value = match order.value {
        Order::Attack => attack,
        Order::Retreat => retreat,
    };
    std::iter::once(value.to_owned())
        .chain(order.signers.iter().map(usize::to_string))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::generals::Strategy;

    fn settings(algorithm: GeneralsAlgorithm, n: usize, traitors: Vec<usize>) -> GeneralsSettings {
        GeneralsSettings {
            algorithm,
            n,
            m: 1,
            traitors,
            strategy: Strategy::Flip,
        }
    }

    #[test]
    fn three_generals_one_traitor_break_om_but_not_sm() {
        let om = run(&settings(GeneralsAlgorithm::Om, 3, vec![2])).unwrap();
        let v = om.verdict();
        assert_eq!(
            v.decisions[1],
            Some(Order::Retreat),
            "1 hears attack and retreat"
        );
        assert!(!v.ic2, "loyal lieutenant 1 disobeys a loyal commander");
        let sm = run(&settings(GeneralsAlgorithm::Sm, 3, vec![2])).unwrap();
        assert!(sm.verdict().ic1 && sm.verdict().ic2);
        assert_eq!(sm.verdict().decisions[1], Some(Order::Attack));
    }

    #[test]
    fn four_generals_tolerate_one_traitor_and_the_tree_shows_why() {
        let Run::Om(om) = run(&settings(GeneralsAlgorithm::Om, 4, vec![3])).unwrap() else {
            unreachable!()
        };
        assert!(om.verdict.ic1 && om.verdict.ic2);
        let trees = decision_trees(&om);
        assert_eq!(trees.iter().map(|t| t.0).collect::<Vec<_>>(), vec![1, 2, 3]);
        let (_, one) = &trees[0];
        assert_eq!(one.path, vec![0]);
        assert_eq!(one.children.len(), 2);
        assert_eq!(one.children[1].path, vec![0, 3]);
        assert_eq!(
            one.children[1].received,
            Order::Retreat,
            "the traitor flips"
        );
        assert_eq!(one.votes(), (2, 1));
        assert_eq!(one.resolved, Order::Attack);
        assert_eq!(one.count_levels(), 2);
    }

    #[test]
    fn om2_trees_have_three_levels_and_every_engine_node() {
        let mut s = settings(GeneralsAlgorithm::Om, 7, vec![0, 4]);
        s.m = 2;
        let Run::Om(om) = run(&s).unwrap() else {
            unreachable!()
        };
        let trees = decision_trees(&om);
        fn size(node: &DecisionNode) -> usize {
            1 + node.children.iter().map(size).sum::<usize>()
        }
        assert_eq!(
            trees.iter().map(|(_, t)| size(t)).sum::<usize>(),
            om.tree.len()
        );
        assert!(trees.iter().all(|(_, t)| t.count_levels() == 3));
        assert!(om.verdict.ic1, "OM(2) with 7 generals survives 2 traitors");
    }

    #[test]
    fn chains_read_like_the_paper() {
        let Run::Sm(sm) = run(&settings(GeneralsAlgorithm::Sm, 4, vec![])).unwrap() else {
            unreachable!()
        };
        let labels: Vec<String> = sm
            .messages
            .iter()
            .map(|m| chain_label(&m.order, "attack", "retreat"))
            .collect();
        assert!(labels.contains(&"attack:0".to_owned()));
        assert!(labels.contains(&"attack:0:2".to_owned()));
        assert!(sm.messages.iter().all(|m| m.valid));
    }

    #[test]
    fn impossible_settings_get_the_engine_error() {
        let bad = settings(GeneralsAlgorithm::Om, 3, vec![5]);
        assert!(matches!(
            run(&bad),
            Err(GeneralsError::UnknownTraitor { id: 5, n: 3 })
        ));
    }
}
