//! Helpers shared by the end-to-end tests: running the binary and the official referee.
#![allow(dead_code)] // each test file uses a different subset of these helpers

pub mod delivery;
pub mod servers;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The built `ublflow` binary.
pub fn ublflow() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ublflow"));
    c.current_dir(root());
    c
}

/// Runs `ublflow convert` with the given arguments and returns its output.
pub fn convert(args: &[&str]) -> Output {
    ublflow()
        .arg("convert")
        .args(args)
        .output()
        .expect("ublflow runs")
}

/// Every file below `dir` whose name ends in `.xml`, sorted.
pub fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "xml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Number -> sales order id of every invoice archived below `archive`, checking each file is a complete
/// document (a truncated file fails the test).
pub fn archived_orders(archive: &Path) -> std::collections::BTreeMap<String, String> {
    let mut map = std::collections::BTreeMap::new();
    for p in xml_files(archive) {
        let xml = std::fs::read_to_string(&p).expect("archive file readable");
        assert!(
            xml.ends_with("</Invoice>\n"),
            "{} is truncated",
            p.display()
        );
        let id = xml
            .split("<cbc:SalesOrderID>")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap_or_else(|| panic!("{} has no SalesOrderID", p.display()))
            .to_owned();
        let number = p
            .file_stem()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        map.insert(number, id);
    }
    map
}

/// The official Peppol BIS 3.0.19 validator from `../shared/tools`, if present.
pub fn official_validator() -> Option<PathBuf> {
    let tool = root().join("../shared/tools/official-validate");
    if tool.is_file() {
        Some(tool)
    } else {
        eprintln!(
            "SKIPPED: {} is absent, so documents are not checked against the official rules",
            tool.display()
        );
        None
    }
}

/// Checks every XML file below `dir` with ublflow's own validator (default rule set); panics listing every
/// fatal finding. Returns how many documents were checked.
pub fn assert_natively_valid(dir: &Path) -> usize {
    let files = xml_files(dir);
    let mut problems = Vec::new();
    for f in &files {
        let report = ublflow::validate::validate(&std::fs::read(f).unwrap(), &Default::default());
        for finding in report
            .findings
            .iter()
            .filter(|x| x.flag == ublflow::validate::Flag::Fatal)
        {
            problems.push(format!(
                "{}: {} {}",
                f.display(),
                finding.id,
                finding.message
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "ublflow's validator rejects documents:\n{}",
        problems.join("\n")
    );
    files.len()
}

/// Checks every XML file below `dir` with ublflow's validator and then with the official rules; panics
/// listing every schema error or fatal finding. Returns how many documents were checked (0 only when the referee is absent).
pub fn assert_officially_valid(dir: &Path) -> usize {
    assert_natively_valid(dir);
    let Some(tool) = official_validator() else {
        return 0;
    };
    let files = xml_files(dir);
    assert!(!files.is_empty(), "no documents below {}", dir.display());
    let out = Command::new(tool)
        .arg("--dir")
        .arg(dir)
        .output()
        .expect("official-validate runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut checked = 0;
    let mut problems = Vec::new();
    for line in stdout.lines().filter(|l| l.starts_with('{')) {
        let v: serde_json::Value =
            serde_json::from_str(line).expect("official-validate prints JSON lines");
        checked += 1;
        let file = v["file"].as_str().unwrap_or("?").to_owned();
        for e in v["xsd_errors"].as_array().into_iter().flatten() {
            problems.push(format!("{file}: schema: {e}"));
        }
        for f in v["failed"].as_array().into_iter().flatten() {
            if f["flag"] == "fatal" {
                problems.push(format!("{file}: {} {}", f["id"], f["text"]));
            }
        }
    }
    assert_eq!(
        checked,
        files.len(),
        "official-validate answered for {checked} of {} documents; stderr: {}",
        files.len(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        problems.is_empty(),
        "the official rules reject documents:\n{}",
        problems.join("\n")
    );
    checked
}

pub mod gen;
pub mod shop_gen;

/// A valid GLN (GS1 check digit, as PEPPOL-COMMON-R040 requires) made from the first 12 digits of `digits`.
pub fn gln(digits: &str) -> String {
    let body = &digits[..12];
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}
