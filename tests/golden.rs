//! Golden fixtures: every `fixtures/cases/<case>.jsonl` (or `.csv`) converts into exactly `fixtures/expected/<case>/*.xml`,
//! and every produced document passes the official Peppol BIS 3.0 rules.
//!
//! Set `UBLFLOW_BLESS=1` to rewrite the expected files after an intended change (then review the diff).

mod support;

use std::fs;
use std::path::Path;

#[test]
fn cases_match_expected_documents_and_pass_the_official_rules() {
    let root = support::root();
    let cases_dir = root.join("fixtures/cases");
    let mut cases: Vec<_> = fs::read_dir(&cases_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl" || x == "csv"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "the golden cases are missing");
    let tmp = tempfile::tempdir().unwrap();
    let bless = std::env::var_os("UBLFLOW_BLESS").is_some();
    let mut mismatches = Vec::new();
    for case in &cases {
        let name = case.file_stem().unwrap().to_str().unwrap();
        let own_profile = cases_dir.join(format!("{name}.toml"));
        let profile = if own_profile.is_file() {
            own_profile
        } else {
            root.join("fixtures/profile.toml")
        };
        let out = tmp.path().join(name);
        let run = support::convert(&[
            case.to_str().unwrap(),
            "--profile",
            profile.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(
            run.status.success(),
            "{name}: convert failed: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let expected_dir = root.join("fixtures/expected").join(name);
        let produced = support::xml_files(&out);
        if bless {
            let _ = fs::remove_dir_all(&expected_dir);
            fs::create_dir_all(&expected_dir).unwrap();
            for p in &produced {
                fs::copy(p, expected_dir.join(p.file_name().unwrap())).unwrap();
            }
        }
        let expected = support::xml_files(&expected_dir);
        let names = |v: &[std::path::PathBuf]| -> Vec<String> {
            v.iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        if names(&produced) != names(&expected) {
            mismatches.push(format!(
                "{name}: produced {:?}, expected {:?}",
                names(&produced),
                names(&expected)
            ));
            continue;
        }
        for (p, e) in produced.iter().zip(&expected) {
            if fs::read(p).unwrap() != fs::read(e).unwrap() {
                mismatches.push(format!(
                    "{name}: {} differs from {}",
                    p.display(),
                    rel(e, &root)
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "golden mismatches:\n{}",
        mismatches.join("\n")
    );
    let checked = support::assert_officially_valid(tmp.path());
    eprintln!(
        "golden: {} cases, {checked} documents accepted by the official rules",
        cases.len()
    );
}

fn rel(p: &Path, root: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).display().to_string()
}

/// The README's first command, `convert fixtures/orders --profile fixtures/profile.toml`, converts every
/// sample order into documents the official rules accept.
#[test]
fn the_readme_example_passes_the_official_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = support::convert(&[
        "fixtures/orders",
        "--profile",
        "fixtures/profile.toml",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary = String::from_utf8_lossy(&run.stdout);
    assert!(
        summary.starts_with("5 invoices and 1 credit notes issued"),
        "{summary}"
    );
    assert_eq!(support::xml_files(&out).len(), 6);
    support::assert_officially_valid(&out);
}
