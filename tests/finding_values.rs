//! The expected and found values the arithmetic rules attach to their findings, on the
//! committed valid invoice of `fixtures/expected/standard-net` with one amount changed.

use ublflow::validate::{validate, Options};

const FIXTURE: &str = include_str!("../fixtures/expected/standard-net/INV-2026-000001.xml");

/// (rule id, expected, found) of every finding with values, after replacing `from` by `to`.
fn values(from: &str, to: &str) -> Vec<(String, String, String)> {
    assert!(FIXTURE.contains(from), "{from} is in the fixture");
    let doc = FIXTURE.replacen(from, to, 1);
    let report = validate(doc.as_bytes(), &Options::default());
    assert!(!report.is_valid());
    let mut out: Vec<_> = report
        .findings
        .iter()
        .filter_map(|f| {
            let v = f.values.as_ref()?;
            Some((f.id.clone(), v.expected.clone(), v.found.clone()))
        })
        .collect();
    out.sort();
    out
}

fn row(id: &str, expected: &str, found: &str) -> (String, String, String) {
    (id.to_string(), expected.to_string(), found.to_string())
}

#[test]
fn the_fixture_is_valid_and_has_no_values() {
    let report = validate(FIXTURE.as_bytes(), &Options::default());
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

#[test]
fn document_tax_total() {
    let got = values(
        "<cbc:TaxAmount currencyID=\"EUR\">108.03</cbc:TaxAmount>",
        "<cbc:TaxAmount currencyID=\"EUR\">110.03</cbc:TaxAmount>",
    );
    // BR-CO-14: the subtotals sum to 6.45 + 101.58; BR-CO-15: 572.40 + 110.03.
    assert_eq!(
        got,
        [
            row("BR-CO-14", "108.03", "110.03"),
            row("BR-CO-15", "682.43", "680.43")
        ]
    );
}

#[test]
fn line_extension_total() {
    let got = values(
        "<cbc:LineExtensionAmount currencyID=\"EUR\">562.50</cbc:LineExtensionAmount>\n    <cbc:TaxExclusiveAmount",
        "<cbc:LineExtensionAmount currencyID=\"EUR\">560.50</cbc:LineExtensionAmount>\n    <cbc:TaxExclusiveAmount",
    );
    // BR-CO-10: the lines sum to 562.50; BR-CO-13: 560.50 + 9.90 charges.
    assert_eq!(
        got,
        [
            row("BR-CO-10", "562.50", "560.50"),
            row("BR-CO-13", "570.40", "572.40")
        ]
    );
}

#[test]
fn charge_total() {
    let got = values(
        "<cbc:ChargeTotalAmount currencyID=\"EUR\">9.90</cbc:ChargeTotalAmount>",
        "<cbc:ChargeTotalAmount currencyID=\"EUR\">19.90</cbc:ChargeTotalAmount>",
    );
    // BR-CO-12: the document charges sum to 9.90; BR-CO-13: 562.50 + 19.90.
    assert_eq!(
        got,
        [
            row("BR-CO-12", "9.90", "19.90"),
            row("BR-CO-13", "582.40", "572.40")
        ]
    );
}

#[test]
fn vat_breakdown_taxable_amount() {
    let got = values(
        "<cbc:TaxableAmount currencyID=\"EUR\">507.90</cbc:TaxableAmount>",
        "<cbc:TaxableAmount currencyID=\"EUR\">500.00</cbc:TaxableAmount>",
    );
    // BR-S-08: the 20% lines and charges sum to 507.90; BR-CO-17 and BR-S-09: 20% of 500.00
    // is 100.00, more than 1 away from the stated 101.58.
    assert_eq!(
        got,
        [
            row("BR-CO-17", "100.00", "101.58"),
            row("BR-S-08", "507.90", "500.00"),
            row("BR-S-09", "100.00", "101.58"),
        ]
    );
}
