//! Behaviour of the business rules on the project's own fixture and small variations of it.
//! The expected findings were taken from the official rules run on the same documents.

use ublflow::validate::catalogue;
use ublflow::validate::{validate, Flag, Options, Report, Root, RuleSet, Scope};

const FIXTURE: &str = include_str!("fixtures/peppol-invoice.xml");

/// The business rules, run even where the structure layer also rejects the variation: the expected
/// findings are the official business-rule findings, which the official rules report regardless.
fn all_layers() -> Options {
    Options {
        rules_after_structure_error: true,
        ..Options::default()
    }
}

fn run(doc: &str) -> Report {
    validate(doc.as_bytes(), &all_layers())
}

fn changed(from: &str, to: &str) -> Report {
    assert!(FIXTURE.contains(from), "fixture lacks {from}");
    run(&FIXTURE.replacen(from, to, 1))
}

fn ids(report: &Report) -> Vec<(String, Flag)> {
    let mut v: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.id != "UBL-XSD")
        .map(|f| (f.id.clone(), f.flag))
        .collect();
    v.sort();
    v
}

fn fatal(ids: &[&str]) -> Vec<(String, Flag)> {
    let mut v: Vec<_> = ids.iter().map(|i| (i.to_string(), Flag::Fatal)).collect();
    v.sort();
    v
}

const PAYABLE: &str = r#"<cbc:PayableAmount currencyID="EUR">71.40</cbc:PayableAmount>"#;

#[test]
fn the_fixture_is_valid_with_no_findings() {
    let report = run(FIXTURE);
    assert_eq!(report.root, Root::Invoice);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert!(report.is_valid());
    assert!(!report.business_rules_skipped);
}

#[test]
fn a_missing_amount_is_absent_not_zero() {
    let report = changed(PAYABLE, "");
    assert_eq!(ids(&report), fatal(&["BR-15", "BR-CO-16"]));
    let f = report
        .findings
        .iter()
        .find(|f| f.id == "BR-15")
        .expect("BR-15");
    assert_eq!(f.location, "/Invoice/cac:LegalMonetaryTotal");
    let at = FIXTURE
        .find("<cac:LegalMonetaryTotal>")
        .expect("in fixture");
    let line = FIXTURE[..at].matches('\n').count() as u32 + 1;
    assert_eq!((f.line, f.column), (line, 3));
    assert_eq!(
        f.message,
        catalogue::rule("BR-15").expect("in catalogue").message
    );
}

#[test]
fn an_empty_amount_stops_the_cen_rules_like_the_official_ones() {
    let report = changed(
        PAYABLE,
        r#"<cbc:PayableAmount currencyID="EUR"></cbc:PayableAmount>"#,
    );
    assert_eq!(
        ids(&report),
        fatal(&["CEN-EVALUATION-ERROR", "PEPPOL-EN16931-R008"])
    );
    assert!(!report.is_valid());
}

#[test]
fn present_but_blank_is_not_absent() {
    let report = changed(
        "<cbc:BuyerReference>PO-7781</cbc:BuyerReference>",
        "<cbc:BuyerReference> </cbc:BuyerReference>",
    );
    assert_eq!(ids(&report), fatal(&["PEPPOL-EN16931-R008"]));
}

#[test]
fn too_many_decimals_is_br_dec_not_a_zero() {
    let report = changed(
        r#"<cbc:LineExtensionAmount currencyID="EUR">30.00</cbc:LineExtensionAmount>"#,
        r#"<cbc:LineExtensionAmount currencyID="EUR">30.000</cbc:LineExtensionAmount>"#,
    );
    assert_eq!(ids(&report), fatal(&["BR-DEC-23", "UBL-DT-01"]));
}

#[test]
fn code_list_rules_fire_once_per_occurrence() {
    let doc = FIXTURE.replace(
        r#"<cbc:PriceAmount currencyID="EUR">"#,
        r#"<cbc:PriceAmount currencyID="EUX">"#,
    );
    let report = run(&doc);
    assert_eq!(
        ids(&report),
        fatal(&[
            "BR-CL-03",
            "BR-CL-03",
            "PEPPOL-EN16931-CL007",
            "PEPPOL-EN16931-CL007",
            "PEPPOL-EN16931-R051",
            "PEPPOL-EN16931-R051",
        ])
    );
}

