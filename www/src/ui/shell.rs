//! The app chrome and the simple pages: header with the language switch, the lesson
//! list, and "not found".

use web_sys::HtmlSelectElement;
use yew::prelude::*;
use yew_router::prelude::*;

use super::{Route, use_lang};
use crate::i18n::{Lang, fill};
use crate::lessons::LESSONS;

#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    pub on_lang: Callback<Lang>,
}

/// The header every app page has (embeds have none).
#[component]
pub fn Header(props: &HeaderProps) -> Html {
    let lang = use_lang();
    let s = lang.strings();
    let onchange = props.on_lang.reform(move |event: Event| {
        let code = event.target_unchecked_into::<HtmlSelectElement>().value();
        Lang::from_code(&code).unwrap_or(lang)
    });
    html! {
        <header class="app-header" data-testid="app-header">
            <a class="skip-link" href="#main">{ s.skip_to_content }</a>
            <Link<Route> to={Route::LangHome { lang: lang.code().into() }} classes="brand">
                <img class="brand-mark" src="/static/favicon.svg" alt="" width="32" height="32" />
                { "ChainLab" }
            </Link<Route>>
            <label class="lang-switch">
                <span class="visually-hidden">{ s.language }</span>
                <span aria-hidden="true" class="lang-icon">{ "文A" }</span>
                <select aria-label={s.language} {onchange}>
                    { for Lang::ALL.iter().map(|&option| html! {
                        <option value={option.code()} selected={option == lang} lang={option.code()}>
                            { option.native_name() }
                        </option>
                    }) }
                </select>
            </label>
        </header>
    }
}

/// The list of lessons that exist.
#[component]
pub fn Home() -> Html {
    let lang = use_lang();
    let s = lang.strings();
    html! {
        <>
            <section class="hero">
                <h1>{ "ChainLab" }</h1>
                <p class="lead">{ s.tagline }</p>
            </section>
            <section aria-labelledby="lessons-heading">
                <h2 id="lessons-heading">{ s.lessons }</h2>
                <p class="muted">{ s.lessons_intro }</p>
                <super::progress::ProgressScope>
                    <ol class="lesson-list">
                        { for LESSONS.iter().enumerate().map(|(index, source)| lesson_card(lang, index, source)) }
                    </ol>
                    <super::progress::ProgressControls />
                </super::progress::ProgressScope>
            </section>
            <section aria-labelledby="classroom-heading">
                <h2 id="classroom-heading">{ s.classroom }</h2>
                <p class="muted">{ s.classroom_intro }</p>
                <ul class="lesson-list">
                    { classroom_card("⛏", Route::Class, s.join_class, s.join_class_hint) }
                    { classroom_card("★", Route::Teach, s.teach_class, s.teach_class_hint) }
                </ul>
            </section>
        </>
    }
}

fn lesson_card(lang: Lang, index: usize, source: &crate::lessons::LessonSource) -> Html {
    let s = lang.strings();
    let route = Route::Lesson {
        lang: lang.code().into(),
        id: source.id.into(),
    };
    match source.parse(lang) {
        Ok(lesson) => html! {
            <li class="card lesson-card">
                <span class="lesson-number" aria-hidden="true">{ index + 1 }</span>
                <div>
                    <h3><Link<Route> to={route}>{ &lesson.title }</Link<Route>></h3>
                    <p>{ &lesson.summary }</p>
                    <p class="muted">{ fill(s.step_count, &[("n", &lesson.steps.len().to_string())]) }</p>
                    <super::progress::LessonBadge id={source.id} total={lesson.steps.len()} />
                </div>
            </li>
        },
        Err(error) => html! {
            <li class="card error" role="alert">{ format!("{}: {error}", source.id) }</li>
        },
    }
}

/// A way into the classroom, drawn like a lesson card with an icon for its number.
fn classroom_card(icon: &'static str, route: Route, title: &str, hint: &str) -> Html {
    html! {
        <li class="card lesson-card">
            <span class="lesson-number" aria-hidden="true">{ icon }</span>
            <div>
                <h3><Link<Route> to={route}>{ title }</Link<Route>></h3>
                <p>{ hint }</p>
            </div>
        </li>
    }
}

/// Shown for any address the app does not know.
#[component]
pub fn NotFound() -> Html {
    let lang = use_lang();
    let s = lang.strings();
    html! {
        <section class="card narrow">
            <h1>{ s.not_found }</h1>
            <p>{ s.not_found_body }</p>
            <Link<Route> to={Route::LangHome { lang: lang.code().into() }}>{ s.go_home }</Link<Route>>
        </section>
    }
}
