//! The in-browser mining worker (being built).
