//! A real block header (the ledger's `BlockHeader`, Bitcoin's 80-byte layout) that the
//! learner edits and mines in the worker.

use ledger::{BlockHash, BlockHeader, Target, Txid, merkle_root};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::hash_view::HashView;
use super::mining_panel::MiningPanel;
use super::use_id;
use crate::difficulty::{compact_for_zero_bits, expected_tries};
use crate::i18n::Strings;
use crate::lesson::WaitFor;
use crate::ui::miner::{Job, Run, use_miner};
use crate::ui::use_lang;
use crate::widget::{MAX_DIFFICULTY, MIN_DIFFICULTY};

/// The previous block of the lab's block: Bitcoin's genesis block, so the first field
/// a learner sees is a real hash they can look up.
const GENESIS: &str = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
/// A fixed starting time (2024-11-21 00:00 UTC), so every learner starts from the same
/// block and can compare answers.
const START_TIME: u32 = 1_732_147_200;

#[derive(Properties, PartialEq)]
pub struct BlockProps {
    pub data: String,
    pub difficulty: u32,
    pub on_event: Callback<WaitFor>,
}

/// The editable fields; the Merkle root and bits are derived from data and difficulty.
#[derive(Clone, PartialEq)]
struct Fields {
    version: i32,
    prev: BlockHash,
    data: String,
    time: u32,
    difficulty: u32,
    nonce: u32,
}

impl Fields {
    fn header(&self) -> BlockHeader {
        let txid = Txid::hash(self.data.as_bytes());
        BlockHeader {
            version: self.version,
            prev_blockhash: self.prev,
            merkle_root: merkle_root(&[txid]).expect("one transaction always has a root"),
            time: self.time,
            bits: compact_for_zero_bits(self.difficulty),
            nonce: self.nonce,
        }
    }
}

#[component]
pub fn BlockWidget(props: &BlockProps) -> Html {
    let s = use_lang().strings();
    let id = use_id();
    let fields = use_state(|| Fields {
        version: 1,
        prev: GENESIS.parse().expect("a valid hash"),
        data: props.data.clone(),
        time: START_TIME,
        difficulty: props.difficulty,
        nonce: 0,
    });
    // Set when the nonces ran out and the time moved on, so the widget can say why.
    let bumped = use_state(|| false);
    let miner = use_miner();
    let run = miner.state.run.clone();
    let header = fields.header();
    let target = Target::from_compact(header.bits).expect("difficulty bits are in range");
    let hash = header.block_hash();
    let valid = target.is_met_by(hash.to_byte_array());

    {
        // The worker's nonce goes into the header; the page re-hashes it to judge it.
        let (fields, start, bumped) = (fields.clone(), miner.start.clone(), bumped.clone());
        use_effect_with(run.clone(), move |run| match *run {
            Run::Found { nonce, .. } => fields.set(Fields {
                nonce: nonce as u32,
                ..(*fields).clone()
            }),
            Run::Exhausted { .. } => {
                let next = Fields {
                    time: fields.time.wrapping_add(1),
                    nonce: 0,
                    ..(*fields).clone()
                };
                start.emit(Job::Header {
                    header: next.header().encode(),
                });
                fields.set(next);
                bumped.set(true);
            }
            _ => {}
        });
    }
    {
        let on_event = props.on_event.clone();
        let mined = valid && matches!(run, Run::Found { .. });
        use_effect_with(mined, move |&mined| {
            if mined {
                on_event.emit(WaitFor::BlockMined);
            }
        });
    }

    // Every edit makes a new header: any search for the old one is over.
    let edit = |apply: fn(&mut Fields, &str) -> Result<(), String>| {
        let (fields, reset, bumped) = (fields.clone(), miner.reset.clone(), bumped.clone());
        Callback::from(move |text: String| {
            let mut next = (*fields).clone();
            apply(&mut next, &text)?;
            reset.emit(());
            fields.set(next);
            bumped.set(false);
            Ok(())
        })
    };
    let (bad_u32, bad_i32) = (s.bad_u32, s.bad_i32);
    let mining = run.is_mining();
    let onclick = {
        let (start, stop) = (miner.start.clone(), miner.stop.clone());
        let job = Job::Header {
            header: header.encode(),
        };
        Callback::from(move |_| {
            if mining {
                stop.emit(())
            } else {
                start.emit(job.clone())
            }
        })
    };

    html! {
        <section class={classes!("widget", "card", "block", if valid { "is-valid" } else { "is-invalid" })}
            aria-label={s.block}>
            <h3 class="block-title">{ s.block }</h3>
            <div class="block-fields">
                <Field id={format!("{id}-version")} label={s.version} value={header.version.to_string()}
                    on_commit={edit(|f, t| { f.version = t.trim().parse().map_err(|_| String::new())?; Ok(()) })}
                    error_text={bad_i32} />
                <Field id={format!("{id}-prev")} label={s.prev_hash} value={fields.prev.to_string()} mono=true
                    on_commit={edit(|f, t| { f.prev = t.trim().parse().map_err(|e: ledger::hash::HashParseError| e.to_string())?; Ok(()) })} />
                <Field id={format!("{id}-data")} label={s.data} value={fields.data.clone()} multiline=true
                    on_commit={edit(|f, t| { f.data = t.to_owned(); Ok(()) })} />
                <div class="field">
                    <span class="field-label">{ s.merkle_root }</span>
                    <HashView hex={header.merkle_root.to_string()} />
                </div>
                <Field id={format!("{id}-time")} label={s.time} value={header.time.to_string()}
                    on_commit={edit(|f, t| { f.time = t.trim().parse().map_err(|_| String::new())?; Ok(()) })}
                    error_text={bad_u32} />
                <Field id={format!("{id}-difficulty")} label={s.difficulty} value={fields.difficulty.to_string()}
                    on_commit={edit(|f, t| {
                        f.difficulty = t.trim().parse().ok()
                            .filter(|b| (MIN_DIFFICULTY..=MAX_DIFFICULTY).contains(b))
                            .ok_or_else(String::new)?;
                        Ok(())
                    })}
                    error_text={s.bad_difficulty} />
                <div class="field">
                    <span class="field-label">{ s.bits }</span>
                    <code class="mono">{ header.bits.to_string() }</code>
                </div>
                <Field id={format!("{id}-nonce")} label={s.nonce} value={header.nonce.to_string()}
                    on_commit={edit(|f, t| { f.nonce = t.trim().parse().map_err(|_| String::new())?; Ok(()) })}
                    error_text={bad_u32} />
            </div>
            <div class="block-hash">
                <span class="field-label">{ s.block_hash }</span>
                <HashView hex={hash.to_string()} testid="block-hash" zero_digits={fields.difficulty as usize / 4} />
                { verdict(s, valid) }
            </div>
            <button type="button" class={if mining { "secondary" } else { "primary" }} {onclick}>
                { if mining { s.stop } else { s.mine } }
            </button>
            if *bumped {
                <p class="muted small">{ s.auto_time }</p>
            }
            <MiningPanel mode={miner.state.mode.clone()} run={run.clone()} expected={expected_tries(target)} />
        </section>
    }
}

