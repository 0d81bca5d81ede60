//! The retarget rule over twelve periods while the learner's miners join and leave:
//! block times and difficulty per period, with the factor-of-4 clamp marked.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::i18n::{Lang, fill};
use crate::lesson::WaitFor;
use crate::retarget_sim::{Period, simulate};
use crate::ui::use_lang;

/// Periods in a run: three phases of four, enough for the rule to settle in each.
const PERIODS: usize = 12;
const PHASE: usize = 4;
/// Hash power choices, relative to the start: a slider position picks one.
const POWERS: [f64; 9] = [0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 64.0];
const ONE: usize = 3;

#[derive(Properties, PartialEq)]
pub struct RetargetProps {
    pub interval: u32,
    pub spacing: u32,
    pub on_event: Callback<WaitFor>,
}

#[component]
pub fn RetargetWidget(props: &RetargetProps) -> Html {
    let t = text(use_lang());
    // Steady to start: the learner makes the change the lesson waits for.
    let phases = use_state(|| [ONE; 3]);
    let seed = use_state(|| 0u64);
    let run = use_state(|| None::<Vec<Period>>);

    let on_slider = |phase: usize| {
        let phases = phases.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let mut next = *phases;
            next[phase] = input
                .value()
                .parse::<usize>()
                .unwrap_or(ONE)
                .min(POWERS.len() - 1);
            phases.set(next);
        })
    };
    let on_run = {
        let (phases, seed, run, on_event) = (
            phases.clone(),
            seed.clone(),
            run.clone(),
            props.on_event.clone(),
        );
        let (interval, spacing) = (props.interval, props.spacing);
        Callback::from(move |_: MouseEvent| {
            let next_seed = *seed + 1;
            let powers: Vec<f64> = (0..PERIODS).map(|p| POWERS[phases[p / PHASE]]).collect();
            run.set(Some(simulate(interval, spacing, &powers, next_seed)));
            seed.set(next_seed);
            if phases.iter().any(|&p| p != phases[0]) {
                on_event.emit(WaitFor::RetargetSimulated);
            }
        })
    };

    html! {
        <section class="widget card retarget-widget" aria-label={t.title}>
            <h2>{ t.title }</h2>
            <p class="small">{ fill(t.rule, &[("i", &props.interval.to_string()), ("s", &props.spacing.to_string()), ("T", &(props.interval * props.spacing).to_string())]) }</p>
            <div class="retarget-phases">
                { for (0..3).map(|phase| {
                    let id = format!("retarget-phase-{phase}");
                    let value = POWERS[phases[phase]];
                    html! {
                        <div class="field">
                            <label for={id.clone()} class="field-label">
                                { fill(t.phase, &[("a", &(phase * PHASE + 1).to_string()), ("b", &((phase + 1) * PHASE).to_string())]) }
                            </label>
                            <input id={id.clone()} type="range" min="0" max={(POWERS.len() - 1).to_string()} step="1"
                                value={phases[phase].to_string()} oninput={on_slider(phase)}
                                aria-valuetext={fill(t.power_value, &[("x", &power_text(value))])}
                                data-testid={id} />
                            <output class="mono">{ fill(t.power_value, &[("x", &power_text(value))]) }</output>
                        </div>
                    }
                }) }
            </div>
            <button type="button" class="primary" onclick={on_run} data-testid="retarget-run">
                { if run.is_some() { t.run_again } else { t.run } }
            </button>
            if phases.iter().all(|&p| p == phases[0]) {
                <p class="small muted" data-testid="retarget-steady">{ t.steady }</p>
            }
            if let Some(periods) = &*run {
                <p class="small" role="status" data-testid="retarget-status">
                    { fill(t.done, &[("n", &periods.len().to_string()), ("c", &periods.iter().filter(|p| p.clamped).count().to_string())]) }
                </p>
                { chart(t, periods, props.spacing) }
                { table(t, periods) }
            }
        </section>
    }
}

