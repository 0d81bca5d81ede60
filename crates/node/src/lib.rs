//! ChainLab sans-IO full node (being built in the classroom issue).
