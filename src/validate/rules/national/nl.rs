//! The Netherlands: NL-R-001..NL-R-009 on Dutch sellers.

use crate::validate::dom::Node;
use crate::validate::name::{name, steps, Name};

use super::super::Ctx;
use crate::validate::value::{decimal, normalize_space};
use crate::validate::xml::{attr, cbc, exists, first, is, is_cac, is_cbc, string_value};

fn country_is_nl(root: Node, steps: &[Name]) -> bool {
    first(root, steps).is_some_and(|c| normalize_space(&string_value(c)).to_uppercase() == "NL")
}

fn address_complete(a: Node) -> bool {
    cbc!(a, "StreetName").is_some()
        && cbc!(a, "CityName").is_some()
        && cbc!(a, "PostalZone").is_some()
}

/// NL-R-003 / NL-R-005: a KVK or OIN legal identifier.
fn kvk_or_oin(id: Node) -> bool {
    let schemes = format!(" {} ", attr(id, "schemeID").unwrap_or(""));
    (schemes.contains(" 0106 ") || schemes.contains(" 0190 "))
        && !normalize_space(&string_value(id)).is_empty()
}

fn under(n: Node, chain: &[Name]) -> bool {
    let mut cur = n;
    for name in chain {
        match cur.parent_element() {
            Some(p) if is(p, *name) => cur = p,
            _ => return false,
        }
    }
    true
}

/// Runs the Dutch rules.
pub(crate) fn check(ctx: &mut Ctx) {
    let root = ctx.root;
    let country = |party: Name| -> [Name; 5] {
        [
            party,
            name!("cac:Party"),
            name!("cac:PostalAddress"),
            name!("cac:Country"),
            name!("cbc:IdentificationCode"),
        ]
    };
    if !country_is_nl(root, &country(name!("cac:AccountingSupplierParty"))) {
        return;
    }
    let customer_nl = country_is_nl(root, &country(name!("cac:AccountingCustomerParty")));
    let representative_nl = country_is_nl(
        root,
        steps![
            "cac:TaxRepresentativeParty",
            "cac:PostalAddress",
            "cac:Country",
            "cbc:IdentificationCode",
        ],
    );
    let referenced = exists(
        root,
        steps![
            "cac:BillingReference",
            "cac:InvoiceDocumentReference",
            "cbc:ID",
        ],
    );
    let means = ctx.named(name!("cac:PaymentMeans")).next().is_some();
    let ordered = exists(root, steps!["cac:OrderReference", "cbc:ID"]);
    for i in 0..ctx.elements.len() {
        let el = ctx.elements[i];
        let name = el.local_name();
        if is_cbc!(el, "CreditNoteTypeCode") {
            ctx.check(referenced, "NL-R-001", el);
        } else if is_cac!(el, "PostalAddress")
            && under(el, steps!["cac:Party", "cac:AccountingSupplierParty"])
        {
            ctx.check(address_complete(el), "NL-R-002", el);
        } else if is_cbc!(el, "CompanyID")
            && under(
                el,
                steps![
                    "cac:PartyLegalEntity",
                    "cac:Party",
                    "cac:AccountingSupplierParty"
                ],
            )
        {
            ctx.check(kvk_or_oin(el), "NL-R-003", el);
        } else if customer_nl
            && is_cac!(el, "PostalAddress")
            && under(el, steps!["cac:Party", "cac:AccountingCustomerParty"])
        {
            ctx.check(address_complete(el), "NL-R-004", el);
        } else if customer_nl
            && is_cbc!(el, "CompanyID")
            && under(
                el,
                steps![
                    "cac:PartyLegalEntity",
                    "cac:Party",
                    "cac:AccountingCustomerParty"
                ],
            )
        {
            ctx.check(kvk_or_oin(el), "NL-R-005", el);
        } else if representative_nl
            && is_cac!(el, "PostalAddress")
            && under(el, steps!["cac:TaxRepresentativeParty"])
        {
            ctx.check(address_complete(el), "NL-R-006", el);
        } else if is_cac!(el, "LegalMonetaryTotal") {
            let payable = cbc!(el, "PayableAmount").and_then(|p| decimal(&string_value(p)));
            let no_payment_due = payable.is_some_and(|p| {
                if ctx.is_invoice {
                    p <= 0.into()
                } else {
                    p >= 0.into()
                }
            });
            ctx.check(no_payment_due || means, "NL-R-007", el);
        } else if customer_nl && is_cac!(el, "PaymentMeans") {
            let code = cbc!(el, "PaymentMeansCode")
                .map(|c| normalize_space(&string_value(c)))
                .unwrap_or_default();
            let ok = ["30", "48", "49", "57", "58", "59"].contains(&code.as_str());
            ctx.check(ok, "NL-R-008", el);
        } else if name == "LineID"
            && is_cbc!(el, "LineID")
            && under(el, steps!["cac:OrderLineReference"])
        {
            ctx.check(ordered, "NL-R-009", el);
        }
    }
}