#[test]
fn scope_selects_the_rule_source() {
    let doc = FIXTURE.replacen(PAYABLE, "", 1);
    let cen = validate(
        doc.as_bytes(),
        &Options {
            scope: Scope::Cen,
            ..all_layers()
        },
    );
    let business = |r: &Report| -> Vec<String> {
        r.findings
            .iter()
            .filter(|f| f.id != "UBL-XSD")
            .map(|f| f.id.clone())
            .collect()
    };
    assert!(!business(&cen).is_empty());
    assert!(business(&cen).iter().all(|id| id.starts_with("BR-")));
    let peppol = validate(
        doc.as_bytes(),
        &Options {
            scope: Scope::Peppol,
            ..all_layers()
        },
    );
    assert!(business(&peppol).is_empty(), "{:?}", peppol.findings);
    // The missing PayableAmount is a schema violation whatever the scope.
    assert!(peppol.findings.iter().any(|f| f.id == "UBL-XSD"));
}

#[test]
fn rule_sets_are_versions_of_the_catalogue() {
    assert_eq!(
        "3.0.19".parse::<RuleSet>().expect("known"),
        RuleSet::Peppol3_0_19
    );
    assert_eq!(
        "2026.5".parse::<RuleSet>().expect("known"),
        RuleSet::Peppol2026_5
    );
    assert!("3.0.18".parse::<RuleSet>().is_err());
    let dk3 = catalogue::rule("DK-R-003").expect("in catalogue");
    assert_eq!(dk3.flag(RuleSet::Peppol3_0_19), Some(Flag::Warning));
    assert_eq!(dk3.flag(RuleSet::Peppol2026_5), Some(Flag::Fatal));
    let r054 = catalogue::rule("PEPPOL-COMMON-R054").expect("in catalogue");
    assert_eq!(r054.flag(RuleSet::Peppol3_0_19), None);
    assert!(r054.flag(RuleSet::Peppol2026_5).is_some());
    assert_eq!(catalogue::rules().len(), 1148);
}

#[test]
fn rule_set_2026_5_adds_rules_beside_3_0_19() {
    let doc = FIXTURE.replace(
        r#"<cbc:EndpointID schemeID="0208">0417497106</cbc:EndpointID>"#,
        r#"<cbc:EndpointID schemeID="0106">1234567</cbc:EndpointID>"#,
    );
    let old = validate(doc.as_bytes(), &all_layers());
    assert!(old.findings.is_empty(), "{:?}", old.findings);
    let new = validate(
        doc.as_bytes(),
        &Options {
            rules: RuleSet::Peppol2026_5,
            ..all_layers()
        },
    );
    let r054 = catalogue::rule("PEPPOL-COMMON-R054").expect("in catalogue");
    let expected = r054.flag(RuleSet::Peppol2026_5).expect("in 2026.5");
    assert_eq!(
        ids(&new),
        vec![("PEPPOL-COMMON-R054".to_string(), expected)]
    );
    assert_eq!(new.rules, RuleSet::Peppol2026_5);
}

/// The ids a document gets under a rule set.
fn ids_under(doc: &str, rules: RuleSet) -> Vec<String> {
    let options = Options {
        rules,
        ..all_layers()
    };
    let mut v: Vec<String> = validate(doc.as_bytes(), &options)
        .findings
        .into_iter()
        .map(|f| f.id)
        .collect();
    v.sort();
    v
}

#[test]
fn de_r_t02_wants_an_absolute_external_document_location_in_2026_5() {
    let german = FIXTURE.replace(
        "<cbc:IdentificationCode>BE</cbc:IdentificationCode>",
        "<cbc:IdentificationCode>DE</cbc:IdentificationCode>",
    );
    let located = |uri: &str| {
        german.replacen(
            "<cac:AccountingSupplierParty>",
            &format!(
                "<cac:AdditionalDocumentReference><cbc:ID>T-1</cbc:ID><cac:Attachment>\
                 <cac:ExternalReference>{uri}</cac:ExternalReference></cac:Attachment>\
                 </cac:AdditionalDocumentReference><cac:AccountingSupplierParty>"
            ),
            1,
        )
    };
    let t02 = |doc: &str, set| {
        ids_under(doc, set)
            .iter()
            .filter(|i| *i == "DE-R-T02")
            .count()
    };
    for good in ["https://example.org/a.pdf", "ftp://x", "urn:x", "ab:"] {
        let doc = located(&format!("<cbc:URI>{good}</cbc:URI>"));
        assert_eq!(t02(&doc, RuleSet::Peppol2026_5), 0, "{good}");
    }
    for bad in [
        "example.org/a.pdf",
        "//example.org",
        "1a:x",
        "a:x",
        " https://x",
    ] {
        let doc = located(&format!("<cbc:URI>{bad}</cbc:URI>"));
        assert_eq!(t02(&doc, RuleSet::Peppol2026_5), 1, "{bad}");
        assert_eq!(
            t02(&doc, RuleSet::Peppol3_0_19),
            0,
            "{bad}: not a 3.0.19 rule"
        );
    }
    // No URI at all is no absolute location either.
    assert_eq!(t02(&located(""), RuleSet::Peppol2026_5), 1);
    // A buyer abroad is not asked.
    let abroad = FIXTURE.replacen(
        "<cac:AccountingSupplierParty>",
        "<cac:AdditionalDocumentReference><cbc:ID>T-1</cbc:ID><cac:Attachment>\
         <cac:ExternalReference><cbc:URI>a:x</cbc:URI></cac:ExternalReference></cac:Attachment>\
         </cac:AdditionalDocumentReference><cac:AccountingSupplierParty>",
        1,
    );
    assert_eq!(t02(&abroad, RuleSet::Peppol2026_5), 0);
}

