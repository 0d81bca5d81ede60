//! The tamper cascade: a chain of real blocks whose amounts the learner edits, each
//! block judged live by the ledger's hashing and signature code and re-mined in the
//! worker, one block at a time.

use ledger::TxOut;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::hash_view::HashView;
use crate::chain_demo::{self, DemoChain, DemoTx, Problem, SUBSIDY_COINS};
use crate::i18n::{Lang, fill};
use crate::lesson::WaitFor;
use crate::ui::miner::{Job, Run, use_miner};
use crate::ui::use_lang;

#[derive(Properties, PartialEq)]
pub struct ChainProps {
    pub blocks: u32,
    pub difficulty: u32,
    /// Height of a block whose coinbase starts tampered with (0 = none), so a lesson
    /// step can begin where the learner's tamper left off.
    pub tamper: u32,
    pub on_event: Callback<WaitFor>,
}

#[component]
pub fn ChainWidget(props: &ChainProps) -> Html {
    let lang = use_lang();
    let t = text(lang);
    let chain = use_state(|| {
        let mut chain = DemoChain::new(props.blocks as usize, props.difficulty);
        let tamper = props.tamper as usize;
        if (1..chain.blocks.len()).contains(&tamper) {
            chain.set_amount(tamper, 0, 0, chain_demo::coins(40));
        }
        chain
    });
    let mining = use_state(|| None::<usize>);
    let remined = use_state(|| false);
    let miner = use_miner();
    let run = miner.state.run.clone();

    {
        let (chain, mining, remined, start) = (
            chain.clone(),
            mining.clone(),
            remined.clone(),
            miner.start.clone(),
        );
        use_effect_with(run.clone(), move |run| {
            let Some(index) = *mining else { return };
            let mut next = (*chain).clone();
            match *run {
                Run::Found { nonce, .. } => {
                    next.blocks[index].nonce = nonce as u32;
                    mining.set(None);
                    remined.set(true);
                }
                Run::Exhausted { .. } => {
                    next.blocks[index].time += 1;
                    next.relink(index);
                    start.emit(Job::Header {
                        header: next.header(index).encode(),
                    });
                }
                Run::Stopped { .. } | Run::Failed(_) => mining.set(None),
                _ => return,
            }
            chain.set(next);
        });
    }
    {
        let on_event = props.on_event.clone();
        let done = *remined && chain.all_valid();
        use_effect_with(done, move |&done| {
            if done {
                on_event.emit(WaitFor::ChainRemined);
            }
        });
    }

    let on_amount = {
        let (chain, on_event, reset, mining) = (
            chain.clone(),
            props.on_event.clone(),
            miner.reset.clone(),
            mining.clone(),
        );
        Callback::from(move |(block, tx, coins): (usize, usize, u64)| {
            let mut next = (*chain).clone();
            next.set_amount(block, tx, 0, chain_demo::coins(coins));
            if mining.is_some() {
                reset.emit(());
                mining.set(None);
            }
            chain.set(next);
            on_event.emit(WaitFor::ChainTampered);
        })
    };
    let on_remine = {
        let (chain, mining, start) = (chain.clone(), mining.clone(), miner.start.clone());
        Callback::from(move |index: usize| {
            let mut next = (*chain).clone();
            next.relink(index);
            start.emit(Job::Header {
                header: next.header(index).encode(),
            });
            chain.set(next);
            mining.set(Some(index));
        })
    };

    let invalid = (0..chain.blocks.len())
        .filter(|&i| !chain.problems(i).is_empty())
        .count();
    let summary = if invalid == 0 {
        t.all_valid.to_owned()
    } else {
        fill(t.some_invalid, &[("n", &invalid.to_string())])
    };
    html! {
        <section class="widget card chain-widget" aria-label={t.title}>
            <h2>{ t.title }</h2>
            <p class={classes!("verdict", if invalid == 0 { "ok" } else { "bad" })} role="status"
                aria-live="polite" data-testid="chain-summary">
                <span aria-hidden="true">{ if invalid == 0 { "✓ " } else { "✗ " } }</span>{ summary }
            </p>
            <ol class="chain-blocks">
                { for (0..chain.blocks.len()).map(|i| block_card(t, &chain, i, *mining, &on_amount, &on_remine)) }
            </ol>
            if let Some(i) = *mining {
                <p class="status" role="status" data-testid="chain-mining">
                    <span class="spinner" aria-hidden="true"></span>
                    { fill(t.mining, &[("k", &i.to_string()), ("n", &format!("{}", run.tries() as u64))]) }
                </p>
            }
        </section>
    }
}

