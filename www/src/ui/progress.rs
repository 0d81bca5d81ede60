//! Learner progress in the browser: kept in `localStorage`, shown on the home page,
//! exported to and imported from a file, and reported to a page that embeds a widget.
//!
//! Storage can be missing (private windows, third-party storage blocked in an iframe)
//! or hold something unreadable; both are said on screen, because progress that
//! silently vanishes is worse than progress never kept.

use std::collections::{BTreeSet, HashSet};
use std::rc::Rc;

use gloo::file::callbacks::{FileReader, read_as_text};
use gloo::file::{Blob, File, ObjectUrl};
use gloo::utils::{document, window};
use js_sys::{Object, Reflect};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement};
use yew::prelude::*;

use super::use_lang;
use crate::i18n::{Lang, fill};
use crate::lesson::{Step, WaitFor};
use crate::progress::{MergeOutcome, Progress, STORAGE_KEY};

/// Where unreadable stored progress is moved before anything new is saved, so that
/// a learner (or a teacher helping) can still recover it by hand.
const UNREADABLE_KEY: &str = "chainlab.progress.unreadable";

/// This module's interface strings, in both languages.
struct Strings {
    heading: &'static str,
    not_started: &'static str,
    reached: &'static str,
    completed: &'static str,
    export: &'static str,
    import: &'static str,
    explain: &'static str,
    no_storage: &'static str,
    unreadable: &'static str,
    save_failed: &'static str,
    imported: &'static str,
    import_refused: &'static str,
    read_failed: &'static str,
}

const EN: Strings = Strings {
    heading: "Your progress",
    not_started: "Not started",
    reached: "Step {n} of {total} reached",
    completed: "Completed",
    export: "Save progress to a file",
    import: "Load progress from a file",
    explain: "Progress is kept in this browser only. Save it to a file to keep it safe or to carry it to another computer; loading a file adds to what is here and never removes anything.",
    no_storage: "This browser is not letting ChainLab store anything (a private window, or storage blocked for this site), so your progress will be lost when you close the page. Save it to a file before you leave.",
    unreadable: "The progress stored in this browser could not be read ({error}). It was set aside, not deleted; progress starts again from here.",
    save_failed: "Your latest progress could not be saved in this browser. Save it to a file to keep it.",
    imported: "Loaded. New lessons: {added}; further along: {advanced}; already up to date: {unchanged}.",
    import_refused: "Nothing was loaded: {error}.",
    read_failed: "Nothing was loaded: the file could not be read ({error}).",
};

const ZH: Strings = Strings {
    heading: "你的学习进度",
    not_started: "尚未开始",
    reached: "已学到第 {n} 步，共 {total} 步",
    completed: "已完成",
    export: "把进度保存为文件",
    import: "从文件载入进度",
    explain: "学习进度只保存在这个浏览器里。保存为文件可以防止丢失，也可以带到另一台电脑上；载入文件只会补充这里已有的进度，不会删除任何内容。",
    no_storage: "这个浏览器不允许 ChainLab 保存数据（可能是无痕窗口，或本网站的存储被禁用），关闭页面后进度就会丢失。离开前请先把进度保存为文件。",
    unreadable: "无法读取这个浏览器里保存的进度（{error}）。旧数据已另外保留，没有删除；进度将从现在重新记录。",
    save_failed: "最新的进度没能保存到这个浏览器里。请把进度保存为文件。",
    imported: "已载入：新增 {added} 节课，{advanced} 节课的进度向前推进，{unchanged} 节课本来就是最新的。",
    import_refused: "没有载入任何内容：{error}。",
    read_failed: "没有载入任何内容：无法读取这个文件（{error}）。",
};

fn strings(lang: Lang) -> &'static Strings {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

/// Why the browser is not keeping progress right now.
#[derive(Debug, Clone, PartialEq)]
enum StorageProblem {
    Unavailable,
    Unreadable(String),
    SaveFailed,
}

