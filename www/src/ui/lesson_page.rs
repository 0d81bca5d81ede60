//! The lesson player: one step per URL, Back/Next buttons and arrow keys, and steps
//! that wait for the learner to do something before Continue appears.

use std::collections::HashSet;

use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;
use yew_router::prelude::*;

use super::widgets::WidgetView;
use super::{Route, shell::NotFound, use_lang};
use crate::i18n::fill;
use crate::lesson::{Block, Inline, Step, WaitFor};
use crate::lessons;

#[derive(Properties, PartialEq)]
pub struct LessonPageProps {
    pub id: AttrValue,
    /// 1-based, as in the URL.
    pub step: usize,
}

#[component]
pub fn LessonPage(props: &LessonPageProps) -> Html {
    let lang = use_lang();
    let s = lang.strings();
    let id = props.id.clone();
    let lesson = use_memo((id.clone(), lang), |(id, lang)| {
        lessons::find(id).map(|source| source.parse(*lang))
    });
    // Steps whose wait is satisfied, remembered while the lesson is open so that going
    // Back and forth does not make the learner mine again.
    let done = use_state({
        let id = id.clone();
        move || HashSet::from_iter(super::progress::completed_waits(&id))
    });
    let navigator = use_navigator();
    let heading = use_node_ref();

    let steps: &[Step] = match lesson.as_ref() {
        Some(Ok(lesson)) => &lesson.steps,
        _ => &[],
    };
    let step_count = steps.len();
    let index = props.step;
    let wait = steps.get(index.wrapping_sub(1)).and_then(|step| step.wait);
    let can_continue = wait.is_none() || done.contains(&index);
    let storage_problem = super::progress::use_record_progress(&id, index, steps, &done);
    let go = {
        let id = id.clone();
        Callback::from(move |step: usize| {
            if let Some(nav) = &navigator {
                nav.push(&Route::LessonStep {
                    lang: lang.code().into(),
                    id: id.to_string(),
                    step,
                });
            }
        })
    };

    use_effect_with(index, {
        let heading = heading.clone();
        move |_| {
            if let Some(el) = heading.cast::<HtmlElement>() {
                let _ = el.focus();
            }
        }
    });

    use_effect_with((index, step_count, can_continue), {
        let go = go.clone();
        move |&(index, count, can_continue)| {
            let listener = EventListener::new(&gloo::utils::document(), "keydown", move |event| {
                let Some(event) = event.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                if event.alt_key()
                    || event.ctrl_key()
                    || event.meta_key()
                    || typing_in_a_field(event)
                {
                    return;
                }
                match event.key().as_str() {
                    "ArrowLeft" if index > 1 => go.emit(index - 1),
                    "ArrowRight" if index < count && can_continue => go.emit(index + 1),
                    _ => {}
                }
            });
            move || drop(listener)
        }
    });

    let lesson = match lesson.as_ref() {
        None => return html! { <NotFound /> },
        Some(Err(error)) => {
            return html! { <section class="card error" role="alert"><pre>{ error.to_string() }</pre></section> };
        }
        Some(Ok(lesson)) => lesson,
    };
    let Some(step) = steps.get(index.wrapping_sub(1)) else {
        return html! { <NotFound /> };
    };

    let on_event = {
        let done = done.clone();
        Callback::from(move |event: WaitFor| {
            if wait == Some(event) && !done.contains(&index) {
                let mut set = (*done).clone();
                set.insert(index);
                done.set(set);
            }
        })
    };
    let back = go.reform(move |_: MouseEvent| index - 1);
    let next = go.reform(move |_: MouseEvent| index + 1);
    let position = fill(
        s.step_of,
        &[
            ("n", &index.to_string()),
            ("total", &step_count.to_string()),
        ],
    );
    let home = Route::LangHome {
        lang: lang.code().into(),
    };

    html! {
        <article class="lesson">
            <nav class="lesson-top" aria-label={lesson.title.clone()}>
                <Link<Route> to={home.clone()} classes="muted">{ "← " }{ s.all_lessons }</Link<Route>>
                <span class="lesson-title">{ &lesson.title }</span>
            </nav>
            <div class="step-progress" aria-hidden="true">
                { for (1..=step_count).map(|n| html! {
                    <span class={classes!("dot", (n <= index).then_some("reached"))}></span>
                }) }
            </div>
            <p class="muted step-position">{ position }</p>
            <super::progress::StorageWarning message={storage_problem} />
            <h1 ref={heading} tabindex="-1" class="step-title">{ &step.title }</h1>
            { step_body(step, index, &on_event) }
            <nav class="step-nav" aria-label={s.steps_nav}>
                if index > 1 {
                    <button type="button" class="secondary" onclick={back}>{ "← " }{ s.back }</button>
                } else {
                    <span></span>
                }
                if !can_continue {
                    <p class="waiting" role="status">{ s.waiting }</p>
                } else if index < step_count {
                    <button type="button" class="primary" onclick={next}>
                        { if wait.is_some() { s.continue_ } else { s.next } }{ " →" }
                    </button>
                } else {
                    <Link<Route> to={home} classes="button primary">{ s.finish }{ " ✓" }</Link<Route>>
                }
            </nav>
            <p class="muted keys-hint">{ s.keys_hint }</p>
        </article>
    }
}

/// Arrow keys move the caret inside inputs; only page-level presses change steps.
fn typing_in_a_field(event: &KeyboardEvent) -> bool {
    event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
}

fn step_body(step: &Step, index: usize, on_event: &Callback<WaitFor>) -> Html {
    html! {
        <>{ for step.blocks.iter().enumerate().map(|(n, block)| match block {
            Block::Paragraph(inlines) => html! { <p>{ render_inlines(inlines) }</p> },
            Block::List(items) => html! {
                <ul>{ for items.iter().map(|item| html! { <li>{ render_inlines(item) }</li> }) }</ul>
            },
            Block::Widget(widget) => html! {
                <WidgetView key={format!("{index}-{n}")} widget={widget.clone()} on_event={on_event.clone()} />
            },
        }) }</>
    }
}

fn render_inlines(inlines: &[Inline]) -> Html {
    html! {
        <>{ for inlines.iter().map(|inline| match inline {
            Inline::Text(text) => html! { { text } },
            Inline::Strong(text) => html! { <strong>{ text }</strong> },
            Inline::Code(text) => html! { <code>{ text }</code> },
        }) }</>
    }
}
