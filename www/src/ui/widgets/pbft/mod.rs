//! A live PBFT cluster: replicas on a ring around the client, the messages of the
//! last few events labelled by phase, each replica's votes against 2f+1, the committed
//! logs, the stable checkpoints and watermark windows drawn on a strip of sequence
//! numbers, and view changes, with a timeline to step back through. Every frame is the
//! engine's state at the current step.

mod draw;
mod text;

use consensus::pbft::{Note, PbftNode};
use web_sys::{HtmlSelectElement, KeyboardEvent};
use yew::prelude::*;

use super::timeline::{Drive, Run, TimelineControls, use_player};
use super::use_id;
use crate::consensus_view::pbft::{
    self, completed, focus_seq, noted, replicas, replies, votes, window_rows,
};
use crate::consensus_view::settings::{PBFT_FAULTS, PbftFault, PbftSettings};
use crate::i18n::fill;
use crate::lesson::WaitFor;
use crate::ui::use_lang;

/// Simulated milliseconds per tick at each speed.
const SPEEDS: [u64; 3] = [1, 3, 10];
const SPEED_LABELS: [&str; 3] = ["×0.3", "×1", "×3"];

#[derive(Properties, PartialEq)]
pub struct PbftProps {
    pub settings: PbftSettings,
    pub on_event: Callback<WaitFor>,
}

fn cluster(settings: &PbftSettings) -> Run<PbftNode> {
    Run::new(
        pbft::params(settings, 1)
            .build()
            .expect("the settings keep n within 4..=10 and f within (n-1)/3"),
    )
}

