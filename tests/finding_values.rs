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
        "<cbc:LineExtensionAmount currencyID=\"EUR\">562.50</cbc:LineExtensionAmount><cbc:TaxExclusiveAmount",
        "<cbc:LineExtensionAmount currencyID=\"EUR\">560.50</cbc:LineExtensionAmount><cbc:TaxExclusiveAmount",
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

/// Regression: an amount near `Decimal::MAX` overflowed the BR-CO-15 sum (a panic, "Addition
/// overflowed"); amounts of 10^15 and more now abort the rule source as an evaluation error.
#[test]
fn amounts_beyond_exact_computation_are_an_evaluation_error_not_a_panic() {
    for amount in [
        "79228162514264337593543950335",
        "-79228162514264337593543950335",
        "1000000000000000",
    ] {
        let doc = FIXTURE.replacen(
            "<cbc:TaxAmount currencyID=\"EUR\">108.03</cbc:TaxAmount>",
            &format!("<cbc:TaxAmount currencyID=\"EUR\">{amount}</cbc:TaxAmount>"),
            1,
        );
        let report = validate(doc.as_bytes(), &Options::default());
        let ids: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["CEN-EVALUATION-ERROR"], "{amount}");
        assert!(report.findings[0].message.contains("10^15"));
    }
    // Just below the bound the rules compute as usual.
    let got = values(
        "<cbc:TaxAmount currencyID=\"EUR\">108.03</cbc:TaxAmount>",
        "<cbc:TaxAmount currencyID=\"EUR\">999999999999999.99</cbc:TaxAmount>",
    );
    assert_eq!(got[0], row("BR-CO-14", "108.03", "999999999999999.99"));
}

/// Regression: a unit price over a tiny base quantity overflowed PEPPOL-EN16931-R120's product.
#[test]
fn a_tiny_base_quantity_is_no_panic() {
    let price = "<cbc:PriceAmount currencyID=\"EUR\">249</cbc:PriceAmount>";
    assert!(FIXTURE.contains(price));
    let doc = FIXTURE.replacen(
        price,
        "<cbc:PriceAmount currencyID=\"EUR\">999999999999999</cbc:PriceAmount>\n\
         <cbc:BaseQuantity unitCode=\"C62\">0.0000000000000000000000000001</cbc:BaseQuantity>",
        1,
    );
    let report = validate(doc.as_bytes(), &Options::default());
    let ids: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
    assert!(ids.contains(&"PEPPOL-EN16931-R120"), "{ids:?}");
}