fn block_card(
    t: &Text,
    chain: &DemoChain,
    index: usize,
    mining: Option<usize>,
    on_amount: &Callback<(usize, usize, u64)>,
    on_remine: &Callback<usize>,
) -> Html {
    let block = &chain.blocks[index];
    let header = chain.header(index);
    let problems = chain.problems(index);
    let valid = problems.is_empty();
    let remine = on_remine.reform(move |_: MouseEvent| index);
    let busy = mining.is_some();
    let fees: i128 = block.txs.iter().map(|t| t.fee().max(0)).sum();
    let title = fill(t.block, &[("k", &index.to_string())]);
    html! {
        <li class={classes!("chain-block", if valid { "is-valid" } else { "is-invalid" })}
            data-testid={format!("chain-block-{index}")} aria-label={title.clone()}>
            <h3>{ title }</h3>
            if valid {
                <p class="verdict ok" data-testid="block-status"><span aria-hidden="true">{ "✓ " }</span>{ t.valid }</p>
            } else {
                <div class="verdict bad" data-testid="block-status">
                    <p><span aria-hidden="true">{ "✗ " }</span>{ t.invalid }</p>
                    <ul class="small">{ for problems.iter().map(|p| html! { <li>{ problem_text(t, *p, index) }</li> }) }</ul>
                </div>
            }
            <dl class="chain-fields">
                <dt>{ t.prev }</dt>
                <dd>
                    <HashView hex={block.prev.to_string()} />
                    if problems.contains(&Problem::BrokenLink) {
                        <span class="small bad-text"><span aria-hidden="true">{ "⛓ " }</span>{ t.link_broken_short }</span>
                    }
                </dd>
                <dt>{ t.merkle_root }</dt><dd><HashView hex={header.merkle_root.to_string()} /></dd>
                <dt>{ t.nonce }</dt><dd><code data-testid="nonce">{ block.nonce }</code></dd>
                <dt>{ t.hash }</dt>
                <dd><HashView hex={header.block_hash().to_string()} testid="chain-hash" zero_digits={chain.zero_bits as usize / 4} /></dd>
            </dl>
            <h4>{ t.transactions }</h4>
            <ul class="chain-txs">
                { for block.txs.iter().enumerate().map(|(n, tx)| tx_view(t, (index, n), tx, fees, on_amount)) }
            </ul>
            <button type="button" class={if valid { "secondary" } else { "primary" }} onclick={remine}
                disabled={busy} data-testid="remine">
                { if mining == Some(index) { t.mining_short } else { t.remine } }
            </button>
        </li>
    }
}

