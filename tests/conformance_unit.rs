//! The 1674 official unit tests (vefa format) of CEN EN 16931 (1.3.16) and Peppol BIS 3.0.19,
//! run through `ublflow::validate::validate`, with the semantics of the conformance README.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use ublflow::validate::{validate, Flag, Options, RuleSet, Scope};

const VEFA: &str = "http://difi.no/xsd/vefa/validator/1.0";

fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    // PEPPOL-COMMON-R048.xm has a wrong suffix and is never run, as officially.
    files.retain(|p| p.extension().is_some_and(|e| e == "xml"));
    files.sort();
    files
}

/// One expectation: the rule must fire `count` times with `flag`, or (None) not at all.
struct Expect {
    rule: String,
    flag: Option<Flag>,
    count: usize,
}

/// Runs one test file; returns (tests, failures as key -> what differs).
fn run_file(base: &Path, file: &Path) -> (usize, Vec<(String, String)>) {
    let text = std::fs::read_to_string(file).expect("readable unit test");
    let doc = roxmltree::Document::parse(&text).expect("unit test file parses");
    let set = doc.root_element();
    let scope = match set.attribute("configuration").unwrap_or("") {
        c if c.starts_with("tc434") => Scope::Cen,
        _ => Scope::Peppol,
    };
    let in_scope: BTreeSet<String> = set
        .children()
        .filter(|c| c.has_tag_name((VEFA, "assert")))
        .flat_map(|a| a.children().filter(|c| c.has_tag_name((VEFA, "scope"))))
        .filter_map(|s| s.text())
        .flat_map(|t| t.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    let rel = file
        .strip_prefix(base)
        .unwrap_or(file)
        .display()
        .to_string();
    let mut failures = Vec::new();
    let tests: Vec<_> = set
        .children()
        .filter(|c| c.has_tag_name((VEFA, "test")))
        .collect();
    for (i, test) in tests.iter().enumerate() {
        let expects: Vec<Expect> = test
            .children()
            .filter(|c| c.has_tag_name((VEFA, "assert")))
            .flat_map(|a| a.children().filter(|c| c.is_element()))
            .filter_map(|e| {
                let flag = match e.tag_name().name() {
                    "success" => None,
                    "error" | "fatal" => Some(Flag::Fatal),
                    "warning" => Some(Flag::Warning),
                    _ => return None,
                };
                Some(Expect {
                    rule: e.text().unwrap_or("").trim().to_string(),
                    flag,
                    count: e
                        .attribute("number")
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(1),
                })
            })
            .collect();
        let Some(embedded) = test
            .children()
            .find(|c| c.is_element() && c.tag_name().namespace() != Some(VEFA))
        else {
            continue;
        };
        let opts = Options {
            rules: RuleSet::Peppol3_0_19,
            scope,
            rules_after_structure_error: true,
        };
        let report = validate(text[embedded.range()].as_bytes(), &opts);
        let mut fired: HashMap<(&str, Flag), usize> = HashMap::new();
        for f in &report.findings {
            *fired.entry((f.id.as_str(), f.flag)).or_default() += 1;
        }
        let count = |id: &str, flag: Flag| fired.get(&(id, flag)).copied().unwrap_or(0);
        let mut problems = Vec::new();
        for e in &expects {
            match e.flag {
                None => {
                    let n = count(&e.rule, Flag::Fatal) + count(&e.rule, Flag::Warning);
                    if n > 0 {
                        problems.push(format!("{} fired {n}x, expected success", e.rule));
                    }
                }
                Some(flag) => {
                    let n = count(&e.rule, flag);
                    if n != e.count {
                        problems.push(format!(
                            "{} {:?} fired {n}x, expected {}",
                            e.rule, flag, e.count
                        ));
                    }
                }
            }
        }
        for f in &report.findings {
            let expected = expects
                .iter()
                .any(|e| e.rule == f.id && e.flag == Some(Flag::Fatal));
            if f.flag == Flag::Fatal && in_scope.contains(&f.id) && !expected {
                let p = format!("{} fired as fatal unexpectedly", f.id);
                if !problems.contains(&p) {
                    problems.push(p);
                }
            }
            if f.id.ends_with("-EVALUATION-ERROR") && !problems.iter().any(|p| p.contains("EVAL")) {
                problems.push(format!("{}: {}", f.id, f.message));
            }
        }
        if !problems.is_empty() {
            failures.push((format!("{rel}#{}", i + 1), problems.join("; ")));
        }
    }
    (tests.len(), failures)
}

#[test]
fn official_unit_tests() {
    let Some(dir) = common::conformance_dir("official_unit_tests") else {
        return;
    };
    let base = dir.join("unit-tests");
    let mut files = Vec::new();
    let mut peppol_dirs: Vec<PathBuf> = std::fs::read_dir(base.join("peppol"))
        .expect("peppol unit tests")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    peppol_dirs.sort();
    for d in peppol_dirs {
        files.extend(xml_files(&d));
    }
    files.extend(xml_files(&base.join("cen/Invoice-unit-UBL")));
    files.extend(xml_files(&base.join("cen/CreditNote-unit-UBL")));
    let results: Vec<_> = files.par_iter().map(|f| run_file(&base, f)).collect();
    let total: usize = results.iter().map(|r| r.0).sum();
    let failures: BTreeMap<String, String> = results.into_iter().flat_map(|r| r.1).collect();
    println!(
        "unit tests: {}/{} pass ({} files)",
        total - failures.len(),
        total,
        files.len()
    );
    assert_eq!(total, 1674, "the official unit tests number 1674");
    let unlisted = common::unlisted("unit", &failures);
    assert!(
        unlisted.is_empty(),
        "{} unit tests fail and are not in tests/known_differences.txt:\n{}",
        unlisted.len(),
        unlisted.join("\n")
    );
}
