//! Iceland: IS-R-001..IS-R-010 on Icelandic sellers (and buyers).

use crate::validate::dom::Node;
use crate::validate::name::{name, steps, Name};

use super::super::context::Countries;
use super::super::Ctx;
use crate::validate::value::{date, normalize_space};
use crate::validate::xml::{attr, cacs, cbc, cbcs, child, exists, path, string_value};

/// IS-R-001's literal list `' 380 381 '`.
fn type_ok(root: Node, name: Name) -> bool {
    child(root, name).is_some_and(|c| {
        let v = normalize_space(&string_value(c));
        v == "380" || v == "381"
    })
}

/// IS-R-006 / IS-R-007: a payment means with `code` needs a 12 character account.
fn account_ok(root: Node, code: &str) -> bool {
    let means: Vec<Node> = cacs!(root, "PaymentMeans")
        .filter(|m| cbcs!(*m, "PaymentMeansCode").any(|c| string_value(c) == code))
        .collect();
    if means.is_empty() {
        return true;
    }
    let accounts: Vec<Node> = means
        .iter()
        .flat_map(|m| path(*m, steps!["cac:PayeeFinancialAccount", "cbc:ID"]))
        .collect();
    accounts
        .first()
        .is_some_and(|a| normalize_space(&string_value(*a)).chars().count() == 12)
}

/// Runs the Icelandic rules.
pub(crate) fn check(ctx: &mut Ctx, countries: &Countries) {
    if countries.supplier_address != "IS" {
        return;
    }
    let root = ctx.root;
    ctx.check(
        type_ok(root, name!("cbc:InvoiceTypeCode"))
            || type_ok(root, name!("cbc:CreditNoteTypeCode")),
        "IS-R-001",
        root,
    );
    let legal = path(
        root,
        steps![
            "cac:AccountingSupplierParty",
            "cac:Party",
            "cac:PartyLegalEntity",
            "cbc:CompanyID",
        ],
    );
    ctx.check(
        legal.iter().any(|c| attr(*c, "schemeID") == Some("0196")),
        "IS-R-002",
        root,
    );
    let address = [
        name!("cac:AccountingSupplierParty"),
        name!("cac:Party"),
        name!("cac:PostalAddress"),
    ];
    ctx.check(
        exists(
            root,
            &[address[0], address[1], address[2], name!("cbc:StreetName")],
        ) && exists(
            root,
            &[address[0], address[1], address[2], name!("cbc:PostalZone")],
        ),
        "IS-R-003",
        root,
    );
    ctx.check(account_ok(root, "9"), "IS-R-006", root);
    ctx.check(account_ok(root, "42"), "IS-R-007", root);
    let eindagi: Vec<Node> = cacs!(root, "AdditionalDocumentReference")
        .filter(|r| cbcs!(*r, "DocumentDescription").any(|d| string_value(d) == "EINDAGI"))
        .collect();
    if let Some(first_ref) = eindagi.first() {
        let id = cbc!(*first_ref, "ID")
            .map(|i| string_value(i).into_owned())
            .unwrap_or_default();
        ctx.check(
            id.chars().count() == 10 && date(&id).is_some(),
            "IS-R-008",
            root,
        );
        let due: Vec<String> = cbcs!(root, "DueDate")
            .map(|d| string_value(d).into_owned())
            .collect();
        ctx.check(!due.is_empty(), "IS-R-009", root);
        let ids: Vec<String> = eindagi
            .iter()
            .flat_map(|r| cbcs!(*r, "ID"))
            .map(|i| string_value(i).into_owned())
            .collect();
        let ordered = due.iter().any(|d| ids.iter().any(|i| d <= i));
        ctx.check(ordered, "IS-R-010", root);
    }
    if countries.customer_address == "IS" {
        for customer in cacs!(root, "AccountingCustomerParty") {
            let ids = path(
                customer,
                steps!["cac:Party", "cac:PartyLegalEntity", "cbc:CompanyID"],
            );
            ctx.check(
                ids.iter().any(|c| attr(*c, "schemeID") == Some("0196")),
                "IS-R-004",
                customer,
            );
            ctx.check(
                exists(
                    customer,
                    steps!["cac:Party", "cac:PostalAddress", "cbc:StreetName"],
                ) && exists(
                    customer,
                    steps!["cac:Party", "cac:PostalAddress", "cbc:PostalZone"],
                ),
                "IS-R-005",
                customer,
            );
        }
    }
}
