//! The native validator: UBL 2.1 structure, EN 16931 and Peppol BIS 3.0 rules, on bytes.
//!
//! [`validate`] parses the bytes once ([`dom`]), then runs the layers in order: the structure
//! layer (UBL 2.1 XSD), then the CEN EN 16931 rules and the Peppol BIS 3.0 rules of the chosen
//! [`RuleSet`]. Findings are data, not errors: see [`finding`].

pub mod catalogue;
pub mod codelists;
pub mod dom;
mod fasthash;
pub mod finding;
pub mod name;
mod parse;
pub mod report;
mod rules;
pub mod structure;
mod value;
mod xml;

use std::fmt;
use std::str::FromStr;

pub use finding::{Finding, Flag};

/// A released set of business rules; each version is a column of `schemas/rules/catalogue.tsv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RuleSet {
    /// Peppol BIS Billing 3.0.19 (May 2025) with the CEN EN 16931 UBL rules 1.3.14.1.
    #[default]
    Peppol3_0_19,
    /// Peppol BIS Billing 2026.5: 3.0.19 plus PEPPOL-COMMON-R052..R057, DK-R-017, DE-R-T02, DK-R-003 fatal.
    Peppol2026_5,
}

impl RuleSet {
    /// Every known rule set, oldest first.
    pub const ALL: [RuleSet; 2] = [RuleSet::Peppol3_0_19, RuleSet::Peppol2026_5];

    /// The version name used on the command line (`--rules`).
    pub fn name(self) -> &'static str {
        match self {
            RuleSet::Peppol3_0_19 => "3.0.19",
            RuleSet::Peppol2026_5 => "2026.5",
        }
    }

    /// Index of this rule set's flag column in the catalogue.
    pub(crate) fn column(self) -> usize {
        match self {
            RuleSet::Peppol3_0_19 => 0,
            RuleSet::Peppol2026_5 => 1,
        }
    }
}

impl fmt::Display for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error for an unknown `--rules` value.
#[derive(Debug, thiserror::Error)]
#[error("unknown rule set '{0}' (known: 3.0.19, 2026.5)")]
pub struct UnknownRuleSet(String);

impl FromStr for RuleSet {
    type Err = UnknownRuleSet;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RuleSet::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| UnknownRuleSet(s.to_string()))
    }
}

/// Which business-rule sources run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// The CEN EN 16931 rules and the Peppol BIS rules (what a Peppol document must pass).
    #[default]
    All,
    /// Only the CEN EN 16931 UBL rules.
    Cen,
    /// Only the Peppol BIS 3.0 rules (including the national rules).
    Peppol,
}

impl Scope {
    pub(crate) fn cen(self) -> bool {
        matches!(self, Scope::All | Scope::Cen)
    }
    pub(crate) fn peppol(self) -> bool {
        matches!(self, Scope::All | Scope::Peppol)
    }
}

/// How to validate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// Rule set version.
    pub rules: RuleSet,
    /// Which business-rule sources run.
    pub scope: Scope,
    /// Run the business rules even after a fatal structure finding (the official validators skip
    /// them; conformance comparison with the official rules needs them).
    pub rules_after_structure_error: bool,
}

/// The document's root element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Root {
    /// A UBL 2.1 Invoice.
    Invoice,
    /// A UBL 2.1 CreditNote.
    CreditNote,
    /// Anything else (qualified name as written), or nothing when the XML did not parse.
    Other(String),
}

/// The result of validating one document.
#[derive(Debug, Clone)]
pub struct Report {
    /// Root element of the document.
    pub root: Root,
    /// Rule set the business rules were evaluated with.
    pub rules: RuleSet,
    /// Every finding of every layer that ran.
    pub findings: Vec<Finding>,
    /// True when the business rules did not run (unparseable XML, non-UBL root, or a fatal
    /// structure finding without [`Options::rules_after_structure_error`]).
    pub business_rules_skipped: bool,
}

impl Report {
    /// A document is valid when no finding is fatal.
    pub fn is_valid(&self) -> bool {
        !self.findings.iter().any(|f| f.flag == Flag::Fatal)
    }

    /// Number of findings with the given flag.
    pub fn count(&self, flag: Flag) -> usize {
        self.findings.iter().filter(|f| f.flag == flag).count()
    }
}

/// Validates one UBL document given as bytes.
pub fn validate(bytes: &[u8], opts: &Options) -> Report {
    let text = match parse::decode(bytes) {
        Ok(t) => t,
        Err(f) => return Report::unparsed(opts, f),
    };
    let doc = match parse::parse(text) {
        Ok(d) => d,
        Err(f) => return Report::unparsed(opts, f),
    };
    let root_el = doc.root_element();
    let root = match xml::root_kind(root_el) {
        Some(r) => r,
        None => {
            let name = root_el.local_name().to_string();
            let finding = parse::not_ubl(root_el);
            return Report {
                root: Root::Other(name),
                rules: opts.rules,
                findings: vec![finding],
                business_rules_skipped: true,
            };
        }
    };
    let mut findings = structure::check(&doc);
    let structure_fatal = findings.iter().any(|f| f.flag == Flag::Fatal);
    let skipped = structure_fatal && !opts.rules_after_structure_error;
    if !skipped {
        rules::run(&doc, opts, &mut findings);
    }
    Report {
        root,
        rules: opts.rules,
        findings,
        business_rules_skipped: skipped,
    }
}

impl Report {
    fn unparsed(opts: &Options, finding: Finding) -> Report {
        Report {
            root: Root::Other(String::new()),
            rules: opts.rules,
            findings: vec![finding],
            business_rules_skipped: true,
        }
    }
}
