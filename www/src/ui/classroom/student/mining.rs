//! Mining in the room: the existing mining worker searches the nonce of the node's
//! block template; a solution is submitted to the node and relayed, and a new tip
//! (ours or a classmate's) restarts the search on top of it.

use ledger::{Block, BlockHash};
use yew::prelude::*;

use super::text::{ClassText, fill};
use crate::format;
use crate::ui::classroom::SessionHandle;
use crate::ui::miner::{Job, Mode, Run, use_miner};
use crate::ui::use_lang;

/// A template older than this is rebuilt, to pick up new payments and the time.
const TEMPLATE_MS: f64 = 10_000.0;

#[derive(Properties, PartialEq)]
pub struct MinePanelProps {
    pub session: SessionHandle,
}

/// What the mining effect reacts to.
#[derive(Clone, PartialEq)]
struct Trigger {
    want: bool,
    tip: Option<BlockHash>,
    run: RunKey,
    ready: bool,
    /// Bumped every few seconds so that a stale template is noticed.
    beat: u32,
}

#[derive(Clone, PartialEq)]
enum RunKey {
    Idle,
    Mining,
    Found(u64),
    Ended,
}

fn run_key(run: &Run) -> RunKey {
    match run {
        Run::Idle => RunKey::Idle,
        Run::Mining { .. } => RunKey::Mining,
        Run::Found { nonce, .. } => RunKey::Found(*nonce as u64),
        Run::Stopped { .. } | Run::Exhausted { .. } | Run::Failed(_) => RunKey::Ended,
    }
}

#[component]
pub fn MinePanel(props: &MinePanelProps) -> Html {
    let t = ClassText::of(use_lang());
    let s = use_lang().strings();
    let session = props.session.clone();
    let miner = use_miner();
    let want = use_state(|| false);
    let job = use_mut_ref(|| None::<(Block, f64)>);
    let tip = session.with(|s| s.node().chain().tip());
    let ready = matches!(miner.state.mode, Mode::Threads(_) | Mode::SingleThread);
    let run = miner.state.run.clone();
    let beat = use_state(|| 0u32);
    {
        let setter = beat.setter();
        let mining = *want && ready;
        use_effect_with(mining, move |mining| {
            let counter = std::rc::Rc::new(std::cell::Cell::new(0u32));
            let interval = mining.then(|| {
                gloo::timers::callback::Interval::new(2_000, move || {
                    counter.set(counter.get().wrapping_add(1));
                    setter.set(counter.get());
                })
            });
            move || drop(interval)
        });
    }
    let trigger = Trigger {
        want: *want,
        tip,
        run: run_key(&run),
        ready,
        beat: *beat,
    };
    {
        let (session, miner, job) = (session.clone(), miner.clone(), job.clone());
        use_effect_with(trigger, move |trigger| {
            drive(trigger, &session, &miner, &job);
        });
    }
    // Easy blocks end jobs before their first progress report: show the last rate
    // a job measured rather than the zero of the one just started.
    let last_rate = use_mut_ref(|| 0.0);
    if let Some(rate) = run.rate().filter(|rate| *rate > 0.0) {
        *last_rate.borrow_mut() = rate;
    }
    let rate = if *want { *last_rate.borrow() } else { 0.0 };
    let mining = *want && run.is_mining();
    session.set_mining(*want, rate);
    let toggle = {
        let want = want.clone();
        let miner = miner.clone();
        Callback::from(move |_| {
            if *want {
                miner.stop.emit(());
            }
            want.set(!*want);
        })
    };
    let mined = session
        .with(|s| {
            let me = s.wallet().address();
            let chain = s.node().chain();
            (1..=chain.height())
                .filter_map(|h| chain.block_at_height(h))
                .filter(|b| {
                    b.transactions
                        .first()
                        .and_then(|cb| cb.outputs.first())
                        .is_some_and(|out| out.address == me)
                })
                .count()
        })
        .unwrap_or(0);
    let status = match (&miner.state.mode, &run) {
        (Mode::Failed(e), _) | (_, Run::Failed(e)) => fill(t.mine_failed, &[("e", e)]),
        _ if *want => fill(t.mine_running, &[("rate", &format::rate(rate))]),
        _ => t.mine_idle.to_string(),
    };
    html! {
        <section class="card class-panel class-mining" aria-labelledby="class-mining-title">
            <h2 id="class-mining-title">{ t.mining }</h2>
            { thread_mode(&miner.state.mode, s) }
            <p class={classes!("status", mining.then_some("is-mining"))} role="status" data-testid="mine-status">
                if mining {
                    <span class="spinner" aria-hidden="true"></span>
                } else {
                    <span aria-hidden="true">{ "⏸" }</span>
                }
                { status }
            </p>
            <p class="class-mined" data-testid="mined">{ fill(t.mined_count, &[("n", &mined.to_string())]) }</p>
            <button class={if *want { "secondary" } else { "primary" }} onclick={toggle}
                disabled={!ready} aria-pressed={want.to_string()} data-testid="mine-toggle">
                <span aria-hidden="true">{ if *want { "■ " } else { "⛏ " } }</span>
                { if *want { t.mine_stop } else { t.mine_start } }
            </button>
        </section>
    }
}

fn thread_mode(mode: &Mode, s: &crate::i18n::Strings) -> Html {
    match mode {
        Mode::Threads(n) => html! {
            <p class="thread-mode small" data-testid="thread-mode">
                { crate::i18n::fill(s.threads, &[("n", &n.to_string())]) }
            </p>
        },
        Mode::SingleThread => html! {
            <div class="notice small" data-testid="thread-mode">
                <p><span aria-hidden="true">{ "ⓘ " }</span><strong>{ s.single_thread }</strong></p>
                <p>{ s.single_thread_notice }</p>
            </div>
        },
        Mode::Starting | Mode::Failed(_) => html! {},
    }
}

/// Submits a found block, and keeps a search running on the current tip while the
/// student wants to mine.
fn drive(
    trigger: &Trigger,
    session: &SessionHandle,
    miner: &crate::ui::miner::Miner,
    job: &std::rc::Rc<std::cell::RefCell<Option<(Block, f64)>>>,
) {
    if !trigger.want || !trigger.ready {
        job.borrow_mut().take();
        return;
    }
    if let RunKey::Found(nonce) = trigger.run
        && let Some((mut block, _)) = job.borrow_mut().take()
    {
        block.header.nonce = nonce as u32;
        let _ = session.submit_block(block);
    }
    let current = job.borrow().as_ref().is_some_and(|(block, at)| {
        Some(block.header.prev_blockhash) == trigger.tip && js_sys::Date::now() - at < TEMPLATE_MS
    });
    if trigger.run == RunKey::Mining && current {
        return;
    }
    start(session, miner, job);
}

fn start(
    session: &SessionHandle,
    miner: &crate::ui::miner::Miner,
    job: &std::rc::Rc<std::cell::RefCell<Option<(Block, f64)>>>,
) {
    let Some(block) = session.block_template() else {
        return;
    };
    let header = block.header.encode();
    *job.borrow_mut() = Some((block, js_sys::Date::now()));
    miner.start.emit(Job::Header { header });
}
