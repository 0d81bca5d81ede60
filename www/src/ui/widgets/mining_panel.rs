//! What every mining widget shows while it works: thread mode, status (a live region),
//! tries, speed, and progress against the expected number of tries.

use yew::prelude::*;

use crate::format;
use crate::i18n::{Lang, Strings, fill};
use crate::ui::miner::{Mode, Run};
use crate::ui::use_lang;

/// Rounds in a Tensority cache build (pow's `cache::ROUNDS`).
pub const CACHE_ROUNDS: u32 = 128;

/// The proof-of-work words the mining widgets share, kept here rather than in the
/// app-wide `Strings` so the widgets that use them own them.
pub struct PowStrings {
    pub pow: &'static str,
    pub sha256d: &'static str,
    pub tensority: &'static str,
    /// `{done}` of `{total}` cache rounds.
    pub cache_building: &'static str,
    pub cache_label: &'static str,
    pub tensority_hash: &'static str,
    pub tensority_unknown: &'static str,
    /// `{n}`: the difficulty in bits.
    pub tensority_note: &'static str,
    pub seed_note: &'static str,
    pub engine: &'static str,
    pub cpu: &'static str,
    pub gpu: &'static str,
    /// `{name}`: the adapter.
    pub gpu_ready: &'static str,
    pub gpu_checking: &'static str,
    pub gpu_no_engine: &'static str,
    pub gpu_no_webgpu: &'static str,
    pub gpu_no_adapter: &'static str,
}

impl PowStrings {
    pub fn of(lang: Lang) -> &'static Self {
        match lang {
            Lang::En => &POW_EN,
            Lang::Zh => &POW_ZH,
        }
    }
}

const POW_EN: PowStrings = PowStrings {
    pow: "Proof of work",
    sha256d: "SHA-256d (Bitcoin)",
    tensority: "Tensority (Bytom)",
    cache_building: "Building the Tensority cache for this seed: round {done} of {total}",
    cache_label: "Tensority cache",
    tensority_hash: "Tensority hash",
    tensority_unknown: "Not computed for these fields yet: press Mine. One Tensority hash is 256 products of 256×256 matrices, far too slow to redo on every keystroke.",
    tensority_note: "Tensority is thousands of times slower per hash than SHA-256d (only a few hashes a second per browser thread), so this block asks for only {n} zero bits.",
    seed_note: "Seed: the previous block's hash. A new seed means a new 16 MiB cache of 256 matrices.",
    engine: "Engine",
    cpu: "CPU",
    gpu: "GPU",
    gpu_ready: "GPU available: {name}",
    gpu_checking: "Checking for a GPU…",
    gpu_no_engine: "GPU unavailable: this build of the lab was made without its GPU engine.",
    gpu_no_webgpu: "GPU unavailable: this browser has no WebGPU (navigator.gpu is missing). The CPU still mines.",
    gpu_no_adapter: "GPU unavailable: WebGPU offered no adapter (no GPU, or it is switched off). The CPU still mines.",
};

const POW_ZH: PowStrings = PowStrings {
    pow: "工作量证明",
    sha256d: "SHA-256d（比特币）",
    tensority: "Tensority（比原链）",
    cache_building: "正在为这个种子构建 Tensority 缓存：第 {done} / {total} 轮",
    cache_label: "Tensority 缓存",
    tensority_hash: "Tensority 哈希",
    tensority_unknown: "当前字段的哈希尚未计算：请点击“挖矿”。一次 Tensority 哈希要做 256 次 256×256 矩阵乘法，太慢，无法每次按键都重算。",
    tensority_note: "Tensority 每个哈希比 SHA-256d 慢几千倍（浏览器里每个线程每秒只能算几个），所以这个区块只要求 {n} 个前导零比特。",
    seed_note: "种子：上一个区块的哈希。换一个种子，就要重建一个 16 MiB、含 256 个矩阵的缓存。",
    engine: "计算设备",
    cpu: "CPU",
    gpu: "GPU",
    gpu_ready: "可用的 GPU：{name}",
    gpu_checking: "正在检测 GPU…",
    gpu_no_engine: "GPU 不可用：这个版本的实验室没有编译 GPU 引擎。",
    gpu_no_webgpu: "GPU 不可用：这个浏览器不支持 WebGPU（没有 navigator.gpu）。CPU 照样可以挖矿。",
    gpu_no_adapter: "GPU 不可用：WebGPU 没有提供适配器（没有 GPU，或已被关闭）。CPU 照样可以挖矿。",
};