/// One transaction: who pays whom, the amount the learner may edit, the signature
/// check, and the raw inputs and outputs behind a disclosure.
fn tx_view(
    t: &Text,
    (block, n): (usize, usize),
    tx: &DemoTx,
    fees: i128,
    on_amount: &Callback<(usize, usize, u64)>,
) -> Html {
    let coinbase = tx.tx.is_coinbase();
    let first = &tx.tx.outputs[0];
    let to = who(t, first);
    let from = tx.spent.first().map_or(t.nobody, |out| who(t, out));
    let label = if coinbase {
        fill(t.coinbase_to, &[("to", to)])
    } else {
        fill(t.pays, &[("from", from), ("to", to)])
    };
    let input_id = format!("amount-{block}-{n}");
    let oninput = {
        let on_amount = on_amount.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Ok(coins) = input.value().trim().parse::<u64>() {
                on_amount.emit((block, n, coins.min(1_000_000)));
            }
        })
    };
    let sigs = tx.signatures_ok();
    html! {
        <li class="chain-tx" data-testid={format!("tx-{n}")}>
            <label for={input_id.clone()}>{ label }</label>
            <span class="amount-input">
                <input id={input_id} type="number" min="0" step="1" inputmode="numeric"
                    value={(first.amount.to_sat() / 100_000_000).to_string()} {oninput}
                    data-testid="amount" />
                { t.coins }
            </span>
            if coinbase {
                <p class="small muted">{ fill(t.coinbase_rule, &[("s", &SUBSIDY_COINS.to_string()), ("f", &coins_text(fees))]) }</p>
            } else if sigs.iter().all(|ok| *ok) {
                <p class="small verdict ok" data-testid="sig"><span aria-hidden="true">{ "✓ " }</span>{ fill(t.sig_ok, &[("from", from)]) }</p>
            } else {
                <p class="small verdict bad" data-testid="sig"><span aria-hidden="true">{ "✗ " }</span>{ fill(t.sig_bad, &[("from", from)]) }</p>
            }
            <details class="small">
                <summary>{ t.details }</summary>
                <p>{ t.txid }{ " " }<code class="mono">{ tx.tx.txid().to_string() }</code></p>
                <p>{ t.inputs }</p>
                <ul>
                    if coinbase {
                        <li>{ t.coinbase_input }</li>
                    }
                    { for tx.tx.inputs.iter().filter(|_| !coinbase).map(|input| html! {
                        <li><code class="mono">{ format!("{}:{}", short(&input.prevout.txid.to_string()), input.prevout.vout) }</code></li>
                    }) }
                </ul>
                <p>{ t.outputs }</p>
                <ul>
                    { for tx.tx.outputs.iter().map(|out| html! {
                        <li>{ format!("{} → {} ", out.amount, who(t, out)) }<code class="mono">{ short(&out.address.to_string()) }</code></li>
                    }) }
                </ul>
                if !coinbase {
                    <p>{ fill(t.fee, &[("f", &coins_text(tx.fee()))]) }</p>
                }
            </details>
        </li>
    }
}

fn who(t: &Text, out: &TxOut) -> &'static str {
    chain_demo::owner(&out.address).unwrap_or(t.nobody)
}

/// Satoshis as coins, without trailing zeros.
fn coins_text(sats: i128) -> String {
    (sats.max(0) as f64 / 1e8).to_string()
}

fn short(hex: &str) -> String {
    format!("{}…", &hex[..hex.len().min(12)])
}

fn problem_text(t: &Text, problem: Problem, index: usize) -> String {
    let before = index.saturating_sub(1).to_string();
    match problem {
        Problem::BrokenLink => fill(t.link_broken, &[("k", &before)]),
        Problem::InvalidParent => fill(t.invalid_parent, &[("k", &before)]),
        Problem::HashAboveTarget => t.above_target.to_owned(),
        Problem::BadSignature => t.bad_signature.to_owned(),
        Problem::Overspend => t.overspend.to_owned(),
        Problem::CoinbaseTooLarge => t.coinbase_too_large.to_owned(),
    }
}

/// The chain widget's words.
struct Text {
    title: &'static str,
    all_valid: &'static str,
    some_invalid: &'static str,
    block: &'static str,
    valid: &'static str,
    invalid: &'static str,
    prev: &'static str,
    merkle_root: &'static str,
    nonce: &'static str,
    hash: &'static str,
    transactions: &'static str,
    remine: &'static str,
    mining: &'static str,
    mining_short: &'static str,
    link_broken: &'static str,
    link_broken_short: &'static str,
    invalid_parent: &'static str,
    above_target: &'static str,
    bad_signature: &'static str,
    overspend: &'static str,
    coinbase_too_large: &'static str,
    coinbase_to: &'static str,
    pays: &'static str,
    coins: &'static str,
    coinbase_rule: &'static str,
    sig_ok: &'static str,
    sig_bad: &'static str,
    details: &'static str,
    txid: &'static str,
    inputs: &'static str,
    outputs: &'static str,
    coinbase_input: &'static str,
    fee: &'static str,
    nobody: &'static str,
}

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

