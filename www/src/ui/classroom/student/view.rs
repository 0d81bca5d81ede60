//! The student's tab while it runs a node: the status header, then mining, the
//! wallet, the chain and the event feed.

use node::classroom::{Role, Scenario, Side};
use yew::prelude::*;
use yew_router::prelude::*;

use super::LOCAL;
use super::chain::{ChainPanel, FeedPanel};
use super::mining::MinePanel;
use super::text::{ClassText, fill};
use super::wallet::WalletPanel;
use crate::classroom::browser::shell::{Connection, Failure, Room, SessionConfig};
use crate::classroom::feed::short_hash;
use crate::ui::classroom::{SessionHandle, use_class_session};
use crate::ui::{Route, use_lang};

#[derive(Properties, PartialEq)]
pub struct StudentViewProps {
    pub room: String,
    pub name: String,
}

#[component]
pub fn StudentView(props: &StudentViewProps) -> Html {
    let room = if props.room == LOCAL {
        Room::Local
    } else {
        Room::Server(props.room.clone())
    };
    let session = use_class_session(SessionConfig {
        room,
        role: Role::Student,
        name: props.name.clone(),
    });
    let ready = session.is_ready();
    html! {
        <div class="class-student">
            <StatusHeader session={session.clone()} />
            <FailureCard session={session.clone()} />
            if ready {
                <div class="class-grid">
                    <MinePanel session={session.clone()} />
                    <WalletPanel session={session.clone()} />
                    <ChainPanel session={session.clone()} />
                    <FeedPanel session={session.clone()} />
                </div>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct SessionProps {
    session: SessionHandle,
}

#[component]
fn StatusHeader(props: &SessionProps) -> Html {
    let lang = use_lang();
    let t = ClassText::of(lang);
    let session = &props.session;
    let config = session.config();
    let room = match &config.room {
        Room::Server(code) => code.clone(),
        Room::Local => t.local_room.to_string(),
    };
    let (state_class, icon, state) = match session.connection() {
        Connection::Loading => ("is-waiting", "⏳", t.loading),
        Connection::Connecting => ("is-waiting", "⏳", t.connecting),
        Connection::Joined => ("is-ok", "✔", t.connected),
        Connection::Failed(_) => ("is-bad", "✖", t.not_connected),
    };
    let facts = session.with(|s| {
        let chain = s.node().chain();
        let linked = s.peers_linked();
        let peers = if linked == 0 {
            t.alone.to_string()
        } else {
            fill(t.peers, &[("n", &linked.to_string())])
        };
        let sync = match s.sync() {
            Some(sync) => fill(
                t.syncing,
                &[
                    ("h", &sync.height.to_string()),
                    ("t", &sync.target.to_string()),
                ],
            ),
            None => t.synced.to_string(),
        };
        let split = matches!(s.params().scenario, Scenario::Partition { .. });
        let side = match (s.side(), split) {
            (Side::Everyone, _) => None,
            (Side::Group, true) => Some(t.side_a),
            (Side::Rest, true) => Some(t.side_b),
            (Side::Group, false) => Some(t.secret_group),
            (Side::Rest, false) => Some(t.outside_group),
        };
        (
            peers,
            chain.height(),
            short_hash(&chain.tip()),
            sync,
            side,
            s.sync().is_some(),
        )
    });
    let epoch = session.params().epoch;
    let classmates = session.members().len().saturating_sub(1);
    html! {
        <section class="card class-status" aria-labelledby="class-status-title">
            <div class="class-status-top">
                <h1 id="class-status-title">
                    <span class="class-room-label">{ t.room }</span>
                    <span class="class-room-code mono" data-testid="room-code">{ room }</span>
                </h1>
                <p class="class-me">{ &config.name }</p>
                <p class={classes!("class-conn", state_class)} role="status" data-testid="connection">
                    <span aria-hidden="true">{ icon }{ " " }</span>{ state }
                </p>
            </div>
            if let Some((peers, height, tip, sync, side, syncing)) = facts {
                <dl class="class-facts">
                    <div><dt>{ t.height }</dt><dd data-testid="height">{ height }</dd></div>
                    <div><dt>{ t.tip }</dt><dd class="mono" data-testid="tip">{ tip }</dd></div>
                    <div><dt>{ t.peers_label }</dt><dd data-testid="peers">{ peers }</dd></div>
                    <div><dt>{ t.classmates }</dt><dd data-testid="classmates">{ classmates }</dd></div>
                    <div><dt>{ t.epoch }</dt><dd>{ epoch }</dd></div>
                </dl>
                <p class={classes!("class-sync", syncing.then_some("is-syncing"))} aria-live="polite" data-testid="sync">
                    <span aria-hidden="true">{ if syncing { "⟳ " } else { "✔ " } }</span>{ sync }
                </p>
                if let Some(side) = side {
                    <p class="class-side" role="status" data-testid="side">
                        <span aria-hidden="true">{ "⚡ " }</span>{ side }
                    </p>
                }
            }
            if let Some(notice) = session.notice() {
                <p class="notice small">{ notice }</p>
            }
        </section>
    }
}

/// Why the tab is not in the room, and what to do about it.
#[component]
fn FailureCard(props: &SessionProps) -> Html {
    let t = ClassText::of(use_lang());
    let Connection::Failed(failure) = props.session.connection() else {
        return html! {};
    };
    let reloadable = matches!(failure, Failure::Ended(_) | Failure::Unreachable(_));
    let (title, help, detail) = match failure {
        Failure::NoSuchRoom => (t.no_room, t.no_room_help, None),
        Failure::Unreachable(why) => (t.unreachable, t.unreachable_help, Some(why)),
        Failure::Ended(why) => (t.ended, t.ended_help, Some(why)),
        Failure::Closed => (t.closed, t.closed_help, None),
        Failure::NoBroadcast(why) => (t.no_broadcast, t.unreachable_help, Some(why)),
    };
    let reload = Callback::from(|_| {
        let _ = gloo::utils::window().location().reload();
    });
    html! {
        <section class="card error class-failure" role="alert" data-testid="failure">
            <h2><span aria-hidden="true">{ "⚠ " }</span>{ title }</h2>
            <p>{ help }</p>
            if let Some(detail) = detail {
                <p class="small mono">{ detail }</p>
            }
            <p class="class-failure-actions">
                if reloadable {
                    <button class="primary" onclick={reload}>{ t.retry }</button>
                }
                <Link<Route> to={Route::Class} classes="button secondary">{ t.other_room }</Link<Route>>
            </p>
        </section>
    }
}
