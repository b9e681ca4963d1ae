//! Shop exports as they come: Shopify order CSV and WooCommerce REST API JSON.
//!
//! `fixtures/shops/<platform>/` converts into exactly `fixtures/expected/shops/<platform>/*.xml` (set
//! `UBLFLOW_BLESS=1` to rewrite them after an intended change, then review the diff), every document passes the
//! official Peppol rules, and bad or ambiguous exports are refused with their file, row or line, and column.

mod support;

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

const PROFILE: &str = "fixtures/shops/profile.toml";

/// Runs `convert` with the JSON report; returns the exit code and the report lines.
fn convert(inputs: &[&Path], out: &Path, extra: &[&str]) -> (i32, Vec<Value>) {
    let mut args: Vec<&str> = inputs.iter().map(|p| p.to_str().unwrap()).collect();
    args.extend([
        "--profile",
        PROFILE,
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    args.extend(extra);
    let run = support::convert(&args);
    let lines = String::from_utf8(run.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON report lines"))
        .collect();
    (run.status.code().unwrap(), lines)
}

fn events<'a>(report: &'a [Value], event: &str) -> Vec<&'a Value> {
    report.iter().filter(|v| v["event"] == event).collect()
}

fn summary(report: &[Value]) -> &Value {
    report
        .last()
        .filter(|v| v["event"] == "summary")
        .expect("a summary")
}

/// The rejection of one order, as `position|field|message`.
fn rejection(report: &[Value], order_id: &str) -> String {
    let r = events(report, "rejected")
        .into_iter()
        .find(|v| v["order_id"] == order_id)
        .unwrap_or_else(|| panic!("order {order_id} was not rejected: {report:#?}"));
    format!(
        "{}|{}|{}",
        r["position"].as_str().unwrap_or("-"),
        r["field"].as_str().unwrap_or("-"),
        r["message"].as_str().unwrap()
    )
}

fn issued(report: &[Value]) -> Vec<(String, String)> {
    events(report, "document")
        .iter()
        .filter(|v| v["existing"] == false)
        .map(|v| {
            (
                v["order_id"].as_str().unwrap().to_owned(),
                v["number"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn golden(platform: &str, tmp: &Path) -> Vec<Value> {
    let root = support::root();
    let out = tmp.join(platform);
    let (code, report) = convert(&[&root.join("fixtures/shops").join(platform)], &out, &[]);
    assert_eq!(code, 0, "{platform}: {report:#?}");
    let expected_dir = root.join("fixtures/expected/shops").join(platform);
    let produced = support::xml_files(&out);
    if std::env::var_os("UBLFLOW_BLESS").is_some() {
        let _ = fs::remove_dir_all(&expected_dir);
        fs::create_dir_all(&expected_dir).unwrap();
        for p in &produced {
            fs::copy(p, expected_dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    let expected = support::xml_files(&expected_dir);
    let names = |v: &[PathBuf]| -> Vec<String> {
        v.iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(names(&produced), names(&expected), "{platform}");
    for (p, e) in produced.iter().zip(&expected) {
        assert!(
            fs::read(p).unwrap() == fs::read(e).unwrap(),
            "{} differs from {}",
            p.display(),
            e.display()
        );
    }
    report
}

#[test]
fn shopify_exports_convert_into_the_expected_documents() {
    let tmp = tempfile::tempdir().unwrap();
    let report = golden("shopify", tmp.path());
    let s = summary(&report);
    assert_eq!(
        (
            &s["invoices"],
            &s["credit_notes"],
            &s["existing"],
            &s["skipped"],
            &s["rejected"]
        ),
        (&8.into(), &2.into(), &1.into(), &2.into(), &0.into()),
        "{report:#?}"
    );
    // The same order exported again in a second file is invoiced once.
    let again: Vec<_> = events(&report, "document")
        .into_iter()
        .filter(|v| v["existing"] == true)
        .collect();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["order_id"], "#1001");
    let skipped: Vec<String> = events(&report, "skipped")
        .iter()
        .map(|v| format!("{} {}", v["order_id"], v["reason"]))
        .collect();
    assert_eq!(
        skipped,
        [
            "\"#1005\" \"the order was cancelled (2026-11-14 15:00:00 +0100); no invoice\"",
            "\"#1006\" \"the payment was voided (Financial Status); no invoice\""
        ]
    );
    // Refunds credit the invoice of their order.
    let issued = issued(&report);
    let number = |id: &str| issued.iter().find(|(o, _)| o == id).unwrap().1.clone();
    let credit = fs::read_to_string(
        tmp.path()
            .join("shopify/archive/2026/11")
            .join(format!("{}.xml", number("#1003-refund"))),
    )
    .unwrap();
    let credit: String = credit.split_whitespace().collect();
    assert!(credit.contains(&format!(
        "<cac:InvoiceDocumentReference><cbc:ID>{}</cbc:ID>",
        number("#1003")
    )));
    support::assert_officially_valid(&tmp.path().join("shopify"));
}

#[test]
fn woocommerce_exports_convert_into_the_expected_documents() {
    let tmp = tempfile::tempdir().unwrap();
    let report = golden("woocommerce", tmp.path());
    let s = summary(&report);
    assert_eq!(
        (
            &s["invoices"],
            &s["credit_notes"],
            &s["existing"],
            &s["skipped"],
            &s["rejected"]
        ),
        (&4.into(), &2.into(), &1.into(), &2.into(), &0.into()),
        "{report:#?}"
    );
    let issued = issued(&report);
    let ids: Vec<&str> = issued.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(
        ids,
        [
            "501",
            "502",
            "503",
            "506",
            "501-refund-601",
            "506-refund-602"
        ]
    );
    let number = |id: &str| issued.iter().find(|(o, _)| o == id).unwrap().1.clone();
    let credit = fs::read_to_string(
        tmp.path()
            .join("woocommerce/archive/2026/11")
            .join(format!("{}.xml", number("501-refund-601"))),
    )
    .unwrap();
    let credit: String = credit.split_whitespace().collect();
    assert!(credit.contains(&format!(
        "<cac:InvoiceDocumentReference><cbc:ID>{}</cbc:ID>",
        number("501")
    )));
    support::assert_officially_valid(&tmp.path().join("woocommerce"));
}
