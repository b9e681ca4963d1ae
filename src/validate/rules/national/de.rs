//! Germany (XRechnung CIUS within Peppol): DE-R-001..DE-R-031 when seller and buyer are German.

use crate::validate::dom::Node;
use crate::validate::name::{name, steps, Name};

use super::super::context::Countries;
use super::super::Ctx;
use crate::validate::fasthash::FastSet;
use crate::validate::value::normalize_space;
use crate::validate::xml::{
    attr, cac, cacs, cbc, cbcs, children, exists, first, path, string_value,
};

/// `cbc:name[boolean(normalize-space(.))]`: a child with non-blank text.
fn filled(n: Node, name: Name) -> bool {
    children(n, name).any(|c| !normalize_space(&string_value(c)).is_empty())
}

/// Runs the German rules.
pub(crate) fn check(ctx: &mut Ctx, countries: &Countries) {
    if !(countries.supplier_is_de && countries.customer_is_de) {
        return;
    }
    let root = ctx.root;
    document(ctx, root);
    for supplier in cacs!(root, "AccountingSupplierParty") {
        ctx.check(
            exists(supplier, steps!["cac:Party", "cac:Contact"]),
            "DE-R-002",
            supplier,
        );
        for address in path(supplier, steps!["cac:Party", "cac:PostalAddress"]) {
            ctx.check(filled(address, name!("cbc:CityName")), "DE-R-003", address);
            ctx.check(
                filled(address, name!("cbc:PostalZone")),
                "DE-R-004",
                address,
            );
        }
        for contact in path(supplier, steps!["cac:Party", "cac:Contact"]) {
            ctx.check(filled(contact, name!("cbc:Name")), "DE-R-005", contact);
            ctx.check(filled(contact, name!("cbc:Telephone")), "DE-R-006", contact);
            ctx.check(
                filled(contact, name!("cbc:ElectronicMail")),
                "DE-R-007",
                contact,
            );
            let phone = cbc!(contact, "Telephone")
                .map(|t| normalize_space(&string_value(t)))
                .unwrap_or_default();
            ctx.check(
                phone.bytes().filter(u8::is_ascii_digit).count() >= 3,
                "DE-R-027",
                contact,
            );
            let mail = cbc!(contact, "ElectronicMail")
                .map(|t| normalize_space(&string_value(t)))
                .unwrap_or_default();
            ctx.check(email(&mail), "DE-R-028", contact);
        }
    }
    for address in path(
        root,
        steps![
            "cac:AccountingCustomerParty",
            "cac:Party",
            "cac:PostalAddress",
        ],
    ) {
        ctx.check(filled(address, name!("cbc:CityName")), "DE-R-008", address);
        ctx.check(
            filled(address, name!("cbc:PostalZone")),
            "DE-R-009",
            address,
        );
    }
    for address in path(
        root,
        steps!["cac:Delivery", "cac:DeliveryLocation", "cac:Address"],
    ) {
        ctx.check(filled(address, name!("cbc:CityName")), "DE-R-010", address);
        ctx.check(
            filled(address, name!("cbc:PostalZone")),
            "DE-R-011",
            address,
        );
    }
    for pm in cacs!(root, "PaymentMeans") {
        payment_means(ctx, pm);
    }
    for sub in path(root, steps!["cac:TaxTotal", "cac:TaxSubtotal"]) {
        let rate = cacs!(sub, "TaxCategory").any(|c| filled(c, name!("cbc:Percent")));
        ctx.check(rate, "DE-R-014", sub);
    }
}

