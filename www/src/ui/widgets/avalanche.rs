//! Two inputs, their digests, and the 256 bits that flipped between them.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::use_id;
use crate::bits::{DIGEST_BITS, bit, flipped, hamming_distance};
use crate::i18n::fill;
use crate::ui::use_lang;

#[derive(Properties, PartialEq)]
pub struct AvalancheProps {
    pub a: String,
    pub b: String,
}

#[component]
pub fn AvalancheWidget(props: &AvalancheProps) -> Html {
    let s = use_lang().strings();
    let id = use_id();
    let a = use_state(|| props.a.clone());
    let b = use_state(|| props.b.clone());
    let (da, db) = (ledger::sha256(a.as_bytes()), ledger::sha256(b.as_bytes()));
    let flips = flipped(&da, &db);
    let count = hamming_distance(&da, &db);
    let count_text = fill(s.flipped_count, &[("n", &count.to_string())]);
    let input = |value: &UseStateHandle<String>, label: &'static str, suffix: &str| {
        let state = value.clone();
        let oninput = Callback::from(move |e: InputEvent| {
            state.set(e.target_unchecked_into::<HtmlInputElement>().value())
        });
        let input_id = format!("{id}-{suffix}");
        html! {
            <div class="field">
                <label for={input_id.clone()}>{ label }</label>
                <input id={input_id} type="text" spellcheck="false" value={(**value).clone()} {oninput} />
            </div>
        }
    };
    html! {
        <section class="widget card" aria-label={s.bit_grid}>
            <div class="two-columns">
                { input(&a, s.first_input, "a") }
                { input(&b, s.second_input, "b") }
            </div>
            <div class="digest-pair">
                <code class="hash">{ diff_hex(&hex::encode(da), &hex::encode(db), false) }</code>
                <code class="hash">{ diff_hex(&hex::encode(db), &hex::encode(da), true) }</code>
            </div>
            <p class="flip-count" data-testid="flipped-count" aria-live="polite">
                <strong>{ count_text.clone() }</strong>
                <span class="muted">{ format!(" ({:.0}%)", 100.0 * f64::from(count) / DIGEST_BITS as f64) }</span>
            </p>
            <div class="bit-grid" role="img" aria-label={format!("{}: {count_text}", s.bit_grid)}>
                { for (0..DIGEST_BITS).map(|i| {
                    let value = u8::from(bit(&db, i));
                    if flips[i] {
                        html! { <span class="bit flipped" title={format!("bit {i}: {} → {value}", 1 - value)}>{ "✕" }</span> }
                    } else {
                        html! { <span class="bit" title={format!("bit {i}: {value}")}>{ "·" }</span> }
                    }
                }) }
            </div>
            <p class="legend muted small">
                <span><span class="bit flipped" aria-hidden="true">{ "✕" }</span>{ " " }{ s.flipped_legend }</span>
                <span><span class="bit" aria-hidden="true">{ "·" }</span>{ " " }{ s.same_legend }</span>
            </p>
        </section>
    }
}

/// Hex digits of `shown` that differ from `other` are marked (underlined and bold in
/// the second digest) so the change is visible without relying on colour.
fn diff_hex(shown: &str, other: &str, mark: bool) -> Html {
    html! {
        <>{ for shown.chars().zip(other.chars()).map(|(c, o)| {
            if mark && c != o {
                html! { <mark class="diff">{ c }</mark> }
            } else {
                html! { { c } }
            }
        }) }</>
    }
}
