//! One small document per kind of schema violation, with exact findings.

use super::check;
use crate::validate::finding::Flag;

const HEAD: &str = r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2">"#;

/// A minimal schema-valid invoice whose body lines are `body`, one element per line from line 2.
fn invoice(body: &[&str]) -> String {
    let mut text = String::from(HEAD);
    for line in body {
        text.push('\n');
        text.push_str(line);
    }
    text.push_str("\n</Invoice>");
    text
}

const ID: &str = "<cbc:ID>1</cbc:ID>";
const DATE: &str = "<cbc:IssueDate>2024-05-01</cbc:IssueDate>";
const SUPPLIER: &str = "<cac:AccountingSupplierParty><cac:Party/></cac:AccountingSupplierParty>";
const CUSTOMER: &str = "<cac:AccountingCustomerParty><cac:Party/></cac:AccountingCustomerParty>";
const TOTAL: &str = r#"<cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="EUR">10.00</cbc:PayableAmount></cac:LegalMonetaryTotal>"#;
const LINE: &str = r#"<cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:LineExtensionAmount currencyID="EUR">10.00</cbc:LineExtensionAmount><cac:Item/></cac:InvoiceLine>"#;

/// (location, line, column) of every finding, after checking they are fatal UBL-XSD findings.
fn findings(text: &str) -> Vec<(String, u32, u32)> {
    let doc = crate::validate::dom::Document::parse(text).expect("well-formed test document");
    check(&doc)
        .into_iter()
        .map(|f| {
            assert_eq!(f.id, "UBL-XSD");
            assert_eq!(f.flag, Flag::Fatal);
            assert!(!f.message.is_empty());
            (f.location, f.line, f.column)
        })
        .collect()
}

/// 1-based column of `needle` in `line`.
fn column_of(line: &str, needle: &str) -> u32 {
    line.find(needle).expect("needle present") as u32 + 1
}

fn at(location: &str, line: u32, column: u32) -> (String, u32, u32) {
    (location.to_string(), line, column)
}

#[test]
fn minimal_invoice_is_valid() {
    assert_eq!(
        findings(&invoice(&[ID, DATE, SUPPLIER, CUSTOMER, TOTAL, LINE])),
        vec![]
    );
}

#[test]
fn wrong_root_or_namespace() {
    let text = r#"<Invoice xmlns="urn:example:not-ubl"><ID/></Invoice>"#;
    assert_eq!(findings(text), vec![at("/Invoice", 1, 1)]);
    let text = r#"<cbc:ID xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">1</cbc:ID>"#;
    assert_eq!(findings(text), vec![at("/cbc:ID", 1, 1)]);
}

#[test]
fn unknown_element() {
    let text = invoice(&[
        ID,
        DATE,
        "  <cbc:Colour>red</cbc:Colour>",
        SUPPLIER,
        CUSTOMER,
        TOTAL,
        LINE,
    ]);
    assert_eq!(findings(&text), vec![at("/Invoice/cbc:Colour", 4, 3)]);
}

#[test]
fn element_out_of_order() {
    let text = invoice(&[DATE, ID, SUPPLIER, CUSTOMER, TOTAL, LINE]);
    // IssueDate comes before the required ID; the ID after it is then out of order.
    assert_eq!(findings(&text), vec![at("/Invoice/cbc:IssueDate", 2, 1)]);
    // The customer comes before the required supplier, as libxml2 reports it.
    let text = invoice(&[ID, DATE, CUSTOMER, SUPPLIER, TOTAL, LINE]);
    assert_eq!(
        findings(&text),
        vec![at("/Invoice/cac:AccountingCustomerParty", 4, 1)]
    );
}

#[test]
fn cardinality() {
    // Too many: IssueDate has maxOccurs 1.
    let text = invoice(&[ID, DATE, DATE, SUPPLIER, CUSTOMER, TOTAL, LINE]);
    assert_eq!(findings(&text), vec![at("/Invoice/cbc:IssueDate[2]", 4, 1)]);
    // Too few: no InvoiceLine at all (minOccurs 1), reported on the parent.
    let text = invoice(&[ID, DATE, SUPPLIER, CUSTOMER, TOTAL]);
    assert_eq!(findings(&text), vec![at("/Invoice", 1, 1)]);
    // Too few inside a nested element: LegalMonetaryTotal without PayableAmount.
    let text = invoice(&[
        ID,
        DATE,
        SUPPLIER,
        CUSTOMER,
        "<cac:LegalMonetaryTotal/>",
        LINE,
    ]);
    assert_eq!(
        findings(&text),
        vec![at("/Invoice/cac:LegalMonetaryTotal", 6, 1)]
    );
}

