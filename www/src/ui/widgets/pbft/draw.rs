//! The PBFT widget's pictures: the ring of replicas around the client, and the table
//! of votes, logs and checkpoints.

use consensus::pbft::{Msg, PbftNode, Replica};
use consensus::{Fault, Simulator, Timeline, What};
use yew::prelude::*;

use super::text::Text;
use crate::consensus_view::pbft::{Votes, phase};
use crate::consensus_view::raft::ring_position;

const SIZE: f64 = 360.0;
const CENTRE: f64 = SIZE / 2.0;
const RING: f64 = 135.0;
const NODE_R: f64 = 26.0;
/// Events drawn as arrows: the current one and a few before it, fading.
const RECENT: u64 = 8;
/// Executed sequence numbers listed per replica.
const LOG_SHOWN: usize = 6;

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
    let position = timeline.position();
    let trace = timeline.trace();
    let end = trace.partition_point(|e| e.step <= position);
    let recent: Vec<_> = trace[..end]
        .iter()
        .rev()
        .take_while(|e| e.step + RECENT > position)
        .filter_map(|e| match &e.what {
            What::Deliver { from, to, msg, .. } => {
                Some((*from, *to, msg, false, position - e.step))
            }
            What::Drop { from, to, msg, .. } => Some((*from, *to, msg, true, position - e.step)),
            _ => None,
        })
        .collect();
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
            <defs>
                <marker id="pbft-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" />
                </marker>
            </defs>
            { for recent.iter().rev().map(|(from, to, msg, dropped, age)| {
                let ((x1, y1), (x2, y2)) = (at(*from), at(*to));
                let (dx, dy) = (x2 - x1, y2 - y1);
                let len = (dx * dx + dy * dy).sqrt().max(1.0);
                let (ux, uy) = (dx / len, dy / len);
                let (sx, sy, ex, ey) = (x1 + ux * NODE_R, y1 + uy * NODE_R, x2 - ux * (NODE_R + 2.0), y2 - uy * (NODE_R + 2.0));
                let opacity = 1.0 - *age as f64 / RECENT as f64 * 0.8;
                let label = if *dropped { format!("✕ {}", phase(msg)) } else { phase(msg).to_owned() };
                html! { <g class={classes!("pbft-msg", phase_class(msg), dropped.then_some("dropped"))} opacity={format!("{opacity:.2}")}>
                    <line x1={sx.to_string()} y1={sy.to_string()} x2={ex.to_string()} y2={ey.to_string()} marker-end="url(#pbft-arrow)" />
                    <text x={((sx + ex) / 2.0).to_string()} y={((sy + ey) / 2.0 - 3.0).to_string()} text-anchor="middle">{ label }</text>
                </g> }
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
