//! Consensus simulations (being built).
use std::process::ExitCode;
use clap::Args;

macro_rules! pending { ($($name:ident),*) => { $(
    #[derive(Args)]
    pub struct $name;
    impl $name { pub fn run(self) -> anyhow::Result<ExitCode> { anyhow::bail!("not built yet") } }
)* } }
pending!(Sim);
