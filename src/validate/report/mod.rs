//! Rendering validation reports for people and machines: `text`, `json` (JSON Lines), `junit`
//! and `sarif` (2.1.0), one document at a time so a batch of any length streams through.
//!
//! A [`Reporter`] takes each document's [`Report`] in input order and writes it at once; only
//! what a format needs at its end is kept (counts, the SARIF rules that fired, the JUnit test
//! cases spooled to a temporary file so the suite's counts can head them).

mod json;
mod junit;
mod sarif;
mod terms;
mod text;

use std::io::{self, Write};

use super::{Flag, Report, Root};

/// Report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people: one line per finding, with business term names and expected/found values.
    Text,
    /// JSON Lines: one object per document.
    Json,
    /// JUnit XML: one test suite, one test case per document.
    Junit,
    /// SARIF 2.1.0: one run, one result per finding, with file/line regions.
    Sarif,
}

/// How findings count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    /// Warnings make a document invalid, as fatal findings do.
    pub warnings_as_errors: bool,
}

impl Policy {
    /// Whether `report` passes: no fatal finding, and no warning when warnings count as errors.
    pub fn passes(&self, report: &Report) -> bool {
        report.findings.iter().all(|f| match f.flag {
            Flag::Fatal => false,
            Flag::Warning => !self.warnings_as_errors,
        })
    }

    /// Whether `flag` fails a document under this policy.
    pub fn fails(&self, flag: Flag) -> bool {
        flag == Flag::Fatal || self.warnings_as_errors
    }
}

/// Counts over the documents reported so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Documents reported.
    pub documents: usize,
    /// Documents that pass under the [`Policy`].
    pub valid: usize,
    /// Documents that do not.
    pub invalid: usize,
    /// Warning findings over all documents.
    pub warnings: usize,
}

impl Summary {
    fn add(&mut self, valid: bool, report: &Report) {
        self.documents += 1;
        if valid {
            self.valid += 1;
        } else {
            self.invalid += 1;
        }
        self.warnings += report.count(Flag::Warning);
    }
}

/// One validated document as the renderers see it.
pub(crate) struct Doc<'a> {
    /// The name the document is reported under (its path as given, or `<stdin>`).
    pub file: &'a str,
    /// Its report.
    pub report: &'a Report,
    /// Whether it passes under the policy.
    pub valid: bool,
}

/// The per-format state.
enum Renderer {
    Text,
    Json,
    Junit(junit::Junit),
    Sarif(sarif::Sarif),
}

/// Writes the reports of a batch of documents, in the order they are given, to `out`.
pub struct Reporter<W: Write> {
    out: W,
    policy: Policy,
    renderer: Renderer,
    summary: Summary,
}

impl<W: Write> Reporter<W> {
    /// Starts a report in `format` (SARIF writes its header here).
    pub fn new(format: Format, policy: Policy, mut out: W) -> io::Result<Self> {
        let renderer = match format {
            Format::Text => Renderer::Text,
            Format::Json => Renderer::Json,
            Format::Junit => Renderer::Junit(junit::Junit::new()?),
            Format::Sarif => Renderer::Sarif(sarif::Sarif::start(&mut out)?),
        };
        Ok(Reporter {
            out,
            policy,
            renderer,
            summary: Summary::default(),
        })
    }

    /// Reports one document, found under the name `file`.
    pub fn document(&mut self, file: &str, report: &Report) -> io::Result<()> {
        let valid = self.policy.passes(report);
        self.summary.add(valid, report);
        let doc = Doc {
            file,
            report,
            valid,
        };
        match &mut self.renderer {
            Renderer::Text => text::document(&mut self.out, &doc, self.policy),
            Renderer::Json => json::document(&mut self.out, &doc),
            Renderer::Junit(j) => j.document(&doc, self.policy),
            Renderer::Sarif(s) => s.document(&mut self.out, &doc, self.policy),
        }
    }

    /// Ends the report (the text summary line, the JUnit suite, the end of the SARIF log) and
    /// returns the counts.
    pub fn finish(mut self) -> io::Result<Summary> {
        let summary = self.summary;
        match self.renderer {
            Renderer::Text => text::summary(&mut self.out, &summary)?,
            Renderer::Json => {}
            Renderer::Junit(j) => j.finish(&mut self.out, &summary)?,
            Renderer::Sarif(s) => s.finish(&mut self.out)?,
        }
        self.out.flush()?;
        Ok(summary)
    }
}

/// The root as the reports name it: `Invoice`, `CreditNote` or `other`.
pub(crate) fn root_name(root: &Root) -> &'static str {
    match root {
        Root::Invoice => "Invoice",
        Root::CreditNote => "CreditNote",
        Root::Other(_) => "other",
    }
}

/// The sentence the reports use when the business rules did not run after a structure error.
const SKIPPED: &str =
    "business rules skipped: the document is not structurally valid UBL 2.1 (see UBL-XSD), as the official validators do";

/// The note for `report` when its business rules were skipped because of structure findings
/// (not when the XML did not parse or is no UBL: then there was nothing to run them on).
pub(crate) fn skipped_note(report: &Report) -> Option<&'static str> {
    let structural = report.findings.iter().any(|f| f.id == "UBL-XSD");
    (report.business_rules_skipped && structural).then_some(SKIPPED)
}
