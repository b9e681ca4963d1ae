//! UBL 2.1 output: Peppol BIS Billing 3.0 invoices and credit notes.

mod writer;

pub use writer::write;

/// Peppol BIS Billing 3.0 customization id (BT-24).
pub const CUSTOMIZATION_ID: &str =
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
/// Peppol BIS Billing 3.0 profile id (BT-23).
pub const PROFILE_ID: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";
