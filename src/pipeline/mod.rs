//! Wiring of every stage: batch conversion (`convert`).

pub mod archive;
pub mod batch;