/// The progress as loaded, and what went wrong keeping it, if anything.
#[derive(Debug, Clone, PartialEq)]
struct Saved {
    progress: Rc<Progress>,
    problem: Option<StorageProblem>,
}

/// `localStorage`, if this page may use it: the probe write catches browsers that
/// hand out a storage object and then refuse every write.
fn storage() -> Option<web_sys::Storage> {
    let storage = window().local_storage().ok().flatten()?;
    let probe = "chainlab.probe";
    storage.set_item(probe, "1").ok()?;
    storage.remove_item(probe).ok()?;
    Some(storage)
}

fn load() -> Saved {
    let Some(storage) = storage() else {
        return Saved {
            progress: Rc::default(),
            problem: Some(StorageProblem::Unavailable),
        };
    };
    let text = storage.get_item(STORAGE_KEY).ok().flatten();
    match text.as_deref().map(Progress::from_storage) {
        None => Saved {
            progress: Rc::default(),
            problem: None,
        },
        Some(Ok(progress)) => Saved {
            progress: Rc::new(progress),
            problem: None,
        },
        Some(Err(error)) => {
            let _ = storage.set_item(UNREADABLE_KEY, text.as_deref().unwrap_or_default());
            let _ = storage.remove_item(STORAGE_KEY);
            Saved {
                progress: Rc::default(),
                problem: Some(StorageProblem::Unreadable(error.to_string())),
            }
        }
    }
}

fn save(progress: &Progress) -> Option<StorageProblem> {
    let Some(storage) = storage() else {
        return Some(StorageProblem::Unavailable);
    };
    storage
        .set_item(STORAGE_KEY, &progress.to_storage())
        .err()
        .map(|_| StorageProblem::SaveFailed)
}

/// Reads, changes and saves the stored progress in one go, so two tabs of the lab
/// never overwrite each other's steps with an older copy.
fn update(change: impl FnOnce(&mut Progress) -> bool) -> Saved {
    let mut saved = load();
    let mut progress = (*saved.progress).clone();
    if change(&mut progress) && saved.problem.is_none() {
        saved.problem = save(&progress);
    }
    saved.progress = Rc::new(progress);
    saved
}

/// Waits already done in this lesson, so a returning learner need not mine again.
pub fn completed_waits(id: &str) -> BTreeSet<usize> {
    load()
        .progress
        .lesson(id)
        .map(|lesson| lesson.waits.clone())
        .unwrap_or_default()
}

/// Records the step on screen, the waits done and, once the learner stands on the
/// last step with every wait done, the lesson as finished. Returns the storage
/// problem to show, if any.
#[hook]
pub fn use_record_progress(
    id: &str,
    index: usize,
    steps: &[Step],
    done: &HashSet<usize>,
) -> Option<String> {
    let lang = use_lang();
    let problem = use_state(|| None::<StorageProblem>);
    let waits: Vec<usize> = (1..=steps.len())
        .filter(|&n| steps[n - 1].wait.is_some())
        .collect();
    // Only this lesson's wait steps: the player's set could outlive a change of lesson.
    let mut done: Vec<usize> = done.iter().copied().filter(|n| waits.contains(n)).collect();
    done.sort_unstable();
    let total = steps.len();
    use_effect_with((id.to_owned(), index, total, done), {
        let problem = problem.clone();
        move |(id, index, total, done)| {
            if (1..=*total).contains(index) {
                let saved = update(|progress| {
                    let mut changed = progress.reach(id, *index);
                    for &step in done {
                        changed |= progress.complete_wait(id, step);
                    }
                    if index == total && waits.iter().all(|w| done.contains(w)) {
                        changed |= progress.finish(id, js_sys::Date::now() as u64);
                    }
                    changed
                });
                problem.set(saved.problem);
            }
        }
    });
    (*problem).as_ref().map(|p| describe(lang, p))
}

