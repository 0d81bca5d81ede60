//! Play, step back and forth, speed, and the timeline slider; the keys a presenter
//! uses for them; and the animation that plays a run. The widget answers the keys on
//! its own element (see [`Player::key`]), so the buttons announce them.

use gloo::timers::callback::Interval;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, KeyboardEvent};
use yew::prelude::*;

use super::text::timeline_text;
use crate::ui::use_lang;
use crate::ui::widgets::use_id;

/// Real milliseconds between animation ticks.
const TICK_MS: u32 = 50;

/// What the player asks of the run: play some simulated milliseconds, step, or jump.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drive {
    Advance(u64),
    Step { back: bool },
    Seek(u64),
}

/// Whether the run plays, at which speed, and the callbacks the controls and keys use.
#[derive(Clone, PartialEq)]
pub struct Player {
    pub playing: bool,
    pub speed: usize,
    pub toggle: Callback<()>,
    pub pause: Callback<()>,
    pub step: Callback<bool>,
    pub seek: Callback<u64>,
    pub set_speed: Callback<usize>,
}

impl Player {
    /// Space plays or pauses, ← and → step, except while the learner types in a field
    /// (where those keys already mean something). True when the key was used.
    pub fn key(&self, e: &KeyboardEvent) -> bool {
        let in_field = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT"));
        match e.key().as_str() {
            _ if in_field => return false,
            " " => self.toggle.emit(()),
            "ArrowLeft" => self.step.emit(true),
            "ArrowRight" => self.step.emit(false),
            _ => return false,
        }
        true
    }
}

/// Plays a run through `drive`: `speeds[i]` simulated milliseconds every tick at
/// speed `i` while playing; seeking pauses, so the learner's jump stays put.
#[hook]
pub fn use_player(speeds: &'static [u64], drive: Callback<Drive>) -> Player {
    let playing = use_state(|| false);
    let speed = use_state(|| 1usize.min(speeds.len() - 1));
    {
        let drive = drive.clone();
        use_effect_with((*playing, speeds[*speed]), move |&(playing, per_tick)| {
            let interval = playing
                .then(|| Interval::new(TICK_MS, move || drive.emit(Drive::Advance(per_tick))));
            move || drop(interval)
        });
    }
    let toggle = {
        let playing = playing.clone();
        Callback::from(move |()| playing.set(!*playing))
    };
    let pause = {
        let playing = playing.clone();
        Callback::from(move |()| playing.set(false))
    };
    let seek = {
        let (drive, pause) = (drive.clone(), pause.clone());
        Callback::from(move |to: u64| {
            pause.emit(());
            drive.emit(Drive::Seek(to));
        })
    };
    let set_speed = {
        let speed = speed.clone();
        Callback::from(move |i: usize| speed.set(i.min(speeds.len() - 1)))
    };
    Player {
        playing: *playing,
        speed: *speed,
        toggle,
        pause,
        step: drive.reform(|back| Drive::Step { back }),
        seek,
        set_speed,
    }
}

#[derive(Properties, PartialEq)]
pub struct TimelineControlsProps {
    /// The widget's name: class and test-id prefix (`raft` gives `raft-play`, ...).
    pub prefix: &'static str,
    /// The toolbar's accessible name.
    pub label: AttrValue,
    pub position: u64,
    pub explored: u64,
    /// Simulated time at the current event.
    pub now: u64,
    pub player: Player,
    pub speeds: &'static [&'static str],
    /// The widget's own actions, placed in the toolbar after the step buttons.
    #[prop_or_default]
    pub children: Html,
    /// A line under the slider.
    #[prop_or_default]
    pub note: Option<AttrValue>,
}

#[component]
pub fn TimelineControls(props: &TimelineControlsProps) -> Html {
    let t = timeline_text(use_lang());
    let id = use_id();
    let p = props.prefix;
    let player = &props.player;
    let on_play = player.toggle.reform(|_: MouseEvent| ());
    let on_back = player.step.reform(|_: MouseEvent| true);
    let on_forward = player.step.reform(|_: MouseEvent| false);
    let on_seek = player.seek.reform(|e: InputEvent| {
        e.target_unchecked_into::<HtmlInputElement>()
            .value()
            .parse()
            .unwrap_or(0)
    });
    let on_speed = player.set_speed.reform(|e: Event| {
        e.target_unchecked_into::<HtmlSelectElement>()
            .value()
            .parse()
            .unwrap_or(1)
    });
    let (position, explored) = (props.position, props.explored);
    html! {
        <>
            <div class={format!("{p}-controls")} role="toolbar" aria-label={props.label.clone()}>
                <button type="button" class="primary" onclick={on_play} data-testid={format!("{p}-play")} aria-keyshortcuts="Space">
                    { if player.playing { t.pause } else { t.play } }
                </button>
                <button type="button" onclick={on_back} disabled={position == 0} aria-keyshortcuts="ArrowLeft" data-testid={format!("{p}-back")}>{ t.back }</button>
                <button type="button" onclick={on_forward} aria-keyshortcuts="ArrowRight" data-testid={format!("{p}-forward")}>{ t.forward }</button>
                { props.children.clone() }
                <div class="field inline">
                    <label for={format!("{id}-speed")}>{ t.speed }</label>
                    <select id={format!("{id}-speed")} onchange={on_speed} data-testid={format!("{p}-speed")}>
                        { for props.speeds.iter().enumerate().map(|(i, label)| html! { <option value={i.to_string()} selected={i == player.speed}>{ *label }</option> }) }
                    </select>
                </div>
            </div>
            <div class="field">
                <label for={format!("{id}-timeline")}>
                    { format!("{}: {} {position} / {explored} · {} {} ms", t.timeline, t.step, t.time, props.now) }
                </label>
                <input id={format!("{id}-timeline")} type="range" min="0" max={explored.to_string()} value={position.to_string()} oninput={on_seek} data-testid={format!("{p}-timeline")} />
                if let Some(note) = &props.note {
                    <p class="muted small">{ note.clone() }</p>
                }
            </div>
        </>
    }
}
