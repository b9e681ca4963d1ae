//! Peppol BIS 3.0 transaction rules (PEPPOL-EN16931-R*), code lists (-CL*), profile rules
//! (-P*) and the date format rule (-F001).

use crate::validate::dom::Node;
use crate::validate::name::{name, steps, Name};
use rust_decimal::Decimal;

use super::common::cbc_text;
use super::context::Countries;
use super::Ctx;
use crate::validate::catalogue::Source;
use crate::validate::codelists::code_list;
use crate::validate::structure::tables::Ns;
use crate::validate::value::{self, is_blank, normalize_space, round2};
use crate::validate::xml::{
    attr, cac, cacs, cbc, cbcs, child, exists, first, has_attr, is, is_cac, string_value,
};

const PEPPOL: Source = Source::Peppol;

/// Runs the Peppol transaction, code-list and profile rules.
pub(crate) fn check(ctx: &mut Ctx, countries: &Countries) {
    document(ctx, countries);
    for i in 0..ctx.elements.len() {
        let el = ctx.elements[i];
        if el.elements().next().is_none() && is_blank(&string_value(el)) {
            ctx.fire("PEPPOL-EN16931-R008", el);
        }
        match el.ns() {
            Some(Ns::Cac) => aggregate(ctx, el),
            Some(Ns::Cbc) => {
                basic(ctx, el);
                codes(ctx, el, countries);
            }
            _ => {}
        }
    }
}

/// First text node of an element (`text()` in a string context).
fn first_text<'a>(n: Node<'a, '_>) -> &'a str {
    n.children()
        .find(|c| c.is_text())
        .and_then(|t| t.text())
        .unwrap_or("")
}

/// `matches(s, 'urn:fdc:peppol.eu:2017:poacc:billing:([0-9]{2}):1.0')` (unanchored, `.` = any).
fn profile_matches(s: &str) -> bool {
    let pat: Vec<char> = "urn:fdc:peppol.eu:2017:poacc:billing:##:1.0"
        .chars()
        .collect();
    let text: Vec<char> = s.chars().collect();
    (0..text.len()).any(|start| {
        text.len() - start >= pat.len()
            && pat.iter().enumerate().all(|(k, p)| {
                let c = text[start + k];
                match p {
                    '#' => c.is_ascii_digit(),
                    '.' => c != '\n',
                    _ => c == *p,
                }
            })
    })
}

/// `$profile`: the process number NN of the ProfileID, or `Unknown`.
pub(crate) fn profile(root: Node) -> String {
    match cbc!(root, "ProfileID") {
        Some(p) => {
            let n = normalize_space(&string_value(p));
            if profile_matches(&n) {
                n.split(':').nth(6).unwrap_or("").to_string()
            } else {
                "Unknown".into()
            }
        }
        None => "Unknown".into(),
    }
}

fn document(ctx: &mut Ctx, countries: &Countries) {
    let r = ctx.root;
    ctx.check(cbc!(r, "ProfileID").is_some(), "PEPPOL-EN16931-R001", r);
    ctx.check(countries.profile != "Unknown", "PEPPOL-EN16931-R007", r);
    let both_de = countries.supplier_is_de && countries.customer_is_de;
    ctx.check(
        cbcs!(r, "Note").count() <= 1 || both_de,
        "PEPPOL-EN16931-R002",
        r,
    );
    ctx.check(
        cbc!(r, "BuyerReference").is_some() || exists(r, steps!["cac:OrderReference", "cbc:ID"]),
        "PEPPOL-EN16931-R003",
        r,
    );
    let customization = cbc!(r, "CustomizationID").map(|c| normalize_space(first_text(c)));
    ctx.check(
        customization.is_some_and(|c| {
            c.starts_with(
                "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
            )
        }),
        "PEPPOL-EN16931-R004",
        r,
    );
    let totals: Vec<Node> = cacs!(r, "TaxTotal").collect();
    let with_sub = totals
        .iter()
        .filter(|t| cac!(**t, "TaxSubtotal").is_some())
        .count();
    ctx.check(with_sub == 1, "PEPPOL-EN16931-R053", r);
    let expected_without = usize::from(cbc!(r, "TaxCurrencyCode").is_some());
    ctx.check(
        totals.len() - with_sub == expected_without,
        "PEPPOL-EN16931-R054",
        r,
    );
    if let Some(tax_cur) = cbc!(r, "TaxCurrencyCode") {
        let doc_cur = cbc!(r, "DocumentCurrencyCode").map(|c| normalize_space(&string_value(c)));
        let tax_cur = normalize_space(&string_value(tax_cur));
        let amounts = |ctx: &mut Ctx, cur: Option<&str>| -> Vec<Decimal> {
            let nodes: Vec<Node> = totals
                .iter()
                .flat_map(|t| cbcs!(*t, "TaxAmount"))
                .filter(|a| cur.is_some() && attr(*a, "currencyID") == cur)
                .collect();
            nodes
                .into_iter()
                .filter_map(|n| ctx.num(n, PEPPOL))
                .collect()
        };
        let in_tax = amounts(ctx, Some(&tax_cur));
        let in_doc = amounts(ctx, doc_cur.as_deref());
        let some = |v: &[Decimal], f: fn(&Decimal) -> bool| v.iter().any(f);
        let negative =
            some(&in_tax, |d| *d <= Decimal::ZERO) && some(&in_doc, |d| *d <= Decimal::ZERO);
        let positive =
            some(&in_tax, |d| *d >= Decimal::ZERO) && some(&in_doc, |d| *d >= Decimal::ZERO);
        ctx.check(negative || positive, "PEPPOL-EN16931-R055", r);
    }
    if !ctx.is_invoice {
        let projects = cacs!(r, "AdditionalDocumentReference")
            .filter(|d| cbcs!(*d, "DocumentTypeCode").any(|c| string_value(c) == "50"))
            .count();
        ctx.check(projects <= 1, "PEPPOL-EN16931-R080", r);
    }
}

