//! A key-value store in IndexedDB for saved chains: bytes under a string key.
//!
//! IndexedDB's API is callbacks on requests; each call here wraps one request in a
//! promise and awaits it, which is all a snapshot store needs.

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

const DATABASE: &str = "chainlab-classroom";
const STORE: &str = "snapshots";

/// The open database.
#[derive(Clone)]
pub struct Store {
    db: IdbDatabase,
}

impl Store {
    pub async fn open() -> Result<Self, String> {
        let factory = web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .ok_or("this browser offers no IndexedDB (private mode?)")?;
        let request = factory.open_with_u32(DATABASE, 1).map_err(describe)?;
        let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let db = event
                .target()
                .and_then(|t| t.dyn_into::<IdbOpenDbRequest>().ok())
                .and_then(|r| r.result().ok())
                .and_then(|r| r.dyn_into::<IdbDatabase>().ok());
            if let Some(db) = db
                && !db.object_store_names().contains(STORE)
            {
                let _ = db.create_object_store(STORE);
            }
        });
        request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
        let result = settle(&request).await;
        request.set_onupgradeneeded(None);
        drop(upgrade);
        let db = result?.dyn_into::<IdbDatabase>().map_err(describe)?;
        Ok(Self { db })
    }

    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        let store = self
            .db
            .transaction_with_str(STORE)
            .and_then(|t| t.object_store(STORE))
            .map_err(describe)?;
        let request = store.get(&JsValue::from_str(key)).map_err(describe)?;
        let value = settle(&request).await?;
        Ok(value
            .dyn_into::<Uint8Array>()
            .ok()
            .map(|bytes| bytes.to_vec()))
    }

    pub async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), String> {
        let store = self
            .db
            .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
            .and_then(|t| t.object_store(STORE))
            .map_err(describe)?;
        let value = Uint8Array::from(bytes);
        let request = store
            .put_with_key(&value, &JsValue::from_str(key))
            .map_err(describe)?;
        settle(&request).await.map(drop)
    }
}

/// The request's result once it succeeds or fails.
async fn settle(request: &IdbRequest) -> Result<JsValue, String> {
    let promise = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    JsFuture::from(promise).await.map_err(describe)?;
    request.result().map_err(describe)
}

pub fn describe(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| {
            error
                .dyn_ref::<web_sys::Event>()
                .map(|e| format!("{} failed", e.type_()))
        })
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".into())
}