#[derive(Properties, PartialEq)]
pub struct MiningPanelProps {
    pub mode: Mode,
    pub run: Run,
    /// Expected tries for the current target.
    pub expected: f64,
    /// Tensority cache rounds built so far, while the cache builds.
    #[prop_or_default]
    pub cache: Option<u32>,
}

#[component]
pub fn MiningPanel(props: &MiningPanelProps) -> Html {
    let lang = use_lang();
    let s = lang.strings();
    let run = &props.run;
    let tries = run.tries();
    let status = match run {
        Run::Idle if props.mode == Mode::Starting => s.status_loading.to_owned(),
        Run::Idle => s.status_ready.to_owned(),
        Run::Mining { .. } => s.status_mining.to_owned(),
        Run::Found { .. } => fill(s.status_found, &[("n", &format::count(tries))]),
        Run::Stopped { .. } | Run::Exhausted { .. } => {
            fill(s.status_stopped, &[("n", &format::count(tries))])
        }
        Run::Failed(error) => fill(s.status_failed, &[("e", error)]),
    };
    let status = match (&props.mode, props.cache) {
        (Mode::Failed(error), _) => fill(s.status_failed, &[("e", error)]),
        (_, Some(done)) if run.is_mining() => cache_text(PowStrings::of(lang), done),
        _ => status,
    };
    let percent = format::percent(tries, props.expected);
    let progress_text = fill(s.progress_text, &[("pct", &percent.to_string())]);
    let rate = run.rate().map(format::rate).unwrap_or_else(|| "—".into());
    html! {
        <div class="mining-panel">
            { thread_mode(s, &props.mode) }
            <p class="status" data-testid="mining-status" role="status" aria-live="polite">
                if run.is_mining() { <span class="spinner" aria-hidden="true"></span> }
                { status }
            </p>
            if let (Some(done), true) = (props.cache, run.is_mining()) { { cache_bar(PowStrings::of(lang), done) } }
            <dl class="stats">
                <div><dt>{ s.tries }</dt><dd data-testid="tries">{ format!("{}", tries as u64) }</dd></div>
                <div><dt>{ s.rate }</dt><dd data-testid="hash-rate">{ rate }</dd></div>
                <div><dt>{ s.expected }</dt>
                    <dd>{ format::count(props.expected) }</dd></div>
            </dl>
            <div class="progress" role="progressbar" aria-label={s.progress}
                aria-valuemin="0" aria-valuemax={format!("{}", props.expected.round())}
                aria-valuenow={format!("{}", tries.min(props.expected).round())}
                aria-valuetext={progress_text.clone()}>
                <div class="progress-fill" style={format!("width: {}%", percent.min(100))}></div>
            </div>
            <p class="muted small progress-text">{ progress_text }</p>
        </div>
    }
}

fn thread_mode(s: &Strings, mode: &Mode) -> Html {
    match mode {
        Mode::Threads(n) => html! {
            <p class="thread-mode" data-testid="thread-mode">
                <span aria-hidden="true">{ "⚡ " }</span>{ fill(s.threads, &[("n", &n.to_string())]) }
            </p>
        },
        Mode::SingleThread => html! {
            <div class="notice" role="note">
                <p class="thread-mode" data-testid="thread-mode">
                    <span aria-hidden="true">{ "ⓘ " }</span><strong>{ s.single_thread }</strong>
                </p>
                <p class="small">{ s.single_thread_notice }</p>
            </div>
        },
        Mode::Starting | Mode::Failed(_) => html! {},
    }
}

fn cache_text(p: &PowStrings, done: u32) -> String {
    fill(
        p.cache_building,
        &[
            ("done", &done.to_string()),
            ("total", &CACHE_ROUNDS.to_string()),
        ],
    )
}

/// The real progress of the cache build, round by round as the worker reports it.
fn cache_bar(p: &PowStrings, done: u32) -> Html {
    let percent = done * 100 / CACHE_ROUNDS;
    html! {
        <div class="progress cache-progress" role="progressbar" aria-label={p.cache_label}
            data-testid="cache-progress" aria-valuemin="0" aria-valuemax={CACHE_ROUNDS.to_string()}
            aria-valuenow={done.to_string()} aria-valuetext={cache_text(p, done)}>
            <div class="progress-fill" style={format!("width: {percent}%")}></div>
        </div>
    }
}
