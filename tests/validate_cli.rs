//! End-to-end tests of `ublflow validate`: the real binary on the committed valid invoices of
//! `fixtures/expected`, on documents the tests derive from them or write themselves, and on
//! documents of `../shared/conformance` (read in place; those tests skip with a message when it
//! is absent).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const FIXTURE: &str = "fixtures/expected/standard-net/INV-2026-000001.xml";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ublflow"))
        .arg("validate")
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ublflow");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.unwrap_or_default())
        .expect("write stdin");
    drop(input);
    child.wait_with_output().expect("ublflow runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

fn fixture() -> String {
    std::fs::read_to_string(root().join(FIXTURE)).expect("fixture")
}

/// The fixture with its stated payable amount changed: BR-CO-16 fails with 680.43 expected.
fn wrong_total() -> String {
    let doc = fixture();
    let bad = doc.replace(
        "<cbc:PayableAmount currencyID=\"EUR\">680.43</cbc:PayableAmount>",
        "<cbc:PayableAmount currencyID=\"EUR\">690.43</cbc:PayableAmount>",
    );
    assert_ne!(bad, doc, "the fixture states PayableAmount 680.43");
    bad
}

/// The fixture with a UUID, which the CEN rules advise against (warning UBL-CR-005).
fn with_warning() -> String {
    let doc = fixture();
    let at = doc.find("<cbc:IssueDate>").expect("an issue date");
    format!(
        "{}<cbc:UUID>6f1c0e3a-1</cbc:UUID>\n  {}",
        &doc[..at],
        &doc[at..]
    )
}

/// An Invoice with an element the UBL 2.1 schema does not allow there.
const STRUCTURE_ERROR: &str =
    "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"><Foo/></Invoice>";

/// A temporary folder holding `files` (relative names -> contents).
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn conformance(test: &str) -> Option<PathBuf> {
    let dir = root().join("../shared/conformance");
    if dir.exists() {
        Some(dir)
    } else {
        eprintln!("SKIPPED {test}: {} is absent", dir.display());
        None
    }
}

fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

#[test]
fn exit_codes() {
    let valid = run(&[FIXTURE], None);
    assert_eq!(code(&valid), 0, "{}", stdout(&valid));
    assert!(stdout(&valid).ends_with("1 documents, 1 valid, 0 invalid, 0 warnings\n"));

    let invalid = run(&["-"], Some(wrong_total().as_bytes()));
    assert_eq!(code(&invalid), 1);

    let missing = run(&[FIXTURE, "no/such/file.xml"], None);
    assert_eq!(code(&missing), 2);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/file.xml"));
    assert!(missing.stdout.is_empty(), "nothing is validated");

    let bad_flag = run(&["--format", "yaml", FIXTURE], None);
    assert_eq!(code(&bad_flag), 2);
}

#[test]
fn text_names_position_rule_terms_and_values() {
    let dir = folder(&[("bad.xml", &wrong_total())]);
    let file = dir.path().join("bad.xml");
    let o = run(&[file.to_str().unwrap()], None);
    assert_eq!(code(&o), 1);
    let text = stdout(&o);
    let line_no = wrong_total()
        .lines()
        .position(|l| l.contains("<cac:LegalMonetaryTotal>"))
        .unwrap()
        + 1;
    let head = format!("{}:{line_no}:", file.display());
    let first = text.lines().next().expect("a finding");
    assert!(first.starts_with(&head), "{first}");
    assert!(
        first.contains(": BR-CO-16 fatal: Amount due for payment (BT-115)"),
        "{first}"
    );
    assert!(
        text.contains("\n    expected 680.43, found 690.43\n"),
        "{text}"
    );
    assert!(
        text.contains("Amount due for payment (BT-115), Invoice total amount with VAT (BT-112)")
    );
    assert!(
        text.ends_with("1 documents, 0 valid, 1 invalid, 0 warnings\n"),
        "{text}"
    );
}

#[test]
fn json_lines_have_exactly_the_documented_keys() {
    let dir = folder(&[
        ("a.xml", &fixture()),
        ("b.xml", &wrong_total()),
        ("c.xml", STRUCTURE_ERROR),
        ("d.xml", "<html/>"),
    ]);
    let o = run(&[dir.path().to_str().unwrap(), "--format", "json"], None);
    assert_eq!(code(&o), 1);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 4);
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    for l in &lines {
        assert_eq!(keys(l), ["file", "findings", "root", "valid"]);
        for f in l["findings"].as_array().unwrap() {
            assert_eq!(keys(f), ["flag", "id", "line", "location", "message"]);
            assert!(["fatal", "warning"].contains(&f["flag"].as_str().unwrap()));
        }
    }
    let summary: Vec<(String, bool, usize)> = lines
        .iter()
        .map(|l| {
            (
                l["root"].as_str().unwrap().to_string(),
                l["valid"].as_bool().unwrap(),
                l["findings"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(summary[0], ("Invoice".into(), true, 0));
    assert_eq!((summary[1].0.as_str(), summary[1].1), ("Invoice", false));
    assert_eq!(lines[1]["findings"][0]["id"], "BR-CO-16");
    assert_eq!(
        lines[1]["findings"][0]["location"],
        "/Invoice/cac:LegalMonetaryTotal"
    );
    // After a structure error only the UBL-XSD findings are listed.
    assert!(lines[2]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["id"] == "UBL-XSD"));
    assert_eq!((summary[3].0.as_str(), summary[3].1), ("other", false));
    assert!(lines[3]["file"].as_str().unwrap().ends_with("d.xml"));
}

#[test]
fn folders_are_read_recursively_in_name_order_xml_only() {
    let valid = fixture();
    let dir = folder(&[
        ("b/2.xml", &valid),
        ("b/1.XML", &valid),
        ("a.xml", &valid),
        ("c/notes.txt", "not a document"),
        ("c/.hidden.xml", "<broken"),
        ("d/deeper/e.xml", &valid),
    ]);
    let o = run(&[dir.path().to_str().unwrap(), "--format", "json"], None);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let files: Vec<String> = json_lines(&o)
        .iter()
        .map(|l| {
            let f = l["file"].as_str().unwrap();
            let rel = Path::new(f).strip_prefix(dir.path()).unwrap();
            rel.to_string_lossy().into_owned()
        })
        .collect();
    assert_eq!(files, ["a.xml", "b/1.XML", "b/2.xml", "d/deeper/e.xml"]);
}

#[test]
fn stdin_is_read_for_a_dash() {
    let o = run(&["-", "--format", "json"], Some(fixture().as_bytes()));
    assert_eq!(code(&o), 0);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["file"], "<stdin>");
    assert_eq!(lines[0]["valid"], true);
}

#[test]
fn warnings_as_errors() {
    let doc = with_warning();
    let o = run(&["-"], Some(doc.as_bytes()));
    assert_eq!(code(&o), 0, "a warning alone leaves the document valid");
    let text = stdout(&o);
    assert!(text.contains(": UBL-CR-005 warning: "), "{text}");
    assert!(
        text.ends_with("1 documents, 1 valid, 0 invalid, 1 warnings\n"),
        "{text}"
    );

    let o = run(&["-", "--warnings-as-errors"], Some(doc.as_bytes()));
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).ends_with("1 documents, 0 valid, 1 invalid, 1 warnings\n"));

    let o = run(
        &["-", "--warnings-as-errors", "--format", "junit"],
        Some(doc.as_bytes()),
    );
    let xml = stdout(&o);
    let junit = roxmltree::Document::parse(&xml).expect("well-formed JUnit");
    let failures: Vec<_> = junit
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 1);
    assert!(failures[0].text().unwrap().contains("UBL-CR-005"));
}

