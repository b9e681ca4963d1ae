//! The native validator: UBL 2.1 structure, EN 16931 and Peppol BIS 3.0 rules, on bytes.
//!
//! Findings are data, not errors: see [`finding`].

pub mod finding;
pub mod structure;
