//! A widget alone on a page, configured by its query string, for iframes in course
//! pages (`/embed/block?difficulty=16&lang=zh`). It tells the parent page its height
//! so the iframe can fit it without a scrollbar.

use gloo::utils::window;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::{ResizeObserver, ResizeObserverEntry};
use yew::prelude::*;

use super::use_lang;
use super::widgets::WidgetView;
use crate::widget::Widget;

pub use crate::query::parse as parse_query;

#[derive(Properties, PartialEq)]
pub struct EmbedPageProps {
    pub name: AttrValue,
    pub query: Vec<(String, String)>,
}

#[component]
pub fn EmbedPage(props: &EmbedPageProps) -> Html {
    let lang = use_lang();
    let s = lang.strings();
    let root = use_node_ref();
    use_effect_with(root.clone(), |root| {
        let observer = root
            .cast::<web_sys::Element>()
            .and_then(|element| observe_height(&element));
        move || {
            if let Some((observer, _callback)) = observer {
                observer.disconnect();
            }
        }
    });
    let widget = Widget::from_params(
        props.name.as_str(),
        props.query.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    html! {
        <main class="embed" ref={root}>
            { match widget {
                Ok(widget) => {
                    let on_event = super::progress::post_progress(widget.name(), lang);
                    // Screen readers land on the frame's one heading: which lab widget this is.
                    let heading = format!("ChainLab: {}", widget.name());
                    html! {
                        <>
                            <h1 class="visually-hidden">{ heading }</h1>
                            <WidgetView {widget} {on_event} />
                        </>
                    }
                }
                Err(error) => html! {
                    <section class="card error" role="alert">
                        <h1>{ s.widget_error }</h1>
                        <p>{ error.to_string() }</p>
                    </section>
                },
            } }
        </main>
    }
}

type HeightCallback = Closure<dyn FnMut(Array)>;

/// Posts the height now and whenever it changes, in the message shapes that plain
/// pages and Canvas LMS listen for.
fn observe_height(element: &web_sys::Element) -> Option<(ResizeObserver, HeightCallback)> {
    let callback: HeightCallback = Closure::new(|entries: Array| {
        if let Some(entry) = entries.get(0).dyn_ref::<ResizeObserverEntry>() {
            post_height(entry.target().get_bounding_client_rect().height().ceil());
        }
    });
    let observer = ResizeObserver::new(callback.as_ref().unchecked_ref()).ok()?;
    observer.observe(element);
    Some((observer, callback))
}

fn post_height(height: f64) {
    let parent = match window().parent() {
        Ok(Some(parent)) => parent,
        _ => return,
    };
    for (key, value) in [("type", "chainlab:resize"), ("subject", "lti.frameResize")] {
        let message = Object::new();
        let _ = Reflect::set(&message, &key.into(), &value.into());
        let _ = Reflect::set(&message, &"height".into(), &height.into());
        let _ = parent.post_message(&message, "*");
    }
}
