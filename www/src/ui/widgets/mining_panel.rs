//! What every mining widget shows while it works: thread mode, status (a live region),
//! tries, speed, and progress against the expected number of tries.

use yew::prelude::*;

use crate::format;
use crate::i18n::{Strings, fill};
use crate::ui::miner::{Mode, Run};
use crate::ui::use_lang;

#[derive(Properties, PartialEq)]
pub struct MiningPanelProps {
    pub mode: Mode,
    pub run: Run,
    /// Expected tries for the current target.
    pub expected: f64,
}

#[component]
pub fn MiningPanel(props: &MiningPanelProps) -> Html {
    let s = use_lang().strings();
    let run = &props.run;
    let tries = run.tries();
    let status = match run {
        Run::Idle if props.mode == Mode::Starting => s.status_loading.to_owned(),
        Run::Idle => s.status_ready.to_owned(),
        Run::Mining { .. } => s.status_mining.to_owned(),
        Run::Found { .. } => fill(s.status_found, &[("n", &format::count(tries))]),
        Run::Stopped { .. } | Run::Exhausted { .. } => {
            fill(s.status_stopped, &[("n", &format::count(tries))])
        }
        Run::Failed(error) => fill(s.status_failed, &[("e", error)]),
    };
    let status = match &props.mode {
        Mode::Failed(error) => fill(s.status_failed, &[("e", error)]),
        _ => status,
    };
    let percent = format::percent(tries, props.expected);
    let progress_text = fill(s.progress_text, &[("pct", &percent.to_string())]);
    let rate = run.rate().map(format::rate).unwrap_or_else(|| "—".into());
    html! {
        <div class="mining-panel">
            { thread_mode(s, &props.mode) }
            <p class="status" data-testid="mining-status" role="status" aria-live="polite">
                if run.is_mining() { <span class="spinner" aria-hidden="true"></span> }
                { status }
            </p>
            <dl class="stats">
                <div><dt>{ s.tries }</dt><dd data-testid="tries">{ format!("{}", tries as u64) }</dd></div>
                <div><dt>{ s.rate }</dt><dd data-testid="hash-rate">{ rate }</dd></div>
                <div><dt>{ s.expected }</dt>
                    <dd>{ format::count(props.expected) }</dd></div>
            </dl>
            <div class="progress" role="progressbar" aria-label={s.progress}
                aria-valuemin="0" aria-valuemax={format!("{}", props.expected.round())}
                aria-valuenow={format!("{}", tries.min(props.expected).round())}
                aria-valuetext={progress_text.clone()}>
                <div class="progress-fill" style={format!("width: {}%", percent.min(100))}></div>
            </div>
            <p class="muted small progress-text">{ progress_text }</p>
        </div>
    }
}

fn thread_mode(s: &Strings, mode: &Mode) -> Html {
    match mode {
        Mode::Threads(n) => html! {
            <p class="thread-mode" data-testid="thread-mode">
                <span aria-hidden="true">{ "⚡ " }</span>{ fill(s.threads, &[("n", &n.to_string())]) }
            </p>
        },
        Mode::SingleThread => html! {
            <div class="notice" role="note">
                <p class="thread-mode" data-testid="thread-mode">
                    <span aria-hidden="true">{ "ⓘ " }</span><strong>{ s.single_thread }</strong>
                </p>
                <p class="small">{ s.single_thread_notice }</p>
            </div>
        },
        Mode::Starting | Mode::Failed(_) => html! {},
    }
}
