//! The Byzantine generals: pick the algorithm, the size and the traitors, and read
//! each lieutenant's decision (OM's majority tree, SM's signature chains) and the
//! IC1/IC2 verdict, all from the engine's run.

mod text;

use consensus::generals::{Order, SmRun};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::use_id;
use crate::consensus_view::generals::{self, DecisionNode, Run, chain_label};
use crate::consensus_view::settings::{
    GENERALS_MAX_N, GeneralsAlgorithm, GeneralsSettings, STRATEGIES,
};
use crate::lesson::WaitFor;
use crate::ui::use_lang;
use text::Text;

#[derive(Properties, PartialEq)]
pub struct GeneralsProps {
    pub settings: GeneralsSettings,
    pub on_event: Callback<WaitFor>,
}

#[component]
pub fn GeneralsWidget(props: &GeneralsProps) -> Html {
    let t = text::for_lang(use_lang());
    let id = use_id();
    let settings = use_state(|| props.settings.clone());
    let levels = use_state(|| 1usize);
    let run = generals::run(&settings);
    let violated = matches!(&run, Ok(r) if !(r.verdict().ic1 && r.verdict().ic2));
    {
        let on_event = props.on_event.clone();
        use_effect_with(violated, move |&violated| {
            if violated {
                on_event.emit(WaitFor::GeneralsViolationSeen);
            }
        });
    }

    let update = |change: fn(&mut GeneralsSettings, String)| {
        let settings = settings.clone();
        Callback::from(move |e: Event| {
            let mut next = (*settings).clone();
            change(
                &mut next,
                e.target_unchecked_into::<HtmlSelectElement>().value(),
            );
            settings.set(next);
        })
    };
    let on_algorithm = update(|s, v| {
        s.algorithm = if v == "sm" {
            GeneralsAlgorithm::Sm
        } else {
            GeneralsAlgorithm::Om
        }
    });
    let on_n = update(|s, v| {
        s.n = v.parse().unwrap_or(4);
        s.traitors.retain(|&g| g < s.n);
        s.m = s.m.min(s.n - 2);
    });
    let on_m = update(|s, v| s.m = v.parse().unwrap_or(1));
    let on_strategy = update(|s, v| {
        s.strategy = STRATEGIES[v.parse::<usize>().unwrap_or(0).min(4)].1;
    });
    let on_preset = {
        let (settings, levels) = (settings.clone(), levels.clone());
        Callback::from(move |_: MouseEvent| {
            settings.set(GeneralsSettings {
                algorithm: settings.algorithm,
                n: 3,
                m: 1,
                traitors: vec![2],
                strategy: consensus::generals::Strategy::Flip,
            });
            levels.set(2);
        })
    };
    let traitor_box = |g: usize| {
        let checked = settings.traitors.contains(&g);
        let settings = settings.clone();
        let onchange = Callback::from(move |e: Event| {
            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
            let mut next = (*settings).clone();
            next.traitors.retain(|&t| t != g);
            if on {
                next.traitors.push(g);
                next.traitors.sort_unstable();
            }
            settings.set(next);
        });
        let label = if g == 0 {
            format!("{} 0", t.commander)
        } else {
            format!("{} {g}", t.lieutenant)
        };
        html! {
            <label class="check">
                <input type="checkbox" {checked} {onchange} data-testid={format!("traitor-{g}")} />
                { label }
            </label>
        }
    };
    let strategy_index = STRATEGIES
        .iter()
        .position(|(_, s)| *s == settings.strategy)
        .unwrap_or(0);
    let select = |suffix: &str, label: &str, onchange: Callback<Event>, options: Html| {
        let select_id = format!("{id}-{suffix}");
        html! {
            <div class="field">
                <label for={select_id.clone()}>{ label.to_owned() }</label>
                <select id={select_id} {onchange} data-testid={format!("generals-{suffix}")}>{ options }</select>
            </div>
        }
    };
    let option = |value: String, label: String, selected: bool| html! { <option {value} {selected}>{ label }</option> };

    html! {
        <section class="widget card generals" aria-label={t.title}>
            <div class="generals-controls">
                { select("algorithm", t.algorithm, on_algorithm, html! { <>
                    { option("om".into(), t.om.into(), settings.algorithm == GeneralsAlgorithm::Om) }
                    { option("sm".into(), t.sm.into(), settings.algorithm == GeneralsAlgorithm::Sm) }
                </> }) }
                { select("n", t.generals, on_n, html! { <>{ for (3..=GENERALS_MAX_N).map(|n| option(n.to_string(), n.to_string(), n == settings.n)) }</> }) }
                { select("m", t.rounds, on_m, html! { <>{ for (0..=2.min(settings.n - 2)).map(|m| option(m.to_string(), m.to_string(), m == settings.m)) }</> }) }
                { select("strategy", t.strategy, on_strategy, html! { <>{ for t.strategies.iter().enumerate().map(|(i, s)| option(i.to_string(), (*s).into(), i == strategy_index)) }</> }) }
            </div>
            <fieldset class="traitor-picks">
                <legend>{ t.traitors }</legend>
                { for (0..settings.n).map(traitor_box) }
            </fieldset>
            <button type="button" data-testid="generals-preset" onclick={on_preset}>{ t.preset }</button>
            { match &run {
                Err(error) => html! { <p class="error" role="alert">{ "✗ " }{ error.to_string() }</p> },
                Ok(run) => html! { <>
                    { verdict(&t, run) }
                    { match run {
                        Run::Om(om) => om_trees(&t, &id, &generals::decision_trees(om), &levels),
                        Run::Sm(sm) => sm_table(&t, sm),
                    } }
                </> },
            } }
        </section>
    }
}

