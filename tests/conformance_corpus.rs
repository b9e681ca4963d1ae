//! Every file of `examples/` and `generated/`: ublflow's verdict must equal the official one.
//!
//! Compared per document: valid/invalid, and the multiset of (rule id, flag) of the business
//! rules. Where the official rules of one source aborted (`XSLT-RUNTIME-ERROR`), only
//! "invalid" is compared for that source. Valid/invalid includes the structure layer: a document
//! is officially valid when it has no XSD error and no fatal business-rule finding.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;
use serde_json::Value;
use ublflow::validate::catalogue::{self, Source};
use ublflow::validate::{validate, Flag, Options, RuleSet, Scope};

type Multiset = BTreeMap<(String, String), i64>;

fn source_of(id: &str) -> Option<Source> {
    match id {
        "CEN-EVALUATION-ERROR" => Some(Source::Cen),
        "PEPPOL-EVALUATION-ERROR" => Some(Source::Peppol),
        _ => catalogue::rule(id).map(|r| r.source),
    }
}

fn flag_name(f: Flag) -> &'static str {
    match f {
        Flag::Fatal => "fatal",
        Flag::Warning => "warning",
    }
}

/// Compares one document; `None` when ublflow agrees with the official verdict.
fn compare(path: &Path, verdict: &Value) -> Option<String> {
    let bytes = std::fs::read(path).expect("corpus file readable");
    let opts = Options {
        rules: RuleSet::Peppol3_0_19,
        scope: Scope::All,
        rules_after_structure_error: true,
    };
    let report = validate(&bytes, &opts);
    let failed = verdict["failed"].as_array().cloned().unwrap_or_default();
    let aborted = |src: &str| {
        failed
            .iter()
            .any(|f| f["id"] == "XSLT-RUNTIME-ERROR" && f["source"] == src)
    };
    let (cen_aborted, peppol_aborted) = (aborted("cen"), aborted("peppol"));
    let skip = |s: Option<Source>| match s {
        Some(Source::Cen) => cen_aborted,
        Some(Source::Peppol) => peppol_aborted,
        None => false,
    };
    let mut diff: Multiset = BTreeMap::new();
    for f in &failed {
        let id = f["id"].as_str().unwrap_or("");
        let src = if f["source"] == "cen" {
            Source::Cen
        } else {
            Source::Peppol
        };
        if id == "XSLT-RUNTIME-ERROR" || skip(Some(src)) {
            continue;
        }
        let flag = f["flag"].as_str().unwrap_or("").to_string();
        *diff.entry((id.to_string(), flag)).or_default() -= 1;
    }
    for f in &report.findings {
        let src = source_of(&f.id);
        if src.is_none() || skip(src) {
            continue;
        }
        *diff
            .entry((f.id.clone(), flag_name(f.flag).to_string()))
            .or_default() += 1;
    }
    let mut problems: Vec<String> = diff
        .iter()
        .filter(|(_, n)| **n != 0)
        .map(|((id, flag), n)| {
            if *n > 0 {
                format!("{id} {flag} +{n}")
            } else {
                format!("{id} {flag} {n}")
            }
        })
        .collect();
    let xsd_errors = verdict["xsd_errors"]
        .as_array()
        .is_some_and(|a| !a.is_empty());
    let official_valid = !xsd_errors && failed.iter().all(|f| f["flag"] != "fatal");
    if official_valid != report.is_valid() {
        problems.push(format!(
            "official {} but ublflow {}",
            if official_valid { "valid" } else { "invalid" },
            if report.is_valid() {
                "valid"
            } else {
                "invalid"
            }
        ));
    }
    (!problems.is_empty()).then(|| problems.join(", "))
}

fn load(dir: &Path, jsonl: &str, prefix: &str) -> Vec<(String, std::path::PathBuf, Value)> {
    let text = std::fs::read_to_string(dir.join(jsonl)).expect("verdict file readable");
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("verdict line is JSON"))
        .map(|v| {
            let file = v["file"].as_str().unwrap_or("").to_string();
            let path = dir.join(prefix).join(&file);
            (format!("{prefix}{file}"), path, v)
        })
        .collect()
}

#[test]
fn corpus_matches_official_verdicts() {
    let Some(dir) = common::conformance_dir("corpus_matches_official_verdicts") else {
        return;
    };
    let mut docs = load(&dir, "expected/examples.jsonl", "");
    docs.extend(load(&dir, "generated/expected.jsonl", "generated/"));
    let disagreements: BTreeMap<String, String> = docs
        .par_iter()
        .filter_map(|(key, path, v)| compare(path, v).map(|d| (key.clone(), d)))
        .collect();
    println!(
        "corpus: {}/{} documents agree with the official verdict",
        docs.len() - disagreements.len(),
        docs.len()
    );
    assert_eq!(docs.len(), 1578, "examples (78) and generated (1500)");
    let unlisted = common::unlisted("corpus", &disagreements);
    assert!(
        unlisted.is_empty(),
        "{} documents disagree and are not in tests/known_differences.txt:\n{}",
        unlisted.len(),
        unlisted.join("\n")
    );
}
