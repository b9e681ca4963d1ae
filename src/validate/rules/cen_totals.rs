//! CEN EN 16931 totals and VAT breakdown arithmetic (BR-CO-10..17, BR-CO-25, BR-45..48,
//! BR-DEC-19/20), in `xs:decimal` arithmetic with the official two-decimal rounding.

use crate::validate::dom::Node;
use crate::validate::name::{name, Name};
use rust_decimal::Decimal;

use super::common::{max_two_decimals, vat_children};
use super::Ctx;
use crate::validate::catalogue::Source;
use crate::validate::value::{self, round, round2};
use crate::validate::xml::{attr, cbc, cbcs, is_cac, string_value};

const CEN: Source = Source::Cen;

/// Runs the totals rules.
pub(crate) fn check(ctx: &mut Ctx) {
    const MONETARY_TOTAL: Name = name!("cac:LegalMonetaryTotal");
    const TAX_TOTAL: Name = name!("cac:TaxTotal");
    const TAX_SUBTOTAL: Name = name!("cac:TaxSubtotal");
    const PAYABLE: Name = name!("cbc:PayableAmount");
    let mut memo = Memo::default();
    for el in ctx.named_any(&[MONETARY_TOTAL, TAX_TOTAL, TAX_SUBTOTAL, PAYABLE]) {
        match el.name() {
            Some(MONETARY_TOTAL) => monetary_total(ctx, &mut memo, el),
            Some(TAX_TOTAL) if el.parent_element() == Some(ctx.root) => {
                tax_total(ctx, el);
            }
            Some(TAX_SUBTOTAL) if el.parent_element().is_some_and(|p| is_cac!(p, "TaxTotal")) => {
                tax_subtotal(ctx, el);
            }
            Some(PAYABLE) if ctx.is_invoice => {
                let in_total = el.parent_element().is_some_and(|p| {
                    is_cac!(p, "LegalMonetaryTotal") && p.parent_element() == Some(ctx.root)
                });
                if in_total {
                    payable(ctx, &mut memo, el);
                }
            }
            _ => {}
        }
    }
    document(ctx);
}

/// Document-wide sums, computed once however often the totals repeat.
#[derive(Default)]
struct Memo {
    /// `round(sum(//(cac:InvoiceLine|cac:CreditNoteLine)/xs:decimal(cbc:LineExtensionAmount)))`.
    line_sum: Option<Decimal>,
    /// Parent id and, for it: allowances present, their rounded sum, charges present, theirs.
    allowance_charge: Option<(usize, (bool, Decimal, bool, Decimal))>,
    /// BR-CO-25's `exists(//cbc:DueDate) or exists(//cac:PaymentTerms/cbc:Note)`.
    due: Option<bool>,
}

/// `sum(nodes/xs:decimal(cbc:name))`.
fn sum(ctx: &mut Ctx, nodes: &[Node], name: Name) -> Decimal {
    let mut total = Decimal::ZERO;
    for n in nodes {
        if let Some(v) = ctx.dec_child(*n, name, CEN) {
            total += v;
        }
    }
    total
}

/// Allowances (`charge = false`) or charges of `parent`, by `cbc:ChargeIndicator = false()`,
/// where an indicator that is no boolean is an evaluation error.
fn allowance_charges<'a, 'i>(
    ctx: &mut Ctx,
    parent: Node<'a, 'i>,
    charge: bool,
) -> Vec<Node<'a, 'i>> {
    let mut out = Vec::new();
    for ac in parent.elements().filter(|c| is_cac!(*c, "AllowanceCharge")) {
        let mut matches = false;
        for ind in cbcs!(ac, "ChargeIndicator") {
            match value::boolean(&string_value(ind)) {
                Some(b) => matches |= b == charge,
                None => ctx.abort_on(CEN, ind, "a boolean"),
            }
        }
        if matches {
            out.push(ac);
        }
    }
    out
}

