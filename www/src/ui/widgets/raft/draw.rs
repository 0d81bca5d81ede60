//! The Raft widget's pictures: the ring of servers around the client, the logs table,
//! and the fate of the learner's latest request in words.

use consensus::raft::{Msg, Note, RaftConfig, RaftNode, Role};
use consensus::{Injection, Simulator, Timeline, What};
use yew::prelude::*;

use super::text::Text;
use crate::consensus_view::arrows::fade;
use crate::consensus_view::raft::{Fate, latest_request, log_window, ring_position, timer_left};
use crate::i18n::fill;
use crate::ui::widgets::timeline::{arrow, arrow_marker, recent};

const SIZE: f64 = 340.0;
const CENTRE: f64 = SIZE / 2.0;
const RING: f64 = 120.0;
const NODE_R: f64 = 30.0;
/// Events drawn as arrows: the current one and a few before it, fading.
const RECENT: u64 = 6;
/// A client request's arrow stays longer: it is the learner's own action.
const REQUEST_RECENT: u64 = 12;
/// Log columns shown.
const LOG_WIDTH: usize = 10;
const MARKER: &str = "raft-arrow";

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
        Msg::ClientRequest { command } => format!("C{command} → leader"),
    }
}

/// The learner's requests of the last few events, as arrows from the client.
fn client_arrows(t: &Text, timeline: &Timeline<RaftNode>) -> Html {
    let sim = timeline.state();
    let n = sim.nodes().len();
    let position = timeline.position();
    let trace = timeline.trace();
    let end = trace.partition_point(|e| e.step <= position);
    trace[..end]
        .iter()
        .rev()
        .take_while(|e| e.step + REQUEST_RECENT > position)
        .filter_map(|e| match e.what {
            What::Injected {
                injection: Injection::Request { node, command },
            } => Some((node, command, position - e.step)),
            _ => None,
        })
        .map(|(node, command, age)| {
            let to = ring_position(node, n, CENTRE, CENTRE, RING);
            arrow(
                (CENTRE, CENTRE),
                to,
                NODE_R,
                format!("{} C{command}", t.request_short),
                classes!("raft-msg", "client"),
                fade(age, REQUEST_RECENT),
                MARKER,
            )
        })
        .collect()
}

/// The servers on a ring with their timers, the client in the middle, and the latest
/// messages as arrows.
pub fn ring(t: &Text, timeline: &Timeline<RaftNode>, clock: u64) -> Html {
    let sim = timeline.state();
    let n = sim.nodes().len();
    let config = RaftConfig::default();
    let at = |i: usize| ring_position(i, n, CENTRE, CENTRE, RING);
    let cut_off: Vec<bool> = (0..n)
        .map(|i| (0..n).filter(|&j| sim.network().connected(i, j)).count() * 2 < n)
        .collect();
    let circumference = std::f64::consts::TAU * (NODE_R + 6.0);
    html! {
        <svg class="raft-ring" viewBox={format!("0 0 {SIZE} {SIZE}")} role="img" aria-label={t.title} data-testid="raft-ring">
            { arrow_marker(MARKER) }
            <g class="raft-client-node" aria-label={t.client}>
                <rect x={(CENTRE - 30.0).to_string()} y={(CENTRE - 14.0).to_string()} width="60" height="28" rx="6" />
                <text x={CENTRE.to_string()} y={(CENTRE + 5.0).to_string()} text-anchor="middle">{ t.client }</text>
            </g>
            { for recent(timeline, RECENT).into_iter().map(|m| {
                let label = msg_label(m.msg);
                let label = if m.dropped { format!("✕ {label}") } else { label };
                let class = classes!("raft-msg", m.dropped.then_some("dropped"), matches!(m.msg, Msg::ClientRequest { .. }).then_some("client"));
                arrow(at(m.from), at(m.to), NODE_R, label, class, fade(m.age, RECENT), MARKER)
            }) }
            { client_arrows(t, timeline) }
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

/// Each server's role, term, vote and the live end of its log; the learner's requests
/// are marked C1, C2, ... in the entries that carry them.
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
                            Some(c) => html! {
                                <td class={classes!(c.committed.then_some("committed"), c.request.map(|_| "request"))}>
                                    { format!("{}{}", c.term, if c.committed { "✓" } else { "" }) }
                                    if let Some(k) = c.request { <span class="cmd">{ format!("C{k}") }</span> }
                                </td>
                            },
                            None => html! { <td class="empty"></td> },
                        }) }
                    </tr> }
                }) }
            </tbody>
        </table>
    }
}

/// What became of the learner's latest client request, or how to send one.
pub fn request_status(t: &Text, timeline: &Timeline<RaftNode>) -> String {
    let Some((command, server, fate)) = latest_request(timeline) else {
        return t.request_none.to_owned();
    };
    let (template, leader, index) = match fate {
        Fate::Lost => (t.request_lost, 0, 0),
        Fate::Refused => (t.request_refused, 0, 0),
        Fate::Forwarded { leader } => (t.request_forwarded, leader, 0),
        Fate::Appended { leader, index } => (t.request_appended, leader, index),
        Fate::Committed { index } => (t.request_committed, 0, index),
    };
    fill(
        template,
        &[
            ("c", &format!("C{command}")),
            ("server", &format!("S{server}")),
            ("leader", &format!("S{leader}")),
            ("index", &index.to_string()),
        ],
    )
}

fn note_text(t: &Text, note: &Note) -> String {
    match note {
        Note::Accepted { index, command } => fill(
            t.note_accepted,
            &[("c", &format!("C{command}")), ("index", &index.to_string())],
        ),
        Note::Forwarded { command, leader } => fill(
            t.note_forwarded,
            &[
                ("c", &format!("C{command}")),
                ("leader", &format!("S{leader}")),
            ],
        ),
        Note::Refused { command } => fill(t.note_refused, &[("c", &format!("C{command}"))]),
        other => format!("{other:?}"),
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
            What::Injected {
                injection: Injection::Request { node, command },
            } => format!("{} → S{node}: {} C{command}", t.client, t.request_short),
            What::Injected { injection } => format!("⚡ {injection:?}"),
            What::Note { node, note } => format!("S{node}: {}", note_text(t, note)),
        })
        .collect();
    format!("{}: {}", t.last_event, described.join(" · "))
}
