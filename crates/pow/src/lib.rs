//! ChainLab proof-of-work engines (being built).