fn parent_is(n: Node, name: Name) -> bool {
    n.parent_element().is_some_and(|p| is(p, name))
}

fn aggregate(ctx: &mut Ctx, el: Node) {
    let root = ctx.root;
    match el.local_name() {
        "Party" if parent_is(el, name!("cac:AccountingCustomerParty")) => {
            ctx.check(cbc!(el, "EndpointID").is_some(), "PEPPOL-EN16931-R010", el);
        }
        "Party" if parent_is(el, name!("cac:AccountingSupplierParty")) => {
            ctx.check(cbc!(el, "EndpointID").is_some(), "PEPPOL-EN16931-R020", el);
        }
        "AllowanceCharge" => {
            let line = if ctx.is_invoice {
                name!("cac:InvoiceLine")
            } else {
                name!("cac:CreditNoteLine")
            };
            let parent = el.parent_element();
            let document_or_line = parent == Some(root)
                || parent.is_some_and(|p| is(p, line) && p.parent_element() == Some(root));
            if document_or_line {
                allowance_charge(ctx, el);
            } else if parent_is(el, name!("cac:Price")) {
                price_allowance(ctx, el);
            }
        }
        "PaymentMeans" => {
            let code = cbc!(el, "PaymentMeansCode").map(|c| normalize_space(&string_value(c)));
            if matches!(code.as_deref(), Some("49") | Some("59")) {
                ctx.check(
                    exists(el, steps!["cac:PaymentMandate", "cbc:ID"]),
                    "PEPPOL-EN16931-R061",
                    el,
                );
            }
        }
        "InvoiceLine" | "CreditNoteLine" => line(ctx, el),
        "TaxCategory" => exemption_category(ctx, el),
        _ => {}
    }
}

/// Document and line level allowances and charges: R040..R043.
fn allowance_charge(ctx: &mut Ctx, ac: Node) {
    let factor = cbc!(ac, "MultiplierFactorNumeric");
    let base = cbc!(ac, "BaseAmount");
    match (factor, base) {
        (Some(_), None) => ctx.fire("PEPPOL-EN16931-R041", ac),
        (None, Some(_)) => ctx.fire("PEPPOL-EN16931-R042", ac),
        _ => {
            if let (Some(f), Some(b)) = (factor, base) {
                let amount = match cbc!(ac, "Amount") {
                    Some(a) => ctx.dec(a, PEPPOL),
                    None => Some(Decimal::ZERO),
                };
                let (b, f) = (ctx.dec(b, PEPPOL), ctx.dec(f, PEPPOL));
                if let (Some(a), Some(b), Some(f)) = (amount, b, f) {
                    // Beyond Decimal's range the product cannot equal a bounded amount.
                    let expected = b.checked_mul(f).map(|x| x / Decimal::ONE_HUNDRED);
                    ctx.check(
                        expected.is_some_and(|e| slack(a, e, Decimal::new(2, 2))),
                        "PEPPOL-EN16931-R040",
                        ac,
                    );
                }
            }
            let indicator = cbc!(ac, "ChargeIndicator").map(|c| normalize_space(first_text(c)));
            ctx.check(
                matches!(indicator.as_deref(), Some("true") | Some("false")),
                "PEPPOL-EN16931-R043",
                ac,
            );
        }
    }
}

