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

/// What a byte is to a name after its first character: 0 ends it, 1 continues it, 2 starts a
/// non-ASCII character to decode.
const NAME_BYTE: [u8; 256] = {
    let mut t = [0; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b >= 0x80 {
            2
        } else if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.' {
            1
        } else {
            0
        };
        c += 1;
    }
    t
};

/// Length in bytes of the `NCName` (a name without colons) at the start of `s`, 0 when there is
/// none.
#[inline]
pub(super) fn ncname_len(text: &str) -> usize {
    let s = text.as_bytes();
    match s.first() {
        Some(&b) if b.is_ascii_alphabetic() || b == b'_' => {}
        Some(&b) if b >= 0x80 => return non_ascii(text, 0),
        _ => return 0,
    }
    let mut i = 1;
    // Four bytes a step while all four continue the name (UBL names are 2-40 bytes long).
    while let Some(&[a, b, c, d]) = s.get(i..i + 4) {
        let class = |x: u8| NAME_BYTE[usize::from(x)];
        if class(a) & class(b) & class(c) & class(d) != 1 {
            break;
        }
        i += 4;
    }
    while let Some(&b) = s.get(i) {
        match NAME_BYTE[usize::from(b)] {
            0 => return i,
            1 => i += 1,
            _ => return non_ascii(text, i),
        }
    }
    i
}

/// [`ncname_len`] from `i` (a character boundary: every byte before it is ASCII) on, a
/// character at a time.
fn non_ascii(text: &str, mut i: usize) -> usize {
    for c in text[i..].chars() {
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

/// Whether every byte of `b` is at most #x20: in input already checked for characters XML does
/// not allow, whether it is all whitespace. Eight bytes at a time: a byte `x` is above #x20
/// exactly when its high bit is set or `(x & 0x7F) + 0x5F` sets it (no carry leaves the byte).
pub(super) fn all_at_most_space(b: &[u8]) -> bool {
    const LOW: u64 = u64::from_le_bytes([0x7F; 8]);
    const ADD: u64 = u64::from_le_bytes([0x5F; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().expect("eight bytes"));
        if (((w & LOW) + ADD) | w) & HIGH != 0 {
            return false;
        }
    }
    words.remainder().iter().all(|&x| x <= b' ')
}
