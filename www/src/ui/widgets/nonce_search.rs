//! "Find a nonce so that SHA-256(text + nonce) starts with k zero bits", searched in
//! the worker while the page stays responsive.

use yew::prelude::*;

use super::field::Field;
use super::hash_view::HashView;
use super::mining_panel::MiningPanel;
use super::use_id;
use crate::bits::leading_zero_bits;
use crate::difficulty::expected_tries_for_zero_bits;
use crate::format;
use crate::i18n::fill;
use crate::lesson::WaitFor;
use crate::ui::miner::{Job, Run, use_miner};
use crate::ui::use_lang;
use crate::widget::parse_difficulty;

#[derive(Properties, PartialEq)]
pub struct NonceSearchProps {
    pub text: String,
    pub difficulty: u32,
    pub on_event: Callback<WaitFor>,
}

#[component]
pub fn NonceSearchWidget(props: &NonceSearchProps) -> Html {
    let s = use_lang().strings();
    let id = use_id();
    let text = use_state(|| props.text.clone());
    let difficulty = use_state(|| props.difficulty);
    let miner = use_miner();
    let run = miner.state.run.clone();

    {
        let on_event = props.on_event.clone();
        use_effect_with(run.clone(), move |run| {
            if matches!(run, Run::Found { .. }) {
                on_event.emit(WaitFor::NonceFound);
            }
        });
    }

    // A new text or difficulty is a new puzzle: any search for the old one is over.
    let on_text = {
        let (text, reset) = (text.clone(), miner.reset.clone());
        Callback::from(move |value: String| {
            text.set(value.clone());
            reset.emit(());
            Ok(value)
        })
    };
    let on_difficulty = {
        let (difficulty, reset) = (difficulty.clone(), miner.reset.clone());
        Callback::from(move |value: String| {
            let bits = parse_difficulty(&value).map_err(|_| String::new())?;
            difficulty.set(bits);
            reset.emit(());
            Ok(bits.to_string())
        })
    };
    let mining = run.is_mining();
    let onclick = {
        let (start, stop) = (miner.start.clone(), miner.stop.clone());
        let job = Job::Text {
            text: (*text).clone(),
            zero_bits: *difficulty,
        };
        Callback::from(move |_| {
            if mining {
                stop.emit(())
            } else {
                start.emit(job.clone())
            }
        })
    };
    let expected = expected_tries_for_zero_bits(*difficulty);

    html! {
        <section class="widget card" aria-label={s.search}>
            <div class="two-columns">
                <Field id={format!("{id}-text")} label={s.text} value={(*text).clone()} on_commit={on_text} />
                <Field id={format!("{id}-bits")} label={s.difficulty} value={difficulty.to_string()}
                    on_commit={on_difficulty} error_text={s.bad_difficulty} />
            </div>
            <p class="muted">
                { fill(s.expected_tries, &[("k", &difficulty.to_string()), ("n", &format::count(expected))]) }
            </p>
            <button type="button" class={if mining { "secondary" } else { "primary" }} {onclick}>
                { if mining { s.stop } else { s.search } }
            </button>
            <MiningPanel mode={miner.state.mode.clone()} run={run.clone()} {expected} />
            if let Run::Found { nonce, .. } = run {
                { found(&text, nonce as u64, *difficulty, s) }
            }
        </section>
    }
}

/// The winning input, re-hashed here with the ledger's SHA-256 so the page checks
/// the worker's answer rather than trusting it.
fn found(text: &str, nonce: u64, difficulty: u32, s: &crate::i18n::Strings) -> Html {
    let digest = ledger::sha256(format!("{text}{nonce}").as_bytes());
    let zeros = leading_zero_bits(&digest);
    let ok = zeros >= difficulty;
    html! {
        <div class="result">
            <p>{ s.found_nonce }{ ": " }<code class="nonce" data-testid="found-nonce">{ nonce }</code></p>
            <p class="mono small">{ format!("SHA-256(\"{text}{nonce}\") =") }</p>
            <HashView hex={hex::encode(digest)} zero_digits={difficulty as usize / 4} />
            <p class={classes!("verdict", if ok { "ok" } else { "bad" })}>
                { if ok { "✓ " } else { "✗ " } }
                { fill(s.zero_bits, &[("n", &zeros.to_string())]) }
            </p>
        </div>
    }
}
