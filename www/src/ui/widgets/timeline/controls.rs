//! Play, step back and forth, speed, and the timeline slider; the keys a presenter
//! uses for them; and the animation that plays a run.

use gloo::timers::callback::Interval;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, KeyboardEvent};
use yew::prelude::*;

use super::text::timeline_text;
use crate::ui::use_lang;
use crate::ui::widgets::use_id;

/// Real milliseconds between animation ticks.
const TICK_MS: u32 = 50;

/// What the playback keys ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Playback {
    Toggle,
    Back,
    Forward,
}

/// Space plays or pauses, ← and → step, except while the learner types in a field
/// (where those keys already mean something).
pub fn playback_key(e: &KeyboardEvent) -> Option<Playback> {
    let in_field = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT"));
    match e.key().as_str() {
        _ if in_field => None,
        " " => Some(Playback::Toggle),
        "ArrowLeft" => Some(Playback::Back),
        "ArrowRight" => Some(Playback::Forward),
        _ => None,
    }
}

/// While `playing`, calls `tick` with `per_tick` simulated milliseconds every
/// animation tick.
#[hook]
pub fn use_player(playing: bool, per_tick: u64, tick: Callback<u64>) {
    use_effect_with((playing, per_tick), move |&(playing, per_tick)| {
        let interval = playing.then(|| Interval::new(TICK_MS, move || tick.emit(per_tick)));
        move || drop(interval)
    });
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
    pub playing: bool,
    pub speed: usize,
    pub speeds: &'static [&'static str],
    pub on_play: Callback<()>,
    /// true steps back.
    pub on_step: Callback<bool>,
    pub on_seek: Callback<u64>,
    pub on_speed: Callback<usize>,
    /// Whether the widget answers the playback keys (then the buttons announce them).
    #[prop_or_default]
    pub keys: bool,
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
    let key = |k: &'static str| props.keys.then_some(k);
    let on_play = props.on_play.reform(|_: MouseEvent| ());
    let on_back = props.on_step.reform(|_: MouseEvent| true);
    let on_forward = props.on_step.reform(|_: MouseEvent| false);
    let on_seek = props.on_seek.reform(|e: InputEvent| {
        e.target_unchecked_into::<HtmlInputElement>()
            .value()
            .parse()
            .unwrap_or(0)
    });
    let on_speed = props.on_speed.reform(|e: Event| {
        e.target_unchecked_into::<HtmlSelectElement>()
            .value()
            .parse()
            .unwrap_or(1)
    });
    let (position, explored) = (props.position, props.explored);
    html! {
        <>
            <div class={format!("{p}-controls")} role="toolbar" aria-label={props.label.clone()}>
                <button type="button" class="primary" onclick={on_play} data-testid={format!("{p}-play")} aria-keyshortcuts={key("Space")}>
                    { if props.playing { t.pause } else { t.play } }
                </button>
                <button type="button" onclick={on_back} disabled={position == 0} aria-keyshortcuts={key("ArrowLeft")} data-testid={format!("{p}-back")}>{ t.back }</button>
                <button type="button" onclick={on_forward} aria-keyshortcuts={key("ArrowRight")} data-testid={format!("{p}-forward")}>{ t.forward }</button>
                { props.children.clone() }
                <div class="field inline">
                    <label for={format!("{id}-speed")}>{ t.speed }</label>
                    <select id={format!("{id}-speed")} onchange={on_speed} data-testid={format!("{p}-speed")}>
                        { for props.speeds.iter().enumerate().map(|(i, label)| html! { <option value={i.to_string()} selected={i == props.speed}>{ *label }</option> }) }
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
