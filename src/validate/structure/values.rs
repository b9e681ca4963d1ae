//! Lexical checks of the XSD built-in datatypes UBL 2.1 uses, on borrowed text, without allocating.

use super::model::Datatype;
use super::uri;

/// XML whitespace (`#x20 | #x9 | #xD | #xA`).
pub(crate) fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Whether `text`, the content of an element, is a valid lexical value of `datatype`.
///
/// `xsd:anyURI` is checked as libxml2 checks it, as an RFC 3986 URI reference after replacing
/// characters that URIs must escape (see [`uri`]). Whitespace follows libxml2 rather than the letter of XSD: element content of the date types
/// is not collapsed before parsing, so `xsd:date` allows no surrounding whitespace at all,
/// `xsd:time` only leading and `xsd:dateTime` only trailing whitespace (verified with libxml2
/// 2.9.14, whose parser has the same logic as current releases).
pub(crate) fn is_valid(datatype: Datatype, text: &str) -> bool {
    match datatype {
        Datatype::String | Datatype::NormalizedString | Datatype::Token => true,
        Datatype::AnyUri => uri::is_reference(collapse(text).as_bytes()),
        Datatype::Language => language(collapse(text)),
        Datatype::Decimal => decimal(collapse(text)),
        Datatype::Date => date(text.as_bytes()),
        Datatype::Time => time(text.trim_start_matches(is_xml_space_char).as_bytes()),
        Datatype::DateTime => date_time(text.trim_end_matches(is_xml_space_char).as_bytes()),
        Datatype::Boolean => matches!(collapse(text), "true" | "false" | "1" | "0"),
        Datatype::Base64Binary => base64(text),
        Datatype::Integer => integer(collapse(text)),
        Datatype::Id => ncname(collapse(text)),
        Datatype::Enumeration(allowed) => allowed.contains(&text),
    }
}

/// Whether `text`, the value of an attribute, is a valid lexical value of `datatype`. Attribute
/// values are normalised before they are parsed, so surrounding whitespace never matters.
pub(crate) fn is_valid_attribute(datatype: Datatype, text: &str) -> bool {
    is_valid(datatype, collapse(text))
}

fn is_xml_space_char(c: char) -> bool {
    c.is_ascii() && is_xml_space(c as u8)
}

/// The value with leading and trailing whitespace removed. Atomic types with `whiteSpace="collapse"`
/// have no inner whitespace in any valid value, so trimming is enough to decide validity.
fn collapse(text: &str) -> &str {
    let bytes = text.as_bytes();
    let start = bytes
        .iter()
        .position(|&b| !is_xml_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| !is_xml_space(b))
        .map_or(start, |i| i + 1);
    // Whitespace is ASCII, so both ends are character boundaries.
    &text[start..end]
}

fn digits(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit)
}

fn integer(s: &str) -> bool {
    digits(s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes())
}

/// An XML name without colons. Outside ASCII any letter, digit or other non-space character
/// after the first is accepted (the XML name classes, approximated).
fn ncname(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first == '_' || first.is_alphabetic())
        && chars.all(|c| {
            c.is_alphanumeric()
                || matches!(c, '.' | '-' | '_')
                || (!c.is_ascii() && !c.is_whitespace())
        })
}

fn decimal(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    match s.iter().position(|&b| b == b'.') {
        None => digits(s),
        Some(dot) => {
            let (int, frac) = (&s[..dot], &s[dot + 1..]);
            (int.is_empty() || digits(int))
                && (frac.is_empty() || digits(frac))
                && !(int.is_empty() && frac.is_empty())
        }
    }
}

fn language(s: &str) -> bool {
    let mut parts = s.split('-');
    let first = parts.next().unwrap_or("");
    let ok = |p: &str, alnum: bool| {
        (1..=8).contains(&p.len())
            && p.bytes()
                .all(|b| b.is_ascii_alphabetic() || (alnum && b.is_ascii_digit()))
    };
    ok(first, false) && parts.all(|p| ok(p, true))
}

fn number(s: &[u8]) -> u32 {
    s.iter().fold(0, |n, &d| {
        n.saturating_mul(10).saturating_add(u32::from(d - b'0'))
    })
}

