//! CEN EN 16931 code-list rules (BR-CL-*): every coded value, fired once per offending
//! occurrence, against the lists of `schemas/rules/codelists.tsv`.

use crate::validate::dom::Node;
use crate::validate::name::{name, Name};

use super::common::indicator_is;
use super::Ctx;
use crate::validate::codelists::{code_list, CodeList};
use crate::validate::structure::tables::Ns;
use crate::validate::value::{is_xml_space, normalize_space, trim};
use crate::validate::xml::{attr, has_attr, is, is_cac, string_value};

/// `not(contains(normalize-space(v), ' ')) and contains(' LIST ', concat(' ', normalize-space(v), ' '))`.
fn coded(l: &CodeList, v: &str) -> bool {
    // `normalize-space(v)` is one code when no whitespace is left inside once it is trimmed;
    // then it is the trimmed value, looked up without building the normalized string.
    let t = trim(v);
    !t.contains(is_xml_space) && l.contains(t)
}

fn parent_is(n: Node, name: Name) -> bool {
    n.parent_element().is_some_and(|p| is(p, name))
}

/// Runs the code-list rules on every element.
pub(crate) fn check(ctx: &mut Ctx) {
    for i in 0..ctx.elements.len() {
        let el = ctx.elements[i];
        if el.ns() == Some(Ns::Cbc) {
            basic(ctx, el);
        }
    }
}

fn attr_coded(el: Node, name: &str, l: &CodeList) -> Option<bool> {
    attr(el, name).map(|v| coded(l, v))
}

fn basic(ctx: &mut Ctx, el: Node) {
    let text = || string_value(el);
    match el.local_name() {
        "InvoiceTypeCode" => {
            ctx.check(coded(code_list!("cen:BR-CL-01#1"), &text()), "BR-CL-01", el)
        }
        "CreditNoteTypeCode" => {
            ctx.check(coded(code_list!("cen:BR-CL-01#2"), &text()), "BR-CL-01", el)
        }
        "Amount"
        | "BaseAmount"
        | "PriceAmount"
        | "TaxAmount"
        | "TaxableAmount"
        | "LineExtensionAmount"
        | "TaxExclusiveAmount"
        | "TaxInclusiveAmount"
        | "AllowanceTotalAmount"
        | "ChargeTotalAmount"
        | "PrepaidAmount"
        | "PayableRoundingAmount"
        | "PayableAmount" => {
            let ok = coded(
                code_list!("cen:BR-CL-03#1"),
                attr(el, "currencyID").unwrap_or(""),
            );
            ctx.check(ok, "BR-CL-03", el);
        }
        "DocumentCurrencyCode" => {
            ctx.check(coded(code_list!("cen:BR-CL-04#1"), &text()), "BR-CL-04", el)
        }
        "TaxCurrencyCode" => {
            ctx.check(coded(code_list!("cen:BR-CL-05#1"), &text()), "BR-CL-05", el)
        }
        "DescriptionCode" if parent_is(el, name!("cac:InvoicePeriod")) => {
            ctx.check(coded(code_list!("cen:BR-CL-06#1"), &text()), "BR-CL-06", el)
        }
        "Note" if el.parent_element() == Some(ctx.root) => note_subject(ctx, el),
        "ID" => identifier(ctx, el),
        "CompanyID" if parent_is(el, name!("cac:PartyLegalEntity")) => {
            if let Some(ok) = attr_coded(el, "schemeID", code_list!("cen:BR-CL-11#1")) {
                ctx.check(ok, "BR-CL-11", el);
            }
        }
        "ItemClassificationCode" if parent_is(el, name!("cac:CommodityClassification")) => {
            if let Some(ok) = attr_coded(el, "listID", code_list!("cen:BR-CL-13#1")) {
                ctx.check(ok, "BR-CL-13", el);
            }
        }
        "IdentificationCode" if parent_is(el, name!("cac:Country")) => {
            ctx.check(coded(code_list!("cen:BR-CL-14#1"), &text()), "BR-CL-14", el)
        }
        "IdentificationCode" if parent_is(el, name!("cac:OriginCountry")) => {
            ctx.check(coded(code_list!("cen:BR-CL-15#1"), &text()), "BR-CL-15", el)
        }
        "PaymentMeansCode" if parent_is(el, name!("cac:PaymentMeans")) => {
            ctx.check(coded(code_list!("cen:BR-CL-16#1"), &text()), "BR-CL-16", el)
        }
        "AllowanceChargeReasonCode" => {
            let Some(ac) = el
                .parent_element()
                .filter(|p| is_cac!(*p, "AllowanceCharge"))
            else {
                return;
            };
            if indicator_is(ac, false) {
                ctx.check(coded(code_list!("cen:BR-CL-19#1"), &text()), "BR-CL-19", el);
            } else if indicator_is(ac, true) {
                ctx.check(coded(code_list!("cen:BR-CL-20#1"), &text()), "BR-CL-20", el);
            }
        }
        "TaxExemptionReasonCode" => {
            let t = text();
            let ok = !normalize_space(&t).contains(' ')
                && code_list!("cen:BR-CL-22#1").contains(&normalize_space(&t.to_uppercase()));
            ctx.check(ok, "BR-CL-22", el);
        }
        "InvoicedQuantity" | "BaseQuantity" | "CreditedQuantity" => {
            if let Some(ok) = attr_coded(el, "unitCode", code_list!("cen:BR-CL-23#1")) {
                ctx.check(ok, "BR-CL-23", el);
            }
        }
        "EmbeddedDocumentBinaryObject" => {
            if let Some(mime) = attr(el, "mimeCode") {
                ctx.check(code_list!("peppol:MIMECODE").contains(mime), "BR-CL-24", el);
            }
        }
        "EndpointID" => {
            if let Some(ok) = attr_coded(el, "schemeID", code_list!("cen:BR-CL-25#1")) {
                ctx.check(ok, "BR-CL-25", el);
            }
        }
        _ => {}
    }
}

