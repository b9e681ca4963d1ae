//! Properties of the structure check on generated documents (no shared material needed).

use proptest::prelude::*;
use ublflow::validate::dom::Document;
use ublflow::validate::finding::Flag;
use ublflow::validate::structure::check;

const HEAD: &str = r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2" xmlns:x="urn:example:x">"#;

/// The required children of a minimal invoice, in schema order.
const REQUIRED: [&str; 6] = [
    "<cbc:ID>1</cbc:ID>",
    "<cbc:IssueDate>2024-05-01</cbc:IssueDate>",
    "<cac:AccountingSupplierParty><cac:Party/></cac:AccountingSupplierParty>",
    "<cac:AccountingCustomerParty><cac:Party/></cac:AccountingCustomerParty>",
    r#"<cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="EUR">1</cbc:PayableAmount></cac:LegalMonetaryTotal>"#,
    r#"<cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:LineExtensionAmount currencyID="EUR">1</cbc:LineExtensionAmount><cac:Item/></cac:InvoiceLine>"#,
];

fn document(children: &[String]) -> String {
    format!("{HEAD}\n{}\n</Invoice>", children.join("\n"))
}

fn findings(text: &str) -> Vec<ublflow::validate::finding::Finding> {
    let doc = Document::parse(text).expect("generated documents are well-formed");
    check(&doc)
}

/// A random element: known and unknown names, good and bad values, nested a few levels.
fn element() -> impl Strategy<Value = String> {
    let names = prop::sample::select(vec![
        "cbc:ID",
        "cbc:IssueDate",
        "cbc:Note",
        "cbc:PayableAmount",
        "cbc:ChargeIndicator",
        "cac:Party",
        "cac:Item",
        "cac:InvoiceLine",
        "cac:TaxTotal",
        "ext:UBLExtensions",
        "ext:ExtensionContent",
        "x:Foreign",
        "Invoice",
    ]);
    let values = prop::sample::select(vec![
        "",
        "1",
        "1,5",
        "12.3.4",
        "2024-13-01",
        "2024-01-31",
        "true",
        "yes",
        " text ",
    ]);
    let attrs = prop::sample::select(vec![
        "",
        r#" currencyID="EUR""#,
        r#" schemeID="0088""#,
        r#" bogus="1""#,
    ]);
    let leaf =
        (names.clone(), attrs.clone(), values).prop_map(|(n, a, v)| format!("<{n}{a}>{v}</{n}>"));
    leaf.prop_recursive(3, 24, 4, move |inner| {
        (
            names.clone(),
            attrs.clone(),
            prop::collection::vec(inner, 0..4),
        )
            .prop_map(|(n, a, children)| format!("<{n}{a}>{}</{n}>", children.concat()))
    })
}

proptest! {
    #[test]
    fn findings_are_well_formed_on_arbitrary_documents(children in prop::collection::vec(element(), 0..8)) {
        let text = document(&children);
        let lines = text.lines().count() as u32;
        for f in findings(&text) {
            prop_assert_eq!(f.id.as_str(), "UBL-XSD");
            prop_assert_eq!(f.flag, Flag::Fatal);
            prop_assert!(f.location.starts_with("/Invoice"), "{}", f.location);
            prop_assert!(f.line >= 1 && f.line <= lines && f.column >= 1);
            prop_assert!(!f.message.is_empty());
        }
    }

    #[test]
    fn any_reordering_of_required_children_is_reported(order in Just((0..REQUIRED.len()).collect::<Vec<_>>()).prop_shuffle()) {
        let children: Vec<String> = order.iter().map(|&i| REQUIRED[i].to_string()).collect();
        let in_order = order.windows(2).all(|w| w[0] < w[1]);
        prop_assert_eq!(findings(&document(&children)).is_empty(), in_order);
    }

    #[test]
    fn dropping_a_required_child_is_reported(dropped in 0..REQUIRED.len()) {
        let children: Vec<String> = REQUIRED
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != dropped)
            .map(|(_, c)| c.to_string())
            .collect();
        prop_assert!(!findings(&document(&children)).is_empty());
    }
}

#[test]
fn the_minimal_invoice_is_valid() {
    let children: Vec<String> = REQUIRED.iter().map(|c| c.to_string()).collect();
    assert_eq!(findings(&document(&children)), vec![]);
}
