//! The Tensority lesson's widgets: the pipeline taken apart stage by stage, every
//! number computed by the mining worker from the real cache, and a race between
//! engines hashing the same nonces.

mod pipeline;
mod race;
mod strings;

pub use pipeline::TensorityPipeline;
pub use race::TensorityRace;