fn describe(lang: Lang, problem: &StorageProblem) -> String {
    let t = strings(lang);
    match problem {
        StorageProblem::Unavailable => t.no_storage.into(),
        StorageProblem::Unreadable(error) => fill(t.unreadable, &[("error", error)]),
        StorageProblem::SaveFailed => t.save_failed.into(),
    }
}

#[derive(Properties, PartialEq)]
pub struct StorageWarningProps {
    pub message: Option<String>,
}

/// A visible, announced warning that progress is not being kept.
#[component]
pub fn StorageWarning(props: &StorageWarningProps) -> Html {
    match &props.message {
        Some(message) => html! {
            <p class="progress-warning" role="alert">
                <span aria-hidden="true">{ "⚠ " }</span>{ message }
            </p>
        },
        None => html! {},
    }
}

type SavedHandle = UseStateHandle<Saved>;

#[derive(Properties, PartialEq)]
pub struct ProgressScopeProps {
    pub children: Html,
}

/// Loads the progress once for a page and shares it with the badges and controls
/// inside, so an import updates every badge at once.
#[component]
pub fn ProgressScope(props: &ProgressScopeProps) -> Html {
    let saved = use_state(load);
    html! {
        <ContextProvider<SavedHandle> context={saved}>
            { props.children.clone() }
        </ContextProvider<SavedHandle>>
    }
}

#[derive(Properties, PartialEq)]
pub struct LessonBadgeProps {
    pub id: AttrValue,
    pub total: usize,
}

/// "Step 3 of 6 reached" or "✓ Completed" under a lesson on the home page.
#[component]
pub fn LessonBadge(props: &LessonBadgeProps) -> Html {
    let lang = use_lang();
    let t = strings(lang);
    let Some(saved) = use_context::<SavedHandle>() else {
        return html! {};
    };
    let standing = saved.progress.standing(&props.id, props.total);
    let (class, icon, text) = if standing.completed {
        ("done", "✓", t.completed.to_owned())
    } else if standing.reached == 0 {
        ("new", "○", t.not_started.to_owned())
    } else {
        let n = standing.reached.to_string();
        let total = standing.total.to_string();
        (
            "started",
            "◐",
            fill(t.reached, &[("n", &n), ("total", &total)]),
        )
    };
    html! {
        <p class={classes!("lesson-progress", class)} data-testid="lesson-progress">
            <span aria-hidden="true" class="progress-icon">{ icon }</span>
            { " " }{ text }
        </p>
    }
}

/// What became of the last file the learner chose; the file is named so that a
/// learner who loads several in a row knows which one the message is about.
struct ImportResult {
    ok: bool,
    file: String,
    text: String,
}

/// Export and import buttons, the storage warning and the import result.
#[component]
pub fn ProgressControls() -> Html {
    let lang = use_lang();
    let t = strings(lang);
    let saved = use_context::<SavedHandle>();
    let message = use_state(|| None::<ImportResult>);
    let reader = use_mut_ref(|| None::<FileReader>);
    let Some(saved) = saved else {
        return html! {};
    };
    let export = {
        let progress = saved.progress.clone();
        Callback::from(move |_: MouseEvent| download(&progress))
    };
    let import = {
        let saved = saved.clone();
        let message = message.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            input.set_value("");
            message.set(None);
            let saved = saved.clone();
            let message = message.clone();
            let file = File::from(file);
            let name = file.name();
            let task = read_as_text(&file, move |text| {
                let (ok, text) = match text {
                    Ok(text) => import_text(lang, &text, &saved),
                    Err(error) => (false, fill(t.read_failed, &[("error", &error.to_string())])),
                };
                message.set(Some(ImportResult {
                    ok,
                    file: name,
                    text,
                }));
            });
            *reader.borrow_mut() = Some(task);
        })
    };
    let problem = saved.problem.as_ref().map(|p| describe(lang, p));
    html! {
        <section class="card progress-panel" aria-labelledby="progress-heading">
            <h2 id="progress-heading">{ t.heading }</h2>
            <StorageWarning message={problem} />
            <p class="muted">{ t.explain }</p>
            <div class="progress-actions">
                <button type="button" class="secondary" onclick={export}>
                    <span aria-hidden="true">{ "⤓ " }</span>{ t.export }
                </button>
                <label class="button secondary file-button">
                    <span aria-hidden="true">{ "⤒ " }</span>{ t.import }
                    <input type="file" accept="application/json,.json" class="visually-hidden"
                        data-testid="progress-import" onchange={import} />
                </label>
            </div>
            <div role="status" aria-live="polite" class="progress-result">
                { for message.as_ref().map(|result| html! {
                    <p class={if result.ok { "ok" } else { "bad" }}>
                        <span aria-hidden="true">{ if result.ok { "✓ " } else { "✗ " } }</span>
                        <strong>{ &result.file }</strong>{ " — " }{ &result.text }
                    </p>
                }) }
            </div>
        </section>
    }
}

