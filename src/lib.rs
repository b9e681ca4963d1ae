//! ublflow: webshop order exports in, Peppol BIS Billing 3.0 UBL invoices and credit notes out.
//!
//! Data flows one way:
//! `input` (CSV/JSON readers) -> `model` (invoice, totals) -> `ubl` (writer) -> `validate` (bytes -> report)
//! -> `store` (numbering + archive commit). Only `pipeline` and `cli` see every stage.

pub mod validate;
