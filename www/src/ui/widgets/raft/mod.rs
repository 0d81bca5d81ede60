//! A live Raft cluster in the style of RaftScope: servers on a ring with their
//! election timers, the messages of the last few events, the logs, presenter keys,
//! and a timeline the learner can scrub back and fork. Every frame is the engine's
//! state at the current step.

mod draw;
mod text;

use std::rc::Rc;

use consensus::raft::{RaftNode, RaftParams, leader};
use consensus::{Injection, Timeline};
use gloo::timers::callback::Interval;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, KeyboardEvent};
use yew::prelude::*;

use super::use_id;
use crate::consensus_view::raft::{leaders, minority_partition, partitioned};
use crate::consensus_view::settings::RaftSettings;
use crate::i18n::fill;
use crate::lesson::WaitFor;
use crate::ui::use_lang;

/// Steps between the timeline's snapshots: a jump replays at most this many events.
const SNAPSHOT_EVERY: u64 = 256;
/// Real milliseconds between animation ticks.
const TICK_MS: u32 = 50;
/// Simulated milliseconds per tick at each speed: slow enough to follow one election.
const SPEEDS: [(u64, &str); 3] = [(2, "×0.4"), (5, "×1"), (15, "×3")];
/// Most events one tick may process, so a tick never stalls the page.
const MAX_EVENTS_PER_TICK: usize = 2_000;

#[derive(Properties, PartialEq)]
pub struct RaftProps {
    pub settings: RaftSettings,
    pub on_event: Callback<WaitFor>,
}

/// The scrubbable run and the clock the timer arcs are drawn at.
struct Cluster {
    timeline: Timeline<RaftNode>,
    clock: u64,
    split_seen: bool,
}

