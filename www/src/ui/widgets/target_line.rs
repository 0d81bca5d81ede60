//! The target as a point on the line of all 2^256 hash values (log scale), hashes
//! landing left (valid) or right (invalid) of it, and the bits <-> target converter.

use ledger::target::TargetError;
use ledger::{CompactTarget, Target, U256, sha256d};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::hash_view::HashView;
use crate::bits::leading_zero_bits;
use crate::difficulty::{compact_for_zero_bits, expected_tries};
use crate::format;
use crate::i18n::{Lang, fill};
use crate::ui::use_lang;

const START_ZERO_BITS: u32 = 16;
/// Hashes kept on the line, newest last.
const KEEP: usize = 12;

#[component]
pub fn TargetLineWidget() -> Html {
    let t = text(use_lang());
    let bits = use_state(|| compact_for_zero_bits(START_ZERO_BITS));
    let typed = use_state(|| bits.to_string());
    let zeros_typed = use_state(|| START_ZERO_BITS.to_string());
    let hashes = use_state(Vec::<[u8; 32]>::new);
    let decoded = Target::from_compact(*bits);

    let on_bits = {
        let (bits, typed, zeros_typed) = (bits.clone(), typed.clone(), zeros_typed.clone());
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let value = input.value();
            if let Ok(parsed) = value.trim().parse::<CompactTarget>() {
                bits.set(parsed);
                // Keep the other field in step, so the two never disagree.
                if let Ok(target) = Target::from_compact(parsed) {
                    zeros_typed.set(leading_zero_bits(&target.0.to_be_bytes()).to_string());
                }
            }
            typed.set(value);
        })
    };
    let on_zeros = {
        let (bits, typed, zeros_typed) = (bits.clone(), typed.clone(), zeros_typed.clone());
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let value = input.value();
            if let Some(k) = value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|k| (1..=255).contains(k))
            {
                let compact = compact_for_zero_bits(k);
                bits.set(compact);
                typed.set(compact.to_string());
            }
            zeros_typed.set(value);
        })
    };
    let try_hash = {
        let hashes = hashes.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next = (*hashes).clone();
            let n = next.len() as u64 + u64::from(next.first().map_or(0, |h| h[0]));
            next.push(sha256d(format!("try {n}").as_bytes()));
            if next.len() > KEEP {
                next.remove(0);
            }
            hashes.set(next);
        })
    };
    let bits_ok = typed.trim().parse::<CompactTarget>().is_ok();
    let zeros_ok = zeros_typed
        .trim()
        .parse::<u32>()
        .ok()
        .is_some_and(|k| (1..=255).contains(&k));

    html! {
        <section class="widget card target-widget" aria-label={t.title}>
            <h2>{ t.title }</h2>
            <div class="target-inputs">
                <div class="field">
                    <label for="target-bits" class="field-label">{ t.bits }</label>
                    <input id="target-bits" class="mono" value={(*typed).clone()} oninput={on_bits}
                        aria-invalid={(!bits_ok).to_string()} data-testid="target-bits" />
                    if !bits_ok { <p class="small bad-text" role="alert">{ "⚠ " }{ t.bits_syntax }</p> }
                </div>
                <div class="field">
                    <label for="target-zeros" class="field-label">{ t.zeros }</label>
                    <input id="target-zeros" type="number" min="1" max="255" value={(*zeros_typed).clone()} oninput={on_zeros}
                        aria-invalid={(!zeros_ok).to_string()} data-testid="target-zeros" />
                    if !zeros_ok { <p class="small bad-text" role="alert">{ "⚠ " }{ t.zeros_range }</p> }
                </div>
            </div>
            { match decoded {
                Ok(target) => details(t, target, &hashes, try_hash),
                Err(error) => html! {
                    <p class="verdict bad" role="alert" data-testid="target-error">
                        <span aria-hidden="true">{ "✗ " }</span>{ explain(t, error) }
                    </p>
                },
            } }
        </section>
    }
}

fn details(t: &Text, target: Target, hashes: &[[u8; 32]], try_hash: Callback<MouseEvent>) -> Html {
    let be = target.0.to_be_bytes();
    let zeros = leading_zero_bits(&be);
    let tries = expected_tries(target);
    let position = log2(target.0);
    let hits = hashes.iter().filter(|h| target.is_met_by(**h)).count();
    html! {
        <>
            <div class="field">
                <span class="field-label">{ t.expanded }</span>
                <HashView hex={hex::encode(be)} testid="target-hex" zero_digits={zeros as usize / 4} />
            </div>
            <dl class="stats">
                <div><dt>{ t.leading }</dt><dd data-testid="target-leading">{ zeros }</dd></div>
                <div><dt>{ t.tries }</dt><dd data-testid="target-tries">{ format::count(tries) }</dd></div>
                <div><dt>{ t.share }</dt><dd>{ format!("2^{:.2}", -(256.0 - position)) }</dd></div>
            </dl>
            <p class="small muted">{ t.formula }</p>
            { line(t, position, hashes, target) }
            <button type="button" class="secondary" onclick={try_hash} data-testid="target-try">{ t.try_hash }</button>
            if !hashes.is_empty() {
                <p role="status" class="small" data-testid="target-hits">
                    { fill(t.hits, &[("h", &hits.to_string()), ("n", &hashes.len().to_string())]) }
                </p>
            }
        </>
    }
}

/// log2 of a 256-bit number, 0 for 0 and 1.
fn log2(value: U256) -> f64 {
    value.to_f64().max(1.0).log2()
}

const W: f64 = 640.0;
const PAD: f64 = 20.0;

