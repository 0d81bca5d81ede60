//! The ChainLab web app: lessons, widgets and their embed pages.
//!
//! The pure parts (lesson format, widget settings, difficulty, bit views, strings)
//! compile natively so `cargo test -p chainlab-www --lib` runs on the host; the Yew
//! interface and the worker bridge exist only on wasm32.

pub mod bits;
pub mod chain_demo;
pub mod classroom;
pub mod consensus_view;
pub mod difficulty;
pub mod format;
pub mod i18n;
pub mod lesson;
pub mod lessons;
pub mod merkle_view;
pub mod progress;
pub mod query;
pub mod retarget_sim;
pub mod tensority_view;
pub mod widget;

#[cfg(target_arch = "wasm32")]
mod ui;

/// Mounts the app on `<body>`.
#[cfg(target_arch = "wasm32")]
pub fn run() {
    yew::Renderer::<ui::App>::new().render();
}
