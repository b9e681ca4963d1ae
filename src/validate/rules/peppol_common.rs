//! PEPPOL-COMMON-R040..R057: identifier format and check-digit rules (GLN, Norwegian mod 11,
//! Danish CVR / P / SE numbers, Belgian mod 97, Italian IPA / Codice Fiscale / Partita IVA,
//! Swedish Luhn, ABN, Dutch KVK / OIN / VAT / establishment numbers), on every endpoint, party
//! identifier and company id with the scheme. R052..R057 belong to rule set 2026.5 only; the
//! catalogue drops them from 3.0.19.

use crate::validate::dom::Node;
use crate::validate::name::steps;

use super::Ctx;
use crate::validate::value::normalize_space;
use crate::validate::xml::{attr, is_cac, is_cbc, string_value};

/// Runs the identifier rules.
pub(crate) fn check(ctx: &mut Ctx) {
    for i in 0..ctx.elements.len() {
        let el = ctx.elements[i];
        let Some(scheme) = attr(el, "schemeID") else {
            dutch_vat(ctx, el);
            continue;
        };
        let party_id = is_cbc!(el, "ID")
            && el
                .parent_element()
                .is_some_and(|p| is_cac!(p, "PartyIdentification"));
        let endpoint = is_cbc!(el, "EndpointID");
        if !(endpoint || party_id || is_cbc!(el, "CompanyID")) {
            continue;
        }
        if !identifier(ctx, el, scheme, endpoint) {
            dutch_vat(ctx, el);
        }
    }
}

/// PEPPOL-COMMON-R056-2: a VAT identifier starting with NL has the Dutch format (for an id
/// that no scheme rule above took, as the official rules' first-match order has it).
fn dutch_vat(ctx: &mut Ctx, el: Node) {
    let vat_scheme = is_cbc!(el, "CompanyID")
        && el.parent_element().is_some_and(|p| {
            is_cac!(p, "PartyTaxScheme")
                && crate::validate::xml::first(p, steps!["cac:TaxScheme", "cbc:ID"])
                    .is_some_and(|i| normalize_space(&string_value(i)) == "VAT")
        });
    if vat_scheme {
        let v = normalize_space(&string_value(el));
        if v.starts_with("NL") {
            ctx.check(dutch_vat_format(&v), "PEPPOL-COMMON-R056-2", el);
        }
    }
}

/// `^NL[0-9]{9}B[0-9]{2}$`.
fn dutch_vat_format(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 14
        && b.starts_with(b"NL")
        && b[2..11].iter().all(u8::is_ascii_digit)
        && b[11] == b'B'
        && b[12..].iter().all(u8::is_ascii_digit)
}

fn digits(s: &str) -> Option<Vec<u32>> {
    s.chars().map(|c| c.to_digit(10)).collect()
}

fn all_digits(s: &str, len: Option<usize>) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && len.is_none_or(|l| s.len() == l)
}

/// Runs the rule of `scheme`; false when no rule is bound to that scheme.
fn identifier(ctx: &mut Ctx, el: Node, scheme: &str, endpoint: bool) -> bool {
    let raw = string_value(el);
    let v = normalize_space(&raw);
    match scheme {
        "0088" => ctx.check(all_digits(&v, None) && gln(&v), "PEPPOL-COMMON-R040", el),
        "0192" => ctx.check(
            all_digits(&v, Some(9)) && mod11(&v),
            "PEPPOL-COMMON-R041",
            el,
        ),
        "0184" => ctx.check(danish_cvr(&raw), "PEPPOL-COMMON-R042", el),
        "0208" => ctx.check(
            all_digits(&v, Some(10)) && mod97_0208(&v),
            "PEPPOL-COMMON-R043",
            el,
        ),
        "0201" => ctx.check(codice_ipa(&v), "PEPPOL-COMMON-R044", el),
        "0210" => ctx.check(codice_fiscale(&v), "PEPPOL-COMMON-R045", el),
        "9907" if endpoint => ctx.check(codice_fiscale(&v), "PEPPOL-COMMON-R046", el),
        "0211" => ctx.check(partita_iva(&v), "PEPPOL-COMMON-R047", el),
        "0007" => ctx.check(
            v.chars().count() == 10 && all_digits(&v, None) && swedish_orgnr(&v),
            "PEPPOL-COMMON-R049",
            el,
        ),
        "0151" => ctx.check(
            all_digits(&v, Some(11)) && abn(&v),
            "PEPPOL-COMMON-R050",
            el,
        ),
        "0096" => ctx.check(all_digits(&raw, Some(10)), "PEPPOL-COMMON-R052", el),
        "0198" => ctx.check(
            raw.len() == 10 && raw.starts_with("DK") && all_digits(&raw[2..], Some(8)),
            "PEPPOL-COMMON-R053",
            el,
        ),
        "0106" => ctx.check(all_digits(&v, Some(8)), "PEPPOL-COMMON-R054", el),
        "0190" => ctx.check(all_digits(&v, Some(20)), "PEPPOL-COMMON-R055", el),
        "9944" => ctx.check(dutch_vat_format(&v), "PEPPOL-COMMON-R056-1", el),
        "0217" => ctx.check(all_digits(&v, Some(12)), "PEPPOL-COMMON-R057", el),
        _ => return false,
    }
    true
}

