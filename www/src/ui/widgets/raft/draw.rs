//! The Raft widget's pictures: the ring of servers and the logs table.

use consensus::raft::{Msg, RaftConfig, RaftNode, Role};
use consensus::{Simulator, Timeline, What};
use yew::prelude::*;

use super::text::Text;
use crate::consensus_view::raft::{log_window, ring_position, timer_left};

const SIZE: f64 = 340.0;
const CENTRE: f64 = SIZE / 2.0;
const RING: f64 = 120.0;
const NODE_R: f64 = 30.0;
/// Events drawn as arrows: the current one and a few before it, fading.
const RECENT: u64 = 6;
/// Log columns shown.
const LOG_WIDTH: usize = 10;

fn role_text(t: &Text, sim: &Simulator<RaftNode>, i: usize) -> &'static str {
    if !sim.is_up(i) {
        return t.crashed;
    }
    match sim.nodes()[i].role() {
        Role::Leader => t.leader,
        Role::Candidate => t.candidate,
        Role::Follower => t.follower,
    }
}

fn role_class(sim: &Simulator<RaftNode>, i: usize) -> &'static str {
    if !sim.is_up(i) {
        return "crashed";
    }
    match sim.nodes()[i].role() {
        Role::Leader => "leader",
        Role::Candidate => "candidate",
        Role::Follower => "follower",
    }
}

/// What a message is, as its arrow label says it.
fn msg_label(msg: &Msg) -> String {
    match msg {
        Msg::RequestVote { term, .. } => format!("RequestVote t{term}"),
        Msg::Vote { granted: true, .. } => "Vote ✓".into(),
        Msg::Vote { granted: false, .. } => "Vote ✗".into(),
        Msg::AppendEntries { entries, .. } if entries.is_empty() => "♥".into(),
        Msg::AppendEntries { entries, .. } => format!("Append ×{}", entries.len()),
        Msg::AppendReply { success: true, .. } => "OK".into(),
        Msg::AppendReply { success: false, .. } => "Reply ✗".into(),
    }
}

/// The servers on a ring with their timers, and the latest messages as arrows.
pub fn ring(t: &Text, timeline: &Timeline<RaftNode>, clock: u64) -> Html {
    let sim = timeline.state();
    let n = sim.nodes().len();
    let config = RaftConfig::default();
    let position = timeline.position();
    let at = |i: usize| ring_position(i, n, CENTRE, CENTRE, RING);
    let trace = timeline.trace();
    let end = trace.partition_point(|e| e.step <= position);
    let recent = trace[..end]
        .iter()
        .rev()
        .take_while(|e| e.step + RECENT > position)
        .filter_map(|e| match &e.what {
            What::Deliver { from, to, msg, .. } => {
                Some((*from, *to, msg_label(msg), false, position - e.step))
            }
            What::Drop { from, to, msg, .. } => {
                Some((*from, *to, msg_label(msg), true, position - e.step))
            }
            _ => None,
        })
        .collect::<Vec<_>>();
    let cut_off: Vec<bool> = (0..n)
        .map(|i| (0..n).filter(|&j| sim.network().connected(i, j)).count() * 2 < n)
        .collect();
    let circumference = std::f64::consts::TAU * (NODE_R + 6.0);
    html! {
        <svg class="raft-ring" viewBox={format!("0 0 {SIZE} {SIZE}")} role="img" aria-label={t.title} data-testid="raft-ring">
            <defs>
                <marker id="raft-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" />
                </marker>
            </defs>
            { for recent.iter().rev().map(|(from, to, label, dropped, age)| {
                let ((x1, y1), (x2, y2)) = (at(*from), at(*to));
                let (dx, dy) = (x2 - x1, y2 - y1);
                let len = (dx * dx + dy * dy).sqrt().max(1.0);
                let (ux, uy) = (dx / len, dy / len);
                let (sx, sy, ex, ey) = (x1 + ux * NODE_R, y1 + uy * NODE_R, x2 - ux * (NODE_R + 2.0), y2 - uy * (NODE_R + 2.0));
                let opacity = 1.0 - *age as f64 / RECENT as f64 * 0.8;
                html! { <g class={classes!("raft-msg", dropped.then_some("dropped"))} opacity={format!("{opacity:.2}")}>
                    <line x1={sx.to_string()} y1={sy.to_string()} x2={ex.to_string()} y2={ey.to_string()} marker-end="url(#raft-arrow)" />
                    <text x={((sx + ex) / 2.0).to_string()} y={((sy + ey) / 2.0 - 3.0).to_string()} text-anchor="middle">
                        { if *dropped { format!("✕ {label}") } else { label.clone() } }
                    </text>
                </g> }
            }) }
            { for (0..n).map(|i| {
                let (x, y) = at(i);
                let node = &sim.nodes()[i];
                let left = if sim.is_up(i) { timer_left(node, clock, &config) } else { None };
                let role = role_text(t, sim, i);
                let label = format!("{} {i}: {role}, {} {}", t.server, t.term, node.term());
                html! { <g class={classes!("raft-server", role_class(sim, i))} aria-label={label} data-testid={format!("raft-server-{i}")}>
                    if let Some(left) = left {
                        <circle class="timer" cx={x.to_string()} cy={y.to_string()} r={(NODE_R + 6.0).to_string()}
                            stroke-dasharray={format!("{:.1} {:.1}", left * circumference, circumference)}
                            transform={format!("rotate(-90 {x} {y})")} />
                    }
                    <circle class="body" cx={x.to_string()} cy={y.to_string()} r={NODE_R.to_string()} />
                    <text class="icon" x={x.to_string()} y={(y - 6.0).to_string()} text-anchor="middle">{ role.split(' ').next().unwrap_or_default() }</text>
                    <text x={x.to_string()} y={(y + 10.0).to_string()} text-anchor="middle">{ format!("S{i}") }</text>
                    <text class="term" x={x.to_string()} y={(y + 24.0).to_string()} text-anchor="middle">{ format!("T{}", node.term()) }</text>
                    if cut_off[i] {
                        <text class="cut" x={x.to_string()} y={(y + NODE_R + 20.0).to_string()} text-anchor="middle">{ format!("✂ {}", t.cut_off) }</text>
                    }
                </g> }
            }) }
        </svg>
    }
}

