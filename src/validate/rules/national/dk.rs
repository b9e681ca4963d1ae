//! Denmark: DK-R-002..DK-R-017 on Danish sellers (and buyers).

use crate::validate::dom::Node;
use crate::validate::name::{name, steps, Name};

use super::super::context::Countries;
use super::super::Ctx;
use super::is_number;
use crate::validate::value::{decimal, normalize_space};
use crate::validate::xml::{attr, cacs, cbc, cbcs, children, first, path, string_value};

/// Runs the Danish rules.
pub(crate) fn check(ctx: &mut Ctx, countries: &Countries) {
    if countries.supplier_address != "DK" {
        return;
    }
    let root = ctx.root;
    let both = countries.customer_address == "DK";
    let legal = first(
        root,
        steps![
            "cac:AccountingSupplierParty",
            "cac:Party",
            "cac:PartyLegalEntity",
            "cbc:CompanyID",
        ],
    );
    let legal_text = legal
        .and_then(|l| l.children().find(|c| c.is_text()).and_then(|t| t.text()))
        .map(normalize_space)
        .unwrap_or_default();
    ctx.check(!legal_text.is_empty(), "DK-R-002", root);
    let scheme = legal
        .and_then(|l| attr(l, "schemeID"))
        .map(normalize_space)
        .unwrap_or_default();
    ctx.check(legal.is_none() || scheme == "0184", "DK-R-014", root);
    let negative = first(root, steps!["cac:LegalMonetaryTotal", "cbc:PayableAmount"])
        .and_then(|p| decimal(&string_value(p)))
        .is_some_and(|v| v.is_sign_negative() && !v.is_zero());
    ctx.check(!(!ctx.is_invoice && both && negative), "DK-R-016", root);
    if !both {
        return;
    }
    // 2026.5: a Danish buyer's legal registration, when given, is a CVR number (scheme 0184).
    let customer_legal = first(
        root,
        steps![
            "cac:AccountingCustomerParty",
            "cac:Party",
            "cac:PartyLegalEntity",
            "cbc:CompanyID",
        ],
    );
    let customer_cvr = customer_legal.is_none_or(|l| {
        normalize_space(&string_value(l)).is_empty()
            || attr(l, "schemeID").map(normalize_space).as_deref() == Some("0184")
    });
    ctx.check(customer_cvr, "DK-R-017", root);
    for party in [
        name!("cac:AccountingSupplierParty"),
        name!("cac:AccountingCustomerParty"),
    ] {
        for pid in path(
            root,
            &[party, name!("cac:Party"), name!("cac:PartyIdentification")],
        ) {
            let id = cbc!(pid, "ID");
            let scheme = id
                .and_then(|i| attr(i, "schemeID"))
                .map(normalize_space)
                .unwrap_or_default();
            ctx.check(id.is_none() || !scheme.is_empty(), "DK-R-013", pid);
        }
    }
    if ctx.is_invoice {
        let means: Vec<Node> = cacs!(root, "PaymentMeans").collect();
        for pm in means {
            payment_means(ctx, pm);
        }
    }
    let line_name = if ctx.is_invoice {
        name!("cac:InvoiceLine")
    } else {
        name!("cac:CreditNoteLine")
    };
    let lines: Vec<Node> = children(root, line_name).collect();
    for l in lines {
        let codes = path(
            l,
            steps![
                "cac:Item",
                "cac:CommodityClassification",
                "cbc:ItemClassificationCode",
            ],
        );
        let tst = codes.iter().any(|c| attr(*c, "listID") == Some("TST"));
        let version_ok = codes.iter().any(|c| {
            matches!(
                attr(*c, "listVersionID"),
                Some("19.05.01" | "19.0501" | "26.08.01" | "26.0801")
            )
        });
        ctx.check(!tst || version_ok, "DK-R-003", l);
    }
    let charges = ctx
        .named(name!("cac:AllowanceCharge"))
        .copied()
        .collect::<Vec<_>>();
    for ac in charges {
        let zzz = cbcs!(ac, "AllowanceChargeReasonCode").any(|c| string_value(c) == "ZZZ");
        let reason = cbc!(ac, "AllowanceChargeReason").map(|r| string_value(r).into_owned());
        let four_digit = reason.as_deref().is_some_and(|r| {
            let text = cbc!(ac, "AllowanceChargeReason")
                .and_then(|n| n.children().find(|c| c.is_text()).and_then(|t| t.text()))
                .map(normalize_space)
                .unwrap_or_default();
            text.chars().count() == 4
                && is_number(r)
                && decimal(r).is_some_and(|v| v >= 0.into() && v <= 9999.into())
        });
        let hashed = reason
            .as_deref()
            .is_some_and(|r| r.contains('#') && !r.starts_with('#') && !r.ends_with('#'));
        ctx.check(!zzz || four_digit || hashed, "DK-R-004", ac);
    }
}

