//! The ChainLab web app (being built).
fn main() {}