const EN: Text = Text {
    title: "A chain of blocks",
    all_valid: "Every block is valid.",
    some_invalid: "{n} blocks are invalid.",
    block: "Block {k}",
    valid: "Valid",
    invalid: "Invalid",
    prev: "Previous block hash",
    merkle_root: "Merkle root",
    nonce: "Nonce",
    hash: "Block hash",
    transactions: "Transactions",
    remine: "Re-mine this block",
    mining: "Mining block {k}… {n} tries",
    mining_short: "Mining…",
    link_broken: "Broken link: this block points at the old hash of block {k}, which has changed.",
    link_broken_short: "no longer the hash of the block before",
    invalid_parent: "It builds on block {k}, which is invalid.",
    above_target: "Hash above the target: the nonce no longer works for this header.",
    bad_signature: "Bad signature: the amount was changed after the payer signed. Re-mining cannot fix this; only the payer's key could sign the new amount.",
    overspend: "A payment sends more coins than its inputs hold: coins cannot come from nowhere.",
    coinbase_too_large: "The coinbase pays more than the subsidy plus the fees.",
    coinbase_to: "Coinbase: new coins to {to}",
    pays: "{from} pays {to}",
    coins: " coins",
    coinbase_rule: "The miner may claim at most {s} new coins (subsidy) + {f} coins of fees.",
    sig_ok: "Signature by {from} matches.",
    sig_bad: "Signature by {from} does not match this transaction.",
    details: "Inputs and outputs",
    txid: "Txid",
    inputs: "Inputs (the outputs this spends, txid:index):",
    outputs: "Outputs:",
    coinbase_input: "none: a coinbase creates new coins",
    fee: "Fee (inputs minus outputs): {f} coins, which go to the miner.",
    nobody: "someone",
};

const ZH: Text = Text {
    title: "一条区块链",
    all_valid: "所有区块都有效。",
    some_invalid: "有 {n} 个区块无效。",
    block: "区块 {k}",
    valid: "有效",
    invalid: "无效",
    prev: "前一区块哈希",
    merkle_root: "默克尔根",
    nonce: "随机数（nonce）",
    hash: "区块哈希",
    transactions: "交易",
    remine: "重新挖这个区块",
    mining: "正在挖区块 {k}…已尝试 {n} 次",
    mining_short: "挖矿中…",
    link_broken: "链接断了：这个区块记录的是区块 {k} 的旧哈希，而它已经变了。",
    link_broken_short: "已不是前一区块的哈希",
    invalid_parent: "它建立在无效的区块 {k} 之上。",
    above_target: "哈希高于目标值：原来的 nonce 对这个区块头已经不管用了。",
    bad_signature: "签名不符：金额是在付款人签名之后被改的。重新挖矿也救不了，只有付款人的私钥才能为新金额签名。",
    overspend: "有一笔付款花出的币比它的输入还多：币不能凭空产生。",
    coinbase_too_large: "币基交易领取的金额超过了区块奖励加手续费。",
    coinbase_to: "币基交易：新币给 {to}",
    pays: "{from} 付款给 {to}",
    coins: " 枚币",
    coinbase_rule: "矿工最多可以领取 {s} 枚新币（区块奖励）+ {f} 枚手续费。",
    sig_ok: "{from} 的签名与交易相符。",
    sig_bad: "{from} 的签名与这笔交易不符。",
    details: "输入与输出",
    txid: "交易 ID",
    inputs: "输入（所花费的输出，txid:序号）：",
    outputs: "输出：",
    coinbase_input: "无：币基交易凭空创造新币",
    fee: "手续费（输入减输出）：{f} 枚币，归矿工所有。",
    nobody: "某人",
};
