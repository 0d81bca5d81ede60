//! A labelled text field that applies each keystroke only when it parses, and
//! otherwise says why next to the field, leaving the widget as it was.

use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FieldProps {
    pub id: String,
    pub label: &'static str,
    /// The current accepted value; the input shows what the learner typed until then.
    pub value: String,
    /// Applies the text and returns the value as the widget will now show it; `Err`
    /// carries a specific message, or is empty to use `error_text`.
    pub on_commit: Callback<String, Result<String, String>>,
    #[prop_or_default]
    pub error_text: &'static str,
    #[prop_or_default]
    pub mono: bool,
    #[prop_or_default]
    pub multiline: bool,
}

/// A labelled input that applies each keystroke when it parses and otherwise shows
/// why, leaving the widget as it was. It shows what the learner typed, and follows
/// `value` when the widget changes it (a mined nonce), not when it echoes an edit.
#[component]
pub fn Field(props: &FieldProps) -> Html {
    let text = use_state(|| props.value.clone());
    let error = use_state(|| None::<String>);
    // The canonical form of this field's last accepted edit, to tell its echo apart
    // from a change the widget made on its own.
    let echo = use_mut_ref(|| None::<String>);
    {
        let (text, error, echo) = (text.clone(), error.clone(), echo.clone());
        use_effect_with(props.value.clone(), move |value| {
            if echo.borrow_mut().take().as_ref() != Some(value) {
                text.set(value.clone());
                error.set(None);
            }
        });
    }
    let oninput = {
        let (text, error, echo) = (text.clone(), error.clone(), echo.clone());
        let (commit, fallback) = (props.on_commit.clone(), props.error_text);
        Callback::from(move |e: InputEvent| {
            let typed = e.target_unchecked_into::<HtmlInputElement>().value();
            text.set(typed.clone());
            match commit.emit(typed) {
                Ok(canonical) => {
                    *echo.borrow_mut() = Some(canonical);
                    error.set(None);
                }
                Err(message) => error.set(Some(if message.is_empty() {
                    fallback.to_owned()
                } else {
                    message
                })),
            }
        })
    };
    let error_id = format!("{}-error", props.id);
    let described = error.is_some().then(|| error_id.clone());
    let class = classes!(
        props.mono.then_some("mono"),
        error.is_some().then_some("has-error")
    );
    let value = (*text).clone();
    html! {
        <div class="field">
            <label for={props.id.clone()}>{ props.label }</label>
            if props.multiline {
                <textarea id={props.id.clone()} rows="2" {class} {value} {oninput}
                    aria-invalid={error.is_some().to_string()} aria-describedby={described} spellcheck="false" />
            } else {
                <input id={props.id.clone()} type="text" {class} {value} {oninput}
                    aria-invalid={error.is_some().to_string()} aria-describedby={described} spellcheck="false" />
            }
            if let Some(message) = &*error {
                <p id={error_id} class="field-error" role="alert"><span aria-hidden="true">{ "⚠ " }</span>{ message }</p>
            }
        </div>
    }
}
