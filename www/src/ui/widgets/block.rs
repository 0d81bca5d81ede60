//! A real block header (the ledger's `BlockHeader`, Bitcoin's 80-byte layout) that the
//! learner edits and mines in the worker.

use std::str::FromStr;

use ledger::{BlockHash, BlockHeader, Target, Txid, merkle_root};
use yew::prelude::*;

use super::field::Field;
use super::hash_view::HashView;
use super::mining_panel::{MiningPanel, PowStrings};
use super::use_id;
use crate::difficulty::{compact_for_zero_bits, expected_tries};
use crate::i18n::{Strings, fill};
use crate::lesson::WaitFor;
use crate::ui::miner::{Device, GpuSupport, Job, Run, use_miner};
use crate::ui::use_lang;
use crate::widget::parse_difficulty;

/// The previous block of the lab's block: Bitcoin's genesis block, so the first field
/// a learner sees is a real hash they can look up.
const GENESIS: &str = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
/// A fixed starting time (2024-11-21 00:00 UTC), so every learner starts from the same
/// block and can compare answers.
const START_TIME: u32 = 1_732_147_200;
/// Tensority manages a few hashes a second per browser thread (2-4 H/s measured in
/// headless Chromium on the lab's 2-core machine): 4 zero bits, 16 expected tries,
/// keeps a block to seconds of mining.
const TENSORITY_DIFFICULTY: u32 = 4;