#[test]
fn missing_and_unknown_attributes() {
    let total = r#"<cac:LegalMonetaryTotal><cbc:PayableAmount>10.00</cbc:PayableAmount></cac:LegalMonetaryTotal>"#;
    let text = invoice(&[ID, DATE, SUPPLIER, CUSTOMER, total, LINE]);
    assert_eq!(
        findings(&text),
        vec![at(
            "/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount",
            6,
            25
        )]
    );
    let id = r#"<cbc:ID colour="red" schemeID="0088">1</cbc:ID>"#;
    let text = invoice(&[
        id,
        DATE,
        r#"<cac:AccountingSupplierParty x="1"><cac:Party/></cac:AccountingSupplierParty>"#,
        CUSTOMER,
        TOTAL,
        LINE,
    ]);
    let doc = crate::validate::dom::Document::parse(&text).expect("well-formed");
    assert_eq!(
        check(&doc)[0].message,
        "attribute 'colour' is not allowed on cbc:ID"
    );
    assert_eq!(
        findings(&text),
        vec![
            at("/Invoice/cbc:ID/@colour", 2, 9),
            at("/Invoice/cac:AccountingSupplierParty/@x", 4, 30),
        ]
    );
}

#[test]
fn bad_decimals() {
    for bad in ["", "1,5", "12.3.4", "ten"] {
        let line = format!(
            r#"<cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:LineExtensionAmount currencyID="EUR">{bad}</cbc:LineExtensionAmount><cac:Item/></cac:InvoiceLine>"#
        );
        let text = invoice(&[ID, DATE, SUPPLIER, CUSTOMER, TOTAL, &line]);
        assert_eq!(
            findings(&text),
            vec![at(
                "/Invoice/cac:InvoiceLine/cbc:LineExtensionAmount",
                7,
                36
            )],
            "{bad:?}"
        );
    }
}

#[test]
fn bad_dates_and_booleans() {
    for bad in ["2024-13-01", "2024-1-1", "01.05.2024", ""] {
        let date = format!("<cbc:IssueDate>{bad}</cbc:IssueDate>");
        let text = invoice(&[ID, &date, SUPPLIER, CUSTOMER, TOTAL, LINE]);
        assert_eq!(
            findings(&text),
            vec![at("/Invoice/cbc:IssueDate", 3, 1)],
            "{bad:?}"
        );
    }
    let charge = "<cac:AllowanceCharge><cbc:ChargeIndicator>yes</cbc:ChargeIndicator><cbc:Amount currencyID=\"EUR\">1</cbc:Amount></cac:AllowanceCharge>";
    let text = invoice(&[ID, DATE, SUPPLIER, CUSTOMER, charge, TOTAL, LINE]);
    assert_eq!(
        findings(&text),
        vec![at(
            "/Invoice/cac:AllowanceCharge/cbc:ChargeIndicator",
            6,
            22
        )]
    );
}

#[test]
fn text_in_element_only_content() {
    let text = invoice(&[
        ID,
        DATE,
        "<cac:AccountingSupplierParty>oops<cac:Party/></cac:AccountingSupplierParty>",
        CUSTOMER,
        TOTAL,
        LINE,
    ]);
    assert_eq!(
        findings(&text),
        vec![at("/Invoice/cac:AccountingSupplierParty", 4, 30)]
    );
}

#[test]
fn element_inside_simple_content() {
    let text = invoice(&[
        "<cbc:ID><cbc:ID>1</cbc:ID></cbc:ID>",
        DATE,
        SUPPLIER,
        CUSTOMER,
        TOTAL,
        LINE,
    ]);
    assert_eq!(findings(&text), vec![at("/Invoice/cbc:ID/cbc:ID", 2, 9)]);
}

