//! The PBFT widget's pictures: the ring of replicas around the client, the table of
//! votes, logs and checkpoints, and the strip of sequence numbers with each replica's
//! stable checkpoint and watermark window.

use consensus::pbft::{Msg, PbftNode, Replica};
use consensus::{Fault, Simulator, Timeline, What};
use yew::prelude::*;

use super::text::Text;
use crate::consensus_view::arrows::fade;
use crate::consensus_view::pbft::{Votes, WindowRow, checkpoint_marks, phase, strip_end};
use crate::consensus_view::raft::ring_position;
use crate::i18n::fill;
use crate::ui::widgets::timeline::{arrow, arrow_marker, recent};

const SIZE: f64 = 360.0;
const CENTRE: f64 = SIZE / 2.0;
const RING: f64 = 135.0;
const NODE_R: f64 = 26.0;
/// Events drawn as arrows: the current one and a few before it, fading.
const RECENT: u64 = 8;
/// Executed sequence numbers listed per replica.
const LOG_SHOWN: usize = 6;
const MARKER: &str = "pbft-arrow";
/// The strip: width, replica label column, right margin, row height, axis height.
const STRIP_W: f64 = 640.0;
const STRIP_LEFT: f64 = 48.0;
const STRIP_RIGHT: f64 = 24.0;
const STRIP_ROW: f64 = 48.0;
const STRIP_TOP: f64 = 26.0;
const STRIP_AXIS: f64 = 26.0;

fn phase_class(msg: &Msg) -> &'static str {
    match msg {
        Msg::PrePrepare { .. } => "pre-prepare",
        Msg::Prepare { .. } => "prepare",
        Msg::Commit { .. } => "commit",
        Msg::ViewChange { .. } | Msg::NewView { .. } => "view-change",
        _ => "other",
    }
}

fn role(t: &Text, r: &Replica, sim: &Simulator<PbftNode>, id: usize) -> String {
    let mut parts = Vec::new();
    if r.view() as usize % (sim.nodes().len() - 1) == id {
        parts.push(t.primary);
    }
    if !sim.is_up(id) {
        parts.push(t.crashed);
    } else if r.fault() != Fault::Honest {
        parts.push(t.faulty_mark);
    }
    if !r.active() {
        parts.push(t.changing);
    }
    parts.join(" · ")
}

/// Replicas on a ring, the client in the middle, recent messages as labelled arrows.
pub fn ring(t: &Text, timeline: &Timeline<PbftNode>) -> Html {
    let sim = timeline.state();
    let n = sim.nodes().len() - 1;
    let at = |i: usize| {
        if i == n {
            (CENTRE, CENTRE)
        } else {
            ring_position(i, n, CENTRE, CENTRE, RING)
        }
    };
    let replicas: Vec<&Replica> = sim
        .nodes()
        .iter()
        .filter_map(|node| match node {
            PbftNode::Replica(r) => Some(r),
            PbftNode::Client(_) => None,
        })
        .collect();
    html! {
        <svg class="pbft-ring" viewBox={format!("0 0 {SIZE} {SIZE}")} role="img" aria-label={t.title} data-testid="pbft-ring">
            { arrow_marker(MARKER) }
            { for recent(timeline, RECENT).into_iter().map(|m| {
                let label = if m.dropped { format!("✕ {}", phase(m.msg)) } else { phase(m.msg).to_owned() };
                let class = classes!("pbft-msg", phase_class(m.msg), m.dropped.then_some("dropped"));
                arrow(at(m.from), at(m.to), NODE_R, label, class, fade(m.age, RECENT), MARKER)
            }) }
            { for replicas.iter().enumerate().map(|(i, r)| {
                let (x, y) = at(i);
                let label = role(t, r, sim, i);
                html! { <g class={classes!("pbft-replica", (!sim.is_up(i)).then_some("crashed"), (r.fault() != Fault::Honest).then_some("faulty"))}
                        aria-label={format!("{} {i}: {label}", t.replica)}>
                    <circle cx={x.to_string()} cy={y.to_string()} r={NODE_R.to_string()} />
                    <text x={x.to_string()} y={(y - 4.0).to_string()} text-anchor="middle">{ format!("R{i}") }</text>
                    <text class="small" x={x.to_string()} y={(y + 12.0).to_string()} text-anchor="middle">{ format!("{} {}", t.view, r.view()) }</text>
                    if !label.is_empty() {
                        <text class="role" x={x.to_string()} y={(y + NODE_R + 14.0).to_string()} text-anchor="middle">{ label }</text>
                    }
                </g> }
            }) }
            <g class="pbft-client-node">
                <rect x={(CENTRE - 30.0).to_string()} y={(CENTRE - 16.0).to_string()} width="60" height="32" rx="6" />
                <text x={CENTRE.to_string()} y={(CENTRE + 5.0).to_string()} text-anchor="middle">{ t.client }</text>
            </g>
        </svg>
    }
}