/// `cac:LegalMonetaryTotal`: BR-CO-10, -11, -12, -13, -16.
fn monetary_total(ctx: &mut Ctx, memo: &mut Memo, t: Node) {
    let line_sum = match memo.line_sum {
        Some(s) => s,
        None => {
            let lines = ctx.named_any(&[name!("cac:InvoiceLine"), name!("cac:CreditNoteLine")]);
            let s = round2(sum(ctx, &lines, name!("cbc:LineExtensionAmount")));
            memo.line_sum = Some(s);
            s
        }
    };
    let lea = ctx.dec_child(t, name!("cbc:LineExtensionAmount"), CEN);
    ctx.check_values(lea == Some(line_sum), "BR-CO-10", t, Some(line_sum), lea);

    let parent = t.parent_element().unwrap_or(t);
    let (any_allowance, allowance_sum, any_charge, charge_sum) = match memo.allowance_charge {
        Some((id, sums)) if id == parent.index() => sums,
        _ => {
            let allowances = allowance_charges(ctx, parent, false);
            let charges = allowance_charges(ctx, parent, true);
            let sums = (
                !allowances.is_empty(),
                round2(sum(ctx, &allowances, name!("cbc:Amount"))),
                !charges.is_empty(),
                round2(sum(ctx, &charges, name!("cbc:Amount"))),
            );
            memo.allowance_charge = Some((parent.index(), sums));
            sums
        }
    };
    let allowance_total = ctx.dec_child(t, name!("cbc:AllowanceTotalAmount"), CEN);
    let charge_total = ctx.dec_child(t, name!("cbc:ChargeTotalAmount"), CEN);
    let has_allowance_total = cbc!(t, "AllowanceTotalAmount").is_some();
    let has_charge_total = cbc!(t, "ChargeTotalAmount").is_some();
    ctx.check_values(
        allowance_total == Some(allowance_sum) || (!has_allowance_total && !any_allowance),
        "BR-CO-11",
        t,
        Some(allowance_sum),
        allowance_total,
    );
    ctx.check_values(
        charge_total == Some(charge_sum) || (!has_charge_total && !any_charge),
        "BR-CO-12",
        t,
        Some(charge_sum),
        charge_total,
    );

    let tax_exclusive = ctx.dec_child(t, name!("cbc:TaxExclusiveAmount"), CEN);
    let br_co_13 = match (has_charge_total, has_allowance_total) {
        (true, true) => opt3(lea, charge_total, allowance_total).map(|(l, c, a)| round2(l + c - a)),
        (false, true) => lea.zip(allowance_total).map(|(l, a)| round2(l - a)),
        (true, false) => lea.zip(charge_total).map(|(l, c)| round2(l + c)),
        (false, false) => lea,
    };
    ctx.check_values(
        tax_exclusive.is_some() && tax_exclusive == br_co_13,
        "BR-CO-13",
        t,
        br_co_13,
        tax_exclusive,
    );

    let payable = ctx.dec_child(t, name!("cbc:PayableAmount"), CEN);
    let inclusive = ctx.dec_child(t, name!("cbc:TaxInclusiveAmount"), CEN);
    let prepaid = ctx.dec_child(t, name!("cbc:PrepaidAmount"), CEN);
    let rounding = ctx.dec_child(t, name!("cbc:PayableRoundingAmount"), CEN);
    let has_prepaid = cbc!(t, "PrepaidAmount").is_some();
    let has_rounding = cbc!(t, "PayableRoundingAmount").is_some();
    // Payable (less rounding, when given) = inclusive (less prepaid, when given).
    let due = if has_prepaid {
        opt2(inclusive, prepaid).map(|(i, p)| round2(i - p))
    } else {
        inclusive
    };
    let (stated, expected) = if has_rounding {
        (
            opt2(payable, rounding).map(|(p, r)| round2(p - r)),
            opt2(due, rounding).map(|(d, r)| d + r),
        )
    } else {
        (payable, due)
    };
    ctx.check_values(eq(stated, due), "BR-CO-16", t, expected, payable);
}

fn opt2(a: Option<Decimal>, b: Option<Decimal>) -> Option<(Decimal, Decimal)> {
    a.zip(b)
}

fn opt3(
    a: Option<Decimal>,
    b: Option<Decimal>,
    c: Option<Decimal>,
) -> Option<(Decimal, Decimal, Decimal)> {
    Some((a?, b?, c?))
}

/// XPath `=` on two optional singletons: false when either is empty.
fn eq(a: Option<Decimal>, b: Option<Decimal>) -> bool {
    a.is_some() && a == b
}

/// `/ubl:Invoice/cac:TaxTotal`: BR-CO-14.
fn tax_total(ctx: &mut Ctx, t: Node) {
    let subtotals: Vec<Node> = t
        .elements()
        .filter(|c| is_cac!(*c, "TaxSubtotal"))
        .collect();
    if subtotals.is_empty() {
        return;
    }
    let total = round2(sum(ctx, &subtotals, name!("cbc:TaxAmount")));
    let amount = ctx.dec_child(t, name!("cbc:TaxAmount"), CEN);
    ctx.check_values(amount == Some(total), "BR-CO-14", t, Some(total), amount);
}