#[test]
fn dk_r_017_wants_a_cvr_scheme_on_a_danish_buyers_registration_in_2026_5() {
    let danish = FIXTURE
        .replace(
            "<cbc:IdentificationCode>BE</cbc:IdentificationCode>",
            "<cbc:IdentificationCode>DK</cbc:IdentificationCode>",
        )
        .replace(
            "<cbc:IdentificationCode>DE</cbc:IdentificationCode>",
            "<cbc:IdentificationCode>DK</cbc:IdentificationCode>",
        );
    let registered = |company_id: &str| {
        danish.replacen(
            "<cbc:RegistrationName>Atelier Brabant SRL</cbc:RegistrationName>",
            &format!(
                "<cbc:RegistrationName>Atelier Brabant SRL</cbc:RegistrationName>{company_id}"
            ),
            1,
        )
    };
    let dk17 = |doc: &str, set| ids_under(doc, set).contains(&"DK-R-017".to_string());
    let gln = registered(r#"<cbc:CompanyID schemeID="0088">5790000436057</cbc:CompanyID>"#);
    assert!(dk17(&gln, RuleSet::Peppol2026_5));
    assert!(!dk17(&gln, RuleSet::Peppol3_0_19), "not a 3.0.19 rule");
    let unschemed = registered("<cbc:CompanyID>12345678</cbc:CompanyID>");
    assert!(dk17(&unschemed, RuleSet::Peppol2026_5));
    let cvr = registered(r#"<cbc:CompanyID schemeID="0184">12345678</cbc:CompanyID>"#);
    assert!(!dk17(&cvr, RuleSet::Peppol2026_5));
    assert!(
        !dk17(&danish, RuleSet::Peppol2026_5),
        "no registration given"
    );
    let flag = catalogue::rule("DK-R-017")
        .and_then(|r| r.flag(RuleSet::Peppol2026_5))
        .expect("in 2026.5");
    let report = validate(
        gln.as_bytes(),
        &Options {
            rules: RuleSet::Peppol2026_5,
            ..all_layers()
        },
    );
    let found = report.findings.iter().find(|f| f.id == "DK-R-017");
    assert_eq!(found.map(|f| f.flag), Some(flag));
}

#[test]
fn every_layer_locates_an_element_the_same_way() {
    // The second line's quantity: its unit code is no UN/ECE Rec 20 code (a business rule), and an
    // element the schema does not know follows it (the structure layer).
    let doc = FIXTURE.replacen(
        r#"<cbc:InvoicedQuantity unitCode="C62">1</cbc:InvoicedQuantity>"#,
        r#"<cbc:InvoicedQuantity unitCode="XXX">1</cbc:InvoicedQuantity><cbc:Bogus>1</cbc:Bogus>"#,
        1,
    );
    let report = run(&doc);
    let located = |id: &str| {
        report
            .findings
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.location.clone())
            .unwrap_or_else(|| panic!("no {id} in {:?}", report.findings))
    };
    assert!(
        located("UBL-XSD").starts_with("/Invoice/cac:InvoiceLine[2]"),
        "{}",
        located("UBL-XSD")
    );
    assert_eq!(
        located("BR-CL-23"),
        "/Invoice/cac:InvoiceLine[2]/cbc:InvoicedQuantity"
    );
}
