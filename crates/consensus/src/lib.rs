//! ChainLab consensus simulators (being built).