fn bar(label: &str, have: u32, quorum: usize) -> Html {
    let reached = have as usize >= quorum;
    html! {
        <span class={classes!("vote-bar", reached.then_some("reached"))}>
            <meter min="0" max={quorum.to_string()} value={have.to_string()} aria-label={label.to_owned()} />
            <span class="num">{ format!("{have}/{quorum}{}", if reached { " ✓" } else { "" }) }</span>
        </span>
    }
}

/// Per replica: votes for the focus sequence number, committed log, checkpoint.
pub fn votes_table(
    t: &Text,
    replicas: &[&Replica],
    sim: &Simulator<PbftNode>,
    seq: Option<u64>,
    rows: &[Option<Votes>],
    quorum: usize,
) -> Html {
    html! {
        <table class="pbft-votes" data-testid="pbft-votes">
            <caption>{ format!("{} {}", t.seq, seq.map_or("–".to_owned(), |s| format!("#{s}"))) }</caption>
            <thead><tr>
                <th scope="col">{ t.replica }</th>
                <th scope="col">{ t.pre_prepare }</th>
                <th scope="col">{ t.prepare }</th>
                <th scope="col">{ t.commit }</th>
                <th scope="col">{ t.executed }</th>
                <th scope="col">{ format!("{} / {}", t.checkpoint, t.window) }</th>
            </tr></thead>
            <tbody>
                { for replicas.iter().zip(rows).enumerate().map(|(i, (r, v))| {
                    let v = v.clone().unwrap_or(Votes { pre_prepared: false, prepares: 0, commits: 0, committed: false });
                    let log = r.executed().iter().rev().take(LOG_SHOWN).rev().map(|e| format!("#{}", e.seq)).collect::<Vec<_>>().join(" ");
                    html! { <tr data-testid={format!("pbft-row-{i}")}>
                        <th scope="row">{ format!("R{i} {}", role(t, r, sim, i)) }</th>
                        <td>{ if v.pre_prepared { "✓" } else { "–" } }</td>
                        <td data-testid="prepares">{ bar(t.prepare, v.prepares, quorum) }</td>
                        <td data-testid="commits">
                            { bar(t.commit, v.commits, quorum) }
                            if v.committed { <span class="committed">{ " " }{ t.committed }</span> }
                        </td>
                        <td class="log"><code>{ if log.is_empty() { "–".to_owned() } else { log } }</code></td>
                        <td>{ format!("{} · [{}, {}]", r.low_watermark(), r.low_watermark(), r.high_watermark()) }</td>
                    </tr> }
                }) }
            </tbody>
        </table>
    }
}

