//! Greece: GR-R-001..GR-R-010, GR-S-008-1 and GR-S-011 on Greek sellers (and buyers).

use crate::validate::dom::Node;
use crate::validate::name::{name, steps, Name};

use super::super::context::Countries;
use super::super::{Ctx, Source};
use super::is_number;
use crate::validate::value::normalize_space;
use crate::validate::xml::{attr, cacs, cbc, cbcs, first, is, path, string_value};

/// `u:TinVerification`: the Greek TIN check digit (9 digits).
fn tin(v: &str) -> bool {
    let d: Vec<Option<u32>> = v.chars().map(|c| c.to_digit(10)).collect();
    if d.len() < 9 || d[..9].iter().any(Option::is_none) {
        return false;
    }
    let d: Vec<u32> = d[..9].iter().map(|x| x.unwrap_or(0)).collect();
    let sum: u32 = (0..8).map(|i| d[i] * (1 << (8 - i))).sum();
    (sum % 11) % 10 == d[8]
}

fn vat_ids(party: Node, normalized: bool) -> Vec<String> {
    cacs!(party, "PartyTaxScheme")
        .filter(|s| {
            let ids = path(*s, steps!["cac:TaxScheme", "cbc:ID"]);
            if normalized {
                ids.first()
                    .is_some_and(|i| normalize_space(&string_value(*i)) == "VAT")
            } else {
                ids.iter().any(|i| string_value(*i) == "VAT")
            }
        })
        .flat_map(|s| cbcs!(s, "CompanyID"))
        .map(|c| string_value(c).into_owned())
        .collect()
}

fn parties<'a, 'i>(ctx: &Ctx<'a, 'i>, outer: Name) -> Vec<Node<'a, 'i>> {
    ctx.named(name!("cac:Party"))
        .copied()
        .filter(|p| p.parent_element().is_some_and(|s| is(s, outer)))
        .collect()
}

/// GR-S-011 / GR-R-006: exactly one VAT id, `EL` prefixed, with a valid TIN.
fn greek_vat(party: Node) -> bool {
    let ids = vat_ids(party, true);
    ids.len() == 1 && ids[0].starts_with("EL") && tin(&ids[0].chars().skip(2).collect::<String>())
}

/// Runs the Greek rules.
pub(crate) fn check(ctx: &mut Ctx, countries: &Countries) {
    let root = ctx.root;
    let greek = |c: &str| c == "GR" || c == "EL";
    let sender = greek(&countries.supplier);
    let receiver = greek(&countries.customer);
    if sender {
        if let Some(id) = cbc!(root, "ID") {
            invoice_id(ctx, id);
        }
        for party in parties(ctx, name!("cac:AccountingSupplierParty")) {
            let name = first(party, steps!["cac:PartyName", "cbc:Name"])
                .map(string_value)
                .unwrap_or_default();
            ctx.check(!name.is_empty(), "GR-R-002", party);
            ctx.check(greek_vat(party), "GR-S-011", party);
            for scheme in cacs!(party, "PartyTaxScheme") {
                let vat = first(scheme, steps!["cac:TaxScheme", "cbc:ID"])
                    .is_some_and(|i| normalize_space(&string_value(i)) == "VAT");
                if vat {
                    for c in cbcs!(scheme, "CompanyID") {
                        let v = string_value(c);
                        let ok = v.starts_with("EL") && tin(&v.chars().skip(2).collect::<String>());
                        ctx.check(ok, "GR-R-003", c);
                    }
                }
            }
        }
        let address_gr = first(
            root,
            steps![
                "cac:AccountingSupplierParty",
                "cac:Party",
                "cac:PostalAddress",
                "cac:Country",
                "cbc:IdentificationCode",
            ],
        )
        .is_some_and(|c| string_value(c) == "GR");
        let described = |d: &str| {
            cacs!(root, "AdditionalDocumentReference")
                .filter(|r| cbcs!(*r, "DocumentDescription").any(|x| string_value(x) == d))
                .count()
        };
        if address_gr {
            ctx.check(described("##M.AR.K##") == 1, "GR-R-004-1", root);
            let urls = described("##INVOICE|URL##");
            ctx.check(urls == 1, "GR-S-008-1", root);
            ctx.check(urls <= 1, "GR-R-008-2", root);
        }
        let refs = ctx
            .named(name!("cac:AdditionalDocumentReference"))
            .copied()
            .collect::<Vec<_>>();
        for r in refs {
            let has = |d: &str| cbcs!(r, "DocumentDescription").any(|x| string_value(x) == d);
            if address_gr && has("##M.AR.K##") {
                for id in cbcs!(r, "ID") {
                    let v = string_value(id);
                    let ok = v.chars().next().is_some_and(|c| ('1'..='9').contains(&c));
                    ctx.check(ok, "GR-R-004-2", id);
                }
            }
            if has("##INVOICE|URL##") {
                let uri = first(
                    r,
                    steps!["cac:Attachment", "cac:ExternalReference", "cbc:URI"],
                )
                .map(|u| normalize_space(&string_value(u)))
                .unwrap_or_default();
                ctx.check(!uri.is_empty(), "GR-R-008-3", r);
            }
        }
        for party in parties(ctx, name!("cac:AccountingCustomerParty")) {
            let name = first(party, steps!["cac:PartyName", "cbc:Name"])
                .map(string_value)
                .unwrap_or_default();
            ctx.check(!name.is_empty(), "GR-R-005", party);
        }
    }
    if greek(&countries.accounting_supplier) {
        for party in parties(ctx, name!("cac:AccountingSupplierParty")) {
            for e in cbcs!(party, "EndpointID") {
                let ok = attr(e, "schemeID") == Some("9933") && tin(&string_value(e));
                ctx.check(ok, "GR-R-009", e);
            }
        }
    }
    if sender && receiver {
        for party in parties(ctx, name!("cac:AccountingCustomerParty")) {
            ctx.check(greek_vat(party), "GR-R-006", party);
            for e in cbcs!(party, "EndpointID") {
                let ok = attr(e, "schemeID") == Some("9933") && tin(&string_value(e));
                ctx.check(ok, "GR-R-010", e);
            }
        }
    }
}