/// Valid or not, in words and an icon, never colour alone.
fn verdict(s: &Strings, valid: bool) -> Html {
    if valid {
        html! { <p class="verdict ok" data-testid="block-valid"><span aria-hidden="true">{ "✓ " }</span>{ s.valid }</p> }
    } else {
        html! {
            <div>
                <p class="verdict bad" data-testid="block-invalid"><span aria-hidden="true">{ "✗ " }</span>{ s.invalid }</p>
                <p class="muted small">{ s.invalid_hint }</p>
            </div>
        }
    }
}

#[derive(Properties, PartialEq)]
struct FieldProps {
    id: String,
    label: &'static str,
    /// The current accepted value; the input shows what the learner typed until then.
    value: String,
    /// Applies the text; `Err` carries a specific message, or is empty to use `error_text`.
    on_commit: Callback<String, Result<(), String>>,
    #[prop_or_default]
    error_text: &'static str,
    #[prop_or_default]
    mono: bool,
    #[prop_or_default]
    multiline: bool,
}

/// A labelled input that applies each keystroke when it parses and otherwise shows
/// why, leaving the block as it was.
#[component]
fn Field(props: &FieldProps) -> Html {
    let error = use_state(|| None::<String>);
    let oninput = {
        let (error, commit, fallback) = (error.clone(), props.on_commit.clone(), props.error_text);
        Callback::from(move |e: InputEvent| {
            let text = e.target_unchecked_into::<HtmlInputElement>().value();
            error.set(
                commit
                    .emit(text)
                    .err()
                    .map(|m| if m.is_empty() { fallback.to_owned() } else { m }),
            );
        })
    };
    let error_id = format!("{}-error", props.id);
    let described = error.is_some().then(|| error_id.clone());
    let class = classes!(
        props.mono.then_some("mono"),
        error.is_some().then_some("has-error")
    );
    html! {
        <div class="field">
            <label for={props.id.clone()}>{ props.label }</label>
            if props.multiline {
                <textarea id={props.id.clone()} rows="2" {class} value={props.value.clone()} {oninput}
                    aria-invalid={error.is_some().to_string()} aria-describedby={described} spellcheck="false" />
            } else {
                <input id={props.id.clone()} type="text" {class} value={props.value.clone()} {oninput}
                    aria-invalid={error.is_some().to_string()} aria-describedby={described} spellcheck="false" />
            }
            if let Some(message) = &*error {
                <p id={error_id} class="field-error" role="alert"><span aria-hidden="true">{ "⚠ " }</span>{ message }</p>
            }
        </div>
    }
}