/// `u:slack($exp, $val, $slack)`.
fn slack(exp: Decimal, val: Decimal, slack: Decimal) -> bool {
    // A bound past Decimal's range lies beyond every value.
    exp.checked_add(slack).is_none_or(|hi| hi >= val)
        && exp.checked_sub(slack).is_none_or(|lo| lo <= val)
}

/// `cac:Price/cac:AllowanceCharge`: R044, R046.
fn price_allowance(ctx: &mut Ctx, ac: Node) {
    let indicator = cbc_text(ac, name!("cbc:ChargeIndicator")).map(|t| normalize_space(&t));
    ctx.check(
        indicator.as_deref() == Some("false"),
        "PEPPOL-EN16931-R044",
        ac,
    );
    if let Some(base) = cbc!(ac, "BaseAmount") {
        let price = ac.parent_element().and_then(|p| cbc!(p, "PriceAmount"));
        let price = price.and_then(|p| ctx.dec(p, PEPPOL));
        let base = ctx.dec(base, PEPPOL);
        let amount = cbc!(ac, "Amount").and_then(|a| ctx.dec(a, PEPPOL));
        let ok = match (price, base, amount) {
            (Some(p), Some(b), Some(a)) => p == b - a,
            _ => false,
        };
        ctx.check(ok, "PEPPOL-EN16931-R046", ac);
    }
}

/// `cac:InvoiceLine | cac:CreditNoteLine`: R120, R121, R100, R101.
fn line(ctx: &mut Ctx, l: Node) {
    let dec_or = |ctx: &mut Ctx, n: Option<Node>, default: Decimal| match n {
        Some(n) => ctx.dec(n, PEPPOL),
        None => Some(default),
    };
    let lea = dec_or(ctx, cbc!(l, "LineExtensionAmount"), Decimal::ZERO);
    let qty_name = if ctx.is_invoice {
        name!("cbc:InvoicedQuantity")
    } else {
        name!("cbc:CreditedQuantity")
    };
    let quantity = dec_or(ctx, child(l, qty_name), Decimal::ONE);
    let price = dec_or(
        ctx,
        first(l, steps!["cac:Price", "cbc:PriceAmount"]),
        Decimal::ZERO,
    );
    let base_node = first(l, steps!["cac:Price", "cbc:BaseQuantity"]);
    let base_value = base_node.and_then(|b| ctx.dec(b, PEPPOL));
    let base = match base_value {
        Some(b) if !b.is_zero() => b,
        _ => Decimal::ONE,
    };
    let mut totals = [Decimal::ZERO; 2];
    for (k, flag) in ["false", "true"].iter().enumerate() {
        let acs: Vec<Node> = cacs!(l, "AllowanceCharge")
            .filter(|a| {
                cbc_text(*a, name!("cbc:ChargeIndicator"))
                    .is_some_and(|t| normalize_space(&t) == *flag)
            })
            .collect();
        let mut sum = Decimal::ZERO;
        for a in acs.iter().flat_map(|a| cbcs!(*a, "Amount")) {
            sum += ctx.dec(a, PEPPOL).unwrap_or_default();
        }
        totals[k] = if acs.is_empty() {
            Decimal::ZERO
        } else {
            round2(sum)
        };
    }
    if let (Some(lea), Some(q), Some(p)) = (lea, quantity, price) {
        // A tiny base quantity can take the unit price past Decimal's range: then the line
        // amount cannot match (unless the quantity is zero).
        let net = if q.is_zero() {
            Some(Decimal::ZERO)
        } else {
            p.checked_div(base).and_then(|unit| q.checked_mul(unit))
        };
        let computed = net
            .and_then(|n| n.checked_add(totals[1]))
            .and_then(|n| n.checked_sub(totals[0]));
        ctx.check(
            computed.is_some_and(|c| slack(lea, c, Decimal::new(2, 2))),
            "PEPPOL-EN16931-R120",
            l,
        );
    }
    if base_node.is_some() {
        ctx.check(
            base_value.is_some_and(|b| b > Decimal::ZERO),
            "PEPPOL-EN16931-R121",
            l,
        );
    }
    let refs: Vec<Node> = cacs!(l, "DocumentReference").collect();
    ctx.check(refs.len() <= 1, "PEPPOL-EN16931-R100", l);
    let invoiced_object = refs
        .iter()
        .flat_map(|d| cbcs!(*d, "DocumentTypeCode"))
        .any(|c| string_value(c) == "130");
    ctx.check(refs.is_empty() || invoiced_object, "PEPPOL-EN16931-R101", l);
}

