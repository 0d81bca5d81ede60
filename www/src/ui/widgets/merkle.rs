//! A Merkle tree the learner builds from transactions: the ledger's tree drawn level
//! by level, one leaf's proof checked hash by hash against the published root, and the
//! hashes a tamper changes marked all the way up.

use ledger::{MerkleTree, TxMerkleNode};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::i18n::{Lang, fill};
use crate::lesson::WaitFor;
use crate::merkle_view::{self, NodeBox, Role, changed, layout, proof_steps, tree_of};
use crate::ui::use_lang;

/// Most transactions the drawing stays readable with.
pub const MAX_LEAVES: usize = 16;
const NAMES: [&str; 4] = ["Alice", "Bob", "Carol", "Dave"];

/// The lesson's transaction texts: everyone pays the next person.
pub fn sample_texts(count: usize) -> Vec<String> {
    (0..count).map(sample_text).collect()
}

fn sample_text(i: usize) -> String {
    format!("{} pays {} {}", NAMES[i % 4], NAMES[(i + 1) % 4], i + 1)
}

#[derive(Properties, PartialEq)]
pub struct MerkleProps {
    pub leaves: u32,
    pub on_event: Callback<WaitFor>,
}

#[component]
pub fn MerkleWidget(props: &MerkleProps) -> Html {
    let t = text(use_lang());
    let texts = use_state(|| sample_texts(props.leaves as usize));
    // The root as published in a block header; edits do not change it.
    let published = use_state(|| sample_texts(props.leaves as usize));
    let leaf = use_state(|| None::<usize>);
    let shown = use_state(|| 0usize);

    let tree = tree_of(&texts).expect("at least one transaction");
    let reference = tree_of(&published).expect("at least one transaction");
    let marks = changed(&reference, &tree);
    let boxes = layout(&tree);
    let proof = leaf.and_then(|i| tree.proof(i).ok());
    let steps = proof.as_ref().map(proof_steps).unwrap_or_default();

    {
        let on_event = props.on_event.clone();
        let verified = proof.is_some()
            && *shown == steps.len()
            && proof.as_ref().is_some_and(|p| {
                steps
                    .last()
                    .map_or(TxMerkleNode::from_byte_array(p.txid.to_byte_array()), |s| {
                        s.result
                    })
                    == reference.root()
            });
        use_effect_with(verified, move |&ok| {
            if ok {
                on_event.emit(WaitFor::MerkleProofVerified);
            }
        });
    }

    let resize = |delta: isize| {
        let (texts, published, leaf, shown) = (
            texts.clone(),
            published.clone(),
            leaf.clone(),
            shown.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let count = (texts.len() as isize + delta).clamp(1, MAX_LEAVES as isize) as usize;
            let next = sample_texts(count);
            texts.set(next.clone());
            published.set(next);
            leaf.set(None);
            shown.set(0);
        })
    };
    let on_edit = |i: usize| {
        let (texts, published, on_event, shown) = (
            texts.clone(),
            published.clone(),
            props.on_event.clone(),
            shown.clone(),
        );
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let mut next = (*texts).clone();
            next[i] = input.value();
            if next[i] != published[i] {
                on_event.emit(WaitFor::MerkleTampered);
            }
            texts.set(next);
            shown.set(0);
        })
    };
    let pick = |i: usize| {
        let (leaf, shown) = (leaf.clone(), shown.clone());
        Callback::from(move |_: MouseEvent| {
            leaf.set(Some(i));
            shown.set(0);
        })
    };
    let step = {
        let (shown, total) = (shown.clone(), steps.len());
        Callback::from(move |_: MouseEvent| shown.set((*shown + 1).min(total)))
    };
    let restore = {
        let (texts, published, shown) = (texts.clone(), published.clone(), shown.clone());
        Callback::from(move |_: MouseEvent| {
            texts.set((*published).clone());
            shown.set(0);
        })
    };

    let tampered = !marks.is_empty();
    html! {
        <section class="widget card merkle-widget" aria-label={t.title}>
            <h2>{ t.title }</h2>
            <div class="merkle-controls">
                <button type="button" class="secondary" onclick={resize(1)} disabled={texts.len() >= MAX_LEAVES}
                    data-testid="merkle-add">{ "+ " }{ t.add }</button>
                <button type="button" class="secondary" onclick={resize(-1)} disabled={texts.len() <= 1}
                    data-testid="merkle-remove">{ "− " }{ t.remove }</button>
                <span class="muted" data-testid="merkle-count">{ fill(t.count, &[("n", &texts.len().to_string())]) }</span>
            </div>
            { drawing(t, &tree, &boxes, *leaf, &marks) }
            <p class="muted small">{ t.legend }</p>
            <div class="merkle-root">
                <span class="field-label">{ t.published_root }</span>
                <code class="mono" data-testid="merkle-published-root">{ reference.root().to_string() }</code>
                <span class="field-label">{ t.current_root }</span>
                <code class="mono" data-testid="merkle-root">{ tree.root().to_string() }</code>
                if tampered {
                    <p class="verdict bad" role="status" data-testid="merkle-tamper-status">
                        <span aria-hidden="true">{ "✱ " }</span>{ fill(t.changed, &[("n", &marks.len().to_string())]) }
                    </p>
                    <button type="button" class="secondary" onclick={restore}>{ t.restore }</button>
                }
            </div>
            <ol class="merkle-leaves">
                { for texts.iter().enumerate().map(|(i, text)| html! {
                    <li class={classes!((*leaf == Some(i)).then_some("picked"))}>
                        <label for={format!("merkle-leaf-{i}")} class="small">{ fill(t.leaf, &[("i", &i.to_string())]) }</label>
                        <input id={format!("merkle-leaf-{i}")} value={text.clone()} oninput={on_edit(i)}
                            data-testid={format!("merkle-leaf-{i}")} />
                        <button type="button" class="secondary small" onclick={pick(i)} aria-pressed={(*leaf == Some(i)).to_string()}
                            data-testid={format!("merkle-prove-{i}")}>{ t.prove }</button>
                    </li>
                }) }
            </ol>
            if let Some(proof) = &proof {
                <div class="merkle-proof" data-testid="merkle-proof">
                    <h3>{ fill(t.proof_title, &[("i", &proof.index.to_string()), ("n", &proof.siblings.len().to_string())]) }</h3>
                    <p class="small">{ t.proof_hint }</p>
                    <ol class="proof-steps">
                        <li><span class="muted">{ t.start }</span>{ " " }<code class="mono">{ proof.txid.to_string() }</code></li>
                        { for steps.iter().take(*shown).enumerate().map(|(n, s)| html! {
                            <li data-testid="proof-step">
                                { fill(if s.sibling_left { t.step_left } else { t.step_right }, &[("n", &(n + 1).to_string())]) }
                                <br /><code class="mono">{ short(&s.left) }{ " ‖ " }{ short(&s.right) }{ " → " }{ s.result.to_string() }</code>
                            </li>
                        }) }
                    </ol>
                    if *shown < steps.len() {
                        <button type="button" class="primary" onclick={step} data-testid="proof-next">{ t.next_step }</button>
                    } else {
                        { proof_verdict(t, steps.last().map_or(TxMerkleNode::from_byte_array(proof.txid.to_byte_array()), |s| s.result), reference.root()) }
                    }
                </div>
            }
        </section>
    }
}

