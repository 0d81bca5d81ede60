//! A light client: it keeps only the 80-byte headers of the lesson chain and checks a
//! payment with a Merkle proof against the root in one header.

use ledger::{MerkleTree, TxMerkleNode, Txid};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::chain_demo::{self, DemoChain};
use crate::i18n::{Lang, fill};
use crate::merkle_view::proof_steps;
use crate::ui::use_lang;

/// The lesson chain's length and difficulty: five blocks, mined instantly at 8 bits.
const BLOCKS: usize = 5;
const ZERO_BITS: u32 = 8;
const HEADER_BYTES: usize = 80;

#[component]
pub fn SpvWidget() -> Html {
    let t = text(use_lang());
    let chain = use_memo((), |_| DemoChain::new(BLOCKS, ZERO_BITS));
    let block = use_state(|| 2usize);
    let tx = use_state(|| 1usize);
    let forged = use_state(|| false);
    let checked = use_state(|| false);

    let full: usize = (0..BLOCKS).map(|i| chain.to_block(i).encode().len()).sum();
    let headers = BLOCKS * HEADER_BYTES;
    let txs = &chain.blocks[*block].txs;
    let tx_index = (*tx).min(txs.len() - 1);
    let txids: Vec<Txid> = txs.iter().map(|d| d.tx.txid()).collect();
    let tree = MerkleTree::new(&txids).expect("a block has a coinbase");
    let mut proof = tree.proof(tx_index).expect("index is in range");
    if *forged {
        let mut fake = txs[tx_index].tx.clone();
        fake.outputs[0].amount = chain_demo::coins(1000);
        proof.txid = fake.txid();
    }
    let steps = proof_steps(&proof);
    let computed = steps.last().map_or(
        TxMerkleNode::from_byte_array(proof.txid.to_byte_array()),
        |s| s.result,
    );
    let header_root = chain.header(*block).merkle_root;

    let select = |state: UseStateHandle<usize>| {
        let checked = checked.clone();
        Callback::from(move |e: Event| {
            let el: HtmlSelectElement = e.target_unchecked_into();
            state.set(el.value().parse().unwrap_or(0));
            checked.set(false);
        })
    };
    let toggle_forged = {
        let (forged, checked) = (forged.clone(), checked.clone());
        Callback::from(move |_: Event| {
            forged.set(!*forged);
            checked.set(false);
        })
    };
    let check = {
        let checked = checked.clone();
        Callback::from(move |_: MouseEvent| checked.set(true))
    };
    let describe = |n: usize| {
        let d = &txs[n];
        let to = chain_demo::owner(&d.tx.outputs[0].address).unwrap_or("?");
        let coins = d.tx.outputs[0].amount.to_sat() / 100_000_000;
        match d
            .spent
            .first()
            .and_then(|out| chain_demo::owner(&out.address))
        {
            Some(from) => fill(
                t.payment,
                &[("from", from), ("to", to), ("c", &coins.to_string())],
            ),
            None => fill(t.coinbase, &[("to", to), ("c", &coins.to_string())]),
        }
    };

    html! {
        <section class="widget card spv-widget" aria-label={t.title}>
            <h2>{ t.title }</h2>
            <p class="small">{ t.intro }</p>
            <table class="spv-headers">
                <caption class="small muted">{ t.caption }</caption>
                <thead><tr><th scope="col">{ t.height }</th><th scope="col">{ t.header_hash }</th><th scope="col">{ t.merkle_root }</th><th scope="col">{ t.size }</th></tr></thead>
                <tbody>
                    { for (0..BLOCKS).map(|i| html! {
                        <tr class={classes!((i == *block).then_some("picked"))}>
                            <td>{ i }</td>
                            <td><code class="mono">{ format!("{}…", &chain.hash(i).to_string()[..16]) }</code></td>
                            <td><code class="mono">{ format!("{}…", &chain.header(i).merkle_root.to_string()[..16]) }</code></td>
                            <td>{ format!("{HEADER_BYTES} B") }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <p class="spv-sizes" data-testid="spv-sizes">{ fill(t.sizes, &[("h", &headers.to_string()), ("f", &full.to_string())]) }</p>
            <div class="spv-pick">
                <label for="spv-block">{ t.pick_block }</label>
                <select id="spv-block" onchange={select(block.clone())} data-testid="spv-block">
                    { for (0..BLOCKS).map(|i| html! { <option value={i.to_string()} selected={i == *block}>{ fill(t.block_n, &[("k", &i.to_string())]) }</option> }) }
                </select>
                <label for="spv-tx">{ t.pick_tx }</label>
                <select id="spv-tx" onchange={select(tx.clone())} data-testid="spv-tx">
                    { for (0..txs.len()).map(|n| html! { <option value={n.to_string()} selected={n == tx_index}>{ describe(n) }</option> }) }
                </select>
                <label class="small spv-forged">
                    <input type="checkbox" checked={*forged} onchange={toggle_forged} data-testid="spv-forged" />
                    { t.forged }
                </label>
            </div>
            <p class="small">{ fill(t.proof_size, &[("n", &proof.siblings.len().to_string()), ("b", &(32 * proof.siblings.len()).to_string())]) }</p>
            <button type="button" class="primary" onclick={check} data-testid="spv-check">{ t.check }</button>
            if *checked {
                <ol class="proof-steps small">
                    { for steps.iter().enumerate().map(|(n, s)| html! {
                        <li><code class="mono">{ fill(t.step, &[("n", &(n + 1).to_string())]) }{ s.result.to_string() }</code></li>
                    }) }
                </ol>
                <p class="small">{ t.header_root }{ " " }<code class="mono">{ header_root.to_string() }</code></p>
                if computed == header_root {
                    <p class="verdict ok" role="status" data-testid="spv-verdict"><span aria-hidden="true">{ "✓ " }</span>{ t.ok }</p>
                } else {
                    <p class="verdict bad" role="status" data-testid="spv-verdict"><span aria-hidden="true">{ "✗ " }</span>{ t.bad }</p>
                }
            }
        </section>
    }
}

struct Text {
    title: &'static str,
    intro: &'static str,
    caption: &'static str,
    height: &'static str,
    header_hash: &'static str,
    merkle_root: &'static str,
    size: &'static str,
    sizes: &'static str,
    pick_block: &'static str,
    pick_tx: &'static str,
    block_n: &'static str,
    payment: &'static str,
    coinbase: &'static str,
    forged: &'static str,
    proof_size: &'static str,
    check: &'static str,
    step: &'static str,
    header_root: &'static str,
    ok: &'static str,
    bad: &'static str,
}

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

const EN: Text = Text {
    title: "A light (SPV) client",
    intro: "This wallet keeps only block headers. A full node sends it a payment and a Merkle proof; the wallet checks the proof against the Merkle root in the header it already has.",
    caption: "Headers the light client stores",
    height: "Height",
    header_hash: "Block hash",
    merkle_root: "Merkle root",
    size: "Size",
    sizes: "The light client stores {h} bytes of headers; the full blocks are {f} bytes.",
    pick_block: "Block",
    pick_tx: "Payment to check",
    block_n: "Block {k}",
    payment: "{from} pays {to} {c} coins",
    coinbase: "Coinbase: {c} coins to {to}",
    forged: "Forged: the sender claims the amount was 1000 coins",
    proof_size: "The proof is {n} hashes ({b} bytes) instead of the whole block.",
    check: "Check the payment",
    step: "Hash {n}: ",
    header_root: "Merkle root in the stored header:",
    ok: "The proof leads to the Merkle root in the header: the payment is in this block.",
    bad: "The proof does not lead to the header's Merkle root: reject this payment.",
};

const ZH: Text = Text {
    title: "轻客户端（SPV）",
    intro: "这个钱包只保存区块头。全节点发来一笔付款和它的默克尔证明，钱包用手里区块头中的默克尔根来核对证明。",
    caption: "轻客户端保存的区块头",
    height: "高度",
    header_hash: "区块哈希",
    merkle_root: "默克尔根",
    size: "大小",
    sizes: "轻客户端保存 {h} 字节的区块头；完整区块共 {f} 字节。",
    pick_block: "区块",
    pick_tx: "要核对的付款",
    block_n: "区块 {k}",
    payment: "{from} 付给 {to} {c} 枚币",
    coinbase: "币基交易：{c} 枚币给 {to}",
    forged: "伪造：对方声称金额是 1000 枚币",
    proof_size: "证明只有 {n} 个哈希（{b} 字节），不需要整个区块。",
    check: "核对这笔付款",
    step: "第 {n} 个哈希：",
    header_root: "保存的区块头中的默克尔根：",
    ok: "证明算出了区块头中的默克尔根：这笔付款在这个区块里。",
    bad: "证明算不出区块头中的默克尔根：拒绝这笔付款。",
};