#[test]
fn junit_has_one_testcase_per_document() {
    let dir = folder(&[
        ("1.xml", &fixture()),
        ("2.xml", &wrong_total()),
        ("3.xml", STRUCTURE_ERROR),
        ("4.xml", &with_warning()),
        ("5 <&>.xml", "<Invoice"),
    ]);
    let o = run(&[dir.path().to_str().unwrap(), "--format", "junit"], None);
    assert_eq!(code(&o), 1);
    let xml = stdout(&o);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed JUnit");
    let suite = doc.root_element();
    assert_eq!(suite.tag_name().name(), "testsuite");
    assert_eq!(suite.attribute("tests"), Some("5"));
    assert_eq!(suite.attribute("failures"), Some("3"));
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 5);
    let failed: Vec<bool> = cases
        .iter()
        .map(|c| c.children().any(|n| n.has_tag_name("failure")))
        .collect();
    assert_eq!(failed, [false, true, true, false, true]);
    assert!(cases[4].attribute("name").unwrap().ends_with("5 <&>.xml"));
    let out = |c: &roxmltree::Node| {
        c.children()
            .find(|n| n.has_tag_name("system-out"))
            .and_then(|n| n.text())
            .unwrap_or_default()
            .to_string()
    };
    assert!(out(&cases[2]).contains("business rules skipped"));
    assert!(out(&cases[3]).contains("UBL-CR-005 warning"));
}

