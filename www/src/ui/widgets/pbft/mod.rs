//! A live PBFT cluster: replicas on a ring around the client, the messages of the
//! last few events labelled by phase, each replica's votes against 2f+1, the committed
//! logs, checkpoints and view changes, with a timeline to step back through. Every
//! frame is the engine's state at the current step.

mod draw;
mod text;

use consensus::Timeline;
use consensus::pbft::{Note, PbftNode};
use gloo::timers::callback::Interval;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::use_id;
use crate::consensus_view::pbft::{self, completed, focus_seq, noted, replicas, replies, votes};
use crate::consensus_view::settings::{PBFT_FAULTS, PbftFault, PbftSettings};
use crate::i18n::fill;
use crate::lesson::WaitFor;
use crate::ui::use_lang;

const SNAPSHOT_EVERY: u64 = 256;
const TICK_MS: u32 = 50;
/// Simulated milliseconds per tick at each speed.
const SPEEDS: [(u64, &str); 3] = [(1, "×0.3"), (3, "×1"), (10, "×3")];
const MAX_EVENTS_PER_TICK: usize = 2_000;

#[derive(Properties, PartialEq)]
pub struct PbftProps {
    pub settings: PbftSettings,
    pub on_event: Callback<WaitFor>,
}

struct Cluster {
    timeline: Timeline<PbftNode>,
    clock: u64,
}

impl Cluster {
    fn new(settings: &PbftSettings) -> Self {
        let sim = pbft::params(settings, 1)
            .build()
            .expect("the settings keep n within 4..=10 and f within (n-1)/3");
        Self {
            timeline: Timeline::new(sim, SNAPSHOT_EVERY),
            clock: 0,
        }
    }

    fn advance(&mut self, by: u64) {
        let target = self.clock + by;
        let mut budget = MAX_EVENTS_PER_TICK;
        while budget > 0
            && self
                .timeline
                .state()
                .next_time()
                .is_some_and(|t| t <= target)
        {
            self.timeline.forward();
            budget -= 1;
        }
        self.clock = target.max(self.timeline.state().now());
    }

    fn sync_clock(&mut self) {
        self.clock = self.timeline.state().now();
    }
}

#[component]
pub fn PbftWidget(props: &PbftProps) -> Html {
    let t = text::for_lang(use_lang());
    let id = use_id();
    let settings = use_state(|| props.settings);
    let cluster = use_mut_ref(|| Cluster::new(&props.settings));
    let redraw = use_force_update();
    let playing = use_state(|| false);
    let speed = use_state(|| 1usize);

    {
        let (cluster, redraw) = (cluster.clone(), redraw.clone());
        use_effect_with(*settings, move |settings| {
            *cluster.borrow_mut() = Cluster::new(settings);
            redraw.force_update();
        });
    }
    {
        let (cluster, redraw) = (cluster.clone(), redraw.clone());
        use_effect_with((*playing, *speed), move |&(playing, speed)| {
            let interval = playing.then(|| {
                Interval::new(TICK_MS, move || {
                    cluster.borrow_mut().advance(SPEEDS[speed].0);
                    redraw.force_update();
                })
            });
            move || drop(interval)
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

    let step = |back: bool| {
        let (cluster, redraw) = (cluster.clone(), redraw.clone());
        Callback::from(move |_: MouseEvent| {
            let mut c = cluster.borrow_mut();
            if back {
                c.timeline.back();
            } else {
                c.timeline.forward();
            }
            c.sync_clock();
            redraw.force_update();
        })
    };
    let toggle_play = {
        let playing = playing.clone();
        Callback::from(move |_: MouseEvent| playing.set(!*playing))
    };
    let on_seek = {
        let (cluster, redraw, playing) = (cluster.clone(), redraw.clone(), playing.clone());
        Callback::from(move |e: InputEvent| {
            let step = e
                .target_unchecked_into::<HtmlInputElement>()
                .value()
                .parse()
                .unwrap_or(0);
            let mut c = cluster.borrow_mut();
            c.timeline.seek(step);
            c.sync_clock();
            playing.set(false);
            redraw.force_update();
        })
    };
    let select_value = |e: &Event| e.target_unchecked_into::<HtmlSelectElement>().value();
    let on_speed = {
        let speed = speed.clone();
        Callback::from(move |e: Event| speed.set(select_value(&e).parse().unwrap_or(1)))
    };
    let change = |apply: fn(&mut PbftSettings, &str)| {
        let (settings, playing) = (settings.clone(), playing.clone());
        Callback::from(move |e: Event| {
            let mut next = *settings;
            apply(&mut next, &select_value(&e));
            playing.set(false);
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
    let explored = c.timeline.explored();
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
        <section class="widget card pbft" aria-label={t.title} data-testid="pbft">
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
            <p class="pbft-event muted small" data-testid="pbft-event">{ draw::last_event(&t, &c.timeline) }</p>
            <div class="pbft-controls" role="toolbar" aria-label={t.title}>
                <button type="button" class="primary" onclick={toggle_play} data-testid="pbft-play">{ if *playing { t.pause } else { t.play } }</button>
                <button type="button" onclick={step(true)} disabled={position == 0} data-testid="pbft-back">{ t.back }</button>
                <button type="button" onclick={step(false)} data-testid="pbft-forward">{ t.forward }</button>
                <div class="field inline">
                    <label for={format!("{id}-speed")}>{ t.speed }</label>
                    <select id={format!("{id}-speed")} onchange={on_speed}>
                        { for SPEEDS.iter().enumerate().map(|(i, (_, label))| html! { <option value={i.to_string()} selected={i == *speed}>{ *label }</option> }) }
                    </select>
                </div>
            </div>
            <div class="field">
                <label for={format!("{id}-timeline")}>
                    { format!("{}: {} {position} / {explored} · {} {} ms", t.timeline, t.step, t.time, sim.now()) }
                </label>
                <input id={format!("{id}-timeline")} type="range" min="0" max={explored.to_string()} value={position.to_string()} oninput={on_seek} data-testid="pbft-timeline" />
            </div>
        </section>
    }
}
