//! Messages drawn as arrows between the nodes that sent and received them: the
//! current event and a few before it, fading with age, dropped ones dashed and
//! marked ✕ so loss never rests on colour.

use consensus::{Node, NodeId, Timeline, What};
use yew::prelude::*;

use crate::consensus_view::arrows::{LABEL_LANE, LANE, rim_to_rim};

/// A message of the last few events.
pub struct Recent<'a, M> {
    pub from: NodeId,
    pub to: NodeId,
    pub msg: &'a M,
    pub dropped: bool,
    /// Events since it happened (0 = the current one).
    pub age: u64,
}

/// Deliveries and drops of the last `window` events up to the current one, oldest
/// first so the newest arrow is drawn on top.
pub fn recent<N: Node>(timeline: &Timeline<N>, window: u64) -> Vec<Recent<'_, N::Msg>> {
    let position = timeline.position();
    let trace = timeline.trace();
    let end = trace.partition_point(|e| e.step <= position);
    let mut out: Vec<_> = trace[..end]
        .iter()
        .rev()
        .take_while(|e| e.step + window > position)
        .filter_map(|e| {
            let (from, to, msg, dropped) = match &e.what {
                What::Deliver { from, to, msg, .. } => (*from, *to, msg, false),
                What::Drop { from, to, msg, .. } => (*from, *to, msg, true),
                _ => return None,
            };
            Some(Recent {
                from,
                to,
                msg,
                dropped,
                age: position - e.step,
            })
        })
        .collect();
    out.reverse();
    out
}

/// The arrow head every arrow of one picture points with.
pub fn arrow_marker(id: &str) -> Html {
    html! {
        <defs>
            <marker id={id.to_owned()} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M 0 0 L 10 5 L 0 10 z" />
            </marker>
        </defs>
    }
}

/// One labelled arrow between node circles of radius `r`.
pub fn arrow(
    from: (f64, f64),
    to: (f64, f64),
    r: f64,
    label: String,
    class: Classes,
    opacity: f64,
    marker: &str,
) -> Html {
    let (sx, sy, ex, ey) = rim_to_rim(from, to, r, LANE);
    let (lx, ly, mx, my) = rim_to_rim(from, to, r, LABEL_LANE);
    html! {
        <g {class} opacity={format!("{opacity:.2}")}>
            <line x1={sx.to_string()} y1={sy.to_string()} x2={ex.to_string()} y2={ey.to_string()} marker-end={format!("url(#{marker})")} />
            <text x={((lx + mx) / 2.0).to_string()} y={((ly + my) / 2.0 + 4.0).to_string()} text-anchor="middle">{ label }</text>
        </g>
    }
}
