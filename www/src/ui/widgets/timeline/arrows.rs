//! Messages drawn as arrows between the nodes that sent and received them: the
//! current event and a few before it, fading with age, dropped ones dashed and
//! marked ✕ so loss never rests on colour.

use consensus::{Node, NodeId, Timeline, What};
use yew::prelude::*;

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

/// Opacity of an arrow `age` events old in a window of `window`: 1 now, 0.2 oldest.
pub fn fade(age: u64, window: u64) -> f64 {
    1.0 - age as f64 / window.max(1) as f64 * 0.8
}

/// The line between two circles of radius `r`, from rim to rim, leaving room for the
/// arrow head.
fn rim_to_rim(from: (f64, f64), to: (f64, f64), r: f64) -> (f64, f64, f64, f64) {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / len, dy / len);
    (
        from.0 + ux * r,
        from.1 + uy * r,
        to.0 - ux * (r + 2.0),
        to.1 - uy * (r + 2.0),
    )
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
    let (sx, sy, ex, ey) = rim_to_rim(from, to, r);
    html! {
        <g {class} opacity={format!("{opacity:.2}")}>
            <line x1={sx.to_string()} y1={sy.to_string()} x2={ex.to_string()} y2={ey.to_string()} marker-end={format!("url(#{marker})")} />
            <text x={((sx + ex) / 2.0).to_string()} y={((sy + ey) / 2.0 - 3.0).to_string()} text-anchor="middle">{ label }</text>
        </g>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_run_from_rim_to_rim() {
        let (sx, sy, ex, ey) = rim_to_rim((0.0, 0.0), (100.0, 0.0), 10.0);
        assert_eq!((sx, sy), (10.0, 0.0));
        assert_eq!((ex, ey), (88.0, 0.0));
        let (sx, sy, _, ey) = rim_to_rim((0.0, 0.0), (0.0, -50.0), 5.0);
        assert_eq!((sx, sy, ey), (0.0, -5.0, -43.0));
    }

    #[test]
    fn older_arrows_fade_but_stay_visible() {
        assert_eq!(fade(0, 8), 1.0);
        assert!((fade(7, 8) - 0.3).abs() < 1e-9);
        assert!(fade(7, 8) > fade(3, 8));
    }
}
