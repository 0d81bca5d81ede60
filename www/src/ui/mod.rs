//! The browser interface: routes, the app shell, the lesson player and the widgets.

pub mod classroom;
mod embed;
/// The instructor's pages live beside the student's under `classroom/`.
#[path = "classroom/instructor/mod.rs"]
mod instructor;
mod lesson_page;
mod miner;
mod prefs;
mod progress;
mod shell;
mod widgets;

use yew::prelude::*;
use yew_router::prelude::*;

use crate::i18n::Lang;

/// Every page of the app. The server answers any extension-less path with
/// `index.html`, so each of these is a deep link.
#[derive(Clone, Debug, PartialEq, Routable)]
pub enum Route {
    #[at("/")]
    Home,
    #[at("/:lang")]
    LangHome { lang: String },
    #[at("/:lang/lesson/:id")]
    Lesson { lang: String, id: String },
    #[at("/:lang/lesson/:id/:step")]
    LessonStep {
        lang: String,
        id: String,
        step: usize,
    },
    #[at("/embed/:name")]
    Embed { name: String },
    /// The student's join form (and practice on this computer).
    #[at("/class")]
    Class,
    /// A student's tab in room `code` (`local`: this browser's tabs).
    #[at("/class/:code")]
    ClassRoom { code: String },
    /// The instructor creates a room.
    #[at("/teach")]
    Teach,
    /// The class dashboard of room `code`.
    #[at("/teach/:code")]
    TeachRoom { code: String },
    #[not_found]
    #[at("/404")]
    NotFound,
}

impl Route {
    /// The language the URL names, if it names one.
    fn lang(&self) -> Option<Lang> {
        match self {
            Route::LangHome { lang }
            | Route::Lesson { lang, .. }
            | Route::LessonStep { lang, .. } => Lang::from_code(lang),
            _ => None,
        }
    }

    /// The same page in another language, for routes whose URL carries one.
    fn in_lang(&self, new: Lang) -> Option<Route> {
        let lang = new.code().to_owned();
        match self.clone() {
            Route::LangHome { .. } => Some(Route::LangHome { lang }),
            Route::Lesson { id, .. } => Some(Route::Lesson { lang, id }),
            Route::LessonStep { id, step, .. } => Some(Route::LessonStep { lang, id, step }),
            _ => None,
        }
    }
}

/// The app: a router around [`Main`].
#[component]
pub fn App() -> Html {
    html! {
        <BrowserRouter>
            <Main />
        </BrowserRouter>
    }
}

/// Picks the language (URL first, then the embed's `lang=`, then the remembered
/// choice) and renders either an embed or the full app with its header.
#[component]
fn Main() -> Html {
    let route = use_route::<Route>().unwrap_or(Route::NotFound);
    let location = use_location();
    let remembered = use_state(prefs::initial_lang);
    let query = location
        .as_ref()
        .map(|l| embed::parse_query(l.query_str()))
        .unwrap_or_default();
    let query_lang = query
        .iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::from_code(v));
    let lang = route.lang().or(query_lang).unwrap_or(*remembered);
    use_effect_with(lang, |lang| prefs::set_document_lang(*lang));

    let navigator = use_navigator();
    let on_lang = {
        let route = route.clone();
        let remembered = remembered.clone();
        Callback::from(move |new: Lang| {
            prefs::remember_lang(new);
            remembered.set(new);
            if let (Some(nav), Some(target)) = (&navigator, route.in_lang(new)) {
                nav.push(&target);
            }
        })
    };

    let page = match route {
        Route::Embed { name } => {
            return html! {
                <ContextProvider<Lang> context={lang}>
                    <embed::EmbedPage {name} {query} />
                </ContextProvider<Lang>>
            };
        }
        Route::Home => html! { <shell::Home /> },
        Route::Class => html! { <classroom::student::JoinPage /> },
        Route::ClassRoom { code } => html! { <classroom::student::ClassPage {code} /> },
        Route::Teach => html! { <instructor::TeachPage /> },
        Route::TeachRoom { code } => html! { <instructor::DashboardPage {code} /> },
        Route::LangHome { .. } if route.lang().is_some() => html! { <shell::Home /> },
        Route::Lesson { id, .. } if route.lang().is_some() => {
            html! { <lesson_page::LessonPage {id} step={1} /> }
        }
        Route::LessonStep { id, step, .. } if route.lang().is_some() => {
            html! { <lesson_page::LessonPage {id} {step} /> }
        }
        _ => html! { <shell::NotFound /> },
    };
    html! {
        <ContextProvider<Lang> context={lang}>
            <shell::Header {on_lang} />
            <main id="main" class="page">{ page }</main>
        </ContextProvider<Lang>>
    }
}

/// The current language, from the nearest provider.
#[hook]
fn use_lang() -> Lang {
    use_context::<Lang>().unwrap_or_default()
}
