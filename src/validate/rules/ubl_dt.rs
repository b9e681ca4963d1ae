//! UBL-DT: data type restrictions of the EN 16931 UBL binding (amount decimals, binary
//! object attributes, and the supplementary attributes that should not be used).

use crate::validate::dom::Node;

use super::Ctx;
use crate::validate::value::decimals;
use crate::validate::xml::{has_attr, is_cac, is_cbc, string_value};

/// Attributes that should not be used anywhere (UBL-DT-08..28 except 18).
const UNUSED_ATTRIBUTES: [(&str, &str); 20] = [
    ("UBL-DT-08", "schemeName"),
    ("UBL-DT-09", "schemeAgencyName"),
    ("UBL-DT-10", "schemeDataURI"),
    ("UBL-DT-11", "schemeURI"),
    ("UBL-DT-12", "format"),
    ("UBL-DT-13", "unitCodeListIdentifier"),
    ("UBL-DT-14", "unitCodeListAgencyIdentifier"),
    ("UBL-DT-15", "unitCodeListAgencyName"),
    ("UBL-DT-16", "listAgencyName"),
    ("UBL-DT-17", "listName"),
    ("UBL-DT-19", "languageID"),
    ("UBL-DT-20", "listURI"),
    ("UBL-DT-21", "listSchemeURI"),
    ("UBL-DT-22", "languageLocaleID"),
    ("UBL-DT-23", "uri"),
    ("UBL-DT-24", "currencyCodeListVersionID"),
    ("UBL-DT-25", "characterSetCode"),
    ("UBL-DT-26", "encodingCode"),
    ("UBL-DT-27", "schemeAgencyID"),
    ("UBL-DT-28", "listAgencyID"),
];

/// `ancestor::cac:Price/cac:AllowanceCharge`: inside a price that has an allowance.
fn in_discounted_price(n: Node) -> bool {
    n.ancestors()
        .any(|a| is_cac!(a, "Price") && a.elements().any(|c| is_cac!(c, "AllowanceCharge")))
}

/// Runs the UBL-DT rules.
pub(crate) fn check(ctx: &mut Ctx) {
    let mut used = [false; UNUSED_ATTRIBUTES.len()];
    let (mut names, mut code_names) = (0usize, 0usize);
    for i in 0..ctx.elements.len() {
        let el = ctx.elements[i];
        for a in el.attributes().filter(|a| a.namespace().is_none()) {
            if let Some(k) = UNUSED_ATTRIBUTES.iter().position(|(_, n)| *n == a.name()) {
                used[k] = true;
            }
            if a.name() == "name" {
                names += 1;
                if is_cbc!(el, "PaymentMeansCode") {
                    code_names += 1;
                }
            }
        }
        let local = el.local_name();
        if local.ends_with("Amount") && !local.ends_with("PriceAmount") && !in_discounted_price(el)
        {
            ctx.check(decimals(&string_value(el)) <= 2, "UBL-DT-01", el);
        }
        if local.ends_with("BinaryObject") {
            ctx.check(has_attr(el, "mimeCode"), "UBL-DT-06", el);
            ctx.check(has_attr(el, "filename"), "UBL-DT-07", el);
        }
    }
    let root = ctx.root;
    for (k, (id, _)) in UNUSED_ATTRIBUTES.iter().enumerate() {
        ctx.check(!used[k], id, root);
    }
    ctx.check(names <= code_names, "UBL-DT-18", root);
}
