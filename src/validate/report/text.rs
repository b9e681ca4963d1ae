//! The `text` format, for people.
//!
//! ```text
//! invoice.xml:41:4: BR-CO-15 fatal: Invoice total amount with VAT (BT-112) = ...
//!     expected 1250.00, found 1205.00
//!     terms: Invoice total amount with VAT (BT-112), ...
//!     at /Invoice
//! 3 documents, 2 valid, 1 invalid, 4 warnings
//! ```

use std::io::{self, Write};

use super::{skipped_note, terms, Doc, Policy, Summary};
use crate::validate::Flag;

/// Writes one line per finding of `doc`, with its details indented below it.
pub(super) fn document(out: &mut impl Write, doc: &Doc, policy: Policy) -> io::Result<()> {
    for f in &doc.report.findings {
        let severity = match f.flag {
            Flag::Fatal => "fatal",
            Flag::Warning if policy.fails(f.flag) => "warning (as error)",
            Flag::Warning => "warning",
        };
        // Findings without a position (an evaluation error, say) name the file alone.
        let at = match (f.line, f.column) {
            (0, _) => String::new(),
            (line, 0) => format!("{line}:"),
            (line, column) => format!("{line}:{column}:"),
        };
        writeln!(out, "{}:{at} {} {severity}: {}", doc.file, f.id, f.message)?;
        if let Some(v) = &f.values {
            let shown = |s: &str| if s.is_empty() { "(none)" } else { s }.to_string();
            writeln!(
                out,
                "    expected {}, found {}",
                shown(&v.expected),
                shown(&v.found)
            )?;
        }
        let names = terms::of_rule(&f.id);
        if !names.is_empty() {
            writeln!(out, "    terms: {}", names.join(", "))?;
        }
        if !f.location.is_empty() {
            writeln!(out, "    at {}", f.location)?;
        }
    }
    if let Some(note) = skipped_note(doc.report) {
        writeln!(out, "{}: {note}", doc.file)?;
    }
    Ok(())
}

/// The closing summary line.
pub(super) fn summary(out: &mut impl Write, s: &Summary) -> io::Result<()> {
    writeln!(
        out,
        "{} documents, {} valid, {} invalid, {} warnings",
        s.documents, s.valid, s.invalid, s.warnings
    )
}
