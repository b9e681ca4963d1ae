//! Wiring of every stage: batch conversion (`convert`) and the watched inbox (`watch`).

pub mod archive;
pub mod batch;
pub mod watch;
