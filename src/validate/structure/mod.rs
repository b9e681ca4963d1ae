//! UBL 2.1 structure layer: what the UBL 2.1 XSD checks.

pub mod model;
#[rustfmt::skip]
pub mod tables;
