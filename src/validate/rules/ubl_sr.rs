//! UBL-SR: syntax cardinality rules of the EN 16931 UBL binding.

use crate::validate::dom::Node;
use crate::validate::name::{name, steps, Name};

use super::common::indicator_is;
use super::Ctx;
use crate::validate::fasthash::FastSet;
use crate::validate::structure::tables::Ns;
use crate::validate::xml::{
    attr, cacs, cbc, cbcs, count, counts, exists, has_attr, is_cac, path, string_value,
};

/// Runs the UBL-SR rules.
pub(crate) fn check(ctx: &mut Ctx) {
    document(ctx);
    for i in 0..ctx.elements.len() {
        let el = ctx.elements[i];
        if el.ns() == Some(Ns::Cac) {
            element(ctx, el, el.local_name());
        }
    }
}

/// `upper-case(cbc:ID)` of each tax scheme of a party tax scheme.
fn scheme_is_vat(pts: Node, vat: bool) -> bool {
    cacs!(pts, "TaxScheme")
        .flat_map(|s| cbcs!(s, "ID"))
        .any(|id| (string_value(id).to_uppercase() == "VAT") == vat)
}

/// Distinct string values of every `//cbc:name`.
fn distinct_values(ctx: &Ctx, name: Name) -> usize {
    let seen: FastSet<std::borrow::Cow<str>> = ctx.named(name).map(|e| string_value(*e)).collect();
    seen.len()
}

fn document(ctx: &mut Ctx) {
    let r = ctx.root;
    let sup = name!("cac:AccountingSupplierParty");
    let cus = name!("cac:AccountingCustomerParty");
    let limits: [(&str, &[Name]); 17] = [
        (
            "UBL-SR-01",
            steps!["cac:ContractDocumentReference", "cbc:ID"],
        ),
        (
            "UBL-SR-02",
            steps!["cac:ReceiptDocumentReference", "cbc:ID"],
        ),
        (
            "UBL-SR-03",
            steps!["cac:DespatchDocumentReference", "cbc:ID"],
        ),
        ("UBL-SR-05", steps!["cac:PaymentTerms", "cbc:Note"]),
        ("UBL-SR-08", steps!["cac:InvoicePeriod"]),
        (
            "UBL-SR-09",
            steps![
                "cac:AccountingSupplierParty",
                "cac:Party",
                "cac:PartyLegalEntity",
                "cbc:RegistrationName"
            ],
        ),
        (
            "UBL-SR-10",
            steps![
                "cac:AccountingSupplierParty",
                "cac:Party",
                "cac:PartyName",
                "cbc:Name"
            ],
        ),
        (
            "UBL-SR-11",
            steps![
                "cac:AccountingSupplierParty",
                "cac:Party",
                "cac:PartyLegalEntity",
                "cbc:CompanyID"
            ],
        ),
        (
            "UBL-SR-14",
            steps![
                "cac:AccountingSupplierParty",
                "cac:Party",
                "cac:PartyLegalEntity",
                "cbc:CompanyLegalForm"
            ],
        ),
        (
            "UBL-SR-15",
            steps![
                "cac:AccountingCustomerParty",
                "cac:Party",
                "cac:PartyLegalEntity",
                "cbc:RegistrationName"
            ],
        ),
        (
            "UBL-SR-16",
            steps![
                "cac:AccountingCustomerParty",
                "cac:Party",
                "cac:PartyIdentification",
                "cbc:ID"
            ],
        ),
        (
            "UBL-SR-17",
            steps![
                "cac:AccountingCustomerParty",
                "cac:Party",
                "cac:PartyLegalEntity",
                "cbc:CompanyID"
            ],
        ),
        ("UBL-SR-24", steps!["cac:Delivery"]),
        ("UBL-SR-39", steps!["cac:ProjectReference", "cbc:ID"]),
        (
            "UBL-SR-40",
            steps![
                "cac:AccountingCustomerParty",
                "cac:Party",
                "cac:PartyName",
                "cbc:Name"
            ],
        ),
        (
            "UBL-SR-45",
            steps!["cac:PaymentMeans", "cbc:PaymentDueDate"],
        ),
        (
            "UBL-SR-49",
            steps!["cac:InvoicePeriod", "cbc:DescriptionCode"],
        ),
    ];
    let found = counts(r, &limits.map(|(_, steps)| steps));
    for ((id, _), n) in limits.iter().zip(found) {
        ctx.check(n <= 1, id, r);
    }
    let invoiced_object_ids = cacs!(r, "AdditionalDocumentReference")
        .filter(|d| cbcs!(*d, "DocumentTypeCode").any(|c| string_value(c) == "130"))
        .flat_map(|d| cbcs!(d, "ID"))
        .count();
    ctx.check(invoiced_object_ids <= 1, "UBL-SR-04", r);
    let vat_ids = |party: Name, vat: bool| {
        path(r, &[party, name!("cac:Party"), name!("cac:PartyTaxScheme")])
            .into_iter()
            .filter(|p| scheme_is_vat(*p, vat))
            .flat_map(|p| cbcs!(p, "CompanyID"))
            .count()
    };
    ctx.check(vat_ids(sup, true) <= 1, "UBL-SR-12", r);
    ctx.check(vat_ids(sup, false) <= 1, "UBL-SR-13", r);
    ctx.check(vat_ids(cus, true) <= 1, "UBL-SR-18", r);
    let sepa = ctx
        .named(name!("cbc:ID"))
        .filter(|e| {
            e.parent_element()
                .is_some_and(|p| is_cac!(p, "PartyIdentification"))
        })
        .filter(|e| attr(**e, "schemeID").is_some_and(|s| s.to_uppercase() == "SEPA"))
        .count();
    ctx.check(sepa <= 1, "UBL-SR-29", r);
    ctx.check(
        distinct_values(ctx, name!("cbc:PaymentID")) <= 1,
        "UBL-SR-44",
        r,
    );
    let names = path(r, steps!["cac:PaymentMeans", "cbc:PaymentMeansCode"])
        .into_iter()
        .filter(|c| has_attr(*c, "name"))
        .count();
    ctx.check(names <= 1, "UBL-SR-46", r);
    ctx.check(
        distinct_values(ctx, name!("cbc:PaymentMeansCode")) <= 1,
        "UBL-SR-47",
        r,
    );
}

