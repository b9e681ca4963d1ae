//! The rule catalogue: every official rule id with its source, family, flag per [`RuleSet`] and
//! official message, kept as data in `schemas/rules/catalogue.tsv` (generated from the official
//! `rules.tsv`; see `schemas/rules/README.md`).

use std::sync::OnceLock;

use super::fasthash::FastMap;
use super::{Flag, RuleSet};

const CATALOGUE_TSV: &str = include_str!("../../schemas/rules/catalogue.tsv");

/// Which official rule file a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// CEN EN 16931 UBL binding rules (`CEN-EN16931-UBL.sch`).
    Cen,
    /// Peppol BIS Billing 3.0 rules (`PEPPOL-EN16931-UBL.sch`), including the national rules.
    Peppol,
}

/// One catalogue entry.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Official id, such as `BR-CO-15`.
    pub id: &'static str,
    /// Rule file it comes from.
    pub source: Source,
    /// Family, such as `BR-CO` or `PEPPOL-COMMON-R`.
    pub family: &'static str,
    /// Official message.
    pub message: &'static str,
    flags: [Option<Flag>; 2],
}

impl Rule {
    /// The rule's flag in `set`, or `None` when the rule is not part of that rule set.
    pub fn flag(&self, set: RuleSet) -> Option<Flag> {
        self.flags[set.column()]
    }
}

struct Catalogue {
    rules: Vec<Rule>,
    by_id: FastMap<&'static str, usize>,
}

fn parse_flag(s: &str) -> Option<Flag> {
    match s {
        "fatal" => Some(Flag::Fatal),
        "warning" => Some(Flag::Warning),
        _ => None,
    }
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let rules: Vec<Rule> = CATALOGUE_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| {
                let f: Vec<&'static str> = l.splitn(6, '\t').collect();
                Rule {
                    id: f[0],
                    source: if f[1] == "cen" {
                        Source::Cen
                    } else {
                        Source::Peppol
                    },
                    family: f[2],
                    flags: [parse_flag(f[3]), parse_flag(f[4])],
                    message: f[5],
                }
            })
            .collect();
        let by_id = rules.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        Catalogue { rules, by_id }
    })
}

/// Every rule of the catalogue, in the official order.
pub fn rules() -> &'static [Rule] {
    &catalogue().rules
}

/// The catalogue entry for an official rule id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    let c = catalogue();
    c.by_id.get(id).map(|&i| &c.rules[i])
}