fn two_digits(s: &[u8], at: usize) -> Option<u32> {
    let part = s.get(at..at + 2)?;
    digits(part).then(|| number(part))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

/// `[-]YYYY-MM-DD` (no time zone); returns the length consumed.
fn date_part(s: &[u8]) -> Option<usize> {
    let start = usize::from(s.first() == Some(&b'-'));
    let year_len = s[start..].iter().take_while(|b| b.is_ascii_digit()).count();
    let year_digits = &s[start..start + year_len];
    if year_len < 4 || (year_len > 4 && year_digits[0] == b'0') {
        return None;
    }
    // Year 0000 does not exist in XSD 1.0; the exact year only matters for leap days.
    if year_digits.iter().all(|&b| b == b'0') {
        return None;
    }
    let year = number(&year_digits[year_digits.len() - 4..]);
    let mut at = start + year_len;
    if s.get(at) != Some(&b'-') {
        return None;
    }
    let month = two_digits(s, at + 1)?;
    at += 3;
    if s.get(at) != Some(&b'-') {
        return None;
    }
    let day = two_digits(s, at + 1)?;
    at += 3;
    // A year beyond four digits keeps its leap-year rule from the last four (multiples of 400).
    let ok = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
    ok.then_some(at)
}

/// `hh:mm:ss[.f+]`; returns the length consumed.
fn time_part(s: &[u8]) -> Option<usize> {
    let hour = two_digits(s, 0)?;
    let minute = (s.get(2) == Some(&b':')).then(|| two_digits(s, 3))??;
    let second = (s.get(5) == Some(&b':')).then(|| two_digits(s, 6))??;
    let mut at = 8;
    if s.get(at) == Some(&b'.') {
        let frac = s[at + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if frac == 0 {
            return None;
        }
        at += 1 + frac;
    }
    // 24:00:00 is the end of the day (XSD 1.0 second edition, and libxml2).
    let end_of_day = hour == 24
        && minute == 0
        && second == 0
        && s[8..at].iter().all(|&b| b == b'.' || b == b'0');
    ((hour <= 23 && minute <= 59 && second <= 59) || end_of_day).then_some(at)
}

/// Empty, `Z` or `(+|-)hh:mm` with an offset of at most 14:00.
fn zone(s: &[u8]) -> bool {
    match s {
        [] | [b'Z'] => true,
        [b'+' | b'-', rest @ ..] if rest.len() == 5 && rest[2] == b':' => {
            match (two_digits(rest, 0), two_digits(rest, 3)) {
                (Some(h), Some(m)) => m <= 59 && (h < 14 || (h == 14 && m == 0)),
                _ => false,
            }
        }
        _ => false,
    }
}

fn date(s: &[u8]) -> bool {
    date_part(s).is_some_and(|end| zone(&s[end..]))
}

fn time(s: &[u8]) -> bool {
    time_part(s).is_some_and(|end| zone(&s[end..]))
}

fn date_time(s: &[u8]) -> bool {
    let Some(end) = date_part(s) else {
        return false;
    };
    if s.get(end) != Some(&b'T') {
        return false;
    }
    let rest = &s[end + 1..];
    time_part(rest).is_some_and(|t| zone(&rest[t..]))
}

/// Base64 class of every byte: its 6-bit value, [`PAD`] for `=`, [`STRAY`] otherwise.
const BASE64: [u8; 256] = {
    let mut table = [STRAY; 256];
    let mut i = 0;
    while i < 64 {
        let c = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i];
        table[c as usize] = i as u8;
        i += 1;
    }
    table[b'=' as usize] = PAD;
    table
};
const PAD: u8 = 64;
const STRAY: u8 = 255;

/// Base64 with up to two `=` at the end and unused bits zero. Like libxml2, characters outside
/// the base64 alphabet (whitespace and any stray character) are ignored.
fn base64(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut count = 0usize;
    let mut last = 0u8;
    let mut rest = bytes.len();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        // Runs of 16 alphabet characters (no padding, nothing stray) in one step.
        if let Some(run) = bytes.get(i..i + 16) {
            let classes = run.iter().fold(0u8, |acc, &c| acc | BASE64[usize::from(c)]);
            if classes < PAD {
                count += 16;
                last = BASE64[usize::from(run[15])];
                i += 16;
                continue;
            }
        }
        match BASE64[usize::from(b)] {
            PAD => {
                rest = i;
                break;
            }
            STRAY => {}
            v => {
                last = v;
                count += 1;
            }
        }
        i += 1;
    }
    let mut padding = 0usize;
    for &b in &bytes[rest..] {
        match BASE64[usize::from(b)] {
            PAD => padding += 1,
            STRAY => {}
            _ => return false,
        }
    }
    if padding > 2 || !(count + padding).is_multiple_of(4) {
        return false;
    }
    match padding {
        1 => last & 0b11 == 0,
        2 => last & 0b1111 == 0,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        for ok in ["0", "12.50", "-1", "+.5", "1.", " 7 ", "\n100.00\t"] {
            assert!(is_valid(Datatype::Decimal, ok), "{ok:?}");
        }
        for bad in [
            "", " ", "1,5", "12.3.4", ".", "-", "1e3", "1 000", "abc", "+-1",
        ] {
            assert!(!is_valid(Datatype::Decimal, bad), "{bad:?}");
        }
    }

    #[test]
    fn dates() {
        for ok in [
            "2024-01-31",
            "2024-02-29",
            "2000-02-29",
            "2024-12-01Z",
            "2024-06-30+02:00",
            "12024-01-01",
            "-0044-03-15",
        ] {
            assert!(is_valid(Datatype::Date, ok), "{ok:?}");
        }
        for bad in [
            "",
            "2024-13-01",
            "2024-1-1",
            "2023-02-29",
            "1900-02-29",
            "2024-04-31",
            "06.07.2025",
            "0000-01-01",
            "02024-01-01",
            "2024-01-01+15:00",
            "2024-01-01T10:00:00",
            " 2024-01-01",
            "2024-01-01\n",
        ] {
            assert!(!is_valid(Datatype::Date, bad), "{bad:?}");
        }
        // Attribute values are normalised first.
        assert!(is_valid_attribute(Datatype::Date, " 2024-01-01 "));
    }

    #[test]
    fn times_and_date_times() {
        for ok in ["10:30:00", "23:59:59.999", "00:00:00Z", "12:00:00-05:00"] {
            assert!(is_valid(Datatype::Time, ok), "{ok:?}");
        }
        assert!(is_valid(Datatype::Time, "24:00:00"));
        assert!(is_valid(Datatype::Time, "\n 10:30:00"));
        assert!(!is_valid(Datatype::Time, "10:30:00 "));
        assert!(is_valid(Datatype::DateTime, "2024-01-01T10:30:00\n"));
        assert!(!is_valid(Datatype::DateTime, " 2024-01-01T10:30:00"));
        for bad in [
            "",
            "10:30",
            "24:00:01",
            "24:30:00",
            "10:60:00",
            "10:30:00.",
            "1:30:00",
        ] {
            assert!(!is_valid(Datatype::Time, bad), "{bad:?}");
        }
        assert!(is_valid(Datatype::DateTime, "2024-01-01T10:30:00Z"));
        assert!(!is_valid(Datatype::DateTime, "2024-01-01 10:30:00"));
    }

    #[test]
    fn booleans_languages_base64() {
        for ok in ["true", "false", "1", "0", " true "] {
            assert!(is_valid(Datatype::Boolean, ok), "{ok:?}");
        }
        for bad in ["yes", "TRUE", "", "2"] {
            assert!(!is_valid(Datatype::Boolean, bad), "{bad:?}");
        }
        assert!(is_valid(Datatype::Language, "nl-BE"));
        assert!(!is_valid(Datatype::Language, ""));
        assert!(!is_valid(Datatype::Language, "en_GB"));
        for ok in ["", "QUJD", "QUI=", "QQ==", "QUJD\nREVG", "QU*JD"] {
            assert!(is_valid(Datatype::Base64Binary, ok), "{ok:?}");
        }
        for bad in ["QUJ", "QU=D", "QR==", "Q===", "QUJ*", "QUJDQ"] {
            assert!(!is_valid(Datatype::Base64Binary, bad), "{bad:?}");
        }
    }

    /// Long values take the 16-character steps: the verdicts stay those of the short values.
    #[test]
    fn long_base64() {
        let run = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY".repeat(5);
        for (tail, valid) in [
            ("", true),
            ("QUI=", true),
            ("QQ==", true),
            ("QR==", false),
            ("QUJ", false),
            ("QU=D", false),
            ("QUJDQUJDQUJDQUJDQUJD=", false),
        ] {
            for sep in ["", "\n", " *"] {
                let value = format!("{run}{sep}{run}{sep}{tail}");
                assert_eq!(is_valid(Datatype::Base64Binary, &value), valid, "{value:?}");
            }
        }
        let padded_early = format!("QQ=={run}");
        assert!(!is_valid(Datatype::Base64Binary, &padded_early));
    }

    /// Element-content verdicts observed with libxml2 2.9.14 on UBL documents.
    #[test]
    fn agrees_with_libxml2_on_edge_cases() {
        let cases: &[(Datatype, &str, bool)] = &[
            (Datatype::Decimal, "-0", true),
            (Datatype::Decimal, "+0.0", true),
            (Datatype::Decimal, "00001.1000", true),
            (Datatype::Decimal, "1e2", false),
            (Datatype::Decimal, "1_0", false),
            (Datatype::Decimal, "\u{663}", false),
            (Datatype::Decimal, "\u{a0}1", false),
            (Datatype::Date, "99999-12-31", true),
            (Datatype::Date, "-0001-01-01", true),
            (Datatype::Date, "2024-02-29-14:00", true),
            (Datatype::Date, "2024-02-29-00:00", true),
            (Datatype::Date, "2024-02-29+14:01", false),
            (Datatype::Date, "2024-01-01+1:00", false),
            (Datatype::Date, "2024-01-01Z ", false),
            (Datatype::Date, "2100-02-29", false),
            (Datatype::Date, "+2024-01-01", false),
            (Datatype::Time, "24:00:00.000", true),
            (Datatype::Time, "24:00:00.001", false),
            (Datatype::Time, "00:00:00.000000000001", true),
            (Datatype::Time, "23:59:59+14:00", true),
            (Datatype::Time, "23:59:59+14:30", false),
            (Datatype::Time, "12:00:00 Z", false),
            (Datatype::Time, "12:0:00", false),
            (Datatype::Boolean, "\ttrue", true),
            (Datatype::Boolean, "1 ", true),
            (Datatype::Boolean, "01", false),
            (Datatype::Boolean, "-1", false),
            (Datatype::Language, "i-klingon", true),
            (Datatype::Language, "abcdefgh-abcdefgh", true),
            (Datatype::Language, "en--GB", false),
            (Datatype::Language, "a1", false),
            (Datatype::Language, "12", false),
        ];
        for &(datatype, value, valid) in cases {
            assert_eq!(is_valid(datatype, value), valid, "{datatype:?} {value:?}");
        }
    }

    #[test]
    fn integers_ids_and_enumerations() {
        for ok in ["0", "-12", "+7", " 42 "] {
            assert!(is_valid(Datatype::Integer, ok), "{ok:?}");
        }
        for bad in ["", "1.0", "1e3", "--1"] {
            assert!(!is_valid(Datatype::Integer, bad), "{bad:?}");
        }
        for ok in ["id-1", "_x", "Signature.1", "é"] {
            assert!(is_valid(Datatype::Id, ok), "{ok:?}");
        }
        for bad in ["", "1id", "a:b", "a b", "-x"] {
            assert!(!is_valid(Datatype::Id, bad), "{bad:?}");
        }
        let qualifier = Datatype::Enumeration(&["OIDAsURI", "OIDAsURN"]);
        assert!(is_valid(qualifier, "OIDAsURN"));
        assert!(!is_valid(qualifier, " OIDAsURN"));
    }
}