/// The UBL-SR rules on one `cac:` element called `name`.
fn element(ctx: &mut Ctx, el: Node, name: &str) {
    match name {
        "PostalAddress" | "Address" => {
            ctx.check(cacs!(el, "AddressLine").count() <= 1, "UBL-SR-51", el);
        }
        "Party"
            if el
                .parent_element()
                .is_some_and(|p| is_cac!(p, "AccountingSupplierParty")) =>
        {
            ctx.check(cacs!(el, "PartyTaxScheme").count() <= 2, "UBL-SR-42", el);
        }
        "AdditionalDocumentReference" => {
            ctx.check(
                cbcs!(el, "DocumentDescription").count() <= 1,
                "UBL-SR-33",
                el,
            );
            let code_is = |v: &str| cbcs!(el, "DocumentTypeCode").any(|c| string_value(c) == v);
            let scheme = cbcs!(el, "ID").any(|i| has_attr(i, "schemeID"));
            let ok = code_is("130")
                || (!ctx.is_invoice && code_is("50"))
                || (!scheme && cbc!(el, "DocumentTypeCode").is_none());
            ctx.check(ok, "UBL-SR-43", el);
        }
        "Delivery" => {
            let names = count(el, steps!["cac:DeliveryParty", "cac:PartyName", "cbc:Name"]);
            ctx.check(names <= 1, "UBL-SR-25", el);
        }
        "AllowanceCharge" => {
            let reasons = cbcs!(el, "AllowanceChargeReason").count();
            if indicator_is(el, false) {
                ctx.check(reasons <= 1, "UBL-SR-30", el);
            } else if indicator_is(el, true) {
                ctx.check(reasons <= 1, "UBL-SR-31", el);
            }
        }
        "PartyTaxScheme" => {
            let ok =
                exists(el, steps!["cac:TaxScheme", "cbc:ID"]) && cbc!(el, "CompanyID").is_some();
            ctx.check(ok, "UBL-SR-53", el);
        }
        "InvoiceLine" | "CreditNoteLine" => {
            let [notes, order_lines, periods, discounts, cats, descriptions, references] = counts(
                el,
                &[
                    steps!["cbc:Note"],
                    steps!["cac:OrderLineReference", "cbc:LineID"],
                    steps!["cac:InvoicePeriod"],
                    steps!["cac:Price", "cac:AllowanceCharge", "cbc:Amount"],
                    steps!["cac:Item", "cac:ClassifiedTaxCategory"],
                    steps!["cac:Item", "cbc:Description"],
                    steps!["cac:DocumentReference"],
                ],
            );
            ctx.check(notes <= 1, "UBL-SR-34", el);
            ctx.check(order_lines <= 1, "UBL-SR-35", el);
            ctx.check(periods <= 1, "UBL-SR-36", el);
            ctx.check(discounts <= 1, "UBL-SR-37", el);
            ctx.check(cats == 1, "UBL-SR-48", el);
            ctx.check(descriptions <= 1, "UBL-SR-50", el);
            ctx.check(references <= 1, "UBL-SR-52", el);
        }
        "PayeeParty" => payee(ctx, el),
        "PaymentMeans" => {
            ctx.check(cbcs!(el, "PaymentID").count() <= 1, "UBL-SR-26", el);
            ctx.check(cbcs!(el, "PaymentMeansCode").count() <= 1, "UBL-SR-27", el);
            ctx.check(
                count(el, steps!["cac:PaymentMandate", "cbc:ID"]) <= 1,
                "UBL-SR-28",
                el,
            );
        }
        "BillingReference" => {
            ctx.check(
                cacs!(el, "InvoiceDocumentReference").count() <= 1,
                "UBL-SR-06",
                el,
            );
            ctx.check(
                exists(el, steps!["cac:InvoiceDocumentReference", "cbc:ID"]),
                "UBL-SR-07",
                el,
            );
        }
        "TaxRepresentativeParty" => {
            ctx.check(
                count(el, steps!["cac:PartyName", "cbc:Name"]) <= 1,
                "UBL-SR-22",
                el,
            );
            let ids = count(
                el,
                steps!["cac:Party", "cac:PartyTaxScheme", "cbc:CompanyID"],
            );
            ctx.check(ids <= 1, "UBL-SR-23", el);
        }
        "TaxSubtotal" => {
            let reasons = count(el, steps!["cac:TaxCategory", "cbc:TaxExemptionReason"]);
            ctx.check(reasons <= 1, "UBL-SR-32", el);
        }
        _ => {}
    }
}