fn order_text(t: &Text, order: Order) -> &'static str {
    match order {
        Order::Attack => t.attack,
        Order::Retreat => t.retreat,
    }
}

fn order_icon(order: Order) -> &'static str {
    match order {
        Order::Attack => "⚔",
        Order::Retreat => "↩",
    }
}

fn verdict(t: &Text, run: &Run) -> Html {
    let (setup, v) = (run.setup(), run.verdict());
    let ic2 = match (setup.loyal(0), v.ic2) {
        (false, _) => t.ic2_moot,
        (true, true) => t.ic2_ok,
        (true, false) => t.ic2_bad,
    };
    html! {
        <div class="generals-verdict" aria-live="polite" data-testid="generals-verdict">
            <ul class="decisions">
                <li>{ format!("{} 0 ({}): {} {}", t.commander, if setup.loyal(0) { t.loyal } else { t.traitor }, order_icon(setup.order), order_text(t, setup.order)) }</li>
                { for v.decisions.iter().enumerate().skip(1).map(|(g, d)| {
                    let role = if setup.loyal(g) { t.loyal } else { t.traitor };
                    let decision = d.map(|d| format!("{} {}", order_icon(d), order_text(t, d))).unwrap_or_default();
                    html! { <li class={classes!((!setup.loyal(g)).then_some("traitor"))} data-testid={format!("decision-{g}")}>
                        { format!("{} {g} ({role}) {}: {decision}", t.lieutenant, t.decides) }
                    </li> }
                }) }
            </ul>
            <p class={classes!("ic", if v.ic1 { "ok" } else { "bad" })} data-testid="ic1">{ if v.ic1 { t.ic1_ok } else { t.ic1_bad } }</p>
            <p class={classes!("ic", if v.ic2 { "ok" } else { "bad" })} data-testid="ic2">{ ic2 }</p>
        </div>
    }
}

fn om_trees(
    t: &Text,
    id: &str,
    trees: &[(usize, DecisionNode)],
    levels: &UseStateHandle<usize>,
) -> Html {
    let depth = trees
        .iter()
        .map(|(_, tree)| tree.count_levels())
        .max()
        .unwrap_or(1);
    let shown = (**levels).clamp(1, depth);
    let on_levels = {
        let levels = levels.clone();
        Callback::from(move |e: InputEvent| {
            levels.set(
                e.target_unchecked_into::<HtmlInputElement>()
                    .value()
                    .parse()
                    .unwrap_or(1),
            )
        })
    };
    html! {
        <div class="om-trees">
            <div class="field">
                <label for={format!("{id}-levels")}>{ format!("{}: {shown} / {depth}", t.levels) }</label>
                <input id={format!("{id}-levels")} type="range" min="1" max={depth.to_string()} value={shown.to_string()} oninput={on_levels} data-testid="generals-levels" />
            </div>
            <div class="tree-columns">
                { for trees.iter().map(|(l, tree)| html! {
                    <div class="decision-tree" data-testid={format!("tree-{l}")}>
                        <h2>{ format!("{} {l}", t.tree_of) }</h2>
                        <ul>{ tree_node(t, tree, shown, 1) }</ul>
                    </div>
                }) }
            </div>
        </div>
    }
}

/// "3 says 2 said 0 said retreat", read from the end of the path back to the commander.
fn node_label(t: &Text, node: &DecisionNode) -> String {
    let mut senders = node.path.iter().rev();
    let first = senders
        .next()
        .map(|s| format!("{s} {}", t.says))
        .unwrap_or_default();
    let rest: Vec<String> = senders.map(|s| format!("{s} {}", t.said)).collect();
    let mut parts = vec![first];
    parts.extend(rest);
    format!(
        "{} {} {}",
        parts.join(" "),
        order_icon(node.received),
        order_text(t, node.received)
    )
}

fn tree_node(t: &Text, node: &DecisionNode, shown: usize, level: usize) -> Html {
    let children = level < shown && !node.children.is_empty();
    let (attack, retreat) = node.votes();
    html! {
        <li>
            <span class="said">{ node_label(t, node) }</span>
            if children {
                <span class="majority" data-testid="majority">
                    { format!(" → {} ({} {attack} : {} {retreat}) = {} {}", t.majority, t.attack, t.retreat, order_icon(node.resolved), order_text(t, node.resolved)) }
                </span>
                <ul>{ for node.children.iter().map(|c| tree_node(t, c, shown, level + 1)) }</ul>
            }
        </li>
    }
}

fn sm_table(t: &Text, sm: &SmRun) -> Html {
    html! {
        <div class="sm-run">
            <table class="sm-messages" data-testid="sm-messages">
                <caption>{ format!("{} {}", sm.messages.len(), t.messages) }</caption>
                <thead><tr><th>{ t.round }</th><th>{ t.to }</th><th>{ t.chain }</th><th>{ t.signatures }</th></tr></thead>
                <tbody>
                    { for sm.messages.iter().map(|m| html! {
                        <tr class={classes!((!m.valid).then_some("forged"))}>
                            <td>{ m.round }</td>
                            <td>{ format!("{} {}", t.lieutenant, m.to) }</td>
                            <td><code>{ chain_label(&m.order, t.attack, t.retreat) }</code></td>
                            <td>{ if m.valid { t.valid } else { t.forged } }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <ul class="accepted">
                { for sm.accepted.iter().enumerate().skip(1).map(|(g, orders)| html! {
                    <li>{ format!("{} {g}, {}: {{{}}}", t.lieutenant, t.accepted, orders.iter().map(|o| order_text(t, *o)).collect::<Vec<_>>().join(", ")) }</li>
                }) }
            </ul>
        </div>
    }
}
