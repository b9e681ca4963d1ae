//! CEN EN 16931 core rules (BR-01..BR-67, BR-CO-03/04/09/18..24/26, BR-DEC): presence,
//! cardinality, periods, parties and payment, each fired on its official context.

use crate::validate::dom::Node;
use crate::validate::name::{name, steps, Name};

use super::common::{cbc_text, indicator_is, is_vat, max_two_decimals, vat_children};
use super::Ctx;
use crate::validate::catalogue::Source;
use crate::validate::codelists;
use crate::validate::structure::tables::Ns;
use crate::validate::value;
use crate::validate::xml::{
    attr, cac, cacs, cbc, cbcs, child, children, exists, first_blank, first_ns, has_attr, is,
    is_cac, string_value, text_ns,
};

/// Runs the core rules on the document and on every element.
pub(crate) fn check(ctx: &mut Ctx) {
    document(ctx);
    for i in 0..ctx.elements.len() {
        let el = ctx.elements[i];
        let name = el.local_name();
        match el.ns() {
            Some(Ns::Cac) => aggregate(ctx, el, name),
            Some(Ns::Cbc) => basic(ctx, el, name),
            _ => {}
        }
    }
}

fn parent_is(n: Node, name: Name) -> bool {
    n.parent_element().is_some_and(|p| is(p, name))
}

fn is_line(n: Node) -> bool {
    is_cac!(n, "InvoiceLine") || is_cac!(n, "CreditNoteLine")
}

fn parent_is_line(n: Node) -> bool {
    n.parent_element().is_some_and(is_line)
}

/// `/ubl:Invoice | /cn:CreditNote`.
fn document(ctx: &mut Ctx) {
    let r = ctx.root;
    ctx.check(!first_blank(r, steps!["cbc:CustomizationID"]), "BR-01", r);
    ctx.check(!first_blank(r, steps!["cbc:ID"]), "BR-02", r);
    ctx.check(!first_blank(r, steps!["cbc:IssueDate"]), "BR-03", r);
    ctx.check(
        !first_blank(r, steps!["cbc:InvoiceTypeCode"])
            || !first_blank(r, steps!["cbc:CreditNoteTypeCode"]),
        "BR-04",
        r,
    );
    ctx.check(
        !first_blank(r, steps!["cbc:DocumentCurrencyCode"]),
        "BR-05",
        r,
    );
    let reg_name = |party: Name| {
        first_ns(
            r,
            &[
                party,
                name!("cac:Party"),
                name!("cac:PartyLegalEntity"),
                name!("cbc:RegistrationName"),
            ],
        )
    };
    ctx.check(
        !reg_name(name!("cac:AccountingSupplierParty")).is_empty(),
        "BR-06",
        r,
    );
    ctx.check(
        !reg_name(name!("cac:AccountingCustomerParty")).is_empty(),
        "BR-07",
        r,
    );
    ctx.check(
        exists(
            r,
            steps![
                "cac:AccountingSupplierParty",
                "cac:Party",
                "cac:PostalAddress",
            ],
        ),
        "BR-08",
        r,
    );
    ctx.check(
        exists(
            r,
            steps![
                "cac:AccountingCustomerParty",
                "cac:Party",
                "cac:PostalAddress",
            ],
        ),
        "BR-10",
        r,
    );
    ctx.check(
        exists(r, steps!["cac:InvoiceLine"]) || exists(r, steps!["cac:CreditNoteLine"]),
        "BR-16",
        r,
    );
    let tax_amount_currencies: Vec<String> = ctx
        .named(name!("cbc:TaxAmount"))
        .filter(|e| parent_is(**e, name!("cac:TaxTotal")))
        .filter_map(|e| attr(*e, "currencyID").map(str::to_string))
        .collect();
    let br53 = cbcs!(r, "TaxCurrencyCode")
        .all(|c| tax_amount_currencies.iter().any(|t| *t == string_value(c)));
    ctx.check(br53, "BR-53", r);
    let count = |steps: &[Name]| crate::validate::xml::count(r, steps);
    ctx.check(
        count(steps!["cac:PaymentMeans", "cac:CardAccount"]) <= 1,
        "BR-66",
        r,
    );
    ctx.check(
        count(steps!["cac:PaymentMeans", "cac:PaymentMandate"]) <= 1,
        "BR-67",
        r,
    );
    let tax_point = exists(r, steps!["cbc:TaxPointDate"]);
    let period_code = exists(r, steps!["cac:InvoicePeriod", "cbc:DescriptionCode"]);
    ctx.check(!(tax_point && period_code), "BR-CO-03", r);
    ctx.check(
        exists(r, steps!["cac:TaxTotal", "cac:TaxSubtotal"]),
        "BR-CO-18",
        r,
    );
    // BR-DEC-13 / BR-DEC-15: the official predicate `[@currencyID = cbc:DocumentCurrencyCode]`
    // is relative to the TaxAmount, so it looks for a child of the amount, as here.
    for (id, code) in [
        ("BR-DEC-13", name!("cbc:DocumentCurrencyCode")),
        ("BR-DEC-15", name!("cbc:TaxCurrencyCode")),
    ] {
        let amounts: Vec<Node> = ctx
            .named(name!("cbc:TaxAmount"))
            .copied()
            .filter(|e| parent_is(*e, name!("cac:TaxTotal")))
            .filter(|e| {
                let cur = attr(*e, "currencyID").unwrap_or("");
                children(*e, code).any(|c| string_value(c) == cur)
            })
            .collect();
        if let Some(first) = amounts.first() {
            ctx.check(value::decimals(&string_value(*first)) <= 2, id, r);
        }
    }
}

