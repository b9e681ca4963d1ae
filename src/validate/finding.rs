//! What a validation layer reports: one [`Finding`] per fired assertion.

use serde::Serialize;

/// How serious a finding is, as the official rules flag it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flag {
    /// The document is invalid.
    Fatal,
    /// The document stays valid; the finding is advice.
    Warning,
}

/// One fired rule on one place of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Official rule id, such as `BR-CO-15`, or `UBL-XSD` for a schema violation.
    pub id: String,
    /// Fatal or warning.
    pub flag: Flag,
    /// XPath-like location of the offending node, such as `/Invoice/cac:LegalMonetaryTotal`.
    pub location: String,
    /// 1-based line of the offending node in the input (0 when unknown).
    pub line: u32,
    /// 1-based column of the offending node in the input (0 when unknown).
    pub column: u32,
    /// Human-readable message (the official text for business rules).
    pub message: String,
    /// For the arithmetic rules (totals, VAT breakdown): the value the rule computed, and the
    /// value the document states, as written by [`rust_decimal::Decimal`]; `None` elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Box<Values>>,
}

/// What an arithmetic rule expected and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Values {
    /// The value computed from the rest of the document (empty when it could not be computed).
    pub expected: String,
    /// The value stated in the document (empty when absent).
    pub found: String,
}
