//! The instructor's controls: scenarios (partition, 51% collusion, double spend)
//! with their explanations for the projector, and the room itself (new rules, reset,
//! close). Every change is a new [`RoomParams`] PUT to the server; the nodes obey it.

use std::collections::BTreeSet;

use ledger::Amount;
use node::classroom::{ChainSettings, MemberId, RoomParams, Scenario};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::api;
use super::scenario_name;
use super::table::{STALE_MS, students};
use super::text::{Notice, TeachText, fill};
use crate::ui::classroom::SessionHandle;
use crate::ui::use_lang;

#[derive(Properties, PartialEq)]
pub struct ControlProps {
    pub session: SessionHandle,
    pub code: String,
    pub secret: String,
}

/// Sends `params` and reports the outcome in `message`.
/// Every change names the dashboard's own node as the room's observer, so that it
/// sees both sides of whatever cut it starts.
fn send(props: &ControlProps, mut params: RoomParams, message: UseStateHandle<Notice>) {
    params.observers = props.session.me().into_iter().collect();
    let (code, secret) = (props.code.clone(), props.secret.clone());
    wasm_bindgen_futures::spawn_local(async move {
        match api::set_params(&code, &secret, &params).await {
            Ok(()) => message.set(Notice::Saved),
            Err(error) => message.set(Notice::Refused(error)),
        }
    });
}

fn toggle(set: &UseStateHandle<BTreeSet<MemberId>>, member: MemberId) -> Callback<Event> {
    let set = set.clone();
    Callback::from(move |_| {
        let mut next = (*set).clone();
        if !next.remove(&member) {
            next.insert(member.clone());
        }
        set.set(next);
    })
}

