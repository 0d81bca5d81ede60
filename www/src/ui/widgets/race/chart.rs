//! The race widget's two SVG charts, drawn straight from the engine's numbers.

use yew::prelude::*;

use super::text::Text;
use crate::consensus_view::race::{ChartPoint, LOG_FLOOR, WALK_BLOCKS, Walk, log_y};
use crate::consensus_view::settings::RACE_MAX_Z;
use crate::i18n::fill;

const W: f64 = 640.0;
const H: f64 = 300.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 44.0;

fn x_of(z: f64, max: f64) -> f64 {
    LEFT + z / max * (W - LEFT - RIGHT)
}

fn y_of(p: f64) -> f64 {
    TOP + log_y(p, LOG_FLOOR) * (H - TOP - BOTTOM)
}

/// P(attacker catches up) against z: the formula as a line with dots, the simulation
/// as squares with 95% bars, and the merchant's z as a dashed marker.
pub fn probability_chart(t: &Text, q: f64, merchant_z: u32, points: &[ChartPoint]) -> Html {
    let max = f64::from(RACE_MAX_Z);
    let formula: Vec<(f64, f64)> = (0..=u64::from(RACE_MAX_Z))
        .map(|z| (x_of(z as f64, max), y_of(consensus::race::whitepaper(q, z))))
        .collect();
    let line = formula
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    let exact = (0..=u64::from(RACE_MAX_Z))
        .map(|z| {
            let (x, y) = (x_of(z as f64, max), y_of(consensus::race::exact(q, z)));
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mx = x_of(f64::from(merchant_z), max);
    html! {
        <figure class="race-chart">
            <figcaption>{ t.chart_title }</figcaption>
            <svg viewBox={format!("0 0 {W} {H}")} role="img" aria-label={t.chart_title} data-testid="race-chart">
                { for (0..=6).map(|e| {
                    let p = 10f64.powi(-e);
                    let y = y_of(p);
                    html! { <g class="grid">
                        <line x1={LEFT.to_string()} x2={(W - RIGHT).to_string()} y1={y.to_string()} y2={y.to_string()} />
                        <text x={(LEFT - 6.0).to_string()} y={(y + 4.0).to_string()} text-anchor="end">{ if e == 0 { "1".to_owned() } else { format!("10⁻{}", superscript(e)) } }</text>
                    </g> }
                }) }
                { for (0..=RACE_MAX_Z).map(|z| {
                    let x = x_of(f64::from(z), max);
                    html! { <text class="tick" x={x.to_string()} y={(H - BOTTOM + 16.0).to_string()} text-anchor="middle">{ z }</text> }
                }) }
                <text class="axis" x={((LEFT + W) / 2.0).to_string()} y={(H - 6.0).to_string()} text-anchor="middle">{ t.chart_x }</text>
                <line class="merchant" x1={mx.to_string()} x2={mx.to_string()} y1={TOP.to_string()} y2={(H - BOTTOM).to_string()} />
                <text class="merchant-label" x={(mx + 4.0).to_string()} y={(TOP + 12.0).to_string()}>{ format!("{} z = {merchant_z}", t.merchant) }</text>
                <polyline class="exact" points={exact} />
                <polyline class="formula" points={line} />
                { for formula.iter().map(|(x, y)| html! { <circle class="formula-dot" cx={x.to_string()} cy={y.to_string()} r="4" /> }) }
                { for points.iter().map(|p| {
                    let x = x_of(p.z as f64, max);
                    let (lo, hi, y) = (y_of(p.low), y_of(p.high), y_of(p.estimate));
                    html! { <g class="simulated" data-z={p.z.to_string()} data-estimate={p.estimate.to_string()}>
                        <line x1={x.to_string()} x2={x.to_string()} y1={hi.to_string()} y2={lo.to_string()} />
                        <line x1={(x - 5.0).to_string()} x2={(x + 5.0).to_string()} y1={hi.to_string()} y2={hi.to_string()} />
                        <line x1={(x - 5.0).to_string()} x2={(x + 5.0).to_string()} y1={lo.to_string()} y2={lo.to_string()} />
                        <rect x={(x - 4.5).to_string()} y={(y - 4.5).to_string()} width="9" height="9" />
                        <title>{ format!("z = {}: {:.4} ({:.4}–{:.4})", p.z, p.estimate, p.low, p.high) }</title>
                    </g> }
                }) }
            </svg>
            <p class="legend muted small"><span>{ t.legend_formula }</span><span>{ t.legend_exact }</span><span>{ t.legend_simulated }</span></p>
        </figure>
    }
}

fn superscript(n: i32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    n.to_string()
        .chars()
        .filter_map(|c| c.to_digit(10).map(|d| DIGITS[d as usize]))
        .collect()
}

/// Sample races as walks of the attacker's lead; a star marks where a race was won.
pub fn walk_chart(t: &Text, z: u32, walks: &[Walk]) -> Html {
    const SPAN: f64 = 12.0;
    // The x axis ends with the longest race drawn, so short races are not squeezed.
    let max = walks
        .iter()
        .map(|w| w.lead.len() - 1)
        .max()
        .unwrap_or(WALK_BLOCKS)
        .max(20) as f64;
    let y = |lead: i64| {
        let lead = (lead as f64).clamp(-SPAN, SPAN);
        TOP + (SPAN - lead) / (2.0 * SPAN) * (H - TOP - BOTTOM)
    };
    html! {
        <figure class="race-walks">
            <figcaption>{ t.walks_title }</figcaption>
            <svg viewBox={format!("0 0 {W} {H}")} role="img" aria-label={t.walks_title}>
                <line class="zero" x1={LEFT.to_string()} x2={(W - RIGHT).to_string()} y1={y(0).to_string()} y2={y(0).to_string()} />
                <text class="tick" x={(LEFT + 4.0).to_string()} y={(y(0) - 6.0).to_string()}>{ t.catch_up_line }</text>
                { for [-12i64, -6, 6, 12].map(|lead| html! {
                    <text class="tick" x={(LEFT - 6.0).to_string()} y={(y(lead) + 4.0).to_string()} text-anchor="end">{ format!("{lead:+}") }</text>
                }) }
                <text class="axis" x={((LEFT + W) / 2.0).to_string()} y={(H - 6.0).to_string()} text-anchor="middle">{ t.walks_axis }</text>
                { for walks.iter().enumerate().map(|(i, walk)| {
                    let points = walk.lead.iter().enumerate()
                        .map(|(b, &lead)| format!("{:.1},{:.1}", x_of(b as f64, max), y(lead)))
                        .collect::<Vec<_>>().join(" ");
                    let end = walk.lead.len() - 1;
                    let (ex, ey) = (x_of(end as f64, max), y(walk.lead[end]));
                    // A label at the right edge would be cut off: put it left of the end.
                    let near_end = ex > W - RIGHT - 40.0;
                    html! { <g class={format!("walk walk-{i}")}>
                        <polyline points={points} />
                        <text x={(if near_end { ex - 4.0 } else { ex + 4.0 }).to_string()} y={(ey - 4.0).to_string()} text-anchor={if near_end { "end" } else { "start" }}>
                            { format!("{}{}", i + 1, if walk.overtaken_at.is_some() { " ★" } else { "" }) }
                        </text>
                    </g> }
                }) }
            </svg>
            <ol class="walk-list" data-testid="race-walks">
                { for walks.iter().map(|walk| {
                    let blocks = walk.overtaken_at.unwrap_or(walk.lead.len() - 1);
                    let pattern = if walk.overtaken_at.is_some() { t.won } else { t.lost };
                    html! { <li>{ fill(pattern, &[("z", &z.to_string()), ("b", &blocks.to_string())]) }</li> }
                }) }
            </ol>
        </figure>
    }
}