fn aggregate(ctx: &mut Ctx, el: Node, name: &str) {
    match name {
        "AdditionalDocumentReference" => {
            ctx.check(!first_blank(el, steps!["cbc:ID"]), "BR-52", el);
        }
        "PostalAddress" => {
            let party_of = el
                .parent_element()
                .filter(|p| is_cac!(*p, "Party"))
                .and_then(|p| p.parent_element());
            let country = !first_blank(el, steps!["cac:Country", "cbc:IdentificationCode"]);
            match party_of {
                Some(p) if is_cac!(p, "AccountingCustomerParty") => ctx.check(country, "BR-11", el),
                Some(p) if is_cac!(p, "AccountingSupplierParty") => ctx.check(country, "BR-09", el),
                _ if parent_is(el, name!("cac:TaxRepresentativeParty")) => {
                    ctx.check(country, "BR-20", el)
                }
                _ => {}
            }
        }
        "Address" => {
            let delivery = el.parent_element().filter(|p| {
                is_cac!(*p, "DeliveryLocation") && parent_is(*p, name!("cac:Delivery"))
            });
            if delivery.is_some() {
                ctx.check(
                    exists(el, steps!["cac:Country", "cbc:IdentificationCode"]),
                    "BR-57",
                    el,
                );
            }
        }
        "AllowanceCharge" => {
            let parent = el.parent_element();
            if parent == Some(ctx.root) {
                document_allowance_charge(ctx, el);
            } else if parent.is_some_and(is_line) {
                line_allowance_charge(ctx, el);
            }
        }
        "LegalMonetaryTotal" => {
            for (id, name) in [
                ("BR-12", name!("cbc:LineExtensionAmount")),
                ("BR-13", name!("cbc:TaxExclusiveAmount")),
                ("BR-14", name!("cbc:TaxInclusiveAmount")),
                ("BR-15", name!("cbc:PayableAmount")),
            ] {
                ctx.check(child(el, name).is_some(), id, el);
            }
            for (id, name) in [
                ("BR-DEC-09", name!("cbc:LineExtensionAmount")),
                ("BR-DEC-10", name!("cbc:AllowanceTotalAmount")),
                ("BR-DEC-11", name!("cbc:ChargeTotalAmount")),
                ("BR-DEC-12", name!("cbc:TaxExclusiveAmount")),
                ("BR-DEC-14", name!("cbc:TaxInclusiveAmount")),
                ("BR-DEC-16", name!("cbc:PrepaidAmount")),
                ("BR-DEC-17", name!("cbc:PayableRoundingAmount")),
                ("BR-DEC-18", name!("cbc:PayableAmount")),
            ] {
                ctx.check(max_two_decimals(el, name), id, el);
            }
        }
        "InvoiceLine" | "CreditNoteLine" => line(ctx, el),
        "InvoicePeriod" => {
            let start = cbc!(el, "StartDate");
            let end = cbc!(el, "EndDate");
            let ordered = match (start, end) {
                (Some(s), Some(e)) => {
                    match (value::date(&string_value(s)), value::date(&string_value(e))) {
                        (Some(s), Some(e)) => e >= s,
                        _ => {
                            ctx.abort(Source::Cen, "an invoice period date is not a date".into());
                            true
                        }
                    }
                }
                _ => true,
            };
            let has_date = start.is_some() || end.is_some();
            if parent_is_line(el) {
                ctx.check(ordered, "BR-30", el);
                ctx.check(has_date, "BR-CO-20", el);
            } else {
                ctx.check(ordered, "BR-29", el);
                ctx.check(
                    has_date || cbc!(el, "DescriptionCode").is_some(),
                    "BR-CO-19",
                    el,
                );
            }
        }
        "AdditionalItemProperty" => {
            ctx.check(
                cbc!(el, "Name").is_some() && cbc!(el, "Value").is_some(),
                "BR-54",
                el,
            );
        }
        "PayeeParty" => {
            const SELLER_NAMES: &[Name] = steps![
                "cac:AccountingSupplierParty",
                "cac:Party",
                "cac:PartyName",
                "cbc:Name",
            ];
            const SELLER_IDS: &[Name] = steps![
                "cac:AccountingSupplierParty",
                "cac:Party",
                "cac:PartyIdentification",
                "cbc:ID",
            ];
            let (seller_names, seller_ids) = match el.parent_element() {
                Some(p) => (
                    ctx.path_values(p, SELLER_NAMES),
                    ctx.path_values(p, SELLER_IDS),
                ),
                None => (Vec::new(), Vec::new()),
            };
            let names = crate::validate::xml::path(el, steps!["cac:PartyName", "cbc:Name"]);
            let ids = crate::validate::xml::path(el, steps!["cac:PartyIdentification", "cbc:ID"]);
            let same = |a: &[Node], b: &[String]| {
                a.iter()
                    .any(|x| b.iter().any(|y| string_value(*x) == y.as_str()))
            };
            ctx.check(
                !names.is_empty() && !same(&names, &seller_names) && !same(&ids, &seller_ids),
                "BR-17",
                el,
            );
        }
        "PayeeFinancialAccount" => {
            let credit_transfer = el.parent_element().is_some_and(|p| {
                is_cac!(p, "PaymentMeans")
                    && cbcs!(p, "PaymentMeansCode").any(|c| {
                        let v = string_value(c);
                        v == "30" || v == "58"
                    })
            });
            if credit_transfer {
                ctx.check(!first_blank(el, steps!["cbc:ID"]), "BR-50", el);
            }
        }
        "PaymentMeans" => {
            ctx.check(cbc!(el, "PaymentMeansCode").is_some(), "BR-49", el);
            let code = first_ns(el, steps!["cbc:PaymentMeansCode"]);
            let transfer = code == "30" || code == "58";
            ctx.check(
                !transfer || exists(el, steps!["cac:PayeeFinancialAccount", "cbc:ID"]),
                "BR-61",
                el,
            );
        }
        "BillingReference" => {
            ctx.check(
                exists(el, steps!["cac:InvoiceDocumentReference", "cbc:ID"]),
                "BR-55",
                el,
            );
        }
        "AccountingSupplierParty" => {
            let vat_id = cacs!(el, "Party").any(|p| {
                vat_children(p, name!("cac:PartyTaxScheme")).any(|s| cbc!(s, "CompanyID").is_some())
            });
            ctx.check(
                vat_id
                    || exists(el, steps!["cac:Party", "cac:PartyIdentification", "cbc:ID"])
                    || exists(
                        el,
                        steps!["cac:Party", "cac:PartyLegalEntity", "cbc:CompanyID"],
                    ),
                "BR-CO-26",
                el,
            );
        }
        "TaxRepresentativeParty" => {
            ctx.check(
                !first_blank(el, steps!["cac:PartyName", "cbc:Name"]),
                "BR-18",
                el,
            );
            ctx.check(cac!(el, "PostalAddress").is_some(), "BR-19", el);
            ctx.check(
                vat_children(el, name!("cac:PartyTaxScheme"))
                    .any(|s| cbc!(s, "CompanyID").is_some()),
                "BR-56",
                el,
            );
        }
        "PartyTaxScheme" if is_vat(el) => {
            let prefix: String = cbc_text(el, name!("cbc:CompanyID"))
                .map(|t| t.chars().take(2).collect())
                .unwrap_or_default();
            let countries = codelists::code_list!("cen:BR-CO-09#1");
            ctx.check(countries.contains_substring(&prefix), "BR-CO-09", el);
        }
        _ => {}
    }
}

