//! The student's event feed: what just happened on this node, in plain words.
//!
//! Items are kept as data (so tests and the dashboard can read them) and worded in
//! English or Chinese only when shown.

use std::collections::VecDeque;

use ledger::{Amount, BlockHash, Txid};
use node::classroom::Side;

use crate::i18n::Lang;

/// Items kept; older ones scroll away.
pub const FEED_LEN: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedKind {
    /// A block joined our active chain; `by` names its miner if the class knows it.
    NewBlock {
        height: u32,
        hash: BlockHash,
        by: Miner,
    },
    /// The active chain switched branches.
    Reorg {
        depth: usize,
        new_tip: BlockHash,
    },
    PaymentReceived {
        txid: Txid,
        amount: Amount,
    },
    PaymentConfirmed {
        txid: Txid,
        amount: Amount,
    },
    /// A payment's block was reorganised away; it waits for a block again.
    PaymentUnconfirmed {
        txid: Txid,
        amount: Amount,
    },
    /// A payment vanished: the same coins were spent on the winning chain.
    PaymentReversed {
        txid: Txid,
        amount: Amount,
    },
    PeerJoined {
        name: String,
    },
    PeerLeft {
        name: String,
    },
    /// The node stopped talking to a peer for what it did.
    PeerBanned {
        name: String,
        reason: String,
    },
    /// The instructor reset the room: a new chain.
    EpochReset {
        epoch: u32,
    },
    /// The instructor started or ended a scenario.
    Scenario {
        side: Side,
        split: bool,
    },
    /// This node, the attacker, paid the merchant and kept the coins in secret.
    AttackStarted {
        amount: Amount,
        merchant: String,
    },
    /// The attack could not start.
    AttackFailed {
        reason: String,
    },
}

/// Who mined a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Miner {
    Me,
    Named(String),
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedItem {
    /// Increases by one per item: a stable key for lists.
    pub id: u64,
    /// When it happened (the shell's clock, ms).
    pub at_ms: u64,
    pub kind: FeedKind,
}

impl FeedItem {
    /// Whether the learner should notice this one (styled as a warning).
    pub fn is_alert(&self) -> bool {
        matches!(
            self.kind,
            FeedKind::Reorg { .. }
                | FeedKind::PaymentReversed { .. }
                | FeedKind::PaymentUnconfirmed { .. }
                | FeedKind::PeerBanned { .. }
                | FeedKind::AttackFailed { .. }
        )
    }

    /// The item in words.
    pub fn text(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        match &self.kind {
            FeedKind::NewBlock { height, hash, by } => {
                let short = short_hash(hash);
                match (by, zh) {
                    (Miner::Me, false) => format!("You mined block #{height} ({short})"),
                    (Miner::Me, true) => format!("你挖出了区块 #{height}（{short}）"),
                    (Miner::Named(name), false) => {
                        format!("New block #{height} ({short}) mined by {name}")
                    }
                    (Miner::Named(name), true) => {
                        format!("新区块 #{height}（{short}），由 {name} 挖出")
                    }
                    (Miner::Unknown, false) => format!("New block #{height} ({short})"),
                    (Miner::Unknown, true) => format!("新区块 #{height}（{short}）"),
                }
            }
            FeedKind::Reorg { depth, new_tip } => {
                let short = short_hash(new_tip);
                if zh {
                    format!(
                        "链重组：撤销了 {depth} 个区块，切换到工作量更多的分支（新链顶 {short}）"
                    )
                } else {
                    let blocks = plural(*depth, "block", "blocks");
                    format!(
                        "Reorganisation: {depth} {blocks} undone, switched to the branch with more work (new tip {short})"
                    )
                }
            }
            FeedKind::PaymentReceived { amount, .. } => {
                if zh {
                    format!("收到一笔 {amount} 币的付款（等待确认）")
                } else {
                    format!("Payment of {amount} coins received (waiting for a block)")
                }
            }
            FeedKind::PaymentConfirmed { amount, .. } => {
                if zh {
                    format!("{amount} 币的付款已被打包进区块（1 个确认）")
                } else {
                    format!("Payment of {amount} coins is in a block (1 confirmation)")
                }
            }
            FeedKind::PaymentUnconfirmed { amount, .. } => {
                if zh {
                    format!("{amount} 币的付款所在区块被撤销，它重新等待确认")
                } else {
                    format!(
                        "The block holding the {amount}-coin payment was undone; it waits for a block again"
                    )
                }
            }
            FeedKind::PaymentReversed { amount, .. } => {
                if zh {
                    format!("{amount} 币的付款被撤销了：同一笔币在胜出的链上被花到了别处（双花）")
                } else {
                    format!(
                        "The {amount}-coin payment was reversed: the same coins were spent elsewhere on the winning chain (a double spend)"
                    )
                }
            }
            FeedKind::PeerJoined { name } => {
                if zh {
                    format!("{name} 加入了网络")
                } else {
                    format!("{name} joined the network")
                }
            }
            FeedKind::PeerLeft { name } => {
                if zh {
                    format!("{name} 离开了网络")
                } else {
                    format!("{name} left the network")
                }
            }
            FeedKind::PeerBanned { name, reason } => {
                if zh {
                    format!("已断开并屏蔽 {name}：{reason}")
                } else {
                    format!("Disconnected and banned {name}: {reason}")
                }
            }
            FeedKind::EpochReset { epoch } => {
                if zh {
                    format!("老师重置了教室：从新的创世区块开始第 {epoch} 轮（钱包密钥保留）")
                } else {
                    format!(
                        "The instructor reset the room: round {epoch} starts from a new genesis block (your wallet keys are kept)"
                    )
                }
            }
            FeedKind::Scenario { side, split } => scenario_text(*side, *split, zh),
            FeedKind::AttackStarted { amount, merchant } => {
                if zh {
                    format!(
                        "你向 {merchant} 公开支付了 {amount} 币，同时把同一笔币转回自己，并开始秘密挖矿"
                    )
                } else {
                    format!(
                        "You paid {merchant} {amount} coins in public, spent the same coins back to yourself, and now mine in secret"
                    )
                }
            }
            FeedKind::AttackFailed { reason } => {
                if zh {
                    format!("双花攻击无法开始：{reason}")
                } else {
                    format!("The double spend could not start: {reason}")
                }
            }
        }
    }
}

