//! ChainLab ledger core (being built).
