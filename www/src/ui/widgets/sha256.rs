//! Live SHA-256 of typed text.

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use super::hash_view::HashView;
use super::use_id;
use crate::bits::leading_zero_bits;
use crate::i18n::fill;
use crate::ui::use_lang;

#[derive(Properties, PartialEq)]
pub struct Sha256Props {
    pub text: String,
}

#[component]
pub fn Sha256Widget(props: &Sha256Props) -> Html {
    let s = use_lang().strings();
    let id = use_id();
    let text = use_state(|| props.text.clone());
    let digest = ledger::sha256(text.as_bytes());
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            text.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    let input_id = format!("{id}-text");
    html! {
        <section class="widget card" aria-label="SHA-256">
            <label for={input_id.clone()}>{ s.text_to_hash }</label>
            <textarea id={input_id} rows="2" aria-label={s.text_to_hash} spellcheck="false"
                value={(*text).clone()} {oninput} />
            <div class="field-label">{ s.digest }</div>
            <HashView hex={hex::encode(digest)} testid="sha256-output" />
            <p class="muted small">
                { fill(s.bytes, &[("n", &text.len().to_string())]) }
                { " · " }
                { fill(s.zero_bits, &[("n", &leading_zero_bits(&digest).to_string())]) }
            </p>
        </section>
    }
}
