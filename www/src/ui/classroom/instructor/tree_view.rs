//! The block tree as an SVG: heights left to right, the active chain on the top
//! lane, every stale branch below it with its length written beside its tip. The
//! drawing scrolls sideways and follows the tip, so hundreds of blocks stay readable.

use std::collections::BTreeMap;

use ledger::BlockHash;
use web_sys::Element;
use yew::prelude::*;

use super::text::{TeachText, fill};
use crate::classroom::feed::short_hash;
use crate::classroom::tree::{Layout, Placed};
use crate::ui::classroom::SessionHandle;
use crate::ui::use_lang;

/// Heights drawn: enough for a whole lesson's forks, few enough to draw at 60 fps.
const RECENT_HEIGHTS: u32 = 240;
const COLUMN: f64 = 64.0;
const LANE: f64 = 62.0;
const BLOCK_W: f64 = 44.0;
const BLOCK_H: f64 = 30.0;
const LEFT: f64 = 16.0;
const TOP: f64 = 30.0;
/// Room under the lanes for the last branch's label.
const BOTTOM: f64 = 26.0;
/// Room after the tip for its label.
const RIGHT: f64 = 150.0;

#[derive(Properties, PartialEq)]
pub struct TreeProps {
    pub session: SessionHandle,
}

fn x(column: u32) -> f64 {
    LEFT + f64::from(column) * COLUMN
}

fn y(lane: u32) -> f64 {
    TOP + f64::from(lane) * LANE
}

#[component]
pub fn TreeView(props: &TreeProps) -> Html {
    let t = TeachText::of(use_lang());
    let scroller = use_node_ref();
    let layout = Layout::new(&props.session.tree(), RECENT_HEIGHTS);
    let miners = miner_names(&props.session, &layout.blocks);
    let tip_column = layout.tip().map(|b| b.column);
    {
        let scroller = scroller.clone();
        use_effect_with(tip_column, move |_| {
            if let Some(element) = scroller.cast::<Element>() {
                element.set_scroll_left(element.scroll_width());
            }
        });
    }
    if layout.blocks.len() <= 1 {
        return html! {
            <section class="card teach-tree" aria-labelledby="teach-tree-title">
                <h2 id="teach-tree-title">{ t.tree_title }</h2>
                <p class="muted">{ t.tree_empty }</p>
            </section>
        };
    }
    let width = x(layout.columns) + RIGHT;
    let height = y(layout.lanes) + BOTTOM;
    let summary = fill(
        t.tree_summary,
        &[
            ("blocks", &layout.blocks.len().to_string()),
            ("branches", &layout.branches.len().to_string()),
            ("height", &layout.tip().map_or(0, |b| b.height).to_string()),
        ],
    );
    let edges = layout.blocks.iter().filter_map(|block| {
        let parent = &layout.blocks[block.parent?];
        let (x1, y1) = (x(parent.column) + BLOCK_W, y(parent.lane) + BLOCK_H / 2.0);
        let (x2, y2) = (x(block.column), y(block.lane) + BLOCK_H / 2.0);
        let path = format!(
            "M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}",
            x1 + 10.0,
            x2 - 10.0
        );
        let class = if block.active {
            "tree-edge"
        } else {
            "tree-edge is-stale"
        };
        Some(html! { <path d={path} class={class} /> })
    });
    let blocks = layout
        .blocks
        .iter()
        .map(|block| draw_block(t, block, miners.get(&block.hash)));
    let labels = layout.branches.iter().map(|branch| {
        let lx = x(branch.tip_height.saturating_sub(layout.blocks[0].height)) + BLOCK_W + 6.0;
        let ly = y(branch.lane) + BLOCK_H / 2.0 + 5.0;
        html! {
            <text x={lx.to_string()} y={ly.to_string()} class="tree-label is-stale">
                { fill(t.stale_branch, &[("n", &branch.length.to_string())]) }
            </text>
        }
    });
    let tip_label = layout.tip().map(|tip| {
        let lx = x(tip.column) + BLOCK_W + 6.0;
        html! {
            <text x={lx.to_string()} y={(y(0) + BLOCK_H / 2.0 + 5.0).to_string()} class="tree-label is-active">
                { t.active_chain }
            </text>
        }
    });
    html! {
        <section class="card teach-tree" aria-labelledby="teach-tree-title">
            <h2 id="teach-tree-title">{ t.tree_title }</h2>
            <p class="teach-tree-summary" aria-live="polite">{ &summary }</p>
            <div class="teach-tree-scroll" ref={scroller} tabindex="0" role="region" aria-label={t.tree_title.to_string()}>
                <svg class="teach-tree-svg" role="img" aria-label={summary.clone()}
                    width={width.to_string()} height={height.to_string()}
                    viewBox={format!("0 0 {width} {height}")}>
                    <g>{ for edges }</g>
                    <g>{ for blocks }</g>
                    <g>{ for labels }{ for tip_label }</g>
                </svg>
            </div>
        </section>
    }
}

fn draw_block(t: &TeachText, block: &Placed, miner: Option<&String>) -> Html {
    let (bx, by) = (x(block.column), y(block.lane));
    let class = if block.active {
        "tree-block is-active"
    } else {
        "tree-block is-stale"
    };
    let mark = if block.active { "" } else { "✗" };
    let who = match miner {
        _ if block.height == 0 => t.genesis.to_string(),
        Some(name) => name.clone(),
        None => String::new(),
    };
    let title = format!(
        "{} {} · {} · {} {}",
        t.height,
        block.height,
        short_hash(&block.hash),
        t.by,
        if who.is_empty() { "?" } else { &who }
    );
    let short_who: String = who.chars().take(7).collect();
    html! {
        <g class={class} data-height={block.height.to_string()}>
            <title>{ title }</title>
            <rect x={bx.to_string()} y={by.to_string()} width={BLOCK_W.to_string()}
                height={BLOCK_H.to_string()} rx="5" />
            <text x={(bx + BLOCK_W / 2.0).to_string()} y={(by + 20.0).to_string()}
                class="tree-height" text-anchor="middle">{ format!("{mark}{}", block.height) }</text>
            <text x={(bx + BLOCK_W / 2.0).to_string()} y={(by + BLOCK_H + 13.0).to_string()}
                class="tree-miner" text-anchor="middle">{ short_who }</text>
        </g>
    }
}

/// Who mined each drawn block: its coinbase address, named from the status board.
fn miner_names(session: &SessionHandle, blocks: &[Placed]) -> BTreeMap<BlockHash, String> {
    session
        .with(|s| {
            let chain = s.node().chain();
            blocks
                .iter()
                .filter_map(|placed| {
                    let block = chain.block(&placed.hash)?;
                    let address = block.transactions.first()?.outputs.first()?.address;
                    let name = s.board().name_of(&address)?;
                    Some((placed.hash, name.to_string()))
                })
                .collect()
        })
        .unwrap_or_default()
}
