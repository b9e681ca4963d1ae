//! ublflow: webshop order exports in, Peppol BIS Billing 3.0 UBL invoices and credit notes out.
//!
//! Data flows one way:
//! `input` (CSV/JSON readers) -> `model` (invoice, totals) -> `ubl` (writer) -> `validate` (bytes -> report)
//! -> `store` (numbering + archive commit + outbox) -> `send` (e-mail, portal). Only `pipeline` and `cli` see every stage.

pub mod cli;
pub mod config;
pub mod input;
pub mod model;
pub mod numbering;
pub mod pipeline;
pub mod send;
pub mod store;
pub mod ubl;
pub mod validate;