fn basic(ctx: &mut Ctx, el: Node, name: &str) {
    match name {
        "EndpointID" => {
            let owner = el
                .parent_element()
                .filter(|p| is_cac!(*p, "Party"))
                .and_then(|p| p.parent_element());
            match owner {
                Some(o) if is_cac!(o, "AccountingCustomerParty") => {
                    ctx.check(has_attr(el, "schemeID"), "BR-63", el)
                }
                Some(o) if is_cac!(o, "AccountingSupplierParty") => {
                    ctx.check(has_attr(el, "schemeID"), "BR-62", el)
                }
                _ => {}
            }
        }
        "PrimaryAccountNumberID" => {
            let in_card = el.parent_element().is_some_and(|p| {
                is_cac!(p, "CardAccount") && parent_is(p, name!("cac:PaymentMeans"))
            });
            if in_card {
                ctx.check(text_ns(el).chars().count() <= 10, "BR-51", el);
            }
        }
        "ItemClassificationCode" if line_item_child(el, name!("cac:CommodityClassification")) => {
            ctx.check(has_attr(el, "listID"), "BR-65", el);
        }
        "ID" if line_item_child(el, name!("cac:StandardItemIdentification")) => {
            ctx.check(has_attr(el, "schemeID"), "BR-64", el);
        }
        _ => {}
    }
}