fn document(ctx: &mut Ctx, r: Node) {
    ctx.check(cac!(r, "PaymentMeans").is_some(), "DE-R-001", r);
    ctx.check(filled(r, name!("cbc:BuyerReference")), "DE-R-015", r);
    const VAT_CODES: [&str; 8] = ["S", "Z", "E", "AE", "K", "G", "L", "M"];
    let codes_in = |ids: Vec<Node>| {
        ids.iter()
            .any(|i| VAT_CODES.contains(&string_value(*i).as_ref()))
    };
    let ac_ids = |indicator: &str, vat_only: bool| -> Vec<Node> {
        cacs!(r, "AllowanceCharge")
            .filter(|a| cbcs!(*a, "ChargeIndicator").any(|c| string_value(c) == indicator))
            .flat_map(|a| cacs!(a, "TaxCategory"))
            .flat_map(|c| {
                let vat = path(c, steps!["cac:TaxScheme", "cbc:ID"])
                    .iter()
                    .any(|i| string_value(*i) == "VAT");
                cbcs!(c, "ID")
                    .filter(move |_| !vat_only || vat)
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let lines: Vec<Node> = cacs!(r, "InvoiceLine")
        .chain(cacs!(r, "CreditNoteLine"))
        .collect();
    let line_ids: Vec<Node> = lines
        .iter()
        .flat_map(|l| {
            path(
                *l,
                steps!["cac:Item", "cac:ClassifiedTaxCategory", "cbc:ID"],
            )
        })
        .collect();
    let vat_used = codes_in(ac_ids("false", true))
        || codes_in(ac_ids("false", false))
        || codes_in(ac_ids("true", false))
        || codes_in(line_ids);
    let seller_ids = path(
        r,
        steps![
            "cac:AccountingSupplierParty",
            "cac:Party",
            "cac:PartyTaxScheme",
            "cbc:CompanyID",
        ],
    )
    .into_iter()
    .any(|c| !normalize_space(&string_value(c)).is_empty());
    ctx.check(
        !vat_used || cac!(r, "TaxRepresentativeParty").is_some() || seller_ids,
        "DE-R-016",
        r,
    );
    const TYPES: [&str; 8] = ["326", "380", "384", "389", "381", "875", "876", "877"];
    let typed = cbcs!(r, "InvoiceTypeCode")
        .chain(cbcs!(r, "CreditNoteTypeCode"))
        .any(|c| TYPES.contains(&string_value(c).as_ref()));
    ctx.check(typed, "DE-R-017", r);
    ctx.check(skonto(r), "DE-R-018", r);
    let refs: Vec<Node> = cacs!(r, "AdditionalDocumentReference").collect();
    let filenames = |d: &Node| -> Vec<String> {
        path(
            *d,
            steps!["cac:Attachment", "cbc:EmbeddedDocumentBinaryObject"],
        )
        .into_iter()
        .filter_map(|b| attr(b, "filename").map(str::to_string))
        .collect()
    };
    // A reference whose file name one of the preceding references already has.
    let mut seen: FastSet<String> = FastSet::default();
    let mut duplicate = false;
    for d in &refs {
        let own = filenames(d);
        duplicate |= own.iter().any(|f| seen.contains(f));
        seen.extend(own);
    }
    ctx.check(!duplicate, "DE-R-022", r);
    // 2026.5: an external document location (BT-124) is an absolute URL: a scheme of a letter and
    // at least one more letter, digit, `+`, `-` or `.`, then `:`.
    for d in &refs {
        for external in path(*d, steps!["cac:Attachment", "cac:ExternalReference"]) {
            let uri = cbc!(external, "URI").map(|u| string_value(u).into_owned());
            ctx.check(
                uri.as_deref().is_some_and(absolute_url),
                "DE-R-T02",
                external,
            );
        }
    }
    let corrected = cbcs!(r, "InvoiceTypeCode")
        .chain(cbcs!(r, "CreditNoteTypeCode"))
        .any(|c| crate::validate::value::number(&string_value(c)) == Some(384.into()));
    ctx.check(
        !corrected
            || exists(
                r,
                steps!["cac:BillingReference", "cac:InvoiceDocumentReference"],
            ),
        "DE-R-026",
        r,
    );
    let mandate = exists(r, steps!["cac:PaymentMeans", "cac:PaymentMandate"]);
    let sepa = |steps: &[Name]| {
        path(r, steps)
            .iter()
            .any(|i| attr(*i, "schemeID") == Some("SEPA"))
    };
    ctx.check(
        !mandate
            || sepa(steps![
                "cac:AccountingSupplierParty",
                "cac:Party",
                "cac:PartyIdentification",
                "cbc:ID",
            ])
            || sepa(steps![
                "cac:PayeeParty",
                "cac:PartyIdentification",
                "cbc:ID"
            ]),
        "DE-R-030",
        r,
    );
    ctx.check(
        !mandate
            || exists(
                r,
                steps![
                    "cac:PaymentMeans",
                    "cac:PaymentMandate",
                    "cac:PayerFinancialAccount",
                    "cbc:ID",
                ],
            ),
        "DE-R-031",
        r,
    );
}

/// The payment means code compared with numbers (`cbc:PaymentMeansCode = (30,58)`).
fn code_in(pm: Node, codes: &[i64]) -> bool {
    cbcs!(pm, "PaymentMeansCode").any(|c| {
        crate::validate::value::number(&string_value(c))
            .is_some_and(|v| codes.iter().any(|k| v == (*k).into()))
    })
}

fn payment_means(ctx: &mut Ctx, pm: Node) {
    let raw_code = |v: &str| cbcs!(pm, "PaymentMeansCode").any(|c| string_value(c) == v);
    if code_in(pm, &[30, 58]) {
        let account = first(pm, steps!["cac:PayeeFinancialAccount", "cbc:ID"]);
        ctx.check(!raw_code("58") || iban(account), "DE-R-019", pm);
        ctx.check(
            cac!(pm, "PayeeFinancialAccount").is_some(),
            "DE-R-023-1",
            pm,
        );
        ctx.check(
            cac!(pm, "CardAccount").is_none() && cac!(pm, "PaymentMandate").is_none(),
            "DE-R-023-2",
            pm,
        );
    } else if code_in(pm, &[48, 54, 55]) {
        ctx.check(cac!(pm, "CardAccount").is_some(), "DE-R-024-1", pm);
        ctx.check(
            cac!(pm, "PayeeFinancialAccount").is_none() && cac!(pm, "PaymentMandate").is_none(),
            "DE-R-024-2",
            pm,
        );
    } else if code_in(pm, &[59]) {
        let account = first(
            pm,
            steps!["cac:PaymentMandate", "cac:PayerFinancialAccount", "cbc:ID"],
        );
        ctx.check(!raw_code("59") || iban(account), "DE-R-020", pm);
        ctx.check(cac!(pm, "PaymentMandate").is_some(), "DE-R-025-1", pm);
        ctx.check(
            cac!(pm, "PayeeFinancialAccount").is_none() && cac!(pm, "CardAccount").is_none(),
            "DE-R-025-2",
            pm,
        );
    }
}

/// DE-R-019 / DE-R-020: an IBAN (whitespace removed) of the right shape with checksum 1 mod 97.
fn iban(account: Option<Node>) -> bool {
    let v: String = account
        .map(|a| {
            string_value(a)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect()
        })
        .unwrap_or_default();
    let b: Vec<char> = v.chars().collect();
    let shape = b.len() >= 4
        && b.len() <= 34
        && b[..2].iter().all(|c| c.is_ascii_uppercase())
        && b[2..4].iter().all(|c| c.is_ascii_digit())
        && b[4..].iter().all(|c| c.is_ascii_alphanumeric());
    if !shape {
        return false;
    }
    let rearranged = b[4..].iter().chain(b[..2].iter()).chain(b[2..4].iter());
    let mut rem: u64 = 0;
    for c in rearranged {
        let cp = *c as u64;
        let value = if cp > 64 { cp - 55 } else { cp - 48 };
        for d in value.to_string().bytes() {
            rem = (rem * 10 + u64::from(d - b'0')) % 97;
        }
    }
    rem == 1
}

/// DE-R-018: every `#` line of the first payment terms note is a Skonto entry, and the note
/// ends its last entry with a line break.
fn skonto(r: Node) -> bool {
    let notes: Vec<String> = cacs!(r, "PaymentTerms")
        .filter_map(|t| cbc!(t, "Note"))
        .map(|n| string_value(n).into_owned())
        .collect();
    let entry_lines: Vec<String> = notes
        .iter()
        .flat_map(|n| {
            n.split('\n')
                .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
        })
        .filter(|l| normalize_space(l).starts_with('#'))
        .collect();
    if entry_lines.is_empty() {
        return true;
    }
    let tail_ok = notes
        .last()
        .map(|n| {
            let tail = last_token_after_hash_pairs(n);
            let lead: String = tail.chars().take_while(|c| c.is_whitespace()).collect();
            lead.contains('\n')
        })
        .unwrap_or(false);
    entry_lines
        .iter()
        .all(|l| skonto_entry(&normalize_space(l)))
        && tail_ok
}

/// `tokenize(s, '#.+#')[last()]`: the text after the last `#...#` run (within one line).
fn last_token_after_hash_pairs(s: &str) -> &str {
    let bytes = s.as_bytes();
    let mut last_end = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'#' {
            let line_end = s[i + 1..].find('\n').map_or(s.len(), |k| i + 1 + k);
            if let Some(j) = s[i + 1..line_end].rfind('#').map(|k| i + 1 + k) {
                if j > i + 1 {
                    last_end = j + 1;
                    i = j + 1;
                    continue;
                }
            }
        }
        i += 1;
    }
    &s[last_end..]
}

/// `matches(s, '#(SKONTO)#TAGE=([0-9]+#PROZENT=[0-9]+\.[0-9]{2})(#BASISBETRAG=-?[0-9]+\.[0-9]{2})?#$')`.
fn skonto_entry(s: &str) -> bool {
    s.match_indices("#SKONTO#TAGE=")
        .any(|(i, m)| skonto_rest(&s[i + m.len()..]))
}

fn digits(s: &str) -> (&str, &str) {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    s.split_at(n)
}

fn amount(s: &str) -> Option<&str> {
    let (int, rest) = digits(s);
    let rest = rest.strip_prefix('.')?;
    let (frac, rest) = digits(rest);
    (!int.is_empty() && frac.len() >= 2).then(|| &s[s.len() - rest.len() - (frac.len() - 2)..])
}

fn skonto_rest(s: &str) -> bool {
    let (days, rest) = digits(s);
    if days.is_empty() {
        return false;
    }
    let Some(rest) = rest.strip_prefix("#PROZENT=") else {
        return false;
    };
    // The percentage has exactly two decimals before the next `#`.
    let Some(rest) = exact_amount(rest) else {
        return false;
    };
    if rest == "#" {
        return true;
    }
    let Some(rest) = rest.strip_prefix("#BASISBETRAG=") else {
        return false;
    };
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    exact_amount(rest) == Some("#")
}

/// `[0-9]+\.[0-9]{2}` at the start of `s`: the remainder.
fn exact_amount(s: &str) -> Option<&str> {
    let rest = amount(s)?;
    let consumed = s.len() - rest.len();
    let (_, frac) = s[..consumed].split_once('.')?;
    (frac.len() == 2).then_some(rest)
}

/// DE-R-028: the XRechnung e-mail pattern.
fn email(s: &str) -> bool {
    let atom = |c: char| c.is_ascii_alphanumeric() || "!#$%&\"*+/=?^_`{|}~-".contains(c);
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = local
        .split('.')
        .all(|p| !p.is_empty() && p.chars().all(atom));
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    local_ok && labels.len() >= 2 && labels.iter().all(label_ok)
}

/// Whether `uri` starts with a URL scheme of two or more characters followed by `:`.
fn absolute_url(uri: &str) -> bool {
    let Some((scheme, _)) = uri.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}