fn x_of(bits: f64) -> f64 {
    PAD + (bits / 256.0) * (W - 2.0 * PAD)
}

/// The line from 1 to 2^256 on a log scale, the target marked, hashes as dots.
fn line(t: &Text, position: f64, hashes: &[[u8; 32]], target: Target) -> Html {
    let tx = x_of(position);
    let ticks = (0..=4).map(|i| {
        let b = f64::from(i * 64);
        html! {
            <g>
                <line x1={fmt(x_of(b))} x2={fmt(x_of(b))} y1="56" y2="64" class="tick" />
                <text x={fmt(x_of(b))} y="78" class="tick-label">{ format!("2^{}", i * 64) }</text>
            </g>
        }
    });
    let dots = hashes.iter().enumerate().map(|(n, h)| {
        let value = U256::from_le_bytes(*h);
        let ok = target.is_met_by(*h);
        let x = x_of(log2(value));
        let y = 22.0 + (n % 4) as f64 * 8.0;
        html! {
            <text x={fmt(x)} y={fmt(y)} class={classes!("hash-dot", if ok { "ok" } else { "bad" })}>
                { if ok { "✓" } else { "✗" } }
            </text>
        }
    });
    html! {
        <svg class="target-line" viewBox={format!("0 0 {W} 96")} role="img"
            aria-label={fill(t.line_label, &[("p", &format!("{position:.1}"))])} data-testid="target-line">
            <rect x={fmt(PAD)} y="40" width={fmt(tx - PAD)} height="16" class="valid-zone" />
            <line x1={fmt(PAD)} x2={fmt(W - PAD)} y1="56" y2="56" class="axis" />
            { for ticks }
            <line x1={fmt(tx)} x2={fmt(tx)} y1="8" y2="64" class="target-mark" />
            <text x={fmt(tx)} y="94" class="target-label"
                text-anchor={if position > 128.0 { "end" } else { "start" }}>{ t.target_here }</text>
            { for dots }
        </svg>
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

fn explain(t: &Text, error: TargetError) -> String {
    match error {
        TargetError::Negative(bits) => fill(t.negative, &[("b", &bits.to_string())]),
        TargetError::Overflow(bits) => fill(t.overflow, &[("b", &bits.to_string())]),
        TargetError::Zero(bits) => fill(t.zero, &[("b", &bits.to_string())]),
    }
}

struct Text {
    title: &'static str,
    bits: &'static str,
    bits_syntax: &'static str,
    zeros: &'static str,
    zeros_range: &'static str,
    expanded: &'static str,
    leading: &'static str,
    tries: &'static str,
    share: &'static str,
    formula: &'static str,
    try_hash: &'static str,
    hits: &'static str,
    line_label: &'static str,
    target_here: &'static str,
    negative: &'static str,
    overflow: &'static str,
    zero: &'static str,
}

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

const EN: Text = Text {
    title: "The target on the line of all hashes",
    bits: "Bits (compact target, hex)",
    bits_syntax: "Bits are up to 8 hex digits, like 0x1d00ffff.",
    zeros: "Difficulty as leading zero bits",
    zeros_range: "Type a whole number from 1 to 255.",
    expanded: "Target, all 256 bits (64 hex digits)",
    leading: "Leading zero bits",
    tries: "Expected tries = 2^256 / (target + 1)",
    share: "Share of hashes that win",
    formula: "Bits store 3 bytes of mantissa and 1 byte of exponent: target = mantissa × 256^(exponent − 3).",
    try_hash: "Hash something and place it on the line",
    hits: "{h} of {n} hashes landed left of the target (✓ valid); the rest landed right (✗ too big).",
    line_label: "Number line from 1 to 2^256 on a log scale; the target sits at 2^{p}; hashes left of it are valid.",
    target_here: "target ▲ (left = valid)",
    negative: "Bits {b} have the sign bit (0x00800000) set: that would be a negative target, which Bitcoin rejects.",
    overflow: "Bits {b} describe a number larger than 2^256: no 256-bit hash could be compared with it. Lower the exponent byte.",
    zero: "Bits {b} describe a target of zero: no hash is ever at or below zero, so no block could be mined.",
};

const ZH: Text = Text {
    title: "目标值在所有哈希数轴上的位置",
    bits: "Bits（压缩目标值，十六进制）",
    bits_syntax: "Bits 最多 8 位十六进制，例如 0x1d00ffff。",
    zeros: "难度：开头零比特数",
    zeros_range: "请输入 1 到 255 之间的整数。",
    expanded: "完整目标值，256 比特（64 位十六进制）",
    leading: "开头零比特数",
    tries: "期望尝试次数 = 2^256 / (目标值 + 1)",
    share: "能获胜的哈希比例",
    formula: "Bits 由 3 字节尾数和 1 字节指数组成：目标值 = 尾数 × 256^(指数 − 3)。",
    try_hash: "算一个哈希，放到数轴上",
    hits: "{n} 个哈希中有 {h} 个落在目标值左边（✓ 有效），其余落在右边（✗ 太大）。",
    line_label: "从 1 到 2^256 的对数数轴；目标值位于 2^{p}；落在其左边的哈希有效。",
    target_here: "目标值 ▲（左边 = 有效）",
    negative: "Bits {b} 设置了符号位（0x00800000）：这代表负的目标值，比特币不接受。",
    overflow: "Bits {b} 表示的数大于 2^256，任何 256 位哈希都无法与之比较。请减小指数字节。",
    zero: "Bits {b} 表示目标值为零：没有哈希能小于等于零，因此永远挖不出区块。",
};