/// `cac:InvoiceLine/cac:Item/cac:<group>/<el>` (or a credit note line).
fn line_item_child(el: Node, group: Name) -> bool {
    el.parent_element()
        .filter(|g| is(*g, group))
        .and_then(|g| g.parent_element())
        .filter(|i| is_cac!(*i, "Item"))
        .is_some_and(parent_is_line)
}

fn reason(ac: Node) -> bool {
    cbc!(ac, "AllowanceChargeReason").is_some() || cbc!(ac, "AllowanceChargeReasonCode").is_some()
}

/// `/ubl:Invoice/cac:AllowanceCharge[...]`: document level allowances and charges.
fn document_allowance_charge(ctx: &mut Ctx, ac: Node) {
    let has_vat_code = vat_children(ac, name!("cac:TaxCategory")).any(|c| cbc!(c, "ID").is_some());
    if indicator_is(ac, false) {
        ctx.check(cbc!(ac, "Amount").is_some(), "BR-31", ac);
        ctx.check(has_vat_code, "BR-32", ac);
        ctx.check(reason(ac), "BR-33", ac);
        ctx.check(reason(ac), "BR-CO-21", ac);
        ctx.check(max_two_decimals(ac, name!("cbc:Amount")), "BR-DEC-01", ac);
        ctx.check(
            max_two_decimals(ac, name!("cbc:BaseAmount")),
            "BR-DEC-02",
            ac,
        );
    } else if indicator_is(ac, true) {
        ctx.check(cbc!(ac, "Amount").is_some(), "BR-36", ac);
        ctx.check(has_vat_code, "BR-37", ac);
        ctx.check(reason(ac), "BR-38", ac);
        ctx.check(reason(ac), "BR-CO-22", ac);
        ctx.check(max_two_decimals(ac, name!("cbc:Amount")), "BR-DEC-05", ac);
        ctx.check(
            max_two_decimals(ac, name!("cbc:BaseAmount")),
            "BR-DEC-06",
            ac,
        );
    }
}