/// `cac:TaxCategory[upper-case(cbc:TaxExemptionReasonCode)='VATEX-EU-…']`: P0104..P0111.
fn exemption_category(ctx: &mut Ctx, cat: Node) {
    const RULES: [(&str, &str, &str); 8] = [
        ("VATEX-EU-G", "G", "PEPPOL-EN16931-P0104"),
        ("VATEX-EU-O", "O", "PEPPOL-EN16931-P0105"),
        ("VATEX-EU-IC", "K", "PEPPOL-EN16931-P0106"),
        ("VATEX-EU-AE", "AE", "PEPPOL-EN16931-P0107"),
        ("VATEX-EU-D", "E", "PEPPOL-EN16931-P0108"),
        ("VATEX-EU-F", "E", "PEPPOL-EN16931-P0109"),
        ("VATEX-EU-I", "E", "PEPPOL-EN16931-P0110"),
        ("VATEX-EU-J", "E", "PEPPOL-EN16931-P0111"),
    ];
    let codes: Vec<String> = cbcs!(cat, "TaxExemptionReasonCode")
        .map(|c| string_value(c).to_uppercase())
        .collect();
    if let Some((_, category, id)) = RULES
        .iter()
        .find(|(code, _, _)| codes.iter().any(|c| c == code))
    {
        let ok = super::common::category_code(cat) == *category;
        ctx.check(ok, id, cat);
    }
}

fn basic(ctx: &mut Ctx, el: Node) {
    let root = ctx.root;
    match el.local_name() {
        "TaxCurrencyCode" => {
            let own = normalize_space(first_text(el));
            const CODE: &[Name] = steps!["cbc:DocumentCurrencyCode"];
            let doc = match el.parent_element() {
                Some(p) => ctx.path_values(p, CODE).into_iter().next(),
                None => None,
            };
            let doc = doc.map(|d| normalize_space(&d));
            ctx.check(
                doc.as_deref() != Some(own.as_str()),
                "PEPPOL-EN16931-R005",
                el,
            );
        }
        "Amount"
        | "BaseAmount"
        | "PriceAmount"
        | "TaxableAmount"
        | "LineExtensionAmount"
        | "TaxExclusiveAmount"
        | "TaxInclusiveAmount"
        | "AllowanceTotalAmount"
        | "ChargeTotalAmount"
        | "PrepaidAmount"
        | "PayableRoundingAmount"
        | "PayableAmount" => currency(ctx, el),
        "TaxAmount" => {
            let counted = el.parent_element().is_some_and(|p| {
                is_cac!(p, "TaxSubtotal")
                    || (is_cac!(p, "TaxTotal") && cac!(p, "TaxSubtotal").is_some())
            });
            if counted {
                currency(ctx, el);
            }
        }
        "StartDate" | "EndDate" => {
            line_period_within(ctx, el, root);
        }
        "BaseQuantity" if parent_is(el, name!("cac:Price")) && has_attr(el, "unitCode") => {
            let line = el.parent_element().and_then(|p| p.parent_element());
            let qty_name = if ctx.is_invoice {
                "InvoicedQuantity"
            } else {
                "CreditedQuantity"
            };
            let quantities: Vec<Node> = line
                .map(|l| {
                    cbcs!(l, "InvoicedQuantity")
                        .chain(cbcs!(l, "CreditedQuantity"))
                        .collect()
                })
                .unwrap_or_default();
            let unit = attr(el, "unitCode");
            let same = quantities
                .iter()
                .filter(|q| q.local_name() == qty_name)
                .any(|q| attr(*q, "unitCode") == unit);
            ctx.check(quantities.is_empty() || same, "PEPPOL-EN16931-R130", el);
        }
        _ => {}
    }
}

/// R051: the currency of an amount is the document currency.
fn currency(ctx: &mut Ctx, el: Node) {
    let cur = attr(el, "currencyID");
    ctx.check(
        cur.is_some_and(|c| ctx.document_currencies.iter().any(|d| d == c)),
        "PEPPOL-EN16931-R051",
        el,
    );
}

