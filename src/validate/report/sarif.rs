//! The `sarif` format: a SARIF 2.1.0 log with one run.
//!
//! Results are streamed as documents come; the run's other members (`tool.driver` with the
//! catalogue entries of the rules that fired, and the invocation with one notification per
//! document whose business rules were skipped) follow the results, which JSON allows, so only
//! the fired rules and those notes are kept until the end.

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::{skipped_note, Doc, Policy};
use crate::validate::{catalogue, Flag, RuleSet};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// State kept across documents.
pub(super) struct Sarif {
    /// Rule ids in the order they first fired (their `ruleIndex`), with the rule set they
    /// fired under.
    rules: Vec<(String, RuleSet)>,
    index: HashMap<String, usize>,
    /// Documents whose business rules were skipped, with the note.
    notes: Vec<Value>,
    results: usize,
}

/// `file` as a URI: a relative reference for a relative path, a `file://` URI for an absolute
/// one; `\` becomes `/`, and bytes outside the unreserved set (and `/`) are percent-encoded.
pub(super) fn uri(file: &str) -> String {
    let path = file.replace('\\', "/");
    let mut out = String::with_capacity(path.len() + 7);
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn location(file: &str, line: u32, column: u32, logical: &str) -> Value {
    let mut physical = json!({ "artifactLocation": { "uri": uri(file) } });
    if line > 0 {
        let mut region = json!({ "startLine": line });
        if column > 0 {
            region["startColumn"] = json!(column);
        }
        physical["region"] = region;
    }
    let mut loc = json!({ "physicalLocation": physical });
    if !logical.is_empty() {
        loc["logicalLocations"] = json!([{ "fullyQualifiedName": logical, "kind": "element" }]);
    }
    loc
}

impl Sarif {
    /// Writes the log up to the start of the results.
    pub(super) fn start(out: &mut impl Write) -> io::Result<Self> {
        write!(
            out,
            "{{\"$schema\":\"{SCHEMA}\",\"version\":\"2.1.0\",\"runs\":[{{\"results\":["
        )?;
        Ok(Sarif {
            rules: Vec::new(),
            index: HashMap::new(),
            notes: Vec::new(),
            results: 0,
        })
    }

    fn rule_index(&mut self, id: &str, set: RuleSet) -> usize {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        self.rules.push((id.to_string(), set));
        self.index.insert(id.to_string(), self.rules.len() - 1);
        self.rules.len() - 1
    }

    /// Writes one result per finding of `doc`.
    pub(super) fn document(
        &mut self,
        out: &mut impl Write,
        doc: &Doc,
        policy: Policy,
    ) -> io::Result<()> {
        for f in &doc.report.findings {
            let level = if policy.fails(f.flag) {
                "error"
            } else {
                "warning"
            };
            let result = json!({
                "ruleId": f.id,
                "ruleIndex": self.rule_index(&f.id, doc.report.rules),
                "level": level,
                "message": { "text": f.message },
                "locations": [location(doc.file, f.line, f.column, &f.location)],
            });
            if self.results > 0 {
                out.write_all(b",")?;
            }
            self.results += 1;
            serde_json::to_writer(&mut *out, &result)?;
        }
        if let Some(note) = skipped_note(doc.report) {
            self.notes.push(json!({
                "level": "note",
                "message": { "text": note },
                "locations": [location(doc.file, 0, 0, "")],
            }));
        }
        Ok(())
    }

    /// Writes the driver with the rules that fired, the invocation, and closes the log.
    pub(super) fn finish(self, out: &mut impl Write) -> io::Result<()> {
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|(id, set)| match catalogue::rule(id) {
                Some(rule) => {
                    let level = match rule.flag(*set) {
                        Some(Flag::Warning) => "warning",
                        _ => "error",
                    };
                    json!({
                        "id": id,
                        "shortDescription": { "text": rule.message },
                        "properties": { "family": rule.family },
                        "defaultConfiguration": { "level": level },
                    })
                }
                None => json!({
                    "id": id,
                    "shortDescription": { "text": native_description(id) },
                    "defaultConfiguration": { "level": "error" },
                }),
            })
            .collect();
        let driver = json!({
            "name": "ublflow",
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": "https://docs.peppol.eu/poacc/billing/3.0/",
            "rules": rules,
        });
        let invocation = json!({
            "executionSuccessful": true,
            "toolExecutionNotifications": self.notes,
        });
        write!(out, "],\"tool\":{{\"driver\":")?;
        serde_json::to_writer(&mut *out, &driver)?;
        write!(out, "}},\"invocations\":[")?;
        serde_json::to_writer(&mut *out, &invocation)?;
        out.write_all(b"]}]}\n")
    }
}

/// Descriptions of the ids ublflow itself reports (not in the official catalogue).
fn native_description(id: &str) -> &'static str {
    match id {
        "UBL-XSD" => "The document does not conform to the UBL 2.1 schema (XSD).",
        "UBL-ROOT" => "The root element is not a UBL 2.1 Invoice or CreditNote.",
        "CEN-EVALUATION-ERROR" | "PEPPOL-EVALUATION-ERROR" => {
            "The official rules cannot be evaluated on this document (an XPath dynamic error)."
        }
        "XML-ENCODING" => "The document is not UTF-8 encoded.",
        "XML-DTD" => "The document has a DTD; DTDs and entity declarations are refused.",
        "XML-DEPTH" => "The document nests elements too deeply.",
        _ => "The document is not well-formed XML.",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn uris_are_encoded() {
        assert_eq!(super::uri("a b/ü.xml"), "a%20b/%C3%BC.xml");
        assert_eq!(super::uri("/tmp/x,y.xml"), "file:///tmp/x%2Cy.xml");
        assert_eq!(super::uri("<stdin>"), "%3Cstdin%3E");
    }
}
