//! Norway: NO-R-001, NO-R-002 on a Norwegian seller.

use super::super::context::Countries;
use super::super::Ctx;
use super::child_ns;
use crate::validate::name::{name, steps};
use crate::validate::rules::peppol_common::mod11;
use crate::validate::value::normalize_space;
use crate::validate::xml::{cacs, cbc, first, is_cac, string_value};

/// Runs the Norwegian rules.
pub(crate) fn check(ctx: &mut Ctx, countries: &Countries) {
    if countries.supplier != "NO" {
        return;
    }
    let parties: Vec<_> = ctx
        .named(name!("cac:Party"))
        .copied()
        .filter(|p| {
            p.parent_element()
                .is_some_and(|s| is_cac!(s, "AccountingSupplierParty"))
        })
        .collect();
    for party in parties {
        let scheme = |s: &crate::validate::dom::Node, id: &str| {
            first(*s, steps!["cac:TaxScheme", "cbc:ID"])
                .is_some_and(|i| normalize_space(&string_value(i)) == id)
        };
        let tax = cacs!(party, "PartyTaxScheme").find(|s| scheme(s, "TAX"));
        let registered = tax
            .map(|s| child_ns(s, name!("cbc:CompanyID")))
            .unwrap_or_default();
        ctx.check(registered == "Foretaksregisteret", "NO-R-002", party);
        let vat_ids: Vec<String> = cacs!(party, "PartyTaxScheme")
            .filter(|s| scheme(s, "VAT"))
            .filter_map(|s| cbc!(s, "CompanyID").map(|c| string_value(c).into_owned()))
            .collect();
        let norwegian = vat_ids.iter().any(|v| v.starts_with("NO"));
        let valid = vat_ids.first().is_some_and(|v| {
            let rest: String = v.chars().skip(2).collect();
            let body: String = rest.chars().take(9).collect();
            rest.len() == 12
                && body.chars().all(|c| c.is_ascii_digit())
                && rest.ends_with("MVA")
                && mod11(&body)
        });
        ctx.check(!norwegian || valid, "NO-R-001", party);
    }
}