/// R110 / R111: a line period date lies within the document period.
fn line_period_within(ctx: &mut Ctx, el: Node, root: Node) {
    let line_name = if ctx.is_invoice {
        name!("cac:InvoiceLine")
    } else {
        name!("cac:CreditNoteLine")
    };
    let in_line_period = el
        .parent_element()
        .filter(|p| is_cac!(*p, "InvoicePeriod"))
        .and_then(|p| p.parent_element())
        .is_some_and(|l| is(l, line_name) && l.parent_element() == Some(root));
    if !in_line_period {
        return;
    }
    const START: &[Name] = steps!["cac:InvoicePeriod", "cbc:StartDate"];
    const END: &[Name] = steps!["cac:InvoicePeriod", "cbc:EndDate"];
    let name = el.local_name();
    let doc_dates = ctx.path_values(root, if name == "StartDate" { START } else { END });
    let Some(doc_date) = doc_dates.first() else {
        return;
    };
    let own = value::date(first_text(el));
    let doc = value::date(doc_date);
    let (Some(own), Some(doc)) = (own, doc) else {
        ctx.abort_on(PEPPOL, el, "a date");
        return;
    };
    if name == "StartDate" {
        ctx.check(own >= doc, "PEPPOL-EN16931-R110", el);
    } else {
        ctx.check(own <= doc, "PEPPOL-EN16931-R111", el);
    }
}

/// The code-list pattern: CL001..CL008, P0100, P0101, P0112, F001.
fn codes(ctx: &mut Ctx, el: Node, countries: &Countries) {
    let text = || normalize_space(first_text(el));
    match el.local_name() {
        "EmbeddedDocumentBinaryObject" => {
            if let Some(m) = attr(el, "mimeCode") {
                ctx.check(
                    code_list!("peppol:MIMECODE").contains(m),
                    "PEPPOL-EN16931-CL001",
                    el,
                );
            }
        }
        "AllowanceChargeReasonCode" => {
            if let Some(ac) = el
                .parent_element()
                .filter(|p| is_cac!(*p, "AllowanceCharge"))
            {
                let indicator =
                    |v: &str| cbcs!(ac, "ChargeIndicator").any(|c| string_value(c) == v);
                if indicator("false") {
                    ctx.check(
                        code_list!("peppol:UNCL5189").contains(&text()),
                        "PEPPOL-EN16931-CL002",
                        el,
                    );
                } else if indicator("true") {
                    ctx.check(
                        code_list!("peppol:UNCL7161").contains(&text()),
                        "PEPPOL-EN16931-CL003",
                        el,
                    );
                }
            }
        }
        "DescriptionCode" if parent_is(el, name!("cac:InvoicePeriod")) => {
            ctx.check(
                code_list!("peppol:UNCL2005").contains(&text()),
                "PEPPOL-EN16931-CL006",
                el,
            );
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
            let ok =
                attr(el, "currencyID").is_some_and(|c| code_list!("peppol:ISO4217").contains(c));
            ctx.check(ok, "PEPPOL-EN16931-CL007", el);
        }
        "InvoiceTypeCode" => {
            let t = text();
            let ok = countries.profile != "01"
                || code_list!("peppol:PEPPOL-EN16931-P0100#1").contains(&t);
            ctx.check(ok, "PEPPOL-EN16931-P0100", el);
            let german = countries.supplier_is_de && countries.customer_is_de;
            let ns = normalize_space(&string_value(el));
            ctx.check(
                !(ns == "326" || ns == "384") || german,
                "PEPPOL-EN16931-P0112",
                el,
            );
        }
        "CreditNoteTypeCode" => {
            let ok = countries.profile != "01"
                || code_list!("peppol:PEPPOL-EN16931-P0101#1").contains(&text());
            ctx.check(ok, "PEPPOL-EN16931-P0101", el);
        }
        "IssueDate" | "DueDate" | "TaxPointDate" | "StartDate" | "EndDate"
        | "ActualDeliveryDate" => {
            let ok =
                first_text(el).chars().count() == 10 && value::date(&string_value(el)).is_some();
            ctx.check(ok, "PEPPOL-EN16931-F001", el);
        }
        "EndpointID" => {
            if let Some(s) = attr(el, "schemeID") {
                ctx.check(
                    code_list!("peppol:eaid").contains(s),
                    "PEPPOL-EN16931-CL008",
                    el,
                );
            }
        }
        _ => {}
    }
}