/// Which proof of work the block must satisfy.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pow {
    Sha256d,
    Tensority,
}

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
    pow: Pow,
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

    /// The worker's search for these fields. Tensority's seed is the previous block
    /// hash, standing in for Bytom's ancestor-hash seed schedule.
    fn job(&self) -> Job {
        let header = self.header().encode();
        match self.pow {
            Pow::Sha256d => Job::Header { header },
            Pow::Tensority => Job::Tensority {
                header,
                seed: self.prev.to_byte_array(),
            },
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
        pow: Pow::Sha256d,
    });
    // The worker's Tensority hash and the header it belongs to: the page cannot
    // afford to recompute it, so it is valid only while the header is unchanged.
    let tensority_hash = use_state(|| None::<([u8; 80], String)>);
    let device = use_state(|| Device::Cpu);
    // Set when the nonces ran out and the time moved on, so the widget can say why.
    let bumped = use_state(|| false);
    let miner = use_miner();
    let run = miner.state.run.clone();
    let header = fields.header();
    let target = Target::from_compact(header.bits).expect("difficulty bits are in range");
    let hash = header.block_hash();
    let work_hash = match fields.pow {
        Pow::Sha256d => Some(hash.to_byte_array()),
        Pow::Tensority => tensority_hash
            .as_ref()
            .filter(|(bytes, _)| *bytes == header.encode())
            .and_then(|(_, hex)| hex_bytes(hex)),
    };
    let valid = work_hash.is_some_and(|h| target.is_met_by(h));

    {
        // The worker's nonce goes into the header; the page re-hashes it to judge it.
        let (fields, start, bumped) = (fields.clone(), miner.start_on.clone(), bumped.clone());
        let (tensority_hash, device) = (tensority_hash.clone(), *device);
        use_effect_with(run.clone(), move |run| match run {
            Run::Found { nonce, hash, .. } => {
                let found = Fields {
                    nonce: *nonce as u32,
                    ..(*fields).clone()
                };
                if let Some(hash) = hash {
                    tensority_hash.set(Some((found.header().encode(), hash.clone())));
                }
                fields.set(found);
            }
            Run::Exhausted { .. } => {
                let next = Fields {
                    time: fields.time.wrapping_add(1),
                    nonce: 0,
                    ..(*fields).clone()
                };
                start.emit((next.job(), device));
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
    let edit = |apply: fn(&mut Fields, &str) -> Result<String, String>| {
        let (fields, reset, bumped) = (fields.clone(), miner.reset.clone(), bumped.clone());
        Callback::from(move |text: String| {
            let mut next = (*fields).clone();
            let shown = apply(&mut next, &text)?;
            reset.emit(());
            fields.set(next);
            bumped.set(false);
            Ok(shown)
        })
    };
    let (bad_u32, bad_i32) = (s.bad_u32, s.bad_i32);
    let mining = run.is_mining();
    let onclick = {
        let (start, stop) = (miner.start_on.clone(), miner.stop.clone());
        let job = (fields.job(), *device);
        Callback::from(move |_| {
            if mining {
                stop.emit(())
            } else {
                start.emit(job.clone())
            }
        })
    };

    let p = PowStrings::of(use_lang());
    let choose = |pow: Pow| {
        let (fields, reset, bumped) = (fields.clone(), miner.reset.clone(), bumped.clone());
        let default_difficulty = props.difficulty;
        Callback::from(move |_: Event| {
            reset.emit(());
            bumped.set(false);
            let difficulty = match pow {
                Pow::Sha256d => default_difficulty,
                Pow::Tensority => fields.difficulty.min(TENSORITY_DIFFICULTY),
            };
            fields.set(Fields {
                pow,
                difficulty,
                ..(*fields).clone()
            });
        })
    };
    let pow_choice = html! {
        <fieldset class="pow-choice">
            <legend class="field-label">{ p.pow }</legend>
            <label>
                <input type="radio" name={format!("{id}-pow")} data-testid="pow-sha256d"
                    checked={fields.pow == Pow::Sha256d} onchange={choose(Pow::Sha256d)} />
                { p.sha256d }
            </label>
            <label>
                <input type="radio" name={format!("{id}-pow")} data-testid="pow-tensority"
                    checked={fields.pow == Pow::Tensority} onchange={choose(Pow::Tensority)} />
                { p.tensority }
            </label>
        </fieldset>
    };
    let engine_choice = {
        let gpu = &miner.state.gpu;
        let pick = |choice: Device| {
            let (device, reset) = (device.clone(), miner.reset.clone());
            Callback::from(move |_: Event| {
                reset.emit(());
                device.set(choice);
            })
        };
        let status = match gpu {
            GpuSupport::Unknown => p.gpu_checking.to_owned(),
            GpuSupport::Available(name) => fill(p.gpu_ready, &[("name", name)]),
            GpuSupport::NoEngine => p.gpu_no_engine.to_owned(),
            GpuSupport::NoWebGpu => p.gpu_no_webgpu.to_owned(),
            GpuSupport::NoAdapter => p.gpu_no_adapter.to_owned(),
        };
        let available = matches!(gpu, GpuSupport::Available(_));
        html! {
            <fieldset class="pow-choice">
                <legend class="field-label">{ p.engine }</legend>
                <label>
                    <input type="radio" name={format!("{id}-device")} data-testid="device-cpu"
                        checked={*device == Device::Cpu} onchange={pick(Device::Cpu)} />
                    { p.cpu }
                </label>
                <label class={classes!((!available).then_some("is-disabled"))}>
                    <input type="radio" name={format!("{id}-device")} data-testid="device-gpu"
                        disabled={!available} aria-describedby={format!("{id}-gpu-status")}
                        checked={*device == Device::Gpu} onchange={pick(Device::Gpu)} />
                    { p.gpu }
                </label>
                <p class="muted small" id={format!("{id}-gpu-status")} data-testid="gpu-status" role="status">
                    <span aria-hidden="true">{ if available { "✓ " } else { "ⓘ " } }</span>{ status }
                </p>
            </fieldset>
        }
    };
    let tensority_row = (fields.pow == Pow::Tensority).then(|| html! {
        <div class="block-hash">
            <span class="field-label">{ p.tensority_hash }</span>
            if let Some(h) = work_hash {
                <HashView hex={display_order(h)} testid="tensority-hash" zero_digits={fields.difficulty as usize / 4} />
            } else {
                <p class="muted small" data-testid="tensority-unknown">{ p.tensority_unknown }</p>
            }
            { verdict(s, valid) }
            <p class="muted small">{ fill(p.tensority_note, &[("n", &fields.difficulty.to_string())]) }</p>
            <p class="muted small">{ p.seed_note }</p>
        </div>
    });

    html! {
        <section class={classes!("widget", "card", "block", if valid { "is-valid" } else { "is-invalid" })}
            aria-label={s.block}>
            <h2 class="block-title">{ s.block }</h2>
            { pow_choice }
            { engine_choice }
            <div class="block-fields">
                <Field id={format!("{id}-version")} label={s.version} value={header.version.to_string()}
                    on_commit={edit(|f, t| { f.version = parse(t)?; Ok(f.version.to_string()) })}
                    error_text={bad_i32} />
                <Field id={format!("{id}-prev")} label={s.prev_hash} value={fields.prev.to_string()} mono=true
                    on_commit={edit(|f, t| { f.prev = t.trim().parse().map_err(|e: ledger::hash::HashParseError| e.to_string())?; Ok(f.prev.to_string()) })} />
                <Field id={format!("{id}-data")} label={s.data} value={fields.data.clone()} multiline=true
                    on_commit={edit(|f, t| { f.data = t.to_owned(); Ok(f.data.clone()) })} />
                <div class="field">
                    <span class="field-label">{ s.merkle_root }</span>
                    <HashView hex={header.merkle_root.to_string()} />
                </div>
                <Field id={format!("{id}-time")} label={s.time} value={header.time.to_string()}
                    on_commit={edit(|f, t| { f.time = parse(t)?; Ok(f.time.to_string()) })}
                    error_text={bad_u32} />
                <Field id={format!("{id}-difficulty")} label={s.difficulty} value={fields.difficulty.to_string()}
                    on_commit={edit(|f, t| {
                        f.difficulty = parse_difficulty(t).map_err(|_| String::new())?;
                        Ok(f.difficulty.to_string())
                    })}
                    error_text={s.bad_difficulty} />
                <div class="field">
                    <span class="field-label">{ s.bits }</span>
                    <code class="mono">{ header.bits.to_string() }</code>
                </div>
                <Field id={format!("{id}-nonce")} label={s.nonce} value={header.nonce.to_string()}
                    on_commit={edit(|f, t| { f.nonce = parse(t)?; Ok(f.nonce.to_string()) })}
                    error_text={bad_u32} />
            </div>
            <div class="block-hash">
                <span class="field-label">{ s.block_hash }</span>
                <HashView hex={hash.to_string()} testid="block-hash" zero_digits={fields.difficulty as usize / 4} />
                if fields.pow == Pow::Sha256d { { verdict(s, valid) } }
            </div>
            { tensority_row }
            <button type="button" class={if mining { "secondary" } else { "primary" }} {onclick}>
                { if mining { s.stop } else { s.mine } }
            </button>
            if *bumped {
                <p class="muted small">{ s.auto_time }</p>
            }
            <MiningPanel mode={miner.state.mode.clone()} run={run.clone()} expected={expected_tries(target)}
                cache={miner.state.cache} />
        </section>
    }
}

/// Reads a header number; an empty message makes the field show its own hint.
fn parse<T: FromStr>(text: &str) -> Result<T, String> {
    text.trim().parse().map_err(|_| String::new())
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

/// A work hash as the number the target is compared with, most significant byte
/// first: the order block hashes are shown in, so leading zeros line up.
fn display_order(mut hash: [u8; 32]) -> String {
    hash.reverse();
    hex::encode(hash)
}

/// The worker's hex hash as bytes (raw order).
fn hex_bytes(hex: &str) -> Option<[u8; 32]> {
    hex::decode(hex).ok()?.try_into().ok()
}