/// Validates and merges a file; the result message and whether it succeeded.
fn import_text(lang: Lang, text: &str, saved: &SavedHandle) -> (bool, String) {
    let t = strings(lang);
    match Progress::import(text) {
        Err(error) => (
            false,
            fill(t.import_refused, &[("error", &error.to_string())]),
        ),
        Ok(theirs) => {
            let mut outcome = MergeOutcome::default();
            let merged = update(|progress| {
                outcome = progress.merge(theirs);
                outcome.added + outcome.advanced > 0
            });
            let (added, advanced, unchanged) = (
                outcome.added.to_string(),
                outcome.advanced.to_string(),
                outcome.unchanged.to_string(),
            );
            saved.set(merged);
            (
                true,
                fill(
                    t.imported,
                    &[
                        ("added", &added),
                        ("advanced", &advanced),
                        ("unchanged", &unchanged),
                    ],
                ),
            )
        }
    }
}

/// Offers the progress as `chainlab-progress-YYYY-MM-DD.json`.
fn download(progress: &Progress) {
    let now = js_sys::Date::new_0();
    let date: String = now.to_iso_string().as_string().unwrap_or_default();
    let name = format!(
        "chainlab-progress-{}.json",
        date.get(..10).unwrap_or("export")
    );
    let blob = Blob::new_with_options(
        progress.export(now.get_time() as u64).as_str(),
        Some("application/json"),
    );
    let url = ObjectUrl::from(blob);
    let Ok(link) = document().create_element("a") else {
        return;
    };
    let _ = link.set_attribute("href", &url);
    let _ = link.set_attribute("download", &name);
    if let Ok(link) = link.dyn_into::<HtmlElement>() {
        link.click();
    }
}

/// The name a lesson file gives an event (`nonce-found` for `NonceFound`): deriving it
/// from the variant keeps every event a widget reports, including ones added later,
/// without a second list to keep in step with the lesson format.
fn event_name(event: WaitFor) -> String {
    let mut name = String::new();
    for (i, c) in format!("{event:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('-');
        }
        name.push(c.to_ascii_lowercase());
    }
    name
}

/// What an embedded widget reports to its parent page when the learner completes
/// something: `{type: 'chainlab:progress', widget, event, lang}`.
pub fn post_progress(widget: &'static str, lang: Lang) -> Callback<WaitFor> {
    Callback::from(move |event: WaitFor| {
        let Ok(Some(parent)) = window().parent() else {
            return;
        };
        let message = Object::new();
        for (key, value) in [
            ("type", "chainlab:progress"),
            ("widget", widget),
            ("event", event_name(event).as_str()),
            ("lang", lang.code()),
        ] {
            let _ = Reflect::set(&message, &key.into(), &value.into());
        }
        let _ = parent.post_message(&message, "*");
    })
}
