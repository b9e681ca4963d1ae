//! XPath 2.0 value semantics the rules rely on: `normalize-space`, `xs:decimal` casts, `round`,
//! and untyped comparisons. All arithmetic is `rust_decimal`, never floating point.

use std::str::FromStr;

use rust_decimal::Decimal;

/// XML whitespace (what `normalize-space` strips and collapses).
#[inline]
pub(crate) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// `fn:normalize-space`.
pub(crate) fn normalize_space(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for part in s.split(is_xml_space).filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// True when `s` is empty or only XML whitespace (`normalize-space(s) = ''`).
///
/// Only for text of a parsed document: XML 1.0 allows no character below #x20 but the four
/// whitespace ones, so there every byte up to #x20 is whitespace, and one comparison per byte
/// tells.
pub(crate) fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| b <= b' ')
}

/// Trims XML whitespace (the whitespace facet of `xs:decimal`, `xs:boolean`...).
pub(crate) fn trim(s: &str) -> &str {
    s.trim_matches(is_xml_space)
}

/// `xs:decimal(s)`: `None` when `s` is not a valid decimal literal (an XPath dynamic error).
pub(crate) fn decimal(s: &str) -> Option<Decimal> {
    let t = trim(s);
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits_ok =
        int.bytes().all(|b| b.is_ascii_digit()) && frac.bytes().all(|b| b.is_ascii_digit());
    if !digits_ok || (int.is_empty() && frac.is_empty()) {
        return None;
    }
    let unsigned = t.strip_prefix('+').unwrap_or(t);
    Decimal::from_str(unsigned)
        .or_else(|_| Decimal::from_scientific(unsigned))
        .ok()
        .or_else(|| rounded_decimal(unsigned))
}

/// Decimal literals with more significant digits than rust_decimal holds are rounded.
fn rounded_decimal(s: &str) -> Option<Decimal> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let int = int.trim_start_matches('0');
    if int.len() > 28 {
        return None;
    }
    let keep = 28 - int.len();
    let frac = &frac[..frac.len().min(keep)];
    let d = Decimal::from_str(&format!(
        "{}{}.{}",
        if neg { "-" } else { "" },
        if int.is_empty() { "0" } else { int },
        if frac.is_empty() { "0" } else { frac }
    ))
    .ok()?;
    Some(d)
}

/// The value of an untyped node compared with a number (`. > 0`): XPath casts it to
/// `xs:double`; `None` when that cast fails (NaN compares false, an invalid string is an error).
pub(crate) fn number(s: &str) -> Option<Decimal> {
    decimal(s).or_else(|| {
        let t = trim(s);
        // xs:double lexical forms beyond xs:decimal: exponents.
        if t.contains(['e', 'E']) {
            Decimal::from_scientific(t.strip_prefix('+').unwrap_or(t)).ok()
        } else {
            None
        }
    })
}

/// Values the rules compute with are below this in magnitude (10^15), so that every sum,
/// product and rounding the rules make stays inside `Decimal`'s 28 digits without overflow;
/// a larger amount, quantity or rate aborts its rule source as an evaluation error.
pub(crate) const MAX_EXACT: Decimal = Decimal::from_parts(0xA4C6_8000, 0x0003_8D7E, 0, false, 0);

/// XPath `fn:round` on a decimal: half toward positive infinity. Values so large that adding a
/// half would overflow have no fraction left to round.
pub(crate) fn round(d: Decimal) -> Decimal {
    d.checked_add(Decimal::new(5, 1)).map_or(d, |x| x.floor())
}

/// `round(d * 10 * 10) div 100`: the official two-decimal rounding.
pub(crate) fn round2(d: Decimal) -> Decimal {
    match d.checked_mul(Decimal::ONE_HUNDRED) {
        Some(x) => round(x) / Decimal::ONE_HUNDRED,
        None => d,
    }
}

/// `string-length(substring-after(s, '.'))`: the number of characters after the first dot.
pub(crate) fn decimals(s: &str) -> usize {
    s.split_once('.').map_or(0, |(_, f)| f.chars().count())
}

/// `xs:date(s)`: `None` when not a valid date (an optional timezone is accepted and ignored).
pub(crate) fn date(s: &str) -> Option<chrono::NaiveDate> {
    let t = trim(s);
    if !t.is_char_boundary(t.len().min(10)) {
        return None;
    }
    let (d, tz) = t.split_at(t.len().min(10));
    let tz_ok = tz.is_empty()
        || tz == "Z"
        || (tz.len() == 6
            && tz.starts_with(['+', '-'])
            && tz.as_bytes()[3] == b':'
            && tz[1..3]
                .bytes()
                .chain(tz[4..].bytes())
                .all(|b| b.is_ascii_digit()));
    if !tz_ok || d.len() != 10 || d.as_bytes()[4] != b'-' || d.as_bytes()[7] != b'-' {
        return None;
    }
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()
}

/// `xs:boolean(s)`: `None` when not a valid boolean literal.
pub(crate) fn boolean(s: &str) -> Option<bool> {
    match trim(s) {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_follows_xs_decimal_lexical_space() {
        assert_eq!(decimal(" 12.50 "), Some(Decimal::new(1250, 2)));
        assert_eq!(decimal("+1."), Some(Decimal::ONE));
        assert_eq!(decimal(".5"), Some(Decimal::new(5, 1)));
        assert_eq!(decimal(""), None);
        assert_eq!(decimal("1e3"), None);
        assert_eq!(decimal("1,5"), None);
    }

    #[test]
    fn round_is_half_up_toward_positive_infinity() {
        assert_eq!(round(Decimal::new(25, 1)), Decimal::new(3, 0));
        assert_eq!(round(Decimal::new(-25, 1)), Decimal::new(-2, 0));
        assert_eq!(round2(Decimal::new(1005, 3)), Decimal::new(101, 2));
        assert_eq!(round(Decimal::MAX), Decimal::MAX);
        assert_eq!(round2(Decimal::MAX), Decimal::MAX);
    }

    #[test]
    fn max_exact_is_ten_to_the_fifteenth() {
        assert_eq!(MAX_EXACT, Decimal::from(10u64.pow(15)));
    }

    #[test]
    fn normalize_space_collapses_xml_whitespace_only() {
        assert_eq!(normalize_space("  a \n b\t"), "a b");
        assert_eq!(normalize_space("a\u{a0}b"), "a\u{a0}b");
    }
}