#[component]
pub fn Scenarios(props: &ControlProps) -> Html {
    let t = TeachText::of(use_lang());
    let message = use_state(Notice::default);
    let side = use_state(BTreeSet::<MemberId>::new);
    let group = use_state(BTreeSet::<MemberId>::new);
    let helpers = use_state(BTreeSet::<MemberId>::new);
    let attacker = use_state(|| None::<MemberId>);
    let merchant = use_state(|| None::<MemberId>);
    let amount = use_state(|| "10".to_string());
    let params = props.session.params();
    let members: Vec<_> = students(props.session.members())
        .into_iter()
        .filter(|m| m.age_ms < STALE_MS)
        .collect();
    let start = |scenario: Scenario| {
        let (params, message) = (params.clone(), message.clone());
        let props_code = (
            props.code.clone(),
            props.secret.clone(),
            props.session.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let next = RoomParams {
                scenario: scenario.clone(),
                ..params.clone()
            };
            let props = ControlProps {
                code: props_code.0.clone(),
                secret: props_code.1.clone(),
                session: props_code.2.clone(),
            };
            send(&props, next, message.clone());
        })
    };
    let status = html! {
        <p class="teach-message" role="status" aria-live="polite">{ message.text(t) }</p>
    };
    if params.scenario != Scenario::Normal {
        let (explain, watch, end) = match &params.scenario {
            Scenario::Partition { .. } => (t.partition_explain, t.partition_watch, t.heal),
            Scenario::Collusion { .. } => (t.collusion_explain, t.collusion_watch, t.release),
            _ => (t.double_spend_explain, t.double_spend_watch, t.release),
        };
        return html! {
            <section class="card teach-scenario is-running" aria-labelledby="teach-scenario-title">
                <h2 id="teach-scenario-title">
                    <span aria-hidden="true">{ "▶ " }</span>{ t.scenario_now }{ ": " }{ scenario_name(t, &params.scenario) }
                </h2>
                <p class="teach-explain">{ explain }</p>
                <p class="teach-watch"><strong>{ t.watch }{ ": " }</strong>{ watch }</p>
                <button class="primary teach-end" onclick={start(Scenario::Normal)}>{ end }</button>
                { status }
            </section>
        };
    }
    let total_rate: f64 = members.iter().map(|m| m.status.hashrate).sum();
    let group_rate: f64 = members
        .iter()
        .filter(|m| group.contains(&m.member))
        .map(|m| m.status.hashrate)
        .sum();
    let share = |rate: f64| {
        if total_rate > 0.0 {
            format!("{:.0}", 100.0 * rate / total_rate)
        } else {
            "0".to_string()
        }
    };
    let checkboxes = |prefix: &str, set: &UseStateHandle<BTreeSet<MemberId>>, with_share: bool| {
        let items = members.iter().map(|m| {
            let id = format!("{prefix}-{}", m.member);
            let label = if with_share {
                format!("{} ({}%)", m.status.name, share(m.status.hashrate))
            } else {
                m.status.name.clone()
            };
            html! {
                <li>
                    <input type="checkbox" id={id.clone()} checked={set.contains(&m.member)}
                        onchange={toggle(set, m.member.clone())} />
                    <label for={id}>{ label }</label>
                </li>
            }
        });
        html! { <ul class="teach-pick">{ for items }</ul> }
    };
    let split_half = {
        let (side, ids) = (
            side.clone(),
            members.iter().map(|m| m.member.clone()).collect::<Vec<_>>(),
        );
        Callback::from(move |_| side.set(ids.iter().take(ids.len().div_ceil(2)).cloned().collect()))
    };
    let select = |state: &UseStateHandle<Option<MemberId>>, id: &str| {
        let state = state.clone();
        let onchange = Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            state.set(MemberId::try_from(value).ok());
        });
        let options = members.iter().map(|m| {
            html! { <option value={m.member.to_string()}>{ &m.status.name }</option> }
        });
        html! {
            <select id={id.to_string()} {onchange}>
                <option value="">{ t.choose }</option>
                { for options }
            </select>
        }
    };
    let on_amount = {
        let amount = amount.clone();
        Callback::from(move |e: InputEvent| {
            amount.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let partition = Scenario::Partition {
        side: side.iter().cloned().collect(),
    };
    let collusion = Scenario::Collusion {
        group: group.iter().cloned().collect(),
    };
    let coins = amount
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|c| c.checked_mul(Amount::COIN.to_sat()));
    let double_spend = match (
        &*attacker,
        &*merchant,
        coins.and_then(|s| Amount::from_sat(s).ok()),
    ) {
        (Some(a), Some(m), Some(amount)) => Some(Scenario::DoubleSpend {
            attacker: a.clone(),
            merchant: m.clone(),
            amount,
            group: helpers
                .iter()
                .filter(|h| *h != m)
                .cloned()
                .chain([a.clone()])
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        }),
        _ => None,
    };
    html! {
        <section class="card teach-scenario" aria-labelledby="teach-scenario-title">
            <h2 id="teach-scenario-title">{ t.scenarios }</h2>
            <p class="teach-explain"><strong>{ t.normal }{ ". " }</strong>{ t.normal_explain }</p>
            if members.len() < 2 {
                <p class="muted">{ t.need_two }</p>
            }
            <details class="teach-case" open={true}>
                <summary>{ t.partition }</summary>
                <p>{ t.partition_explain }</p>
                <p class="teach-watch"><strong>{ t.watch }{ ": " }</strong>{ t.partition_watch }</p>
                <p>{ t.partition_pick }</p>
                { checkboxes("side", &side, false) }
                <div class="teach-buttons">
                    <button class="secondary" onclick={split_half} disabled={members.len() < 2}>{ t.split_half }</button>
                    <button class="primary" onclick={start(partition)}
                        disabled={side.is_empty() || side.len() >= members.len()}>{ t.start_partition }</button>
                </div>
            </details>
            <details class="teach-case">
                <summary>{ t.collusion }</summary>
                <p>{ t.collusion_explain }</p>
                <p class="teach-watch"><strong>{ t.watch }{ ": " }</strong>{ t.collusion_watch }</p>
                <p>{ t.collusion_pick }</p>
                { checkboxes("group", &group, true) }
                <p aria-live="polite">{ fill(t.group_share, &[("p", &share(group_rate))]) }</p>
                <button class="primary" onclick={start(collusion)} disabled={group.is_empty()}>{ t.start_collusion }</button>
            </details>
            <details class="teach-case">
                <summary>{ t.double_spend }</summary>
                <p>{ t.double_spend_explain }</p>
                <p class="teach-watch"><strong>{ t.watch }{ ": " }</strong>{ t.double_spend_watch }</p>
                <div class="teach-form">
                    <label for="teach-attacker">{ t.attacker }</label>
                    { select(&attacker, "teach-attacker") }
                    <label for="teach-merchant">{ t.merchant }</label>
                    { select(&merchant, "teach-merchant") }
                    <label for="teach-amount">{ t.amount }</label>
                    <input id="teach-amount" type="number" min="1" value={(*amount).clone()} oninput={on_amount} />
                </div>
                <p>{ t.helpers }</p>
                { checkboxes("helper", &helpers, true) }
                <button class="primary" onclick={double_spend.clone().map(&start).unwrap_or_default()}
                    disabled={double_spend.is_none() || *attacker == *merchant}>{ t.start_double_spend }</button>
            </details>
            { status }
        </section>
    }
}

/// The five rules of the next chain, as the instructor types them.
#[derive(Clone, PartialEq)]
struct Draft([String; 5]);

impl Draft {
    fn of(chain: &ChainSettings) -> Self {
        Self([
            chain.block_seconds.to_string(),
            chain.retarget_blocks.to_string(),
            format!("{:08x}", chain.start_bits),
            chain.reward_coins.to_string(),
            chain.halving_blocks.to_string(),
        ])
    }

    fn settings(&self) -> Option<ChainSettings> {
        let [seconds, retarget, bits, reward, halving] = &self.0;
        let bits = bits.trim().trim_start_matches("0x");
        let settings = ChainSettings {
            block_seconds: seconds.trim().parse().ok()?,
            retarget_blocks: retarget.trim().parse().ok()?,
            start_bits: u32::from_str_radix(bits, 16).ok()?,
            reward_coins: reward.trim().parse().ok()?,
            halving_blocks: halving.trim().parse().ok()?,
        };
        settings.validate().ok().map(|()| settings)
    }
}

/// Which destructive action waits for the instructor's confirmation.
#[derive(Clone, Copy, PartialEq)]
enum Pending {
    NewRules,
    Reset,
    Close,
}

#[component]
pub fn NetworkRules(props: &ControlProps) -> Html {
    let t = TeachText::of(use_lang());
    let params = props.session.params();
    let draft = use_state(|| Draft::of(&params.chain));
    let pending = use_state(|| None::<Pending>);
    let message = use_state(Notice::default);
    let labels = [
        (t.block_seconds, "teach-block-seconds", None),
        (t.retarget_blocks, "teach-retarget", None),
        (t.start_bits, "teach-start-bits", Some(t.start_bits_hint)),
        (t.reward_coins, "teach-reward", None),
        (t.halving_blocks, "teach-halving", None),
    ];
    let fields = labels.iter().enumerate().map(|(i, (label, id, hint))| {
        let draft_handle = draft.clone();
        let oninput = Callback::from(move |e: InputEvent| {
            let mut next = (*draft_handle).clone();
            next.0[i] = e.target_unchecked_into::<HtmlInputElement>().value();
            draft_handle.set(next);
        });
        let hint_id = format!("{id}-hint");
        html! {
            <div class="field">
                <label for={*id}>{ *label }</label>
                <input id={*id} class="mono" value={draft.0[i].clone()} {oninput}
                    aria-describedby={hint.map(|_| hint_id.clone())} />
                if let Some(hint) = hint { <p class="small muted" id={hint_id}>{ *hint }</p> }
            </div>
        }
    });
    let ask = |what: Pending| {
        let pending = pending.clone();
        Callback::from(move |_: MouseEvent| pending.set(Some(what)))
    };
    let cancel = {
        let pending = pending.clone();
        Callback::from(move |_: MouseEvent| pending.set(None))
    };
    let confirm = {
        let (pending, message, draft, params) = (
            pending.clone(),
            message.clone(),
            draft.clone(),
            params.clone(),
        );
        let (code, secret, session) = (
            props.code.clone(),
            props.secret.clone(),
            props.session.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Some(what) = *pending else { return };
            pending.set(None);
            let chain = match what {
                Pending::NewRules => match draft.settings() {
                    Some(chain) => chain,
                    None => return message.set(Notice::BadNumber),
                },
                _ => params.chain.clone(),
            };
            let props = ControlProps {
                code: code.clone(),
                secret: secret.clone(),
                session: session.clone(),
            };
            if what == Pending::Close {
                let message = message.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    match api::close(&props.code, &props.secret).await {
                        Ok(()) => message.set(Notice::Closed),
                        Err(error) => message.set(Notice::Refused(error)),
                    }
                });
                return;
            }
            let next = RoomParams {
                epoch: params.epoch + 1,
                chain,
                scenario: Scenario::Normal,
                observers: Vec::new(),
            };
            send(&props, next, message.clone());
        })
    };
    let valid = draft.settings().is_some();
    let question = match *pending {
        Some(Pending::Close) => Some((t.close_confirm, t.close_room)),
        Some(_) => Some((t.reset_confirm, t.confirm)),
        None => None,
    };
    html! {
        <section class="card teach-rules" aria-labelledby="teach-rules-title">
            <h2 id="teach-rules-title">{ t.network }</h2>
            <p>{ t.network_lead }</p>
            <div class="teach-rules-grid">{ for fields }</div>
            if !valid { <p class="field-error" role="alert"><span aria-hidden="true">{ "⚠ " }</span>{ t.bad_number }</p> }
            <div class="teach-buttons">
                <button class="primary" onclick={ask(Pending::NewRules)} disabled={!valid}>{ t.apply_reset }</button>
                <button class="secondary" onclick={ask(Pending::Reset)}>{ t.reset_room }</button>
                <button class="secondary teach-danger" onclick={ask(Pending::Close)}>{ t.close_room }</button>
            </div>
            if let Some((text, yes)) = question {
                <div class="teach-confirm" role="alertdialog" aria-labelledby="teach-confirm-text">
                    <p id="teach-confirm-text"><span aria-hidden="true">{ "⚠ " }</span>{ text }</p>
                    <button class="primary" onclick={confirm}>{ yes }</button>
                    <button class="secondary" onclick={cancel}>{ t.cancel }</button>
                </div>
            }
            <p class="teach-message" role="status" aria-live="polite">{ message.text(t) }</p>
        </section>
    }
}
