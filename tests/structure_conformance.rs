//! Agreement of the structure layer with the official XSD verdicts.
//!
//! For every document under `../shared/conformance/examples` and `generated`, `check` must report
//! at least one finding exactly when the official `xsd_errors` is non-empty. Disagreements must be
//! listed, with a reason, in `tests/structure_known_differences.txt` (`path<TAB>reason`).
//! The embedded documents of the unit-test files have no XSD verdict; they must only not crash it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use roxmltree::{Document, ParsingOptions};
use ublflow::validate::dom;
use ublflow::validate::structure::check;

const CONFORMANCE: &str = "../shared/conformance";
const KNOWN: &str = "tests/structure_known_differences.txt";

fn conformance() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CONFORMANCE);
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "SKIPPED structure conformance: {} is absent, nothing compared",
            dir.display()
        );
        None
    }
}

fn options<'i>() -> ParsingOptions<'i> {
    ParsingOptions {
        allow_dtd: true,
        ..ParsingOptions::default()
    }
}

/// A document with an official verdict: path relative to conformance/, and the lines of the
/// official XSD errors (empty when schema-valid).
struct Verdict {
    file: String,
    error_lines: Vec<u32>,
}

/// The line libxml2 names in a message such as `line 92: Element ...`.
fn message_line(message: &str) -> u32 {
    message
        .strip_prefix("line ")
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no line in {message:?}"))
}

fn verdicts(dir: &Path) -> Vec<Verdict> {
    let mut out = Vec::new();
    for (list, base) in [
        ("expected/examples.jsonl", ""),
        ("generated/expected.jsonl", "generated/"),
    ] {
        let text = std::fs::read_to_string(dir.join(list)).expect("verdict list");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("verdict line");
            let file = v["file"].as_str().expect("file");
            let errors = v["xsd_errors"].as_array().expect("xsd_errors");
            let error_lines = errors
                .iter()
                .map(|e| message_line(e.as_str().expect("message")))
                .collect();
            out.push(Verdict {
                file: format!("{base}{file}"),
                error_lines,
            });
        }
    }
    out
}

fn known_differences() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(KNOWN);
    let text = std::fs::read_to_string(path).expect("known-differences file");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (file, reason) = l.split_once('\t').expect("path<TAB>reason");
            assert!(!reason.trim().is_empty(), "{file}: a reason is required");
            (file.to_string(), reason.to_string())
        })
        .collect()
}

#[test]
fn agrees_with_official_xsd_verdicts() {
    let Some(dir) = conformance() else { return };
    let known = known_differences();
    let verdicts = verdicts(&dir);
    let (mut agree, mut invalid, mut same_line) = (0, 0, 0);
    let mut unexpected = Vec::new();
    let mut explained = Vec::new();
    for Verdict { file, error_lines } in &verdicts {
        let valid = error_lines.is_empty();
        let text = std::fs::read_to_string(dir.join(file)).expect("document");
        let doc = dom::Document::parse(&text).expect("well-formed document");
        let findings = check(&doc);
        if !valid {
            invalid += 1;
            // Not required for agreement; shows whether the finding points where libxml2 does.
            same_line += usize::from(findings.iter().any(|f| f.line == error_lines[0]));
        }
        if findings.is_empty() == valid {
            agree += 1;
            if known.contains_key(file) {
                unexpected.push(format!("{file}: agrees now, remove it from {KNOWN}"));
            }
        } else if let Some(reason) = known.get(file) {
            explained.push(format!("{file}: {reason}"));
        } else if valid {
            unexpected.push(format!("{file}: schema-valid, but reported {findings:#?}"));
        } else {
            unexpected.push(format!("{file}: schema-invalid, but nothing reported"));
        }
    }
    println!("structure: {agree}/{} agree", verdicts.len());
    println!("structure: {same_line}/{invalid} schema-invalid documents have a finding on libxml2's first error line");
    for line in &explained {
        println!("known difference: {line}");
    }
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
}

/// The embedded Invoice / CreditNote of each `test` of a vefa unit-test file, as text.
fn embedded(text: &str) -> Vec<&str> {
    let doc = Document::parse_with_options(text, options()).expect("well-formed unit-test file");
    doc.root_element()
        .children()
        .filter(|t| t.has_tag_name("test"))
        .flat_map(|t| {
            t.children()
                .filter(|c| c.is_element() && !c.has_tag_name("assert"))
        })
        .map(|d| &text[d.range()])
        .collect()
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("unit-test folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "xml") {
            out.push(path);
        }
    }
}

#[test]
fn unit_test_fragments_do_not_crash_it() {
    let Some(dir) = conformance() else { return };
    let mut paths = Vec::new();
    files(&dir.join("unit-tests"), &mut paths);
    let (mut documents, mut with_findings) = (0, 0);
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("unit-test file");
        for fragment in embedded(&text) {
            // Each embedded document declares its own namespaces, so it parses on its own.
            let doc = dom::Document::parse(fragment)
                .unwrap_or_else(|e| panic!("{}: embedded document: {e}", path.display()));
            documents += 1;
            let findings = check(&doc);
            assert!(findings.iter().all(|f| f.id == "UBL-XSD" && f.line > 0));
            with_findings += usize::from(!findings.is_empty());
        }
    }
    println!(
        "structure: {documents} embedded unit-test documents from {} files checked, {with_findings} with findings",
        paths.len()
    );
    assert!(
        documents > 1000,
        "expected the ~1670 embedded documents, found {documents}"
    );
}