impl Cluster {
    fn new(n: usize, seed: u64) -> Self {
        let sim = RaftParams::new(n, seed)
            .build()
            .expect("the settings keep n within 3..=7");
        Self {
            timeline: Timeline::new(sim, SNAPSHOT_EVERY),
            clock: 0,
            split_seen: false,
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

    /// Changes the future from here and shows its first event.
    fn act(&mut self, injection: Injection) {
        self.timeline.fork(injection);
        self.timeline.forward();
        self.sync_clock();
    }

    fn crash_leader(&mut self) {
        if let Some(l) = leader(self.timeline.state()) {
            self.act(Injection::Crash { node: l });
        }
    }

    fn restart_crashed(&mut self) {
        let down: Vec<usize> = (0..self.timeline.state().nodes().len())
            .filter(|&i| !self.timeline.state().is_up(i))
            .collect();
        for node in down {
            self.act(Injection::Restart { node });
        }
    }

    fn toggle_partition(&mut self) {
        let injection = if partitioned(self.timeline.state()) {
            Injection::Heal
        } else {
            minority_partition(self.timeline.state())
        };
        self.act(injection);
    }

    /// The lesson events the current state shows.
    fn events(&mut self) -> Vec<WaitFor> {
        let sim = self.timeline.state();
        let now = leaders(sim);
        let mut events = Vec::new();
        if !now.is_empty() {
            events.push(WaitFor::RaftLeaderElected);
        }
        if now.len() >= 2 && now.iter().any(|l| l.1 != now[0].1) {
            self.split_seen = true;
        }
        if self.split_seen && !partitioned(sim) && now.len() == 1 {
            events.push(WaitFor::RaftPartitionHealed);
        }
        events
    }
}

#[component]
pub fn RaftWidget(props: &RaftProps) -> Html {
    let t = text::for_lang(use_lang());
    let id = use_id();
    let n = props.settings.n;
    let cluster = use_mut_ref(|| Cluster::new(n, 7));
    let redraw = use_force_update();
    let playing = use_state(|| false);
    let speed = use_state(|| 1usize);
    let help = use_state(|| false);

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
        use_effect_with(position, move |_| {
            for event in cluster.borrow_mut().events() {
                on_event.emit(event);
            }
        });
    }

    let act = |f: fn(&mut Cluster)| -> Rc<dyn Fn()> {
        let (cluster, redraw) = (cluster.clone(), redraw.clone());
        Rc::new(move || {
            f(&mut cluster.borrow_mut());
            redraw.force_update();
        })
    };
    let step_forward = act(|c| {
        c.timeline.forward();
        c.sync_clock();
    });
    let step_back = act(|c| {
        c.timeline.back();
        c.sync_clock();
    });
    let crash = act(Cluster::crash_leader);
    let restart = act(Cluster::restart_crashed);
    let partition = act(Cluster::toggle_partition);
    let toggle_play: Rc<dyn Fn()> = {
        let playing = playing.clone();
        Rc::new(move || playing.set(!*playing))
    };
    let show_help = {
        let help = help.clone();
        Rc::new(move |open: bool| help.set(open))
    };
    let click = |f: &Rc<dyn Fn()>| {
        let f = f.clone();
        Callback::from(move |_: MouseEvent| f())
    };

    let onkeydown = {
        let (f, b, k, r, p, s, h) = (
            step_forward.clone(),
            step_back.clone(),
            crash.clone(),
            restart.clone(),
            partition.clone(),
            toggle_play.clone(),
            show_help.clone(),
        );
        Callback::from(move |e: KeyboardEvent| {
            let target_is_field = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT"));
            match e.key().as_str() {
                " " if !target_is_field => s(),
                "ArrowRight" if !target_is_field => f(),
                "ArrowLeft" if !target_is_field => b(),
                "k" | "K" => k(),
                "r" | "R" => r(),
                "p" | "P" => p(),
                "?" => h(true),
                "Escape" => h(false),
                _ => return,
            }
            // The lesson player pages with the arrow keys too; inside the cluster they
            // step the simulation instead.
            e.prevent_default();
            e.stop_propagation();
        })
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
    let on_speed = {
        let speed = speed.clone();
        Callback::from(move |e: Event| {
            speed.set(
                e.target_unchecked_into::<HtmlSelectElement>()
                    .value()
                    .parse()
                    .unwrap_or(1),
            )
        })
    };

    let c = cluster.borrow();
    let sim = c.timeline.state();
    let status = match leaders(sim).as_slice() {
        [] => t.no_leader.to_owned(),
        [(id, term)] => fill(
            t.one_leader,
            &[("id", &id.to_string()), ("term", &term.to_string())],
        ),
        many => fill(
            t.two_leaders,
            &[(
                "list",
                &many
                    .iter()
                    .map(|(id, term)| format!("{} {id} ({} {term})", t.server, t.term))
                    .collect::<Vec<_>>()
                    .join(", "),
            )],
        ),
    };
    let position = c.timeline.position();
    let explored = c.timeline.explored();
    let is_partitioned = partitioned(sim);
    html! {
        <section class="widget card raft" aria-label={t.title} tabindex="0" {onkeydown} data-testid="raft">
            <p class="raft-status" aria-live="polite" data-testid="raft-status">{ status }</p>
            <div class="raft-stage">
                { draw::ring(&t, &c.timeline, c.clock) }
                { draw::logs(&t, sim) }
            </div>
            <p class="raft-event muted small" data-testid="raft-event">{ draw::last_event(&t, &c.timeline) }</p>
            <div class="raft-controls" role="toolbar" aria-label={t.title}>
                <button type="button" class="primary" onclick={click(&toggle_play)} data-testid="raft-play" aria-keyshortcuts="Space">
                    { if *playing { t.pause } else { t.play } }
                </button>
                <button type="button" onclick={click(&step_back)} disabled={position == 0} aria-keyshortcuts="ArrowLeft" data-testid="raft-back">{ t.back }</button>
                <button type="button" onclick={click(&step_forward)} aria-keyshortcuts="ArrowRight" data-testid="raft-forward">{ t.forward }</button>
                <button type="button" onclick={click(&crash)} disabled={leader(sim).is_none()} aria-keyshortcuts="K" data-testid="raft-crash">{ t.crash_leader }</button>
                <button type="button" onclick={click(&restart)} disabled={(0..sim.nodes().len()).all(|i| sim.is_up(i))} aria-keyshortcuts="R" data-testid="raft-restart">{ t.restart }</button>
                <button type="button" onclick={click(&partition)} aria-keyshortcuts="P" data-testid="raft-partition">
                    { if is_partitioned { t.heal } else { t.partition } }
                </button>
                <div class="field inline">
                    <label for={format!("{id}-speed")}>{ t.speed }</label>
                    <select id={format!("{id}-speed")} onchange={on_speed}>
                        { for SPEEDS.iter().enumerate().map(|(i, (_, label))| html! { <option value={i.to_string()} selected={i == *speed}>{ *label }</option> }) }
                    </select>
                </div>
                <button type="button" onclick={let h = show_help.clone(); Callback::from(move |_: MouseEvent| h(true))} aria-keyshortcuts="?">{ t.help }</button>
            </div>
            <div class="field">
                <label for={format!("{id}-timeline")}>
                    { format!("{}: {} {position} / {explored} · {} {} ms", t.timeline, t.step, t.time, sim.now()) }
                </label>
                <input id={format!("{id}-timeline")} type="range" min="0" max={explored.to_string()} value={position.to_string()} oninput={on_seek} data-testid="raft-timeline" />
                <p class="muted small">{ t.forked }</p>
            </div>
            if *help {
                <div class="raft-help" role="dialog" aria-label={t.help}>
                    <dl>{ for t.hotkeys.iter().map(|(k, what)| html! { <><dt><kbd>{ *k }</kbd></dt><dd>{ *what }</dd></> }) }</dl>
                    <button type="button" onclick={let h = show_help.clone(); Callback::from(move |_: MouseEvent| h(false))}>{ t.close }</button>
                </div>
            }
        </section>
    }
}
