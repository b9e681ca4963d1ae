//! XML 1.0 (fifth edition) character classes: names and characters.

/// `NameStartChar` without `:` (names are split at colons by the caller).
fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | 'a'..='z' | '_'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

/// `NameChar` without `:`.
fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c,
            '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Bytes that may appear in an ASCII name after the first character.
const ASCII_NAME: [bool; 128] = {
    let mut t = [false; 128];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.';
        c += 1;
    }
    t
};

/// Length in bytes of the `NCName` (a name without colons) at the start of `s`, 0 when there is
/// none.
#[inline]
pub(super) fn ncname_len(s: &[u8]) -> usize {
    let mut i = 0;
    // ASCII first, as nearly every name is.
    while let Some(&b) = s.get(i) {
        if b >= 0x80 {
            break;
        }
        let ok = if i == 0 {
            b.is_ascii_alphabetic() || b == b'_'
        } else {
            ASCII_NAME[usize::from(b)]
        };
        if !ok {
            return i;
        }
        i += 1;
    }
    if i == s.len() {
        return i;
    }
    // Non-ASCII: decode characters. The input is UTF-8 (it came from a `str`, and `i` is at a
    // character boundary since every byte before it is ASCII).
    let rest = std::str::from_utf8(&s[i..])
        .unwrap_or_else(|e| std::str::from_utf8(&s[i..i + e.valid_up_to()]).unwrap_or_default());
    for c in rest.chars() {
        let ok = if i == 0 {
            is_name_start(c)
        } else {
            is_name_char(c)
        };
        if !ok {
            break;
        }
        i += c.len_utf8();
    }
    i
}

/// XML 1.0 `Char` for a character reference's value.
pub(super) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Offset of the first character of `text` that is not an XML 1.0 `Char`: a control character
/// other than tab, line feed and carriage return, or U+FFFE / U+FFFF (a `str` holds no
/// surrogates).
pub(super) fn first_invalid_char(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    // A branch-free count per block, which vectorizes; the exact position only on a hit.
    let controls = b.chunks(255).any(|run| {
        run.iter().fold(0u8, |n, &c| {
            n | (u8::from(c < 0x20)
                & u8::from(c != b'\t')
                & u8::from(c != b'\n')
                & u8::from(c != b'\r'))
        }) != 0
    });
    let control = if controls {
        b.iter()
            .position(|&c| c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r'))
    } else {
        None
    };
    let nonchar = memchr::memmem::find_iter(b, b"\xEF\xBF")
        .find(|&i| matches!(b.get(i + 2), Some(0xBE | 0xBF)));
    match (control, nonchar) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