fn scenario_text(side: Side, split: bool, zh: bool) -> String {
    match (side, split, zh) {
        (Side::Everyone, _, false) => {
            "The network is whole again: nodes sync to the chain with the most work".into()
        }
        (Side::Everyone, _, true) => "网络恢复连通：各节点同步到工作量最多的链".into(),
        (Side::Group, true, false) => "The network is split: you are on side A".into(),
        (Side::Group, true, true) => "网络被分割：你在 A 侧".into(),
        (Side::Rest, true, false) => "The network is split: you are on side B".into(),
        (Side::Rest, true, true) => "网络被分割：你在 B 侧".into(),
        (Side::Group, false, false) => {
            "You are in the secret group: you only talk to its members".into()
        }
        (Side::Group, false, true) => "你在秘密小组中：只与组内成员通信".into(),
        (Side::Rest, false, false) => "A secret group is mining out of sight".into(),
        (Side::Rest, false, true) => "有一个秘密小组在暗中挖矿".into(),
    }
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// The first 12 hex digits: enough to tell blocks apart in a class.
pub fn short_hash(hash: &impl ToString) -> String {
    let text = hash.to_string();
    text.chars().take(12).collect()
}

#[derive(Debug, Default)]
pub struct Feed {
    items: VecDeque<FeedItem>,
    next_id: u64,
}

impl Feed {
    pub fn push(&mut self, at_ms: u64, kind: FeedKind) {
        self.next_id += 1;
        self.items.push_back(FeedItem {
            id: self.next_id,
            at_ms,
            kind,
        });
        while self.items.len() > FEED_LEN {
            self.items.pop_front();
        }
    }

    /// Items, newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = &FeedItem> {
        self.items.iter().rev()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feed_keeps_the_newest_items_with_increasing_ids() {
        let mut feed = Feed::default();
        for epoch in 0..(FEED_LEN as u32 + 5) {
            feed.push(u64::from(epoch), FeedKind::EpochReset { epoch });
        }
        assert_eq!(feed.len(), FEED_LEN);
        let newest = feed.newest_first().next().unwrap();
        assert_eq!(
            newest.kind,
            FeedKind::EpochReset {
                epoch: FEED_LEN as u32 + 4
            }
        );
        assert_eq!(newest.id, FEED_LEN as u64 + 5);
    }

    #[test]
    fn items_read_in_both_languages_and_alerts_are_marked() {
        let item = FeedItem {
            id: 1,
            at_ms: 0,
            kind: FeedKind::Reorg {
                depth: 2,
                new_tip: BlockHash::from_byte_array([0xab; 32]),
            },
        };
        assert!(item.is_alert());
        assert!(item.text(Lang::En).contains("2 blocks undone"));
        assert!(item.text(Lang::Zh).contains("撤销了 2 个区块"));
        let split = FeedItem {
            id: 2,
            at_ms: 0,
            kind: FeedKind::Scenario {
                side: Side::Rest,
                split: true,
            },
        };
        assert!(!split.is_alert());
        assert!(split.text(Lang::En).ends_with("side B"));
        assert!(split.text(Lang::Zh).contains("B 侧"));
    }
}