fn power_text(x: f64) -> String {
    if x < 1.0 {
        format!("1/{}", (1.0 / x).round())
    } else {
        format!("{x}")
    }
}

const W: f64 = 640.0;
const H: f64 = 150.0;
const LEFT: f64 = 48.0;

/// Two panels: mean block time per period against the spacing, and difficulty next
/// to hash power (log2 scale); a clamped retarget carries a "×4" label.
fn chart(t: &Text, periods: &[Period], spacing: u32) -> Html {
    let n = periods.len() as f64;
    let col = (W - LEFT - 10.0) / n;
    let x = |i: usize| LEFT + col * (i as f64 + 0.5);
    let max_time = periods
        .iter()
        .map(Period::mean_block_time)
        .fold(f64::from(spacing) * 2.0, f64::max);
    let y_time = |s: f64| H - 20.0 - (s / max_time) * (H - 40.0);
    let target_y = y_time(f64::from(spacing));
    let bars = periods.iter().enumerate().map(|(i, p)| {
        let top = y_time(p.mean_block_time());
        html! {
            <g>
                <rect x={fmt(x(i) - col * 0.35)} y={fmt(top)} width={fmt(col * 0.7)} height={fmt(H - 20.0 - top)} class="time-bar" />
                <text x={fmt(x(i))} y={fmt(top - 4.0)} class="bar-label">{ format!("{:.0}s", p.mean_block_time()) }</text>
                if p.clamped { <text x={fmt(x(i))} y="12" class="clamp-label">{ "⚠×4" }</text> }
                <text x={fmt(x(i))} y={fmt(H - 6.0)} class="tick-label">{ i + 1 }</text>
            </g>
        }
    });
    let logs: Vec<f64> = periods
        .iter()
        .flat_map(|p| [p.difficulty.log2(), p.power.log2()])
        .collect();
    let (lo, hi) = logs
        .iter()
        .fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let span = (hi - lo).max(1.0);
    let y_log = |v: f64| H - 20.0 - ((v.log2() - lo) / span) * (H - 40.0);
    let path = |f: fn(&Period) -> f64| {
        periods
            .iter()
            .enumerate()
            .map(|(i, p)| {
                format!(
                    "{}{},{}",
                    if i == 0 { "M" } else { "L" },
                    fmt(x(i)),
                    fmt(y_log(f(p)))
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    html! {
        <div class="retarget-charts">
            <svg viewBox={format!("0 0 {W} {H}")} role="img" aria-label={t.time_chart} data-testid="retarget-times">
                <text x="4" y="14" class="axis-label">{ t.time_axis }</text>
                { for bars }
                <line x1={fmt(LEFT)} x2={fmt(W - 10.0)} y1={fmt(target_y)} y2={fmt(target_y)} class="target-rule" />
                <text x={fmt(LEFT - 4.0)} y={fmt(target_y + 4.0)} class="rule-label">{ format!("{spacing}s") }</text>
            </svg>
            <svg viewBox={format!("0 0 {W} {H}")} role="img" aria-label={t.difficulty_chart} data-testid="retarget-difficulty">
                <text x="4" y="14" class="axis-label">{ t.log_axis }</text>
                <path d={path(|p| p.power)} class="power-line" />
                <path d={path(|p| p.difficulty)} class="difficulty-line" />
                { for periods.iter().enumerate().map(|(i, p)| html! {
                    <>
                        <text x={fmt(x(i))} y={fmt(y_log(p.difficulty) + 4.0)} class="difficulty-mark">{ "◆" }</text>
                        <text x={fmt(x(i))} y={fmt(y_log(p.power) + 4.0)} class="power-mark">{ "●" }</text>
                    </>
                }) }
            </svg>
            <p class="small muted">{ t.legend }</p>
        </div>
    }
}

fn table(t: &Text, periods: &[Period]) -> Html {
    html! {
        <details class="small">
            <summary>{ t.table }</summary>
            <table data-testid="retarget-table">
                <thead><tr>
                    <th scope="col">{ t.period }</th><th scope="col">{ t.power }</th><th scope="col">{ t.difficulty }</th>
                    <th scope="col">{ t.bits }</th><th scope="col">{ t.mean }</th><th scope="col">{ t.clamp }</th>
                </tr></thead>
                <tbody>
                    { for periods.iter().enumerate().map(|(i, p)| html! {
                        <tr>
                            <td>{ i + 1 }</td><td>{ power_text(p.power) }</td><td>{ format!("{:.2}", p.difficulty) }</td>
                            <td><code>{ p.bits.to_string() }</code></td><td>{ format!("{:.1} s", p.mean_block_time()) }</td>
                            <td>{ if p.clamped { t.yes } else { "—" } }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </details>
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

struct Text {
    title: &'static str,
    rule: &'static str,
    phase: &'static str,
    power_value: &'static str,
    run: &'static str,
    run_again: &'static str,
    done: &'static str,
    time_chart: &'static str,
    time_axis: &'static str,
    difficulty_chart: &'static str,
    log_axis: &'static str,
    legend: &'static str,
    table: &'static str,
    period: &'static str,
    power: &'static str,
    difficulty: &'static str,
    bits: &'static str,
    mean: &'static str,
    clamp: &'static str,
    yes: &'static str,
    steady: &'static str,
}

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

const EN: Text = Text {
    title: "The retarget rule",
    rule: "Every {i} blocks the network compares how long they took with {T} s ({i} × {s} s) and scales the target by the ratio, at most ×4 either way.",
    phase: "Hash power in periods {a}–{b}",
    power_value: "×{x}",
    run: "Run the simulation",
    run_again: "Run again (new luck)",
    done: "Simulated {n} periods; the ×4 clamp stopped {c} retargets.",
    time_chart: "Mean seconds per block in each period, with the target spacing as a line",
    time_axis: "seconds per block",
    difficulty_chart: "Difficulty and hash power per period, log scale",
    log_axis: "log scale",
    legend: "Top: bars = mean block time in each period, line = target spacing, ⚠×4 = the retarget after this period hit the clamp. Bottom: ● hash power, ◆ difficulty, both relative to period 1: difficulty follows hash power one period late.",
    table: "The numbers",
    period: "Period",
    power: "Hash power",
    difficulty: "Difficulty",
    bits: "Bits",
    mean: "Mean block time",
    clamp: "Clamped ×4",
    yes: "⚠ yes",
    steady: "→ Hash power is the same in every period, so the difficulty has nothing to follow. Move a slider so miners join or leave, then run.",
};

const ZH: Text = Text {
    title: "难度调整规则",
    rule: "每 {i} 个区块，网络比较它们实际用了多久和 {T} 秒（{i} × {s} 秒），按比例调整目标值，每次最多放大或缩小 4 倍。",
    phase: "第 {a}–{b} 个周期的算力",
    power_value: "×{x}",
    run: "运行模拟",
    run_again: "再运行一次（换一组运气）",
    done: "模拟了 {n} 个周期；其中 {c} 次调整被 4 倍上限截住。",
    time_chart: "每个周期的平均出块时间，横线为目标间隔",
    time_axis: "秒/区块",
    difficulty_chart: "每个周期的难度与算力，对数刻度",
    log_axis: "对数刻度",
    legend: "上图：柱 = 每个周期的平均出块时间，横线 = 目标间隔，⚠×4 = 这个周期之后的调整碰到了 4 倍上限。下图：● 算力，◆ 难度，都相对于第 1 个周期：难度总是晚一个周期跟上算力。",
    table: "具体数字",
    period: "周期",
    power: "算力",
    difficulty: "难度",
    bits: "Bits",
    mean: "平均出块时间",
    clamp: "被 4 倍截住",
    yes: "⚠ 是",
    steady: "→ 现在每个周期的算力都一样，难度没有什么可跟随的。拖动滑块让矿工加入或离开，再运行。",
};
