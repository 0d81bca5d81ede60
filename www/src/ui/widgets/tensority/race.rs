//! Two engines hash the same nonces of the same header side by side: the CPU with all
//! its threads against WebGPU, or, where there is no GPU, one CPU thread against all.

use yew::prelude::*;

use super::strings::TensorityStrings;
use crate::format;
use crate::i18n::fill;
use crate::ui::miner::{Device, GpuSupport, Job, Miner, Mode, use_miner};
use crate::ui::use_lang;
use crate::ui::widgets::mining_panel::PowStrings;

/// Bits no hash meets (a target of 1 in the top byte of a 3-byte exponent): every
/// nonce is hashed, so the count is pure speed.
const UNREACHABLE_BITS: u32 = 0x0300_0001;

/// A fixed header: nonce 0 onward on both sides, so both hash the same inputs.
fn race_header() -> [u8; 80] {
    let mut header: [u8; 80] = std::array::from_fn(|i| (i as u8).wrapping_mul(31).wrapping_add(7));
    header[72..76].copy_from_slice(&UNREACHABLE_BITS.to_le_bytes());
    header[76..].fill(0);
    header
}

#[component]
pub fn TensorityRace() -> Html {
    let lang = use_lang();
    let (t, p) = (TensorityStrings::of(lang), PowStrings::of(lang));
    let left = use_miner();
    let right = use_miner();
    let gpu = right.state.gpu.clone();
    let (right_device, right_label, note) = match &gpu {
        GpuSupport::Available(_) => (Device::Gpu, t.gpu, None),
        other => {
            let reason = match other {
                GpuSupport::NoWebGpu => p.gpu_no_webgpu,
                GpuSupport::NoAdapter => p.gpu_no_adapter,
                GpuSupport::NoEngine => p.gpu_no_engine,
                _ => p.gpu_checking,
            };
            (
                Device::CpuOneThread,
                t.cpu_one,
                Some(fill(t.no_gpu_race, &[("reason", reason)])),
            )
        }
    };
    let racing = left.state.run.is_mining() || right.state.run.is_mining();
    let ready = !matches!(left.state.mode, Mode::Starting) && gpu != GpuSupport::Unknown;
    let onclick = {
        let (left, right) = (left.clone(), right.clone());
        Callback::from(move |_| {
            if racing {
                left.stop.emit(());
                right.stop.emit(());
            } else {
                let job = Job::Tensority {
                    header: race_header(),
                    seed: [0; 32],
                };
                left.start_on.emit((job.clone(), Device::Cpu));
                right.start_on.emit((job, right_device));
            }
        })
    };
    html! {
        <section class="widget card tensority-race" aria-label={t.race}>
            <h2>{ t.race }</h2>
            <p class="muted small">{ t.race_text }</p>
            if let Some(note) = note {
                <p class="notice small" role="note" data-testid="race-no-gpu"><span aria-hidden="true">{ "ⓘ " }</span>{ note }</p>
            }
            <button type="button" class={if racing { "secondary" } else { "primary" }} disabled={!ready}
                {onclick} data-testid="race-button">
                { if racing { t.stop_race } else { t.start_race } }
            </button>
            <div class="race-lanes">
                { lane(t, t.cpu_all, &left, "race-left") }
                { lane(t, right_label, &right, "race-right") }
            </div>
        </section>
    }
}

fn lane(t: &TensorityStrings, label: &str, miner: &Miner, testid: &'static str) -> Html {
    let run = &miner.state.run;
    let building = miner.state.cache.is_some() && run.is_mining();
    let rate = run
        .rate()
        .filter(|_| !building)
        .map(format::rate)
        .unwrap_or_else(|| "—".into());
    html! {
        <div class="race-lane" data-testid={testid}>
            <h3>{ label }</h3>
            <dl class="stats" aria-live="polite">
                <div><dt>{ t.hashes }</dt><dd data-testid={format!("{testid}-tries")}>{ format!("{}", run.tries() as u64) }</dd></div>
                <div><dt>{ t.rate }</dt><dd data-testid={format!("{testid}-rate")}>
                    { if building { t.preparing.to_owned() } else { rate } }
                </dd></div>
            </dl>
        </div>
    }
}
