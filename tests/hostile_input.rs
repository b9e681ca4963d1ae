//! Hostile and broken input never crashes, hangs or expands entities: it gets a finding.

use std::time::{Duration, Instant};

use ublflow::validate::{validate, Flag, Options, Root};

const INVOICE_OPEN: &str = r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2">"#;

/// Runs the business rules even on fragments the structure layer rejects, as these tests probe the rules.
fn all_layers() -> Options {
    Options {
        rules_after_structure_error: true,
        ..Options::default()
    }
}

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
    let report = validate(with_bom.as_bytes(), &all_layers());
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
    let report = validate(shallow.as_bytes(), &all_layers());
    assert_eq!(report.root, Root::Invoice);
    assert!(!report.business_rules_skipped);
}

#[test]
fn a_100_mb_document_is_validated_in_linear_time() {
    let note = "x".repeat(100 * 1024 * 1024);
    let doc = format!("{INVOICE_OPEN}<cbc:Note>{note}</cbc:Note></Invoice>");
    let start = Instant::now();
    let report = validate(doc.as_bytes(), &all_layers());
    assert_eq!(report.root, Root::Invoice);
    assert!(report.findings.iter().any(|f| f.id == "BR-02"));
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn attribute_values_full_of_line_ends_cost_linear_time() {
    // Each line end in an attribute value is normalized to a space; 4 million of them once made
    // the parser search the rest of the value for every one (minutes instead of milliseconds).
    let value = "x\n".repeat(4_000_000);
    let doc = format!("{INVOICE_OPEN}<cbc:Note a=\"{value}\">n</cbc:Note></Invoice>");
    let start = Instant::now();
    let report = validate(doc.as_bytes(), &all_layers());
    assert_eq!(report.root, Root::Invoice);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn many_findings_cost_linear_time() {
    let fixture = include_str!("fixtures/peppol-invoice.xml");
    let start = fixture.find("<cac:InvoiceLine>").expect("a line");
    let end = fixture.rfind("</Invoice>").expect("the end");
    let line = fixture[start..end].replace("\"EUR\"", "\"EUX\"");
    let doc = format!("{}{}</Invoice>", &fixture[..end], line.repeat(5_000));
    let begin = Instant::now();
    let report = validate(doc.as_bytes(), &all_layers());
    let per_line = report
        .findings
        .iter()
        .filter(|f| f.id == "BR-CL-03")
        .count();
    assert_eq!(per_line, 4 * 5_000);
    let last = report.findings.iter().map(|f| f.line).max().unwrap_or(0);
    assert_eq!(last as usize, doc.matches('\n').count() - 1);
    assert!(
        begin.elapsed() < Duration::from_secs(60),
        "took {:?}",
        begin.elapsed()
    );
}

#[test]
fn repeated_document_level_groups_cost_linear_time() {
    let fixture = include_str!("fixtures/peppol-invoice.xml");
    let end = fixture.rfind("</Invoice>").expect("the end");
    let total = &fixture[fixture.find("<cac:TaxTotal>").expect("tax")
        ..fixture.find("<cac:InvoiceLine>").expect("line")];
    let mut groups = String::new();
    for i in 0..10_000 {
        groups.push_str(&format!(
            "<cbc:TaxCurrencyCode>EUR</cbc:TaxCurrencyCode>\
             <cac:PayeeParty><cac:PartyName><cbc:Name>P{i}</cbc:Name></cac:PartyName></cac:PayeeParty>\
             <cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cbc:PaymentID>{i}</cbc:PaymentID></cac:PaymentMeans>\
             <cac:AdditionalDocumentReference><cbc:ID>{i}</cbc:ID></cac:AdditionalDocumentReference>\
             {total}"
        ));
    }
    let doc = format!("{}{groups}</Invoice>", &fixture[..end]);
    let begin = Instant::now();
    let report = validate(doc.as_bytes(), &all_layers());
    assert_eq!(report.root, Root::Invoice);
    assert!(report
        .findings
        .iter()
        .any(|f| f.id == "PEPPOL-EN16931-R053"));
    assert!(
        begin.elapsed() < Duration::from_secs(60),
        "took {:?}",
        begin.elapsed()
    );
}

mod mutations {
    use proptest::prelude::*;
    use ublflow::validate::catalogue;
    use ublflow::validate::{validate, Options, Report, RuleSet, Scope};

    /// Every finding is an official rule of the chosen set or one of ublflow's own ids, with a
    /// message and the flag the catalogue gives it.
    fn well_formed(report: &Report) -> bool {
        const OWN: [&str; 8] = [
            "UBL-XSD",
            "XML-WELLFORMED",
            "UBL-ROOT",
            "XML-DTD",
            "XML-ENCODING",
            "XML-DEPTH",
            "CEN-EVALUATION-ERROR",
            "PEPPOL-EVALUATION-ERROR",
        ];
        report.findings.iter().all(|f| {
            !f.message.is_empty()
                && (OWN.contains(&f.id.as_str())
                    || catalogue::rule(&f.id).and_then(|r| r.flag(report.rules)) == Some(f.flag))
        })
    }

    const FIXTURE: &str = include_str!("fixtures/peppol-invoice.xml");

    /// Snippets that stress the value semantics: empty, blank, not numbers, many decimals,
    /// huge numbers, odd booleans and dates, markup characters.
    const VALUES: [&str; 14] = [
        "",
        " ",
        "abc",
        "1.234567",
        "-0",
        "99999999999999999999999999999999.99",
        "1e5",
        "true ",
        "yes",
        "2026-02-30",
        "NaN",
        "INF",
        "&amp;",
        "<![CDATA[x]]>",
    ];

    fn options() -> impl Strategy<Value = Options> {
        (any::<bool>(), 0..3usize).prop_map(|(new, scope)| Options {
            rules: if new {
                RuleSet::Peppol2026_5
            } else {
                RuleSet::Peppol3_0_19
            },
            scope: [Scope::All, Scope::Cen, Scope::Peppol][scope],
            rules_after_structure_error: true,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any text node replaced by an awkward value: the rules run, nothing panics.
        #[test]
        fn awkward_values_never_panic(which in 0..200usize, value in 0..VALUES.len(), opts in options()) {
            let starts: Vec<usize> = FIXTURE.match_indices('>').map(|(i, _)| i + 1).collect();
            let start = starts[which % starts.len()];
            let end = start + FIXTURE[start..].find('<').unwrap_or(0);
            let doc = format!("{}{}{}", &FIXTURE[..start], VALUES[value], &FIXTURE[end..]);
            let report = validate(doc.as_bytes(), &opts);
            prop_assert!(well_formed(&report), "{:?}", report.findings);
        }

        /// Truncated, spliced or byte-flipped documents: a report, never a panic.
        #[test]
        fn broken_bytes_never_panic(cut in 0..FIXTURE.len(), flip in 0..FIXTURE.len(), byte in any::<u8>()) {
            let mut bytes = FIXTURE.as_bytes()[..cut].to_vec();
            bytes.extend_from_slice(&FIXTURE.as_bytes()[cut / 2..]);
            if let Some(b) = bytes.get_mut(flip) {
                *b = byte;
            }
            let report = validate(&bytes, &Options::default());
            prop_assert!(well_formed(&report), "{:?}", report.findings);
        }
    }
}
