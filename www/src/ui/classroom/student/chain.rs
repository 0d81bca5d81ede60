//! The tab's own chain (latest blocks, forks seen) and the event feed.

use yew::prelude::*;

use super::text::{ClassText, fill};
use crate::classroom::feed::{FeedKind, short_hash};
use crate::ui::classroom::SessionHandle;
use crate::ui::use_lang;

/// Blocks listed under "your chain".
const SHOWN_BLOCKS: u32 = 8;
/// Feed items listed.
const SHOWN_EVENTS: usize = 40;

#[derive(Properties, PartialEq)]
pub struct PanelProps {
    pub session: SessionHandle,
}

#[component]
pub fn ChainPanel(props: &PanelProps) -> Html {
    let t = ClassText::of(use_lang());
    let Some(rows) = props.session.with(|s| {
        let chain = s.node().chain();
        let me = s.wallet().address();
        let low = chain.height().saturating_sub(SHOWN_BLOCKS - 1);
        let rows: Vec<(u32, String, String, usize)> = (low..=chain.height())
            .rev()
            .filter_map(|height| chain.block_at_height(height).map(|b| (height, b)))
            .map(|(height, block)| {
                let reward = block
                    .transactions
                    .first()
                    .and_then(|cb| cb.outputs.first())
                    .map(|out| out.address);
                let by = match reward {
                    _ if height == 0 => "genesis".to_string(),
                    Some(address) if address == me => t.by_you.to_string(),
                    Some(address) => s
                        .board()
                        .name_of(&address)
                        .map_or_else(|| short_hash(&address), str::to_string),
                    None => t.someone.to_string(),
                };
                let txs = block.transactions.len().saturating_sub(1);
                (height, short_hash(&block.block_hash()), by, txs)
            })
            .collect();
        rows
    }) else {
        return html! {};
    };
    let forks = props
        .session
        .tree()
        .iter()
        .filter(|node| !node.active)
        .count();
    html! {
        <section class="card class-panel class-chain" aria-labelledby="class-chain-title">
            <h2 id="class-chain-title">{ t.chain }</h2>
            <ol class="class-blocks" data-testid="blocks">
                { for rows.into_iter().map(|(height, hash, by, txs)| html! {
                    <li key={hash.clone()}>
                        <span class="class-block-height">{ format!("#{height}") }</span>
                        <span class="mono">{ hash }</span>
                        <span>{ t.block_by }{ " " }<strong>{ by }</strong></span>
                        <span class="muted">{ fill(t.txs, &[("n", &txs.to_string())]) }</span>
                    </li>
                }) }
            </ol>
            <p class="small" data-testid="forks">
                if forks == 0 {
                    { t.no_forks }
                } else {
                    { fill(t.forks, &[("n", &forks.to_string())]) }
                }
            </p>
        </section>
    }
}

#[component]
pub fn FeedPanel(props: &PanelProps) -> Html {
    let lang = use_lang();
    let t = ClassText::of(lang);
    let items = props.session.events();
    html! {
        <section class="card class-panel class-feed" aria-labelledby="class-feed-title">
            <h2 id="class-feed-title">{ t.feed }</h2>
            if items.is_empty() {
                <p class="muted">{ t.feed_empty }</p>
            }
            <ol class="class-list class-events" role="log" aria-live="polite" data-testid="feed">
                { for items.iter().take(SHOWN_EVENTS).map(|item| {
                    let icon = match &item.kind {
                        _ if item.is_alert() => "⚠",
                        FeedKind::NewBlock { .. } => "▣",
                        FeedKind::PaymentReceived { .. } | FeedKind::PaymentConfirmed { .. } => "✔",
                        FeedKind::PeerJoined { .. } => "＋",
                        FeedKind::PeerLeft { .. } => "－",
                        _ => "ⓘ",
                    };
                    html! {
                        <li key={item.id} class={classes!("class-event", item.is_alert().then_some("is-alert"))}>
                            <span aria-hidden="true" class="class-event-icon">{ icon }</span>
                            <span>{ item.text(lang) }</span>
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}
