//! The remembered language and the document's `lang` attribute.

use crate::i18n::Lang;

const LANG_KEY: &str = "chainlab.lang";

/// The learner's earlier choice, else the browser's language, else English.
pub fn initial_lang() -> Lang {
    storage()
        .and_then(|storage| storage.get_item(LANG_KEY).ok().flatten())
        // Earlier versions stored the code as a JSON string, quotes included.
        .and_then(|code| Lang::from_code(code.trim_matches('"')))
        .or_else(|| {
            gloo::utils::window()
                .navigator()
                .language()
                .and_then(|code| Lang::from_code(&code))
        })
        .unwrap_or_default()
}

/// Keeps the choice for the next visit. Storage can be unavailable (private modes,
/// blocked third-party storage in an iframe): the switch then still works for this page.
pub fn remember_lang(lang: Lang) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(LANG_KEY, lang.code());
    }
}

/// `localStorage` if the page may use it. Asking can throw (blocked site data), and
/// gloo's storage panics then, which would leave the learner a blank page.
fn storage() -> Option<web_sys::Storage> {
    gloo::utils::window().local_storage().ok().flatten()
}

/// `<html lang>` tells screen readers and fonts which language the page is in.
pub fn set_document_lang(lang: Lang) {
    if let Some(root) = gloo::utils::document().document_element() {
        let _ = root.set_attribute("lang", lang.code());
    }
}