/// UBL-SR-19..21: each also requires the payee name to differ from the seller's name
/// (`!=` over node sets: false when either side is empty).
fn payee(ctx: &mut Ctx, el: Node) {
    let names: Vec<String> = path(el, steps!["cac:PartyName", "cbc:Name"])
        .into_iter()
        .map(|n| string_value(n).into_owned())
        .collect();
    const SELLER: &[Name] = steps![
        "cac:AccountingSupplierParty",
        "cac:Party",
        "cac:PartyLegalEntity",
        "cbc:RegistrationName",
    ];
    let seller = match el.parent_element() {
        Some(p) => ctx.path_values(p, SELLER),
        None => Vec::new(),
    };
    let differs = names.iter().any(|a| seller.iter().any(|b| a != b));
    ctx.check(names.len() <= 1 && differs, "UBL-SR-19", el);
    let non_sepa = path(el, steps!["cac:PartyIdentification", "cbc:ID"])
        .into_iter()
        .filter(|i| attr(*i, "schemeID").is_some_and(|s| s.to_uppercase() != "SEPA"))
        .count();
    ctx.check(non_sepa <= 1 && differs, "UBL-SR-20", el);
    let ids = count(el, steps!["cac:PartyLegalEntity", "cbc:CompanyID"]);
    ctx.check(ids <= 1 && differs, "UBL-SR-21", el);
}
