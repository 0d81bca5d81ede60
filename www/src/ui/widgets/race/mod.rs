//! The double-spend race: the engine's Monte Carlo races next to the whitepaper's
//! formula, a few sample races drawn as walks, and the merchant's choice of z.

mod chart;
mod text;

use gloo::timers::callback::Timeout;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::use_id;
use crate::consensus_view::race::{self, ChartPoint};
use crate::consensus_view::settings::{RACE_MAX_Z, RaceSettings};
use crate::lesson::WaitFor;
use crate::ui::use_lang;

/// Sample races drawn as walks.
const WALKS: u64 = 4;

#[derive(Properties, PartialEq)]
pub struct RaceProps {
    pub settings: RaceSettings,
    pub on_event: Callback<WaitFor>,
}

#[component]
pub fn RaceWidget(props: &RaceProps) -> Html {
    let t = text::for_lang(use_lang());
    let id = use_id();
    let q = use_state(|| props.settings.q_permille);
    let z = use_state(|| props.settings.z);
    // 0 until the learner runs the races; then the seed of the current batch.
    let seed = use_state(|| 0u64);
    let points = use_state(Vec::<ChartPoint>::new);
    let qf = f64::from(*q) / 1000.0;

    // One Monte Carlo point per timer tick, so a slow point (q near 0.5 makes long
    // races) never blocks the page for long and the chart fills in as it runs.
    {
        let (points, on_event) = (points.clone(), props.on_event.clone());
        use_effect_with(
            (qf.to_bits(), *seed, points.len()),
            move |&(_, seed, len)| {
                let z_count = RACE_MAX_Z as usize + 1;
                if seed > 0 && len == z_count {
                    on_event.emit(WaitFor::RaceRun);
                }
                let tick = (seed > 0 && len < z_count).then(|| {
                    Timeout::new(0, move || {
                        if let Ok(point) = race::point(qf, len as u64, seed) {
                            let mut next = (*points).clone();
                            next.push(point);
                            points.set(next);
                        }
                    })
                });
                move || drop(tick)
            },
        );
    }

    let walks = if *seed > 0 {
        race::walks(qf, u64::from(*z), *seed, WALKS).unwrap_or_default()
    } else {
        Vec::new()
    };
    let on_q = {
        let (q, points) = (q.clone(), points.clone());
        Callback::from(move |e: InputEvent| {
            let value: u32 = e
                .target_unchecked_into::<HtmlInputElement>()
                .value()
                .parse()
                .unwrap_or(300);
            q.set(value * 10);
            points.set(Vec::new());
        })
    };
    let on_z = {
        let z = z.clone();
        Callback::from(move |e: InputEvent| {
            z.set(
                e.target_unchecked_into::<HtmlInputElement>()
                    .value()
                    .parse()
                    .unwrap_or(6),
            )
        })
    };
    let on_run = {
        let (seed, points) = (seed.clone(), points.clone());
        Callback::from(move |_: MouseEvent| {
            points.set(Vec::new());
            seed.set(*seed + 1);
        })
    };

    let whitepaper = consensus::race::whitepaper(qf, u64::from(*z));
    let estimate = points.iter().find(|p| p.z == u64::from(*z));
    let running = *seed > 0 && points.len() <= RACE_MAX_Z as usize;
    html! {
        <section class="widget card race" aria-label={t.title}>
            <div class="race-controls">
                <div class="field">
                    <label for={format!("{id}-q")}>{ t.q_label }{ ": " }<strong data-testid="race-q">{ format!("{}%", *q / 10) }</strong></label>
                    <input id={format!("{id}-q")} type="range" min="1" max="60" step="1" value={(*q / 10).to_string()} oninput={on_q} />
                </div>
                <div class="field">
                    <label for={format!("{id}-z")}>{ t.z_label }{ ": " }<strong data-testid="race-z">{ *z }</strong></label>
                    <input id={format!("{id}-z")} type="range" min="0" max={RACE_MAX_Z.to_string()} step="1" value={z.to_string()} oninput={on_z} />
                </div>
                <button type="button" class="primary" data-testid="race-run" onclick={on_run} disabled={running}>
                    { if *seed == 0 { t.run } else { t.run_again } }
                </button>
            </div>
            <p class="race-readout" aria-live="polite" data-testid="race-readout">
                { text::readout(&t, qf, *z, whitepaper, estimate, running) }
            </p>
            if *q >= 500 {
                <p class="race-majority" role="note"><span aria-hidden="true">{ "⚠ " }</span>{ t.majority }</p>
            }
            { chart::probability_chart(&t, qf, *z, &points) }
            if !walks.is_empty() {
                { chart::walk_chart(&t, *z, &walks) }
            }
        </section>
    }
}
