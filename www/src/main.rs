//! Entry point of the web app bundle that Trunk builds from `index.html`.

fn main() {
    #[cfg(target_arch = "wasm32")]
    chainlab_www::run();
}
