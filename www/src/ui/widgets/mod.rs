//! The widgets, each usable in a lesson step and alone on an embed page.

mod avalanche;
mod block;
mod chain;
mod field;
mod generals;
mod hash_view;
mod merkle;
mod mining_panel;
mod nonce_search;
mod pbft;
mod race;
mod raft;
mod retarget;
mod sha256;
mod spv;
mod target_line;
mod tensority;
mod timeline;

use yew::prelude::*;

use crate::lesson::WaitFor;
use crate::widget::Widget;

#[derive(Properties, PartialEq)]
pub struct WidgetViewProps {
    pub widget: Widget,
    /// Learner actions a lesson step may be waiting for.
    #[prop_or_default]
    pub on_event: Callback<WaitFor>,
}

/// Renders any registered widget.
#[component]
pub fn WidgetView(props: &WidgetViewProps) -> Html {
    let on_event = props.on_event.clone();
    match props.widget.clone() {
        Widget::Sha256 { text } => html! { <sha256::Sha256Widget {text} /> },
        Widget::Avalanche { a, b } => html! { <avalanche::AvalancheWidget {a} {b} /> },
        Widget::NonceSearch { text, difficulty } => {
            html! { <nonce_search::NonceSearchWidget {text} {difficulty} {on_event} /> }
        }
        Widget::Block { data, difficulty } => {
            html! { <block::BlockWidget {data} {difficulty} {on_event} /> }
        }
        Widget::Race(settings) => html! { <race::RaceWidget {settings} {on_event} /> },
        Widget::Generals(settings) => {
            html! { <generals::GeneralsWidget {settings} {on_event} /> }
        }
        Widget::Raft(settings) => html! { <raft::RaftWidget {settings} {on_event} /> },
        Widget::Pbft(settings) => html! { <pbft::PbftWidget {settings} {on_event} /> },
        Widget::Chain {
            blocks,
            difficulty,
            tamper,
        } => html! { <chain::ChainWidget {blocks} {difficulty} {tamper} {on_event} /> },
        Widget::Merkle { leaves } => html! { <merkle::MerkleWidget {leaves} {on_event} /> },
        Widget::Spv => html! { <spv::SpvWidget /> },
        Widget::Target => html! { <target_line::TargetLineWidget /> },
        Widget::Retarget { interval, spacing } => {
            html! { <retarget::RetargetWidget {interval} {spacing} {on_event} /> }
        }
        Widget::Tensority => html! { <tensority::TensorityPipeline /> },
        Widget::TensorityRace => html! { <tensority::TensorityRace /> },
    }
}

/// A unique id prefix per widget instance, so labels point at the right input when
/// a page shows the same widget twice.
#[hook]
fn use_id() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    (*use_memo((), |_| format!("w{}", NEXT.fetch_add(1, Ordering::Relaxed)))).clone()
}
