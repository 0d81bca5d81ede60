//! The instructor's pages: `/teach` creates a room and puts its code, QR code and
//! join link on the projector; `/teach/<CODE>` is the class dashboard (who is in,
//! the block tree with its forks, the network's rules, the scenarios).
//!
//! The instructor secret is what makes a browser the instructor. It is kept in
//! sessionStorage and localStorage under `chainlab.secret.<CODE>` so a reload keeps
//! control, and a `#secret=` fragment hands it to another browser (the fragment
//! never reaches the server's logs).

mod api;
mod controls;
mod table;
mod text;
mod tree_view;

use node::classroom::{Role, Scenario};
use yew::prelude::*;
use yew_router::prelude::*;

use self::text::TeachText;
use crate::classroom::browser::shell::{Connection, Room, SessionConfig};
use crate::ui::classroom::use_class_session;
use crate::ui::{Route, use_lang};

const SECRET_KEY: &str = "chainlab.secret";

/// The dashboard's node on the status board; one name in both languages, since a
/// new name would restart the node when the language changes.
const INSTRUCTOR_NAME: &str = "Instructor 教师";

fn secret_key(code: &str) -> String {
    format!("{SECRET_KEY}.{code}")
}

fn storages() -> Vec<web_sys::Storage> {
    let window = gloo::utils::window();
    [window.session_storage(), window.local_storage()]
        .into_iter()
        .filter_map(|s| s.ok().flatten())
        .collect()
}

fn remember_secret(code: &str, secret: &str) {
    for storage in storages() {
        let _ = storage.set_item(&secret_key(code), secret);
    }
}

/// The secret from a `#secret=` fragment (remembered, then wiped from the address
/// bar so it is not projected) or from storage.
fn load_secret(code: &str) -> Option<String> {
    let location = gloo::utils::window().location();
    let fragment = location.hash().unwrap_or_default();
    if let Some(secret) = fragment.strip_prefix("#secret=").filter(|s| !s.is_empty()) {
        remember_secret(code, secret);
        if let Ok(history) = gloo::utils::window().history() {
            let path = location.pathname().unwrap_or_default();
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
        }
        return Some(secret.to_string());
    }
    storages()
        .iter()
        .find_map(|s| s.get_item(&secret_key(code)).ok().flatten())
}

/// `/teach`: one button that creates a room and opens its dashboard.
#[component]
pub fn TeachPage() -> Html {
    let t = TeachText::of(use_lang());
    let navigator = use_navigator();
    let state = use_state(|| None::<Result<(), String>>);
    let create = {
        let state = state.clone();
        Callback::from(move |_| {
            state.set(Some(Ok(())));
            let (state, navigator) = (state.clone(), navigator.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::create_room().await {
                    Ok(room) => {
                        remember_secret(&room.code, &room.secret);
                        state.set(None);
                        if let Some(navigator) = navigator {
                            navigator.push(&Route::TeachRoom { code: room.code });
                        }
                    }
                    Err(error) => state.set(Some(Err(error))),
                }
            });
        })
    };
    let busy = matches!(*state, Some(Ok(())));
    html! {
        <div class="teach">
            <section class="hero">
                <h1>{ t.teach_title }</h1>
                <p class="lead">{ t.teach_lead }</p>
            </section>
            <div class="card narrow teach-create">
                <button class="primary teach-create-button" onclick={create} disabled={busy}>
                    { if busy { t.creating } else { t.create } }
                </button>
                <p class="field-error" role="alert">
                    if let Some(Err(error)) = &*state {
                        <span aria-hidden="true">{ "⚠ " }</span>{ format!("{}: {error}", t.create_failed) }
                    }
                </p>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct DashboardProps {
    pub code: String,
}

/// `/teach/<CODE>`: the class dashboard, around the dashboard's own (non-mining) node.
#[component]
pub fn DashboardPage(props: &DashboardProps) -> Html {
    let lang = use_lang();
    let t = TeachText::of(lang);
    let code = props.code.to_uppercase();
    let secret = use_memo(code.clone(), |code| load_secret(code));
    let session = use_class_session(SessionConfig {
        room: Room::Server(code.clone()),
        role: Role::Instructor,
        name: INSTRUCTOR_NAME.to_string(),
    });
    let show_join = use_state(|| true);
    let toggle_join = {
        let show_join = show_join.clone();
        Callback::from(move |_| show_join.set(!*show_join))
    };
    let connection = session.connection();
    let (icon, status) = match &connection {
        Connection::Loading => ("…", t.loading.to_string()),
        Connection::Connecting => ("…", t.connecting.to_string()),
        Connection::Joined => ("●", t.connected.to_string()),
        Connection::Failed(failure) => ("⚠", format!("{}: {failure:?}", t.failed)),
    };
    let params = session.params();
    let join_url = api::join_url(&code);
    html! {
        <div class="teach-dashboard">
            <header class="teach-head">
                <h1>{ t.dashboard }{ " · " }<span class="mono teach-head-code">{ &code }</span></h1>
                <p class="teach-connection" role="status" aria-live="polite">
                    <span aria-hidden="true">{ icon }{ " " }</span>{ status }
                    { " · " }{ t.epoch }{ " " }{ params.epoch }
                    { " · " }{ scenario_name(t, &params.scenario) }
                </p>
                <button class="secondary" onclick={toggle_join} aria-expanded={show_join.to_string()}
                    aria-controls="teach-join">
                    { if *show_join { t.hide_join } else { t.show_join } }
                </button>
            </header>
            if *show_join {
                <JoinCard code={code.clone()} url={join_url} />
            }
            if secret.is_none() {
                <p class="card teach-notice" role="note"><span aria-hidden="true">{ "🔒 " }</span>{ t.no_secret }</p>
            }
            <table::Totals session={session.clone()} />
            <table::PeersTable session={session.clone()} code={code.clone()} secret={(*secret).clone()} />
            <tree_view::TreeView session={session.clone()} />
            if let Some(secret) = (*secret).clone() {
                <controls::Scenarios session={session.clone()} code={code.clone()} secret={secret.clone()} />
                <controls::NetworkRules session={session.clone()} {code} {secret} />
            }
            <p class="small muted">{ t.observer }</p>
        </div>
    }
}

pub fn scenario_name(t: &TeachText, scenario: &Scenario) -> &'static str {
    match scenario {
        Scenario::Normal => t.normal,
        Scenario::Partition { .. } => t.partition,
        Scenario::Collusion { .. } => t.collusion,
        Scenario::DoubleSpend { .. } => t.double_spend,
    }
}

#[derive(Properties, PartialEq)]
struct JoinCardProps {
    code: String,
    url: String,
}

/// The code, the QR code and the link, large enough to read from the back row.
#[component]
fn JoinCard(props: &JoinCardProps) -> Html {
    let t = TeachText::of(use_lang());
    let qr = format!("/api/rooms/{}/qr.svg", props.code);
    html! {
        <section id="teach-join" class="card teach-join" aria-label={t.show_join}>
            <img class="teach-qr" src={qr} alt={t.qr_alt} width="280" height="280" />
            <div class="teach-join-text">
                <p class="teach-join-label">{ t.code }</p>
                <p class="teach-code mono">{ &props.code }</p>
                <p class="teach-join-label">{ t.join_at }</p>
                <p class="teach-url mono"><a href={props.url.clone()}>{ &props.url }</a></p>
            </div>
        </section>
    }
}