/// `cbc:ID` in its several coded contexts (BR-CL-07, -10, -17, -18, -21, -26).
fn identifier(ctx: &mut Ctx, el: Node) {
    let Some(parent) = el.parent_element() else {
        return;
    };
    let has_scheme = has_attr(el, "schemeID");
    let pname = parent.local_name();
    if parent.ns() != Some(Ns::Cac) {
        return;
    }
    match pname {
        "AdditionalDocumentReference" | "DocumentReference" if has_scheme => {
            let invoiced_object = crate::validate::xml::cbcs!(parent, "DocumentTypeCode")
                .any(|c| string_value(c) == "130");
            if invoiced_object {
                let ok = attr_coded(el, "schemeID", code_list!("cen:BR-CL-07#1")).unwrap_or(true);
                ctx.check(ok, "BR-CL-07", el);
            }
        }
        "PartyIdentification" if has_scheme => {
            let scheme = attr(el, "schemeID").unwrap_or("");
            let sepa = normalize_space(scheme) == "SEPA"
                && el
                    .ancestors()
                    .any(|a| is_cac!(a, "AccountingSupplierParty") || is_cac!(a, "PayeeParty"));
            ctx.check(
                coded(code_list!("cen:BR-CL-10#1"), scheme) || sepa,
                "BR-CL-10",
                el,
            );
        }
        "TaxCategory" => ctx.check(
            coded(code_list!("cen:BR-CL-17#1"), &string_value(el)),
            "BR-CL-17",
            el,
        ),
        "ClassifiedTaxCategory" => ctx.check(
            coded(code_list!("cen:BR-CL-18#1"), &string_value(el)),
            "BR-CL-18",
            el,
        ),
        "StandardItemIdentification" if has_scheme => {
            let ok = attr_coded(el, "schemeID", code_list!("cen:BR-CL-21#1")).unwrap_or(true);
            ctx.check(ok, "BR-CL-21", el);
        }
        "DeliveryLocation" if has_scheme => {
            let ok = attr_coded(el, "schemeID", code_list!("cen:BR-CL-26#1")).unwrap_or(true);
            ctx.check(ok, "BR-CL-26", el);
        }
        _ => {}
    }
}

/// `/ubl:Invoice/cbc:Note`: a subject code between `#` must be UNCL 4451 (BR-CL-08).
fn note_subject(ctx: &mut Ctx, el: Node) {
    let t = string_value(el);
    let Some((_, after)) = t.split_once('#') else {
        return;
    };
    let code = after.split_once('#').map_or("", |(c, _)| c);
    if code.chars().count() == 3 {
        ctx.check(
            code_list!("cen:BR-CL-08#1").contains_substring(code),
            "BR-CL-08",
            el,
        );
    }
}