/// `cac:InvoiceLine/cac:AllowanceCharge[...]`: line level allowances and charges.
fn line_allowance_charge(ctx: &mut Ctx, ac: Node) {
    if indicator_is(ac, false) {
        ctx.check(cbc!(ac, "Amount").is_some(), "BR-41", ac);
        ctx.check(reason(ac), "BR-42", ac);
        ctx.check(reason(ac), "BR-CO-23", ac);
        ctx.check(max_two_decimals(ac, name!("cbc:Amount")), "BR-DEC-24", ac);
        ctx.check(
            max_two_decimals(ac, name!("cbc:BaseAmount")),
            "BR-DEC-25",
            ac,
        );
    } else if indicator_is(ac, true) {
        ctx.check(cbc!(ac, "Amount").is_some(), "BR-43", ac);
        ctx.check(reason(ac), "BR-44", ac);
        ctx.check(reason(ac), "BR-CO-24", ac);
        ctx.check(max_two_decimals(ac, name!("cbc:Amount")), "BR-DEC-27", ac);
        ctx.check(
            max_two_decimals(ac, name!("cbc:BaseAmount")),
            "BR-DEC-28",
            ac,
        );
    }
}

/// Some value of `nodes`, cast to a number, satisfies `pred` (general comparison); an
/// uncastable value aborts the CEN rules.
fn any_number(ctx: &mut Ctx, nodes: &[Node], pred: impl Fn(rust_decimal::Decimal) -> bool) -> bool {
    for n in nodes {
        match ctx.num(*n, Source::Cen) {
            Some(v) if pred(v) => return true,
            Some(_) => {}
            None => return true,
        }
    }
    false
}

/// `cac:InvoiceLine | cac:CreditNoteLine`.
fn line(ctx: &mut Ctx, l: Node) {
    ctx.check(!first_blank(l, steps!["cbc:ID"]), "BR-21", l);
    let quantity = cbc!(l, "InvoicedQuantity").is_some() || cbc!(l, "CreditedQuantity").is_some();
    ctx.check(quantity, "BR-22", l);
    let unit = cbcs!(l, "InvoicedQuantity")
        .chain(cbcs!(l, "CreditedQuantity"))
        .any(|q| has_attr(q, "unitCode"));
    ctx.check(unit, "BR-23", l);
    ctx.check(cbc!(l, "LineExtensionAmount").is_some(), "BR-24", l);
    ctx.check(!first_blank(l, steps!["cac:Item", "cbc:Name"]), "BR-25", l);
    let prices = crate::validate::xml::path(l, steps!["cac:Price", "cbc:PriceAmount"]);
    ctx.check(!prices.is_empty(), "BR-26", l);
    let non_negative = any_number(ctx, &prices, |v| v >= rust_decimal::Decimal::ZERO);
    ctx.check(non_negative, "BR-27", l);
    let bases = crate::validate::xml::path(
        l,
        steps!["cac:Price", "cac:AllowanceCharge", "cbc:BaseAmount"],
    );
    let gross_ok =
        bases.is_empty() || any_number(ctx, &bases, |v| v >= rust_decimal::Decimal::ZERO);
    ctx.check(gross_ok, "BR-28", l);
    let vat_code = cacs!(l, "Item")
        .flat_map(|i| vat_children(i, name!("cac:ClassifiedTaxCategory")))
        .any(|c| cbc!(c, "ID").is_some());
    ctx.check(vat_code, "BR-CO-04", l);
    ctx.check(
        max_two_decimals(l, name!("cbc:LineExtensionAmount")),
        "BR-DEC-23",
        l,
    );
}
