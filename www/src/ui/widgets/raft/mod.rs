//! A live Raft cluster in the style of RaftScope: servers on a ring with their
//! election timers, the messages of the last few events, the logs, a client whose
//! requests the learner sends, presenter keys, and a timeline the learner can scrub
//! back and fork. Every frame is the engine's state at the current step.

mod draw;
mod text;

use std::rc::Rc;

use consensus::Injection;
use consensus::raft::{RaftNode, leader};
use web_sys::KeyboardEvent;
use yew::prelude::*;

use super::timeline::{Drive, Run, TimelineControls, use_player};
use crate::consensus_view::raft::{
    leaders, minority_partition, next_request, partitioned, widget_params,
};
use crate::consensus_view::settings::RaftSettings;
use crate::i18n::fill;
use crate::lesson::WaitFor;
use crate::ui::use_lang;

/// Simulated milliseconds per tick at each speed: slow enough to follow one election.
const SPEEDS: [u64; 3] = [2, 5, 15];
const SPEED_LABELS: [&str; 3] = ["×0.4", "×1", "×3"];

#[derive(Properties, PartialEq)]
pub struct RaftProps {
    pub settings: RaftSettings,
    pub on_event: Callback<WaitFor>,
}

/// The scrubbable run, and whether the learner has seen the split brain yet.
struct Cluster {
    run: Run<RaftNode>,
    split_seen: bool,
}

impl Cluster {
    fn new(n: usize, seed: u64) -> Self {
        let sim = widget_params(n, seed)
            .build()
            .expect("the settings keep n within 3..=7");
        Self {
            run: Run::new(sim),
            split_seen: false,
        }
    }

    fn client_request(&mut self) {
        let request = next_request(&self.run.timeline);
        self.run.act(request);
    }

    fn crash_leader(&mut self) {
        if let Some(l) = leader(self.run.timeline.state()) {
            self.run.act(Injection::Crash { node: l });
        }
    }

    fn restart_crashed(&mut self) {
        let sim = self.run.timeline.state();
        let down: Vec<usize> = (0..sim.nodes().len()).filter(|&i| !sim.is_up(i)).collect();
        for node in down {
            self.run.act(Injection::Restart { node });
        }
    }

    fn toggle_partition(&mut self) {
        let sim = self.run.timeline.state();
        let injection = if partitioned(sim) {
            Injection::Heal
        } else {
            minority_partition(sim)
        };
        self.run.act(injection);
    }

    /// The lesson events the current state shows.
    fn events(&mut self) -> Vec<WaitFor> {
        let sim = self.run.timeline.state();
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
    let n = props.settings.n;
    let cluster = use_mut_ref(|| Cluster::new(n, 7));
    let redraw = use_force_update();
    let player = {
        let (cluster, redraw) = (cluster.clone(), redraw.clone());
        use_player(
            &SPEEDS,
            Callback::from(move |drive: Drive| {
                cluster.borrow_mut().run.drive(drive);
                redraw.force_update();
            }),
        )
    };
    {
        let (cluster, on_event) = (cluster.clone(), props.on_event.clone());
        let position = cluster.borrow().run.timeline.position();
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
    let request = act(Cluster::client_request);
    let crash = act(Cluster::crash_leader);
    let restart = act(Cluster::restart_crashed);
    let partition = act(Cluster::toggle_partition);
    let onkeydown = {
        let player = player.clone();
        let (c, k, r, p) = (
            request.clone(),
            crash.clone(),
            restart.clone(),
            partition.clone(),
        );
        Callback::from(move |e: KeyboardEvent| {
            if !player.key(&e) {
                match e.key().as_str() {
                    "c" | "C" => c(),
                    "k" | "K" => k(),
                    "r" | "R" => r(),
                    "p" | "P" => p(),
                    _ => return,
                }
            }
            // The lesson player pages with the arrow keys too; inside the cluster they
            // step the simulation instead.
            e.prevent_default();
            e.stop_propagation();
        })
    };
    let click = |f: &Rc<dyn Fn()>| {
        let f = f.clone();
        Callback::from(move |_: MouseEvent| f())
    };

    let c = cluster.borrow();
    let timeline = &c.run.timeline;
    let sim = timeline.state();
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
    html! {
        <section class="widget card raft" aria-label={t.title} tabindex="0" {onkeydown} data-testid="raft">
            <p class="raft-status" aria-live="polite" data-testid="raft-status">{ status }</p>
            <p class="raft-request" aria-live="polite" data-testid="raft-request">{ draw::request_status(&t, timeline) }</p>
            <div class="raft-stage">
                { draw::ring(&t, timeline, c.run.clock) }
                { draw::logs(&t, sim) }
            </div>
            <p class="raft-event muted small" data-testid="raft-event">{ draw::last_event(&t, timeline) }</p>
            <TimelineControls prefix="raft" label={t.title}
                position={timeline.position()} explored={timeline.explored()} now={sim.now()}
                {player} speeds={&SPEED_LABELS[..]} note={t.forked}>
                <button type="button" onclick={click(&request)} aria-keyshortcuts="C" data-testid="raft-request-button">{ t.client_request }</button>
                <button type="button" onclick={click(&crash)} disabled={leader(sim).is_none()} aria-keyshortcuts="K" data-testid="raft-crash">{ t.crash_leader }</button>
                <button type="button" onclick={click(&restart)} disabled={(0..sim.nodes().len()).all(|i| sim.is_up(i))} aria-keyshortcuts="R" data-testid="raft-restart">{ t.restart }</button>
                <button type="button" onclick={click(&partition)} aria-keyshortcuts="P" data-testid="raft-partition">
                    { if partitioned(sim) { t.heal } else { t.partition } }
                </button>
            </TimelineControls>
            <div class="raft-keys" data-testid="raft-keys">
                <span class="raft-keys-title">{ t.keys }</span>
                <dl>{ for t.hotkeys.iter().map(|(k, what)| html! { <div><dt><kbd>{ *k }</kbd></dt><dd>{ *what }</dd></div> }) }</dl>
            </div>
        </section>
    }
}
