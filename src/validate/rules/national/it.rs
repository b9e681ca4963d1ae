//! Italy: IT-R-001..004 on an Italian seller.

use super::super::context::Countries;
use super::super::Ctx;
use super::child_ns;
use crate::validate::name::{name, steps};
use crate::validate::value::normalize_space;
use crate::validate::xml::{cacs, exists, first, is_cac, string_value};

/// Runs the Italian rules.
pub(crate) fn check(ctx: &mut Ctx, countries: &Countries) {
    if countries.supplier != "IT" {
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
        for scheme in cacs!(party, "PartyTaxScheme") {
            let id = first(scheme, steps!["cac:TaxScheme", "cbc:ID"])
                .map(|i| normalize_space(&string_value(i)))
                .unwrap_or_default();
            if id != "VAT" {
                let c = child_ns(scheme, name!("cbc:CompanyID"));
                let ok = (11..=16).contains(&c.len())
                    && c.bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
                ctx.check(ok, "IT-R-001", scheme);
            }
        }
        ctx.check(
            exists(party, steps!["cac:PostalAddress", "cbc:StreetName"]),
            "IT-R-002",
            party,
        );
        ctx.check(
            exists(party, steps!["cac:PostalAddress", "cbc:CityName"]),
            "IT-R-003",
            party,
        );
        ctx.check(
            exists(party, steps!["cac:PostalAddress", "cbc:PostalZone"]),
            "IT-R-004",
            party,
        );
    }
}