/// GR-R-001-1..7: the six `|` separated segments of a Greek invoice number.
fn invoice_id(ctx: &mut Ctx, id: Node) {
    let root = ctx.root;
    let value = string_value(id);
    let segments: Vec<&str> = if value.is_empty() {
        Vec::new()
    } else {
        value.split('|').collect()
    };
    let seg = |i: usize| segments.get(i).copied().unwrap_or("");
    ctx.check(segments.len() == 6, "GR-R-001-1", id);

    let tin_ids: Vec<String> = path(root, steps!["cac:AccountingSupplierParty", "cac:Party"])
        .into_iter()
        .chain(path(root, steps!["cac:TaxRepresentativeParty"]))
        .flat_map(|p| vat_ids(p, false))
        .map(|v| v.chars().skip(2).take(9).collect())
        .collect();
    let s1 = seg(0);
    ctx.check(
        normalize_space(s1).chars().count() == 9 && tin(s1) && tin_ids.iter().any(|t| t == s1),
        "GR-R-001-2",
        id,
    );

    let issue = cbc!(root, "IssueDate")
        .map(|d| string_value(d).into_owned())
        .unwrap_or_default();
    let issue_parts: Vec<&str> = issue.split('-').collect();
    let s2 = seg(1);
    let date_parts: Vec<&str> = s2.split('/').collect();
    let same_date = !date_parts.is_empty()
        && date_parts.first() == issue_parts.get(2)
        && date_parts.get(1) == issue_parts.get(1)
        && date_parts.get(2) == issue_parts.first();
    ctx.check(
        !normalize_space(s2).is_empty() && greek_date(s2) && same_date,
        "GR-R-001-3",
        id,
    );

    let s3 = seg(2);
    let numeric = !normalize_space(s3).is_empty() && is_number(s3);
    let ok = if numeric {
        match s3.trim().parse::<i128>() {
            Ok(n) => n >= 0,
            Err(_) => {
                ctx.abort_on(
                    Source::Peppol,
                    id,
                    "an invoice number with an integer third segment",
                );
                true
            }
        }
    } else {
        false
    };
    ctx.check(ok, "GR-R-001-4", id);
    let s4 = seg(3);
    let types = ["1.1", "1.6", "2.1", "2.4", "5.1", "5.2", ""];
    ctx.check(
        !normalize_space(s4).is_empty() && types.contains(&s4),
        "GR-R-001-5",
        id,
    );
    ctx.check(!seg(4).is_empty(), "GR-R-001-6", id);
    ctx.check(!seg(5).is_empty(), "GR-R-001-7", id);
}

/// `matches(s, '^(0?[1-9]|[12][0-9]|3[01])[-\\/ ]?(0?[1-9]|1[0-2])[-\\/ ]?(19|20)[0-9]{2}')`.
fn greek_date(s: &str) -> bool {
    let c: Vec<char> = s.chars().collect();
    let digit = |i: usize| c.get(i).is_some_and(|x| x.is_ascii_digit());
    let sep = |i: usize| {
        c.get(i)
            .is_some_and(|x| matches!(x, '-' | '\\' | '/' | ' '))
    };
    // Try every split the regex allows: day of 1-2 digits, optional separator, month of
    // 1-2 digits, optional separator, then 19xx or 20xx.
    let num = |from: usize, len: usize| -> Option<u32> {
        (0..len)
            .all(|k| digit(from + k))
            .then(|| c[from..from + len].iter().collect::<String>().parse().ok())?
    };
    for day_len in [1, 2] {
        let Some(day) = num(0, day_len) else { continue };
        let day_ok =
            (day_len == 2 && (1..=31).contains(&day)) || (day_len == 1 && (1..=9).contains(&day));
        if !day_ok {
            continue;
        }
        for s1 in [0, 1] {
            let m0 = day_len + s1;
            if s1 == 1 && !sep(day_len) {
                continue;
            }
            for month_len in [1, 2] {
                let Some(month) = num(m0, month_len) else {
                    continue;
                };
                if !(1..=12).contains(&month) || (month_len == 1 && month == 0) {
                    continue;
                }
                for s2 in [0, 1] {
                    let y0 = m0 + month_len + s2;
                    if s2 == 1 && !sep(m0 + month_len) {
                        continue;
                    }
                    if num(y0, 4).is_some()
                        && (c[y0..y0 + 2] == ['1', '9'] || c[y0..y0 + 2] == ['2', '0'])
                    {
                        return true;
                    }
                }
            }
        }
    }
    false
}
