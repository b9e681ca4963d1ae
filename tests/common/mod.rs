//! Shared by the conformance tests: where the official material is, and the known-differences file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `../shared/conformance`, or `None` (with a printed SKIPPED message) when it is absent.
pub fn conformance_dir(test: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance");
    if dir.exists() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED {test}: {} is absent, the official conformance material is needed",
            dir.display()
        );
        None
    }
}

const KNOWN: &str = "tests/known_differences.txt";

/// The known differences of one kind (`unit` or `corpus`): key -> reason.
pub fn known_differences(kind: &str) -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(KNOWN);
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.splitn(3, '\t');
            let (k, key, reason) = (f.next()?, f.next()?, f.next().unwrap_or(""));
            (k == kind).then(|| (key.to_string(), reason.to_string()))
        })
        .collect()
}

/// Compares `disagreements` (key -> what differs) with the known differences of `kind`:
/// returns the unlisted ones and prints the listed ones that now agree.
/// With `UBLFLOW_WRITE_KNOWN=<kind>` it prints the lines to list instead of failing.
pub fn unlisted(kind: &str, disagreements: &BTreeMap<String, String>) -> Vec<String> {
    let known = known_differences(kind);
    let fixed: Vec<_> = known
        .keys()
        .filter(|k| !disagreements.contains_key(*k))
        .collect();
    if !fixed.is_empty() {
        println!(
            "{} listed {kind} differences now agree (remove them from {KNOWN}): {:?}",
            fixed.len(),
            fixed
        );
    }
    if std::env::var("UBLFLOW_WRITE_KNOWN").as_deref() == Ok(kind) {
        let mut out = String::new();
        for (k, why) in disagreements {
            out.push_str(&format!("{kind}\t{k}\t{why}\n"));
        }
        std::fs::write(format!("/tmp/known_{kind}.txt"), out).expect("write known list");
        println!("wrote /tmp/known_{kind}.txt");
        return Vec::new();
    }
    disagreements
        .iter()
        .filter(|(k, _)| !known.contains_key(*k))
        .map(|(k, why)| format!("{k}: {why}"))
        .collect()
}