/// `u:gln`: GS1 check digit (weights 3, 1, ... from the right, check digit excluded).
pub(crate) fn gln(v: &str) -> bool {
    let Some(d) = digits(v) else { return false };
    let Some((check, body)) = d.split_last() else {
        return false;
    };
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, x)| x * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10 == *check
}

/// `u:mod11`: weights 2..7 from the right; the number must be above zero.
pub(crate) fn mod11(v: &str) -> bool {
    let Some(d) = digits(v) else { return false };
    let Some((check, body)) = d.split_last() else {
        return false;
    };
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, x)| x * (i as u32 % 6 + 2))
        .sum();
    d.iter().any(|x| *x > 0) && (11 - sum % 11) % 11 == *check
}

/// Danish CVR: `DK` and 8 digits, or 8 digits (on the unnormalized value).
fn danish_cvr(raw: &str) -> bool {
    let chars: Vec<char> = raw.chars().collect();
    let digits_only = |s: &[char]| s.iter().all(|c| c.is_ascii_digit());
    (chars.len() == 10 && chars[..2] == ['D', 'K'] && digits_only(&chars[2..]))
        || (chars.len() == 8 && digits_only(&chars))
}

/// `u:mod97-0208`: the last two digits are 97 - (first eight mod 97).
fn mod97_0208(v: &str) -> bool {
    let (Ok(body), Ok(check)) = (v[..8].parse::<u64>(), v[8..10].parse::<u64>()) else {
        return false;
    };
    97 - body % 97 == check
}

/// `u:checkCodiceIPA`: six ASCII letters or digits.
fn codice_ipa(v: &str) -> bool {
    v.chars().count() == 6 && v.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `castable as xs:integer` for the short substrings the Italian checks use.
fn integer_like(s: &str) -> bool {
    let t = s.trim_matches([' ', '\t', '\n', '\r']);
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit())
}

/// `u:checkCF`: a 16-character personal code or an 11-digit number.
fn codice_fiscale(v: &str) -> bool {
    let c: Vec<char> = v.chars().collect();
    let sub = |from: usize, len: usize| -> String { c.iter().skip(from - 1).take(len).collect() };
    let letters = |s: String| s.chars().all(|ch| ch.is_ascii_alphabetic());
    match c.len() {
        16 => {
            letters(sub(1, 6))
                && integer_like(&sub(7, 2))
                && letters(sub(9, 1))
                && integer_like(&sub(10, 2))
                && integer_like(&sub(15, 1))
                && letters(sub(16, 1))
        }
        11 => integer_like(v),
        _ => false,
    }
}

/// `u:checkPIVAseIT`: an `IT` prefixed VAT number must have 11 digits with a valid check sum.
fn partita_iva(v: &str) -> bool {
    let prefix: String = v.chars().take(2).collect();
    if prefix != "IT" && prefix != "it" {
        return true;
    }
    let code: String = v.chars().skip(2).collect();
    code.chars().count() == 11 && integer_like(&code) && piva_sum(&code).is_multiple_of(10)
}

/// `u:addPIVA`: odd positions as is, even positions doubled (digit sum), while the rest is an
/// integer.
fn piva_sum(code: &str) -> u32 {
    let mut sum = 0;
    for (i, ch) in code.chars().enumerate() {
        let rest: String = code.chars().skip(i).collect();
        if !integer_like(&rest) {
            break;
        }
        let Some(d) = ch.to_digit(10) else { break };
        sum += if i % 2 == 1 {
            [0, 2, 4, 6, 8, 1, 3, 5, 7, 9][d as usize]
        } else {
            d
        };
    }
    sum
}

/// `u:checkSEOrgnr`: Luhn check of a Swedish organisation number.
pub(crate) fn swedish_orgnr(v: &str) -> bool {
    if !all_digits(v, None) {
        return false;
    }
    let main: Vec<u32> = v.chars().take(9).filter_map(|c| c.to_digit(10)).collect();
    let Some(check) = v.chars().nth(9).and_then(|c| c.to_digit(10)) else {
        return false;
    };
    let sum: u32 = main
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                (d * 2) % 10 + (d * 2) / 10
            } else {
                *d
            }
        })
        .sum();
    (10 - sum % 10) % 10 == check
}

/// `u:abn`: Australian Business Number weights, mod 89.
fn abn(v: &str) -> bool {
    let Some(d) = digits(v) else { return false };
    if d.len() != 11 || d[0] == 0 {
        return false;
    }
    let weights = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];
    let sum: u32 = (d[0] - 1) * weights[0]
        + d[1..]
            .iter()
            .zip(&weights[1..])
            .map(|(x, w)| x * w)
            .sum::<u32>();
    sum.is_multiple_of(89)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits() {
        assert!(gln("5790000435951"));
        assert!(!gln("5790000435952"));
        assert!(mod11("123456785"));
        assert!(!mod11("123456789"));
        assert!(swedish_orgnr("5560360793"));
        assert!(!swedish_orgnr("5560360794"));
        assert!(abn("51824753556"));
        assert!(mod97_0208("0417497106"));
        assert!(partita_iva("IT01234567897"));
        assert!(!partita_iva("IT01234567890"));
    }
}