/// Sequence numbers left to right, one row per replica: the watermark window [h, H]
/// it accepts as a bracketed band, what it has executed as a bar inside it, and its
/// stable checkpoint as a flag at h. Every mark is labelled with its number.
pub fn windows(t: &Text, rows: &[WindowRow]) -> Html {
    let end = strip_end(rows);
    let x = |seq: u64| STRIP_LEFT + seq as f64 / end as f64 * (STRIP_W - STRIP_LEFT - STRIP_RIGHT);
    let height = STRIP_TOP + STRIP_ROW * rows.len() as f64 + STRIP_AXIS;
    let axis_y = height - STRIP_AXIS;
    html! {
        <figure class="pbft-windows" data-testid="pbft-windows">
            <figcaption>{ t.windows_title }</figcaption>
            <svg viewBox={format!("0 0 {STRIP_W} {height}")} role="img" aria-label={t.windows_title}>
                { for std::iter::once(0).chain(checkpoint_marks(end)).map(|seq| html! {
                    <g class="grid">
                        <line x1={x(seq).to_string()} x2={x(seq).to_string()} y1={(STRIP_TOP - 6.0).to_string()} y2={axis_y.to_string()} />
                        <text x={x(seq).to_string()} y={(axis_y + 17.0).to_string()} text-anchor="middle">{ seq }</text>
                    </g>
                }) }
                { for rows.iter().enumerate().map(|(i, row)| {
                    let y = STRIP_TOP + STRIP_ROW * i as f64;
                    let mid = y + STRIP_ROW / 2.0;
                    let (lx, hx) = (x(row.low), x(row.high));
                    let label = fill(t.window_row, &[
                        ("r", &format!("R{i}")), ("low", &row.low.to_string()),
                        ("high", &row.high.to_string()), ("executed", &row.executed.to_string()),
                    ]);
                    html! { <g class="pbft-window" aria-label={label} data-testid={format!("pbft-window-{i}")}>
                        <text class="who" x="4" y={(mid + 5.0).to_string()}>{ format!("R{i}") }</text>
                        <rect class="band" x={lx.to_string()} y={(mid - 10.0).to_string()} width={(hx - lx).to_string()} height="20" rx="3" />
                        <rect class="executed" x={lx.to_string()} y={(mid - 4.0).to_string()} width={(x(row.executed.max(row.low)) - lx).to_string()} height="8" />
                        <path class="bracket" d={format!("M {} {} h -5 v 24 h 5 M {} {} h 5 v 24 h -5", lx + 5.0, mid - 12.0, hx - 5.0, mid - 12.0)} />
                        <text class="mark" x={(lx + 4.0).to_string()} y={(mid - 14.0).to_string()}>{ format!("h={}", row.low) }</text>
                        <text class="mark" x={(hx - 4.0).to_string()} y={(mid - 14.0).to_string()} text-anchor="end">{ format!("H={}", row.high) }</text>
                        if row.low > 0 {
                            <text class="flag" x={lx.to_string()} y={(mid + 5.0).to_string()} text-anchor="end">{ format!("⚑{} ", row.low) }</text>
                        }
                    </g> }
                }) }
            </svg>
            <p class="muted small">{ t.windows_legend }</p>
        </figure>
    }
}

/// The current step's events in words.
pub fn last_event(t: &Text, timeline: &Timeline<PbftNode>) -> String {
    let n = timeline.state().nodes().len() - 1;
    let name = |i: usize| {
        if i == n {
            t.client.to_owned()
        } else {
            format!("R{i}")
        }
    };
    let described: Vec<String> = timeline
        .events_at(timeline.position())
        .iter()
        .map(|e| match &e.what {
            What::Deliver { from, to, msg, .. } => {
                format!("{} → {}: {}", name(*from), name(*to), phase(msg))
            }
            What::Drop { from, to, msg, .. } => {
                format!("{} → {}: ✕ {}", name(*from), name(*to), phase(msg))
            }
            What::Timer { node, timer } => format!("{}: ⏰ {timer:?}", name(*node)),
            What::Injected { injection } => format!("⚡ {injection:?}"),
            What::Note { node, note } => format!("{}: {note:?}", name(*node)),
        })
        .collect();
    format!("{}: {}", t.last_event, described.join(" · "))
}