fn proof_verdict(t: &Text, computed: TxMerkleNode, root: TxMerkleNode) -> Html {
    if computed == root {
        html! { <p class="verdict ok" role="status" data-testid="proof-verdict"><span aria-hidden="true">{ "✓ " }</span>{ t.proof_ok }</p> }
    } else {
        html! { <p class="verdict bad" role="status" data-testid="proof-verdict"><span aria-hidden="true">{ "✗ " }</span>{ t.proof_bad }</p> }
    }
}

fn short(hash: &TxMerkleNode) -> String {
    format!("{}…", &hash.to_string()[..8])
}

const BOX_W: f64 = 96.0;
const BOX_H: f64 = 40.0;
const ROW: f64 = 78.0;

/// The tree as SVG, root on top. Roles are marked with a letter and a border style
/// as well as a colour: P for the path, S for a sibling in the proof, ✱ for changed.
fn drawing(
    t: &Text,
    tree: &MerkleTree,
    boxes: &[NodeBox],
    leaf: Option<usize>,
    marks: &[(usize, usize)],
) -> Html {
    let levels = tree.levels().len();
    // Wide enough that neighbouring leaves (the closest boxes) never overlap.
    let leaves: Vec<f64> = boxes.iter().filter(|b| b.level == 0).map(|b| b.x).collect();
    let gap = leaves.windows(2).map(|w| w[1] - w[0]).fold(1.0, f64::min);
    let width = ((BOX_W + 14.0) / gap).max(420.0);
    let height = levels as f64 * ROW + 10.0;
    let y = |level: usize| (levels - 1 - level) as f64 * ROW + 8.0;
    let find =
        |level: usize, index: usize| boxes.iter().find(|b| b.level == level && b.index == index);
    let lines = boxes.iter().filter(|b| b.level > 0).flat_map(|b| {
        [2 * b.index, 2 * b.index + 1].into_iter().filter_map(move |c| find(b.level - 1, c)).map(move |child| {
            html! { <line x1={fmt(b.x * width)} y1={fmt(y(b.level) + BOX_H)} x2={fmt(child.x * width)} y2={fmt(y(child.level))} class="merkle-edge" /> }
        })
    });
    let nodes = boxes.iter().map(|b| {
        let role = leaf.and_then(|l| merkle_view::role(l, b.level, b.index));
        let is_changed = marks.contains(&(b.level, b.index)) && !b.copy;
        let tag = match role {
            Some(Role::Path) => "P ",
            Some(Role::Sibling) => "S ",
            None => "",
        };
        let class = classes!(
            "merkle-node",
            b.copy.then_some("copy"),
            (role == Some(Role::Path)).then_some("path"),
            (role == Some(Role::Sibling)).then_some("sibling"),
            is_changed.then_some("changed"),
        );
        let label = if b.level + 1 == levels { t.root.to_owned() } else if b.copy { t.copy.to_owned() } else if b.level == 0 { format!("tx {}", b.index) } else { format!("H{}.{}", b.level, b.index) };
        let x = b.x * width - BOX_W / 2.0;
        html! {
            <g class={class}>
                <rect x={fmt(x)} y={fmt(y(b.level))} width={fmt(BOX_W)} height={fmt(BOX_H)} rx="6" />
                <text x={fmt(b.x * width)} y={fmt(y(b.level) + 16.0)} class="merkle-label">
                    { format!("{tag}{}{label}", if is_changed { "✱ " } else { "" }) }
                </text>
                <text x={fmt(b.x * width)} y={fmt(y(b.level) + 32.0)} class="merkle-hash">{ &b.hash.to_string()[..8] }</text>
            </g>
        }
    });
    html! {
        <div class="merkle-drawing">
            <svg viewBox={format!("0 0 {} {}", fmt(width), fmt(height))} role="img"
                aria-label={fill(t.svg_label, &[("n", &tree.levels()[0].len().to_string()), ("l", &levels.to_string())])}
                data-testid="merkle-svg">
                { for lines }
                { for nodes }
            </svg>
        </div>
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

/// The Merkle widget's words.
pub struct Text {
    title: &'static str,
    add: &'static str,
    remove: &'static str,
    count: &'static str,
    legend: &'static str,
    published_root: &'static str,
    current_root: &'static str,
    changed: &'static str,
    restore: &'static str,
    leaf: &'static str,
    prove: &'static str,
    proof_title: &'static str,
    proof_hint: &'static str,
    start: &'static str,
    step_left: &'static str,
    step_right: &'static str,
    next_step: &'static str,
    proof_ok: &'static str,
    proof_bad: &'static str,
    root: &'static str,
    copy: &'static str,
    svg_label: &'static str,
}

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

const EN: Text = Text {
    title: "Merkle tree",
    add: "Add a transaction",
    remove: "Remove the last",
    count: "{n} transactions",
    legend: "P = on the proof path (computed by the checker) · S = sibling hash carried in the proof · dashed box = copy of an odd last node (Bitcoin pairs it with itself) · ✱ = hash changed by your edit. Each box shows the first 8 hex digits of its hash.",
    published_root: "Root published in the block header",
    current_root: "Root of the transactions as they are now",
    changed: "{n} hashes changed, from the edited leaf up to the root: the root no longer matches the header.",
    restore: "Undo the edits",
    leaf: "tx {i}",
    prove: "Prove",
    proof_title: "Proof for tx {i}: {n} sibling hashes",
    proof_hint: "The checker starts from the transaction's id and hashes it with one sibling per level. If the result equals the root in the header, the transaction is in the block.",
    start: "Start: txid",
    step_left: "Step {n}: sibling on the left",
    step_right: "Step {n}: sibling on the right",
    next_step: "Next hash",
    proof_ok: "The result equals the published root: the transaction is in the block.",
    proof_bad: "The result differs from the published root: this transaction, as it is now, is not in the block.",
    root: "root",
    copy: "copy",
    svg_label: "Merkle tree of {n} transactions in {l} levels",
};

const ZH: Text = Text {
    title: "默克尔树",
    add: "添加一笔交易",
    remove: "删除最后一笔",
    count: "{n} 笔交易",
    legend: "P = 证明路径上的节点（由验证者计算）· S = 证明中携带的兄弟哈希 · 虚线框 = 奇数个节点时复制的最后一个节点（比特币让它和自己配对）· ✱ = 被你的修改改变的哈希。每个框显示哈希的前 8 位十六进制。",
    published_root: "区块头中公布的根",
    current_root: "当前交易算出的根",
    changed: "有 {n} 个哈希变了，从被改的叶子一直到根：根已与区块头不符。",
    restore: "撤销修改",
    leaf: "交易 {i}",
    prove: "证明",
    proof_title: "交易 {i} 的证明：{n} 个兄弟哈希",
    proof_hint: "验证者从交易 ID 出发，每一层与一个兄弟哈希一起再做哈希。如果结果等于区块头中的根，这笔交易就在区块里。",
    start: "起点：txid",
    step_left: "第 {n} 步：兄弟在左边",
    step_right: "第 {n} 步：兄弟在右边",
    next_step: "下一个哈希",
    proof_ok: "结果等于公布的根：这笔交易确实在区块中。",
    proof_bad: "结果与公布的根不同：现在这笔交易并不在区块中。",
    root: "根",
    copy: "副本",
    svg_label: "{n} 笔交易的默克尔树，共 {l} 层",
};
