//! The race widget's words, in both languages.

use crate::consensus_view::race::ChartPoint;
use crate::i18n::Lang;

pub struct Text {
    pub title: &'static str,
    pub q_label: &'static str,
    pub z_label: &'static str,
    pub run: &'static str,
    pub run_again: &'static str,
    pub running: &'static str,
    pub formula: &'static str,
    pub simulated: &'static str,
    pub races: &'static str,
    pub not_run: &'static str,
    pub majority: &'static str,
    pub chart_title: &'static str,
    pub chart_x: &'static str,
    pub legend_formula: &'static str,
    pub legend_exact: &'static str,
    pub legend_simulated: &'static str,
    pub merchant: &'static str,
    pub walks_title: &'static str,
    pub walks_axis: &'static str,
    pub catch_up_line: &'static str,
    pub won: &'static str,
    pub lost: &'static str,
}

const EN: Text = Text {
    title: "Double-spend race",
    q_label: "Attacker's share of hash power q",
    z_label: "Merchant waits for z confirmations",
    run: "Run the races",
    run_again: "Run new races",
    running: "racing…",
    formula: "whitepaper formula",
    simulated: "simulated",
    races: "races per point",
    not_run: "Press “Run the races” to simulate thousands of races for every z.",
    majority: "With q ≥ 50% the attacker finds blocks at least as fast as everyone else: it catches up sooner or later, however long the merchant waits. This is the 51% attack.",
    chart_title: "Probability that the attacker catches up, by confirmations (log scale)",
    chart_x: "confirmations z",
    legend_formula: "● line: whitepaper formula",
    legend_exact: "┄ dashed: exact probability",
    legend_simulated: "■ with bars: simulation (95% interval)",
    merchant: "merchant",
    walks_title: "Sample races: attacker's lead (attacker blocks − honest blocks) after each block",
    walks_axis: "blocks found",
    catch_up_line: "0 = attacker has caught up",
    won: "★ attacker's chain became longer after {z} confirmations at block {b}: double spend succeeds",
    lost: "✗ attacker never got ahead within {b} blocks: merchant safe",
};

const ZH: Text = Text {
    title: "双花竞赛",
    q_label: "攻击者算力占比 q",
    z_label: "商家等待确认数 z",
    run: "开始竞赛",
    run_again: "再来一批竞赛",
    running: "竞赛中……",
    formula: "白皮书公式",
    simulated: "模拟",
    races: "次竞赛/每点",
    not_run: "点击“开始竞赛”，为每个 z 模拟几千次竞赛。",
    majority: "当 q ≥ 50% 时，攻击者出块至少和其他人一样快：无论商家等多久，它迟早都会追上。这就是 51% 攻击。",
    chart_title: "攻击者追上的概率与确认数的关系（对数坐标）",
    chart_x: "确认数 z",
    legend_formula: "● 折线：白皮书公式",
    legend_exact: "┄ 虚线：精确概率",
    legend_simulated: "■ 带误差线：模拟结果（95% 区间）",
    merchant: "商家",
    walks_title: "竞赛样本：每出一个块后攻击者的领先数（攻击者块数 − 诚实块数）",
    walks_axis: "已出块数",
    catch_up_line: "0 = 攻击者已追上",
    won: "★ 在 {z} 个确认之后，攻击者的链在第 {b} 块时变得更长：双花成功",
    lost: "✗ {b} 个块内攻击者始终没有领先：商家安全",
};

pub fn for_lang(lang: Lang) -> Text {
    match lang {
        Lang::En => EN,
        Lang::Zh => ZH,
    }
}

/// The sentence under the controls: the formula's value at the merchant's z and, once
/// simulated, the estimate beside it.
pub fn readout(
    t: &Text,
    q: f64,
    z: u32,
    formula: f64,
    point: Option<&ChartPoint>,
    running: bool,
) -> String {
    let head = format!("q = {q:.2}, z = {z}: {} P = {formula:.7}", t.formula);
    match point {
        Some(p) => format!(
            "{head}; {} P = {:.4} ({:.4}–{:.4}, {} {})",
            t.simulated, p.estimate, p.low, p.high, p.trials, t.races
        ),
        None if running => format!("{head}; {}", t.running),
        None => format!("{head}. {}", t.not_run),
    }
}