fn prefix(s: &str) -> String {
    s.chars().take(3).collect()
}

/// `ubl-invoice:Invoice[...]/cac:PaymentMeans`: DK-R-005..011.
fn payment_means(ctx: &mut Ctx, pm: Node) {
    let codes: Vec<String> = cbcs!(pm, "PaymentMeansCode")
        .map(|c| string_value(c).into_owned())
        .collect();
    let code_is = |v: &str| codes.iter().any(|c| c == v);
    let first_code = codes.first().cloned().unwrap_or_default();
    let allowed = crate::validate::codelists::code_list!("peppol:DK-R-005#1");
    ctx.check(
        allowed.contains_substring(&format!(" {first_code} ")),
        "DK-R-005",
        pm,
    );
    let text_ns = |steps: &[Name]| {
        first(pm, steps)
            .and_then(|n| n.children().find(|c| c.is_text()).and_then(|t| t.text()))
            .map(normalize_space)
            .unwrap_or_default()
    };
    let account = text_ns(steps!["cac:PayeeFinancialAccount", "cbc:ID"]);
    let branch = text_ns(steps![
        "cac:PayeeFinancialAccount",
        "cac:FinancialInstitutionBranch",
        "cbc:ID",
    ]);
    ctx.check(
        !((code_is("31") || code_is("42")) && !(!account.is_empty() && !branch.is_empty())),
        "DK-R-006",
        pm,
    );
    let mandate = text_ns(steps!["cac:PaymentMandate", "cbc:ID"]);
    let payer = text_ns(steps![
        "cac:PaymentMandate",
        "cac:PayerFinancialAccount",
        "cbc:ID"
    ]);
    ctx.check(
        !(code_is("49") && !(!mandate.is_empty() && !payer.is_empty())),
        "DK-R-007",
        pm,
    );
    let payment_id = cbc!(pm, "PaymentID")
        .map(|p| string_value(p).into_owned())
        .unwrap_or_default();
    let pid_prefix = prefix(&payment_id);
    let account_raw = first(pm, steps!["cac:PayeeFinancialAccount", "cbc:ID"])
        .map(|a| string_value(a).into_owned())
        .unwrap_or_default();
    let giro_account =
        (7..=8).contains(&account_raw.len()) && account_raw.bytes().all(|b| b.is_ascii_digit());
    ctx.check(
        !(code_is("50") && !(["01#", "04#", "15#"].contains(&pid_prefix.as_str()) && giro_account)),
        "DK-R-008",
        pm,
    );
    let pid_len = payment_id.chars().count();
    ctx.check(
        !(code_is("50") && ["04#", "15#"].contains(&pid_prefix.as_str()) && pid_len != 19),
        "DK-R-009",
        pm,
    );
    let account_text_len = first(pm, steps!["cac:PayeeFinancialAccount", "cbc:ID"])
        .and_then(|n| n.children().find(|c| c.is_text()).and_then(|t| t.text()))
        .map_or(0, |t| t.chars().count());
    ctx.check(
        !(code_is("93")
            && !(["71#", "73#", "75#"].contains(&pid_prefix.as_str()) && account_text_len == 8)),
        "DK-R-010",
        pm,
    );
    ctx.check(
        !(code_is("93")
            && ["71#", "75#"].contains(&pid_prefix.as_str())
            && pid_len != 18
            && pid_len != 19),
        "DK-R-011",
        pm,
    );
}