#[test]
fn extension_content_is_a_lax_wildcard() {
    let ext = |inner: &str| {
        format!("<ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent>{inner}</ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>")
    };
    // Undeclared foreign content is accepted, with any attributes and text...
    let foreign =
        ext(r#"<x:Anything xmlns:x="urn:example" a="1">text<x:More>1,5</x:More></x:Anything>"#);
    assert_eq!(
        findings(&invoice(&[
            &foreign, ID, DATE, SUPPLIER, CUSTOMER, TOTAL, LINE
        ])),
        vec![]
    );
    // ...but declared elements inside it are validated (lax assessment goes on below).
    let nested = ext(
        r#"<x:Anything xmlns:x="urn:example"><x:More><cbc:ChargeIndicator>yes</cbc:ChargeIndicator></x:More></x:Anything>"#,
    );
    let location = "/Invoice/ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/x:Anything/x:More/cbc:ChargeIndicator";
    assert_eq!(
        findings(&invoice(&[
            &nested, ID, DATE, SUPPLIER, CUSTOMER, TOTAL, LINE
        ])),
        vec![at(location, 2, column_of(&nested, "<cbc:ChargeIndicator"))]
    );
    // Declared UBL content is validated.
    let declared = ext("<cbc:PayableAmount>1,5</cbc:PayableAmount>");
    let found = findings(&invoice(&[
        &declared, ID, DATE, SUPPLIER, CUSTOMER, TOTAL, LINE,
    ]));
    let location =
        "/Invoice/ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/cbc:PayableAmount";
    assert_eq!(found, vec![at(location, 2, 60), at(location, 2, 60)]);
    // Elements of the extension namespace itself are not allowed there, nor is emptiness.
    let own = ext("<ext:ExtensionReason>x</ext:ExtensionReason>");
    assert_eq!(
        findings(&invoice(&[&own, ID, DATE, SUPPLIER, CUSTOMER, TOTAL, LINE])).len(),
        1
    );
    let empty = ext("");
    assert_eq!(
        findings(&invoice(&[
            &empty, ID, DATE, SUPPLIER, CUSTOMER, TOTAL, LINE
        ]))
        .len(),
        1
    );
}

#[test]
fn repeated_elements_are_located_by_position() {
    let text = invoice(&[
        ID,
        DATE,
        SUPPLIER,
        CUSTOMER,
        TOTAL,
        LINE,
        "<cac:InvoiceLine><cbc:ID>2</cbc:ID></cac:InvoiceLine>",
    ]);
    assert_eq!(
        findings(&text),
        vec![at("/Invoice/cac:InvoiceLine[2]", 8, 1)]
    );
}

#[test]
fn xsi_attributes() {
    let xsi = r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#;
    let id = format!(r#"<cbc:ID {xsi} xsi:schemaLocation="urn:x x.xsd">1</cbc:ID>"#);
    assert_eq!(
        findings(&invoice(&[&id, DATE, SUPPLIER, CUSTOMER, TOTAL, LINE])),
        vec![]
    );
    let date = format!(r#"<cbc:IssueDate {xsi} xsi:nil="true"/>"#);
    assert_eq!(
        findings(&invoice(&[ID, &date, SUPPLIER, CUSTOMER, TOTAL, LINE])),
        vec![
            at("/Invoice/cbc:IssueDate/@xsi:nil", 3, 70),
            at("/Invoice/cbc:IssueDate", 3, 1)
        ]
    );
}

#[test]
fn signature_extension_is_validated_down_to_xml_dsig() {
    let signatures = |inner: &str| {
        format!(
            r#"<ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent><sig:UBLDocumentSignatures xmlns:sig="urn:oasis:names:specification:ubl:schema:xsd:CommonSignatureComponents-2" xmlns:sac="urn:oasis:names:specification:ubl:schema:xsd:SignatureAggregateComponents-2" xmlns:sbc="urn:oasis:names:specification:ubl:schema:xsd:SignatureBasicComponents-2" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">{inner}</sig:UBLDocumentSignatures></ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>"#
        )
    };
    let signature = |key_info: &str| {
        signatures(&format!(
            r##"<sac:SignatureInformation><cbc:ID>s1</cbc:ID><sbc:ReferencedSignatureID>r</sbc:ReferencedSignatureID><ds:Signature Id="sig"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2006/12/xml-c14n11"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI=""><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>QUJD</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>QUJD</ds:SignatureValue>{key_info}</ds:Signature></sac:SignatureInformation>"##
        ))
    };
    let check_with = |extension: &str| {
        findings(&invoice(&[
            extension, ID, DATE, SUPPLIER, CUSTOMER, TOTAL, LINE,
        ]))
    };
    let base = "/Invoice/ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/sig:UBLDocumentSignatures/sac:SignatureInformation/ds:Signature";
    // A complete signature; KeyInfo is a repeated choice (an automaton in the tables).
    let valid = signature("<ds:KeyInfo><ds:KeyName>k</ds:KeyName><ds:X509Data><ds:X509Certificate>QUJD</ds:X509Certificate></ds:X509Data></ds:KeyInfo>");
    assert_eq!(check_with(&valid), vec![]);
    // Unknown content inside XML-DSig is reported where it occurs.
    let unknown = signature("<ds:KeyInfo><ds:Anything/></ds:KeyInfo>");
    assert_eq!(
        check_with(&unknown),
        vec![at(
            &format!("{base}/ds:KeyInfo/ds:Anything"),
            2,
            column_of(&unknown, "<ds:Anything")
        )]
    );
    // An empty KeyInfo misses its required choice; an ID may be used once per document.
    let empty = signature(r#"<ds:KeyInfo Id="sig"/>"#);
    assert_eq!(
        check_with(&empty),
        vec![
            at(
                &format!("{base}/ds:KeyInfo/@Id"),
                2,
                column_of(&empty, r#"Id="sig"/>"#)
            ),
            at(
                &format!("{base}/ds:KeyInfo"),
                2,
                column_of(&empty, "<ds:KeyInfo")
            ),
        ]
    );
    // The UBL signature modules are: order inside sac:SignatureInformation is checked.
    let misordered = signatures("<sac:SignatureInformation><sbc:ReferencedSignatureID>r</sbc:ReferencedSignatureID><cbc:ID>s1</cbc:ID></sac:SignatureInformation>");
    let location = "/Invoice/ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/sig:UBLDocumentSignatures/sac:SignatureInformation/cbc:ID";
    assert_eq!(
        findings(&invoice(&[
            &misordered,
            ID,
            DATE,
            SUPPLIER,
            CUSTOMER,
            TOTAL,
            LINE
        ])),
        vec![at(location, 2, 472)]
    );
    // sig:UBLDocumentSignatures needs at least one sac:SignatureInformation.
    let empty = signatures("");
    let location = "/Invoice/ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/sig:UBLDocumentSignatures";
    assert_eq!(
        findings(&invoice(&[
            &empty, ID, DATE, SUPPLIER, CUSTOMER, TOTAL, LINE
        ])),
        vec![at(location, 2, 60)]
    );
}

#[test]
fn foreign_elements_are_named_with_their_own_prefix() {
    let foreign = r#"<x:Note xmlns:x="urn:example:x">hi</x:Note>"#;
    let text = invoice(&[ID, DATE, foreign, SUPPLIER, CUSTOMER, TOTAL, LINE]);
    assert_eq!(findings(&text), vec![at("/Invoice/x:Note", 4, 1)]);
}

#[test]
fn deep_nesting_does_not_use_the_call_stack() {
    const DEPTH: usize = 5_000;
    let open = r#"<cac:SubInvoiceLine><cbc:ID>1</cbc:ID><cbc:LineExtensionAmount currencyID="EUR">1</cbc:LineExtensionAmount><cac:Item/>"#;
    let mut line = LINE.replace("</cac:InvoiceLine>", "");
    for _ in 0..DEPTH {
        line.push_str(open);
    }
    for _ in 0..DEPTH {
        line.push_str("</cac:SubInvoiceLine>");
    }
    line.push_str("</cac:InvoiceLine>");
    let text = invoice(&[ID, DATE, SUPPLIER, CUSTOMER, TOTAL, &line]);
    // Past the depth `validate` accepts, and with a small stack for the check.
    let count = std::thread::Builder::new()
        .spawn(move || {
            let doc = crate::validate::dom::Document::parse_with_max_depth(&text, usize::MAX)
                .expect("well-formed");
            std::thread::scope(|scope| {
                std::thread::Builder::new()
                    .stack_size(128 << 10)
                    .spawn_scoped(scope, || check(&doc).len())
                    .expect("spawn check thread")
                    .join()
                    .expect("check thread")
            })
        })
        .expect("spawn parse thread")
        .join()
        .expect("parse thread");
    assert_eq!(count, 0);
}

#[test]
fn xsi_type_may_only_name_the_declared_type() {
    let xsi = r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#;
    let own = format!(r#"<cbc:ID {xsi} xsi:type="cbc:IDType">1</cbc:ID>"#);
    assert_eq!(
        findings(&invoice(&[&own, DATE, SUPPLIER, CUSTOMER, TOTAL, LINE])),
        vec![]
    );
    let base = format!(r#"<cbc:ID {xsi} xsi:type="cbc:NameType">1</cbc:ID>"#);
    assert_eq!(
        findings(&invoice(&[&base, DATE, SUPPLIER, CUSTOMER, TOTAL, LINE])),
        vec![at("/Invoice/cbc:ID/@xsi:type", 2, 63)]
    );
}

#[test]
fn cdata_counts_as_text_in_element_only_content() {
    let party = |inner: &str| {
        format!("<cac:AccountingSupplierParty>{inner}<cac:Party/></cac:AccountingSupplierParty>")
    };
    for inner in ["<![CDATA[ ]]>", "<![CDATA[]]>", " \n <![CDATA[ ]]> "] {
        let text = invoice(&[ID, DATE, &party(inner), CUSTOMER, TOTAL, LINE]);
        assert_eq!(
            findings(&text),
            vec![at("/Invoice/cac:AccountingSupplierParty", 4, 30)],
            "{inner:?}"
        );
    }
    // Character references to whitespace are plain whitespace.
    let text = invoice(&[ID, DATE, &party("&#32;&#10;"), CUSTOMER, TOTAL, LINE]);
    assert_eq!(findings(&text), vec![]);
    // In simple content a CDATA section is just text.
    let date = "<cbc:IssueDate><![CDATA[2024-05-01]]></cbc:IssueDate>";
    assert_eq!(
        findings(&invoice(&[ID, date, SUPPLIER, CUSTOMER, TOTAL, LINE])),
        vec![]
    );
}

#[test]
fn messages_name_the_problem() {
    let message = |text: &str| {
        let doc = crate::validate::dom::Document::parse(text).expect("well-formed");
        let found = check(&doc);
        assert_eq!(found.len(), 1, "{found:#?}");
        found[0].message.clone()
    };
    let colour = invoice(&[
        ID,
        DATE,
        "<cbc:Colour>red</cbc:Colour>",
        SUPPLIER,
        CUSTOMER,
        TOTAL,
        LINE,
    ]);
    assert!(message(&colour).starts_with(
        "element cbc:Colour is not allowed here; expected cbc:IssueTime, cbc:DueDate,"
    ));
    let order = invoice(&[DATE, ID, SUPPLIER, CUSTOMER, TOTAL, LINE]);
    assert!(message(&order).starts_with("element cbc:IssueDate comes before a required element;"));
    let total = r#"<cac:LegalMonetaryTotal><cbc:PayableAmount>1,5</cbc:PayableAmount></cac:LegalMonetaryTotal>"#;
    let doc = invoice(&[ID, DATE, SUPPLIER, CUSTOMER, total, LINE]);
    let parsed = crate::validate::dom::Document::parse(&doc).expect("well-formed");
    let messages: Vec<String> = check(&parsed).into_iter().map(|f| f.message).collect();
    assert_eq!(
        messages,
        [
            "required attribute 'currencyID' is missing",
            "'1,5' is not a valid xsd:decimal value (udt:AmountType)",
        ]
    );
    let missing = invoice(&[ID, DATE, SUPPLIER, CUSTOMER, TOTAL]);
    assert_eq!(
        message(&missing),
        "Invoice is missing required child element cac:InvoiceLine"
    );
}

#[test]
fn uri_attributes_are_checked_like_libxml2() {
    let code = |uri: &str| format!(r#"<cbc:ID schemeURI="{uri}">1</cbc:ID>"#);
    let good = code("urn:un:unece:uncefact:codelist:specification:5639:1988");
    assert_eq!(
        findings(&invoice(&[&good, DATE, SUPPLIER, CUSTOMER, TOTAL, LINE])),
        vec![]
    );
    let bad = code("12:00");
    assert_eq!(
        findings(&invoice(&[&bad, DATE, SUPPLIER, CUSTOMER, TOTAL, LINE])),
        vec![at("/Invoice/cbc:ID/@schemeURI", 2, 9)]
    );
}
