//! The student's pages: `/class` (join a room, or practice on this computer) and
//! `/class/<CODE>` (this tab as a full node in the room; `/class/local` for the
//! tabs of this browser).

mod chain;
mod mining;
mod text;
mod view;
mod wallet;

use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_router::prelude::*;

use self::text::ClassText;
use crate::classroom::join::{normalize_code, normalize_name};
use crate::ui::{Route, use_lang};

/// The room path segment that means "this browser's tabs, no server".
pub const LOCAL: &str = "local";

/// Remembered across visits: the last name and code, to fill the form.
const NAME_KEY: &str = "chainlab.class.name";
const CODE_KEY: &str = "chainlab.class.code";

/// The name this tab joined `room` with. Kept per tab (sessionStorage survives a
/// reload), so several tabs of one browser are several students.
fn tab_name(room: &str) -> Option<String> {
    session_storage()?
        .get_item(&format!("{NAME_KEY}.{room}"))
        .ok()
        .flatten()
}

fn remember(room: &str, name: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(&format!("{NAME_KEY}.{room}"), name);
    }
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(NAME_KEY, name);
        if room != LOCAL {
            let _ = storage.set_item(CODE_KEY, room);
        }
    }
}

fn remembered(key: &str) -> String {
    local_storage()
        .and_then(|s| s.get_item(key).ok().flatten())
        .unwrap_or_default()
}

fn session_storage() -> Option<web_sys::Storage> {
    gloo::utils::window().session_storage().ok().flatten()
}

fn local_storage() -> Option<web_sys::Storage> {
    gloo::utils::window().local_storage().ok().flatten()
}

#[derive(Properties, PartialEq)]
pub struct ClassPageProps {
    /// A room code from the URL, or [`LOCAL`].
    pub code: String,
}

/// `/class/<CODE>`: the node if this tab has joined, else the form for a name.
#[component]
pub fn ClassPage(props: &ClassPageProps) -> Html {
    let room = if props.code.eq_ignore_ascii_case(LOCAL) {
        LOCAL.to_string()
    } else {
        normalize_code(&props.code).unwrap_or_else(|_| props.code.clone())
    };
    let joined = use_state(|| tab_name(&room));
    let on_joined = {
        let joined = joined.clone();
        Callback::from(move |name: String| joined.set(Some(name)))
    };
    match (*joined).clone() {
        Some(name) => html! { <view::StudentView {room} {name} /> },
        None => html! { <JoinForm code={Some(room)} {on_joined} /> },
    }
}

/// `/class`: the join form and the way into practice without a server.
#[component]
pub fn JoinPage() -> Html {
    html! { <JoinForm code={None::<String>} on_joined={Callback::noop()} /> }
}

#[derive(Properties, PartialEq)]
struct JoinFormProps {
    /// The room the URL names; the form then asks only for a name.
    code: Option<String>,
    on_joined: Callback<String>,
}

#[component]
fn JoinForm(props: &JoinFormProps) -> Html {
    let t = ClassText::of(use_lang());
    let navigator = use_navigator();
    let code = use_state(|| props.code.clone().unwrap_or_else(|| remembered(CODE_KEY)));
    let name = use_state(|| remembered(NAME_KEY));
    let errors = use_state(|| (None::<&'static str>, None::<&'static str>));
    let fixed_code = props.code.is_some();
    let join = |room: Option<String>| {
        let (code, name, errors) = (code.clone(), name.clone(), errors.clone());
        let (navigator, on_joined) = (navigator.clone(), props.on_joined.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let room = room.clone().map_or_else(|| normalize_code(&code), Ok);
            let checked = normalize_name(&name);
            errors.set((
                room.is_err().then_some(t.bad_code),
                checked.is_err().then_some(t.bad_name),
            ));
            let (Ok(room), Ok(name)) = (room, checked) else {
                return;
            };
            remember(&room, &name);
            on_joined.emit(name);
            if let Some(navigator) = &navigator {
                navigator.push(&Route::ClassRoom { code: room });
            }
        })
    };
    let on_code = {
        let code = code.clone();
        Callback::from(move |e: InputEvent| {
            code.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_name = {
        let name = name.clone();
        Callback::from(move |e: InputEvent| {
            name.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let (code_error, name_error) = *errors;
    let room = props.code.clone().filter(|c| fixed_code && !c.is_empty());
    let heading = match &room {
        Some(room) if room == LOCAL => format!("{} · {}", t.join_title, t.local_room),
        Some(room) => format!("{} · {room}", t.join_title),
        None => t.join_title.to_string(),
    };
    html! {
        <div class="class-join">
            <section class="hero">
                <h1>{ heading }</h1>
                <p class="lead">{ t.join_lead }</p>
            </section>
            <form class="card narrow class-join-form" onsubmit={join(room.clone())} novalidate=true>
                if !fixed_code {
                    <div class="field">
                        <label for="class-code">{ t.code }</label>
                        <input id="class-code" class={classes!("mono", "class-code-input", code_error.map(|_| "has-error"))}
                            value={(*code).clone()} oninput={on_code} autocomplete="off"
                            autocapitalize="characters" spellcheck="false" maxlength="12"
                            aria-describedby="class-code-hint class-code-error"
                            aria-invalid={code_error.is_some().to_string()} />
                        <p class="small muted" id="class-code-hint">{ t.code_hint }</p>
                        <p class="field-error" id="class-code-error" role="alert">
                            { code_error.map(|e| html! { <><span aria-hidden="true">{ "⚠ " }</span>{ e }</> }) }
                        </p>
                    </div>
                }
                <div class="field">
                    <label for="class-name">{ t.name }</label>
                    <input id="class-name" class={classes!(name_error.map(|_| "has-error"))}
                        value={(*name).clone()} oninput={on_name} autocomplete="nickname" maxlength="24"
                        aria-describedby="class-name-hint class-name-error"
                        aria-invalid={name_error.is_some().to_string()} />
                    <p class="small muted" id="class-name-hint">{ t.name_hint }</p>
                    <p class="field-error" id="class-name-error" role="alert">
                        { name_error.map(|e| html! { <><span aria-hidden="true">{ "⚠ " }</span>{ e }</> }) }
                    </p>
                </div>
                <button type="submit" class="primary">{ t.join }</button>
            </form>
            if !fixed_code {
                <form class="card narrow class-local" onsubmit={join(Some(LOCAL.to_string()))} novalidate=true>
                    <h2>{ t.local_title }</h2>
                    <p>{ t.local_lead }</p>
                    <button type="submit" class="secondary">{ t.local_join }</button>
                </form>
            }
        </div>
    }
}
