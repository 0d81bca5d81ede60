//! Who is in the room (the status board as a table) and the class network's totals.

use ledger::Target;
use node::classroom::{MemberId, Role, Scenario, Side};
use yew::prelude::*;

use super::api;
use super::text::{Notice, TeachText, fill};
use crate::classroom::board::Member;
use crate::classroom::feed::short_hash;
use crate::ui::classroom::SessionHandle;
use crate::ui::use_lang;
use crate::{difficulty, format};

/// A node reports every 2 s; three missed reports and its row is greyed.
pub const STALE_MS: u64 = 6_000;

/// The students and native nodes, highest chain first (the instructor's own node
/// is the dashboard itself, not a row).
pub fn students(members: Vec<Member>) -> Vec<Member> {
    let mut rows: Vec<Member> = members
        .into_iter()
        .filter(|m| m.status.role != Role::Instructor)
        .collect();
    rows.sort_by(|a, b| {
        b.status
            .height
            .cmp(&a.status.height)
            .then_with(|| a.status.name.cmp(&b.status.name))
    });
    rows
}

/// Which side of the current scenario's cut `member` is on, in words.
pub fn side_text(t: &TeachText, scenario: &Scenario, member: &MemberId) -> Option<&'static str> {
    let side = scenario.side_of(member);
    match (scenario, side) {
        (_, Side::Everyone) => None,
        (Scenario::Partition { .. }, Side::Group) => Some(t.side_a),
        (Scenario::Partition { .. }, Side::Rest) => Some(t.side_b),
        (_, Side::Group) => Some(t.secret_side),
        (_, Side::Rest) => Some(t.public_side),
    }
}

#[derive(Properties, PartialEq)]
pub struct TotalsProps {
    pub session: SessionHandle,
}

#[component]
pub fn Totals(props: &TotalsProps) -> Html {
    let t = TeachText::of(use_lang());
    let rows = students(props.session.members());
    let rate: f64 = rows
        .iter()
        .filter(|m| m.age_ms < STALE_MS && m.status.mining)
        .map(|m| m.status.hashrate)
        .sum();
    let Some((height, tries, reward, spacing)) = props.session.with(|s| {
        let chain = s.node().chain();
        let target = Target::from_compact(chain.next_bits()).ok();
        let tries = target.map_or(0.0, difficulty::expected_tries);
        let reward = s.chain_params().block_subsidy(chain.height() + 1);
        (
            chain.height(),
            tries,
            reward,
            s.chain_params().pow_target_spacing,
        )
    }) else {
        return html! {};
    };
    let expected = if rate > 0.0 {
        seconds(tries / rate)
    } else {
        t.no_miners.to_string()
    };
    html! {
        <section class="card teach-totals" aria-labelledby="teach-totals-title">
            <h2 id="teach-totals-title">{ t.totals }</h2>
            <dl class="teach-facts">
                <div><dt>{ t.students }</dt><dd>{ rows.len() }</dd></div>
                <div><dt>{ t.class_rate }</dt><dd class="mono">{ format::rate(rate) }</dd></div>
                <div><dt>{ t.height }</dt><dd class="mono">{ height }</dd></div>
                <div>
                    <dt>{ t.difficulty }</dt>
                    <dd>{ fill(t.difficulty_detail, &[("n", &format::count(tries))]) }</dd>
                </div>
                <div><dt>{ t.reward }</dt><dd class="mono">{ reward.to_string() }</dd></div>
                <div>
                    <dt>{ t.expected_time }</dt>
                    <dd>{ expected }<span class="muted">{ format!(" ({} {} s)", t.target_time, spacing) }</span></dd>
                </div>
            </dl>
        </section>
    }
}

fn seconds(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.1} s")
    } else {
        format!("{} s", value.round() as u64)
    }
}

#[derive(Properties, PartialEq)]
pub struct PeersProps {
    pub session: SessionHandle,
    pub code: String,
    pub secret: Option<String>,
}

#[component]
pub fn PeersTable(props: &PeersProps) -> Html {
    let t = TeachText::of(use_lang());
    let message = use_state(Notice::default);
    let rows = students(props.session.members());
    let params = props.session.params();
    let kick = |member: &Member| {
        let (code, secret) = (props.code.clone(), props.secret.clone());
        let (id, name, message) = (
            member.member.clone(),
            member.status.name.clone(),
            message.clone(),
        );
        let session = props.session.clone();
        Callback::from(move |_| {
            let Some(secret) = secret.clone() else { return };
            let (code, id, name, message, session) = (
                code.clone(),
                id.clone(),
                name.clone(),
                message.clone(),
                session.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match api::kick(&code, &secret, &id).await {
                    Ok(()) => {
                        message.set(Notice::Kicked(name));
                        session.refresh_board();
                    }
                    Err(error) => message.set(Notice::Refused(error)),
                }
            });
        })
    };
    let body = rows.iter().map(|member| {
        let status = &member.status;
        let stale = member.age_ms >= STALE_MS;
        let old = status.epoch != params.epoch;
        let role = match status.role {
            Role::Native => t.native,
            Role::Instructor => t.instructor,
            Role::Student => t.student,
        };
        let seen = if stale {
            html! { <><span aria-hidden="true">{ "⏸ " }</span>{ t.stale }</> }
        } else {
            html! { fill(t.seconds_ago, &[("s", &(member.age_ms / 1000).to_string())]) }
        };
        let mining = if status.mining {
            html! { <><span aria-hidden="true">{ "⛏ " }</span>{ format::rate(status.hashrate) }</> }
        } else {
            html! { <span class="muted">{ t.idle }</span> }
        };
        html! {
            <tr key={member.member.to_string()} class={classes!(stale.then_some("is-stale"))}
                data-member={member.member.to_string()}>
                <th scope="row">{ &status.name }</th>
                <td>{ role }</td>
                <td>{ side_text(t, &params.scenario, &member.member).unwrap_or("—") }</td>
                <td class="mono num">
                    { status.height }
                    if old { <span class="teach-badge">{ "⚠ " }{ t.old_epoch }</span> }
                </td>
                <td class="mono">{ short_hash(&status.tip) }</td>
                <td class="num">{ mining }</td>
                <td class="mono num">{ status.balance.to_string() }</td>
                <td>{ seen }</td>
                if props.secret.is_some() {
                    <td>
                        <button class="secondary small" onclick={kick(member)}
                            aria-label={format!("{} {}", t.kick, status.name)}>{ t.kick }</button>
                    </td>
                }
            </tr>
        }
    });
    html! {
        <section class="card teach-peers" aria-labelledby="teach-peers-title">
            <h2 id="teach-peers-title">{ t.peers_title }{ format!(" ({})", rows.len()) }</h2>
            <p class="teach-message" role="status" aria-live="polite">{ message.text(t) }</p>
            if rows.is_empty() {
                <p class="muted">{ t.nobody }</p>
            } else {
                <div class="teach-table-wrap">
                    <table class="teach-table">
                        <thead>
                            <tr>
                                <th scope="col">{ t.name }</th>
                                <th scope="col">{ t.role }</th>
                                <th scope="col">{ t.side }</th>
                                <th scope="col">{ t.height }</th>
                                <th scope="col">{ t.tip }</th>
                                <th scope="col">{ t.rate }</th>
                                <th scope="col">{ t.balance }</th>
                                <th scope="col">{ t.last_seen }</th>
                                if props.secret.is_some() { <th scope="col">{ t.actions }</th> }
                            </tr>
                        </thead>
                        <tbody>{ for body }</tbody>
                    </table>
                </div>
            }
        </section>
    }
}