/// Each server's role, term, vote and the live end of its log.
pub fn logs(t: &Text, sim: &Simulator<RaftNode>) -> Html {
    let (first, rows) = log_window(sim.nodes(), LOG_WIDTH);
    html! {
        <table class="raft-logs" data-testid="raft-logs">
            <caption>{ t.logs }</caption>
            <thead><tr>
                <th scope="col">{ t.server }</th>
                { for (first..first + LOG_WIDTH as u64).map(|i| html! { <th scope="col" class="num">{ i }</th> }) }
            </tr></thead>
            <tbody>
                { for rows.iter().enumerate().map(|(i, row)| {
                    let node = &sim.nodes()[i];
                    let vote = node.voted_for().map(|v| format!(", {} {v}", t.voted)).unwrap_or_default();
                    html! { <tr class={role_class(sim, i)}>
                        <th scope="row">{ format!("S{i} {} · {} {}{vote}", role_text(t, sim, i), t.term, node.term()) }</th>
                        { for row.iter().map(|cell| match cell {
                            Some(c) if c.committed => html! { <td class="committed">{ format!("{}✓", c.term) }</td> },
                            Some(c) => html! { <td>{ c.term }</td> },
                            None => html! { <td class="empty"></td> },
                        }) }
                    </tr> }
                }) }
            </tbody>
        </table>
    }
}

/// The current step's event in words.
pub fn last_event(t: &Text, timeline: &Timeline<RaftNode>) -> String {
    let events = timeline.events_at(timeline.position());
    let described: Vec<String> = events
        .iter()
        .map(|e| match &e.what {
            What::Deliver { from, to, msg, .. } => format!("S{from} → S{to}: {}", msg_label(msg)),
            What::Drop { from, to, msg, .. } => format!("S{from} → S{to}: ✕ {}", msg_label(msg)),
            What::Timer { node, timer } => format!("S{node}: ⏰ {timer:?}"),
            What::Injected { injection } => format!("⚡ {injection:?}"),
            What::Note { node, note } => format!("S{node}: {note:?}"),
        })
        .collect();
    format!("{}: {}", t.last_event, described.join(" · "))
}
