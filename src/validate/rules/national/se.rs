//! Sweden: SE-R-001..SE-R-013 on Swedish sellers.

use crate::validate::dom::Node;
use crate::validate::name::{name, steps};

use super::super::Ctx;
use super::is_number;
use crate::validate::rules::peppol_common::swedish_orgnr;
use crate::validate::value::{decimal, normalize_space};
use crate::validate::xml::{cacs, cbc, cbcs, first, is_cac, path, string_value};

fn country_is(party: Node, code: &str) -> bool {
    path(
        party,
        steps!["cac:PostalAddress", "cac:Country", "cbc:IdentificationCode"],
    )
    .into_iter()
    .any(|c| string_value(c) == code)
}

/// `cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'VAT']` of a party.
fn vat_schemes<'a, 'i>(party: Node<'a, 'i>) -> Vec<Node<'a, 'i>> {
    cacs!(party, "PartyTaxScheme")
        .filter(|s| {
            path(*s, steps!["cac:TaxScheme", "cbc:ID"])
                .into_iter()
                .any(|i| string_value(i) == "VAT")
        })
        .collect()
}

/// The Swedish VAT seller condition: address SE and a VAT id starting with SE.
fn swedish_vat_seller(party: Node) -> bool {
    country_is(party, "SE")
        && vat_schemes(party)
            .iter()
            .any(|s| cbc!(*s, "CompanyID").is_some_and(|c| string_value(c).starts_with("SE")))
}

/// Runs the Swedish rules.
pub(crate) fn check(ctx: &mut Ctx) {
    let sellers: Vec<Node> = ctx
        .named(name!("cac:Party"))
        .copied()
        .filter(|p| {
            p.parent_element()
                .is_some_and(|s| is_cac!(s, "AccountingSupplierParty"))
        })
        .collect();
    let buyers_se = ctx.named(name!("cac:Party")).any(|p| {
        p.parent_element()
            .is_some_and(|s| is_cac!(s, "AccountingCustomerParty"))
            && country_is(*p, "SE")
    });
    let seller_se = sellers.iter().any(|p| country_is(*p, "SE"));
    let vat_seller = sellers.iter().any(|p| swedish_vat_seller(*p));
    for &party in &sellers {
        if swedish_vat_seller(party) {
            let vat = vat_schemes(party)
                .first()
                .and_then(|s| cbc!(*s, "CompanyID"))
                .map(|c| string_value(c).into_owned())
                .unwrap_or_default();
            ctx.check(
                normalize_space(&vat).chars().count() == 14,
                "SE-R-001",
                party,
            );
            let digits: String = vat.chars().skip(2).take(12).collect();
            ctx.check(is_number(&digits), "SE-R-002", party);
        }
        if country_is(party, "SE") {
            for legal in cacs!(party, "PartyLegalEntity") {
                let Some(id) = cbc!(legal, "CompanyID") else {
                    continue;
                };
                let v = string_value(id);
                ctx.check(is_number(&v), "SE-R-003", legal);
                ctx.check(normalize_space(&v).chars().count() == 10, "SE-R-004", legal);
                ctx.check(swedish_orgnr(&normalize_space(&v)), "SE-R-013", legal);
            }
            if crate::validate::xml::exists(party, steps!["cac:PartyLegalEntity", "cbc:CompanyID"])
            {
                for scheme in cacs!(party, "PartyTaxScheme") {
                    let id = first(scheme, steps!["cac:TaxScheme", "cbc:ID"])
                        .map(|i| normalize_space(&string_value(i).to_uppercase()))
                        .unwrap_or_default();
                    if id == "VAT" {
                        continue;
                    }
                    for c in cbcs!(scheme, "CompanyID") {
                        let ok = normalize_space(&string_value(c).to_uppercase())
                            == "GODKÄND FÖR F-SKATT";
                        ctx.check(ok, "SE-R-005", c);
                    }
                }
            }
        }
    }
    if vat_seller {
        let cats: Vec<Node> = ctx
            .named_any(&[name!("cac:TaxCategory"), name!("cac:ClassifiedTaxCategory")])
            .into_iter()
            .filter(|c| cbcs!(*c, "ID").any(|i| string_value(i) == "S"))
            .collect();
        for c in cats {
            let rate = cbc!(c, "Percent").and_then(|p| {
                let t = string_value(p);
                is_number(&t).then(|| decimal(&t)).flatten()
            });
            let ok = rate.is_some_and(|r| r == 25.into() || r == 12.into() || r == 6.into());
            ctx.check(ok, "SE-R-006", c);
        }
    }
    if !seller_se {
        return;
    }
    let means = ctx
        .named(name!("cac:PaymentMeans"))
        .copied()
        .collect::<Vec<_>>();
    for pm in means {
        let code = cbc!(pm, "PaymentMeansCode")
            .map(|c| normalize_space(&string_value(c)))
            .unwrap_or_default();
        let branch = first(
            pm,
            steps![
                "cac:PayeeFinancialAccount",
                "cac:FinancialInstitutionBranch",
                "cbc:ID",
            ],
        )
        .map(|b| normalize_space(&string_value(b)))
        .unwrap_or_default();
        if code == "30" && (branch == "SE:PLUSGIRO" || branch == "SE:BANKGIRO") {
            let accounts: Vec<Node> = cacs!(pm, "PayeeFinancialAccount")
                .flat_map(|a| cbcs!(a, "ID"))
                .collect();
            for a in accounts {
                let v = normalize_space(&string_value(a));
                let len = v.chars().count();
                if branch == "SE:PLUSGIRO" {
                    ctx.check(is_number(&v), "SE-R-007", a);
                    ctx.check((2..=8).contains(&len), "SE-R-010", a);
                } else {
                    ctx.check(is_number(&v), "SE-R-008", a);
                    ctx.check(len == 7 || len == 8, "SE-R-009", a);
                }
            }
        }
        let raw_codes: Vec<String> = cbcs!(pm, "PaymentMeansCode")
            .map(|c| string_value(c).into_owned())
            .collect();
        if raw_codes.iter().any(|c| c == "50" || c == "56") {
            ctx.fire("SE-R-011", pm);
        } else if buyers_se && raw_codes.iter().any(|c| c == "31") {
            ctx.fire("SE-R-012", pm);
        }
    }
}
