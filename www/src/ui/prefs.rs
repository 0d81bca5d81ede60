//! The remembered language and the document's `lang` attribute.

use gloo::storage::{LocalStorage, Storage};

use crate::i18n::Lang;

const LANG_KEY: &str = "chainlab.lang";

/// The learner's earlier choice, else the browser's language, else English.
pub fn initial_lang() -> Lang {
    LocalStorage::get::<String>(LANG_KEY)
        .ok()
        .and_then(|code| Lang::from_code(&code))
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
    let _ = LocalStorage::set(LANG_KEY, lang.code());
}

/// `<html lang>` tells screen readers and fonts which language the page is in.
pub fn set_document_lang(lang: Lang) {
    if let Some(root) = gloo::utils::document().document_element() {
        let _ = root.set_attribute("lang", lang.code());
    }
}