#[test]
fn sarif_log_has_the_required_structure() {
    let dir = folder(&[
        ("ok.xml", &fixture()),
        ("bad total.xml", &wrong_total()),
        ("schema.xml", STRUCTURE_ERROR),
        ("warn.xml", &with_warning()),
    ]);
    let o = run(&[dir.path().to_str().unwrap(), "--format", "sarif"], None);
    assert_eq!(code(&o), 1);
    let log: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("SARIF is JSON");
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "ublflow");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules: Vec<&str> = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = runs[0]["results"].as_array().unwrap();
    let ids: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"BR-CO-16") && ids.contains(&"UBL-XSD") && ids.contains(&"UBL-CR-005"));
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index], id, "ruleIndex points at the rule");
        let level = r["level"].as_str().unwrap();
        assert_eq!(
            level,
            if id == "UBL-CR-005" {
                "warning"
            } else {
                "error"
            }
        );
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.contains(' '), "{uri} is a URI");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);
    }
    let mut unique = rules.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        rules.len(),
        "each fired rule once in the driver"
    );
    let bad_total = results.iter().find(|r| r["ruleId"] == "BR-CO-16").unwrap();
    let uri = bad_total["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        uri.starts_with("file:///") && uri.ends_with("/bad%20total.xml"),
        "{uri}"
    );
    let notes = runs[0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 1, "the skipped business rules of schema.xml");
    assert!(notes[0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("skipped"));
}

#[test]
fn rule_set_is_selectable() {
    let bad = run(&["--rules", "3.1", FIXTURE], None);
    assert_eq!(code(&bad), 2);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown rule set '3.1'"));
    let Some(dir) = conformance("rule_set_is_selectable") else {
        return;
    };
    // DK-R-003 is a warning in 3.0.19 and fatal in 2026.5.
    let file = dir.join("generated/gen-00660.xml");
    let file = file.to_str().unwrap();
    let old = run(&[file, "--format", "json"], None);
    assert_eq!(code(&old), 0);
    assert_eq!(json_lines(&old)[0]["findings"][0]["id"], "DK-R-003");
    assert_eq!(json_lines(&old)[0]["findings"][0]["flag"], "warning");
    let new = run(&[file, "--format", "json", "--rules", "2026.5"], None);
    assert_eq!(code(&new), 1);
    assert_eq!(json_lines(&new)[0]["findings"][0]["flag"], "fatal");
}

#[test]
fn official_examples_in_order_with_their_verdicts() {
    let Some(dir) = conformance("official_examples_in_order_with_their_verdicts") else {
        return;
    };
    let examples = dir.join("examples/peppol");
    let o = run(&[examples.to_str().unwrap(), "--format", "json"], None);
    let lines = json_lines(&o);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&examples)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml")))
        .collect();
    files.sort();
    let reported: Vec<PathBuf> = lines
        .iter()
        .map(|l| PathBuf::from(l["file"].as_str().unwrap()))
        .collect();
    assert_eq!(reported, files);
    let all_valid = lines.iter().all(|l| l["valid"] == true);
    assert_eq!(code(&o), if all_valid { 0 } else { 1 });
    assert!(all_valid, "the official Peppol examples are valid");
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_in_a_batch_exits_2_after_the_others() {
    let dir = folder(&[("a.xml", &fixture()), ("c.xml", &fixture())]);
    std::os::unix::fs::symlink(dir.path().join("gone.xml"), dir.path().join("b.xml")).unwrap();
    let o = run(&[dir.path().to_str().unwrap(), "--format", "json"], None);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("b.xml"));
    let files: Vec<String> = json_lines(&o)
        .iter()
        .map(|l| {
            l["file"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(files, ["a.xml", "c.xml"]);
}

/// `valid` of one line of the official verdicts (`expected/examples.jsonl`).
fn officially_valid(v: &serde_json::Value) -> bool {
    v["xsd_errors"].as_array().is_some_and(|e| e.is_empty())
        && v["failed"]
            .as_array()
            .is_some_and(|f| f.iter().all(|x| x["flag"] != "fatal"))
}

#[test]
fn verdicts_on_the_official_examples_match_the_official_validator() {
    let Some(dir) = conformance("verdicts_on_the_official_examples_match_the_official_validator")
    else {
        return;
    };
    let expected: std::collections::BTreeMap<String, bool> =
        std::fs::read_to_string(dir.join("expected/examples.jsonl"))
            .expect("official verdicts")
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("JSON");
                let file = v["file"].as_str().expect("file").to_string();
                (file, officially_valid(&v))
            })
            .collect();
    let examples = dir.join("examples");
    let o = run(&[examples.to_str().unwrap(), "--format", "json"], None);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), expected.len());
    for l in &lines {
        let file = l["file"].as_str().unwrap();
        let rel = Path::new(file).strip_prefix(&examples).unwrap();
        let key = format!("examples/{}", rel.to_string_lossy());
        let official = expected
            .get(&key)
            .unwrap_or_else(|| panic!("{key} has an official verdict"));
        assert_eq!(l["valid"].as_bool().unwrap(), *official, "{key}");
    }
    let any_invalid = expected.values().any(|v| !v);
    assert_eq!(code(&o), if any_invalid { 1 } else { 0 });
}