/// `cac:TaxTotal/cac:TaxSubtotal`: BR-45..48, BR-CO-17, BR-DEC-19/20.
fn tax_subtotal(ctx: &mut Ctx, s: Node) {
    ctx.check(cbc!(s, "TaxableAmount").is_some(), "BR-45", s);
    ctx.check(cbc!(s, "TaxAmount").is_some(), "BR-46", s);
    let cats: Vec<Node> = vat_children(s, name!("cac:TaxCategory")).collect();
    ctx.check(cats.iter().any(|c| cbc!(*c, "ID").is_some()), "BR-47", s);
    let has_percent = cats.iter().any(|c| cbc!(*c, "Percent").is_some());
    let is_o = cats.iter().any(|c| super::common::category_code(*c) == "O");
    ctx.check(has_percent || is_o, "BR-48", s);

    let percent = match cats.iter().find_map(|c| cbc!(*c, "Percent")) {
        Some(p) => match ctx.dec(p, CEN) {
            Some(v) => Some(v),
            None => return,
        },
        None => None,
    };
    let tax = ctx.dec_child(s, name!("cbc:TaxAmount"), CEN);
    let taxable = ctx.dec_child(s, name!("cbc:TaxableAmount"), CEN);
    // Without a rate, or at a zero rate, the tax must be zero; otherwise within 1 of
    // |taxable| * rate / 100 (compared in absolute values).
    let expected = match percent {
        Some(p) if !round(p).is_zero() => {
            taxable.map(|b| round2(b.abs() * (p / Decimal::ONE_HUNDRED)))
        }
        _ => Some(Decimal::ZERO),
    };
    let ok = match (percent, tax, expected) {
        (Some(p), Some(t), Some(e)) if !round(p).is_zero() => {
            t.abs() - Decimal::ONE < e && t.abs() + Decimal::ONE > e
        }
        (Some(p), _, _) if !round(p).is_zero() => false,
        _ => tax.is_some_and(|t| round(t).is_zero()),
    };
    ctx.check_values(ok, "BR-CO-17", s, expected, tax.map(|t| t.abs()));
    ctx.check(
        max_two_decimals(s, name!("cbc:TaxableAmount")),
        "BR-DEC-19",
        s,
    );
    ctx.check(max_two_decimals(s, name!("cbc:TaxAmount")), "BR-DEC-20", s);
}

/// `/ubl:Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount`: BR-CO-25.
fn payable(ctx: &mut Ctx, memo: &mut Memo, p: Node) {
    let Some(v) = ctx.num(p, CEN) else { return };
    let due = *memo.due.get_or_insert_with(|| {
        ctx.named(name!("cbc:DueDate")).next().is_some()
            || ctx
                .named(name!("cac:PaymentTerms"))
                .any(|e| cbc!(*e, "Note").is_some())
    });
    ctx.check(v <= Decimal::ZERO || due, "BR-CO-25", p);
}

/// `/ubl:Invoice | /cn:CreditNote`: BR-CO-15.
fn document(ctx: &mut Ctx) {
    let r = ctx.root;
    let currencies: Vec<String> = cbcs!(r, "DocumentCurrencyCode")
        .map(|c| string_value(c).into_owned())
        .collect();
    for cur in currencies {
        let amounts: Vec<Node> = r
            .elements()
            .filter(|t| is_cac!(*t, "TaxTotal"))
            .flat_map(|t| cbcs!(t, "TaxAmount"))
            .filter(|a| attr(*a, "currencyID") == Some(cur.as_str()))
            .collect();
        let mut ok = amounts.len() == 1;
        let (mut expected, mut found) = (None, None);
        if ok {
            let totals: Vec<Node> = r
                .elements()
                .filter(|t| is_cac!(*t, "LegalMonetaryTotal"))
                .collect();
            let inclusive = totals.first().and_then(|t| cbc!(*t, "TaxInclusiveAmount"));
            let exclusive = totals.first().and_then(|t| cbc!(*t, "TaxExclusiveAmount"));
            let inc = inclusive.and_then(|n| ctx.dec(n, CEN));
            let exc = exclusive.and_then(|n| ctx.dec(n, CEN));
            let tax = ctx.dec(amounts[0], CEN);
            expected = exc.zip(tax).map(|(e, t)| round2(e + t));
            found = inc;
            ok = inc.is_some() && inc == expected;
        }
        ctx.check_values(ok, "BR-CO-15", r, expected, found);
    }
}
