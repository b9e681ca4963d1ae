//! Hostile and broken input never crashes, hangs or expands entities: it gets a finding.

use std::time::{Duration, Instant};

use ublflow::validate::{validate, Flag, Options, Root};

const INVOICE_OPEN: &str = r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2">"#;

fn only_finding(bytes: &[u8]) -> (String, bool) {
    let report = validate(bytes, &Options::default());
    assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
    let f = &report.findings[0];
    assert_eq!(f.flag, Flag::Fatal);
    assert!(!f.message.is_empty());
    assert!(!report.is_valid());
    (f.id.clone(), report.business_rules_skipped)
}

#[test]
fn malformed_xml_is_a_fatal_finding() {
    for bad in [
        &b""[..],
        b"<Invoice",
        b"<a><b></a>",
        b"not xml at all",
        b"<a>&undefined;</a>",
    ] {
        let (id, skipped) = only_finding(bad);
        assert_eq!(id, "XML-WELLFORMED");
        assert!(skipped);
    }
}

#[test]
fn dtd_and_entities_are_rejected_never_expanded() {
    let laughs = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<lolz>&lol3;</lolz>"#;
    let external =
        br#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#;
    for doc in [&laughs[..], &external[..]] {
        let (id, skipped) = only_finding(doc);
        assert_eq!(id, "XML-DTD");
        assert!(skipped);
    }
}

#[test]
fn encodings_other_than_utf8_are_rejected_and_a_bom_is_accepted() {
    let latin1 = b"<Invoice>caf\xe9</Invoice>";
    assert_eq!(only_finding(latin1).0, "XML-ENCODING");
    let utf16 = b"\xFF\xFE<\0I\0";
    assert_eq!(only_finding(utf16).0, "XML-ENCODING");
    let with_bom = format!("\u{FEFF}{INVOICE_OPEN}</Invoice>");
    let report = validate(with_bom.as_bytes(), &Options::default());
    assert_eq!(report.root, Root::Invoice);
    assert!(!report.business_rules_skipped);
    assert!(report.findings.iter().any(|f| f.id == "BR-01"));
}

#[test]
fn a_non_ubl_root_is_reported_and_rules_are_skipped() {
    let report = validate(b"<Order xmlns=\"urn:x\"/>", &Options::default());
    assert_eq!(report.root, Root::Other("Order".into()));
    assert!(report.business_rules_skipped);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].id, "UBL-ROOT");
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let depth = 100_000;
    let mut doc = String::from(INVOICE_OPEN);
    doc.push_str(&"<cac:X>".repeat(depth));
    doc.push_str(&"</cac:X>".repeat(depth));
    doc.push_str("</Invoice>");
    let (id, skipped) = only_finding(doc.as_bytes());
    assert_eq!(id, "XML-DEPTH");
    assert!(skipped);
    // Depth inside comments, CDATA and attribute values does not count.
    let mut shallow = String::from(INVOICE_OPEN);
    shallow.push_str(&format!("<!-- {} -->", "<cac:X>".repeat(depth)));
    shallow.push_str(&format!(
        "<cbc:Note a=\"{}\"><![CDATA[{}]]></cbc:Note>",
        "x/>".repeat(1000),
        "<x>".repeat(1000)
    ));
    shallow.push_str("</Invoice>");
    let report = validate(shallow.as_bytes(), &Options::default());
    assert_eq!(report.root, Root::Invoice);
    assert!(!report.business_rules_skipped);
}

#[test]
fn a_100_mb_document_is_validated_in_linear_time() {
    let note = "x".repeat(100 * 1024 * 1024);
    let doc = format!("{INVOICE_OPEN}<cbc:Note>{note}</cbc:Note></Invoice>");
    let start = Instant::now();
    let report = validate(doc.as_bytes(), &Options::default());
    assert_eq!(report.root, Root::Invoice);
    assert!(report.findings.iter().any(|f| f.id == "BR-02"));
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
}