#[component]
pub fn PbftWidget(props: &PbftProps) -> Html {
    let t = text::for_lang(use_lang());
    let id = use_id();
    let settings = use_state(|| props.settings);
    let cluster = use_mut_ref(|| cluster(&props.settings));
    let redraw = use_force_update();
    let player = {
        let (cluster, redraw) = (cluster.clone(), redraw.clone());
        use_player(
            &SPEEDS,
            Callback::from(move |drive: Drive| {
                cluster.borrow_mut().drive(drive);
                redraw.force_update();
            }),
        )
    };

    {
        let (cluster, redraw) = (cluster.clone(), redraw.clone());
        use_effect_with(*settings, move |settings| {
            *cluster.borrow_mut() = self::cluster(settings);
            redraw.force_update();
        });
    }
    {
        let (cluster, on_event) = (cluster.clone(), props.on_event.clone());
        let position = cluster.borrow().timeline.position();
        use_effect_with(position, move |&position| {
            let c = cluster.borrow();
            let trace = c.timeline.trace();
            if noted(trace, position, |n| matches!(n, Note::Committed { .. })) {
                on_event.emit(WaitFor::PbftCommitted);
            }
            if noted(trace, position, |n| matches!(n, Note::NewView { .. })) {
                on_event.emit(WaitFor::PbftViewChanged);
            }
        });
    }

    let onkeydown = {
        let player = player.clone();
        Callback::from(move |e: KeyboardEvent| {
            if player.key(&e) {
                e.prevent_default();
                e.stop_propagation();
            }
        })
    };
    let select_value = |e: &Event| e.target_unchecked_into::<HtmlSelectElement>().value();
    let change = |apply: fn(&mut PbftSettings, &str)| {
        let (settings, pause) = (settings.clone(), player.pause.clone());
        Callback::from(move |e: Event| {
            let mut next = *settings;
            apply(&mut next, &select_value(&e));
            pause.emit(());
            settings.set(next);
        })
    };
    let on_n = change(|s, v| s.n = v.parse().unwrap_or(4));
    let on_f = change(|s, v| s.f = v.parse().unwrap_or(1));
    let on_fault = change(|s, v| {
        s.fault = PBFT_FAULTS
            .iter()
            .find(|(name, _)| *name == v)
            .map_or(PbftFault::None, |f| f.1)
    });

    let c = cluster.borrow();
    let sim = c.timeline.state();
    let position = c.timeline.position();
    let reps = replicas(sim);
    let n = reps.len();
    let quorum = reps.first().map_or(0, |r| r.quorum());
    let f = (n.max(1) - 1) / 3;
    let seq = focus_seq(sim);
    let rows: Vec<_> = reps.iter().map(|r| seq.map(|s| votes(r, s))).collect();
    let done = completed(sim);
    let got = replies(c.timeline.trace(), n, done, position);
    let max_view = reps.iter().map(|r| r.view()).max().unwrap_or(0);
    let committed_now = rows.iter().flatten().filter(|v| v.committed).count();
    let status = if max_view > 0
        && noted(c.timeline.trace(), position, |n| {
            matches!(n, Note::NewView { .. })
        }) {
        fill(
            t.status_view_change,
            &[
                ("view", &max_view.to_string()),
                ("primary", &(max_view as usize % n).to_string()),
            ],
        )
    } else if done > 0 || committed_now > 0 {
        fill(
            t.status_committed,
            &[
                ("count", &committed_now.max(1).to_string()),
                ("view", &max_view.to_string()),
            ],
        )
    } else {
        t.status_waiting.to_owned()
    };
    let fault_index = PBFT_FAULTS
        .iter()
        .position(|(_, f)| *f == settings.fault)
        .unwrap_or(0);
    html! {
        <section class="widget card pbft" aria-label={t.title} tabindex="0" {onkeydown} data-testid="pbft">
            <div class="pbft-settings">
                <div class="field">
                    <label for={format!("{id}-n")}>{ t.replicas }</label>
                    <select id={format!("{id}-n")} onchange={on_n} data-testid="pbft-n">
                        { for (4..=10).map(|k| html! { <option value={k.to_string()} selected={k == settings.n}>{ k }</option> }) }
                    </select>
                </div>
                <div class="field">
                    <label for={format!("{id}-fault")}>{ t.fault }</label>
                    <select id={format!("{id}-fault")} onchange={on_fault} data-testid="pbft-fault">
                        { for PBFT_FAULTS.iter().enumerate().map(|(i, (name, _))| html! { <option value={*name} selected={i == fault_index}>{ t.faults[i] }</option> }) }
                    </select>
                </div>
                if settings.fault != PbftFault::None {
                    <div class="field">
                        <label for={format!("{id}-f")}>{ t.faulty }</label>
                        <select id={format!("{id}-f")} onchange={on_f}>
                            { for (1..=(settings.n - 1) / 3).map(|k| html! { <option value={k.to_string()} selected={k == settings.faulty()}>{ k }</option> }) }
                        </select>
                    </div>
                }
                <p class="muted small">{ format!("f = ⌊(n−1)/3⌋ = {f} · {} {quorum}", t.quorum) }</p>
            </div>
            <p class="pbft-status" aria-live="polite" data-testid="pbft-status">{ status }</p>
            <div class="pbft-stage">
                { draw::ring(&t, &c.timeline) }
                <div class="pbft-side">
                    <p class="pbft-client" data-testid="pbft-client">
                        { fill(t.client_status, &[("done", &done.to_string()), ("got", &got.to_string()), ("need", &(f + 1).to_string())]) }
                    </p>
                    { draw::votes_table(&t, &reps, sim, seq, &rows, quorum) }
                </div>
            </div>
            <p class="muted small">{ t.legend }</p>
            { draw::windows(&t, &window_rows(&reps)) }
            <p class="pbft-event muted small" data-testid="pbft-event">{ draw::last_event(&t, &c.timeline) }</p>
            <TimelineControls prefix="pbft" label={t.title}
                position={position} explored={c.timeline.explored()} now={sim.now()}
                player={player.clone()} speeds={&SPEED_LABELS[..]} />
        </section>
    }
}
