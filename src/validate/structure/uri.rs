//! `xsd:anyURI` as libxml2 checks it: the value, with every character a URI would have to
//! escape (controls, non-ASCII, space, `<>"{}|\^` and the backquote and apostrophe) taken as
//! an ordinary character, must parse as an RFC 3986 URI or relative reference. libxml2 is
//! slightly more lenient than RFC 3986 in fragments, which may also hold `[` and `]`.

/// Whether `value` (already whitespace-collapsed) is a URI reference.
pub(crate) fn is_reference(value: &[u8]) -> bool {
    value.is_empty() || Cursor::new(value).absolute() || Cursor::new(value).relative()
}

/// A position in the value being parsed.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

fn unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
}

fn sub_delim(c: u8) -> bool {
    matches!(
        c,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Cursor { bytes, at: 0 }
    }

    /// The byte at `at + offset`, with characters libxml2 escapes read as `_`.
    fn peek_at(&self, offset: usize) -> Option<u8> {
        let c = *self.bytes.get(self.at + offset)?;
        let escaped = !(0x20..0x7f).contains(&c)
            || matches!(
                c,
                b' ' | b'<' | b'>' | b'"' | b'{' | b'}' | b'|' | b'\\' | b'^' | b'`' | b'\''
            );
        Some(if escaped { b'_' } else { c })
    }

    fn peek(&self) -> Option<u8> {
        self.peek_at(0)
    }

    fn eat(&mut self, c: u8) -> bool {
        let found = self.peek() == Some(c);
        self.at += usize::from(found);
        found
    }

    fn at_end(&self) -> bool {
        self.at == self.bytes.len()
    }

    /// Length of a percent-encoded octet here, if any.
    fn pct(&self) -> Option<usize> {
        let hex = |o| self.peek_at(o).is_some_and(|c: u8| c.is_ascii_hexdigit());
        (self.peek() == Some(b'%') && hex(1) && hex(2)).then_some(3)
    }

    /// Length of a `pchar` here (`:` only when `colon`), if any.
    fn pchar(&self, colon: bool) -> Option<usize> {
        match self.peek()? {
            b':' => colon.then_some(1),
            c if unreserved(c) || sub_delim(c) || c == b'@' => Some(1),
            _ => self.pct(),
        }
    }

    /// `*pchar`; returns whether anything was consumed.
    fn segment(&mut self, colon: bool) -> bool {
        let start = self.at;
        while let Some(len) = self.pchar(colon) {
            self.at += len;
        }
        self.at > start
    }

    /// `*( "/" segment )`.
    fn path_abempty(&mut self) {
        while self.eat(b'/') {
            self.segment(true);
        }
    }

    /// `[ userinfo "@" ] host [ ":" port ]`.
    fn authority(&mut self) -> bool {
        let start = self.at;
        while let Some(len) = self.pct().or_else(|| {
            self.peek()
                .filter(|&c| unreserved(c) || sub_delim(c) || c == b':')
                .map(|_| 1)
        }) {
            self.at += len;
        }
        if !self.eat(b'@') {
            self.at = start;
        }
        if self.eat(b'[') {
            while self.peek().is_some_and(|c| c != b']') {
                self.at += 1;
            }
            if !self.eat(b']') {
                return false;
            }
        } else {
            while let Some(len) = self.pct().or_else(|| {
                self.peek()
                    .filter(|&c| unreserved(c) || sub_delim(c))
                    .map(|_| 1)
            }) {
                self.at += len;
            }
        }
        if self.eat(b':') {
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.at += 1;
            }
        }
        true
    }

    /// `[ "?" query ] [ "#" fragment ]` and the end of the value.
    fn query_fragment_end(&mut self) -> bool {
        if self.eat(b'?') {
            while let Some(len) = self
                .pchar(true)
                .or_else(|| self.peek().filter(|&c| c == b'/' || c == b'?').map(|_| 1))
            {
                self.at += len;
            }
        }
        if self.eat(b'#') {
            while let Some(len) = self.pchar(true).or_else(|| {
                self.peek()
                    .filter(|&c| matches!(c, b'/' | b'?' | b'[' | b']'))
                    .map(|_| 1)
            }) {
                self.at += len;
            }
        }
        self.at_end()
    }

    /// `"//" authority path-abempty`, `path-absolute`, or a rootless path (whose first segment
    /// may hold `:` only when `colon`), or nothing.
    fn hierarchical(&mut self, colon: bool) -> bool {
        if self.peek() == Some(b'/') && self.peek_at(1) == Some(b'/') {
            self.at += 2;
            if !self.authority() {
                return false;
            }
        } else if self.eat(b'/') {
            self.segment(true);
        } else {
            self.segment(colon);
        }
        self.path_abempty();
        true
    }

    /// `scheme ":" hier-part [ "?" query ] [ "#" fragment ]`.
    fn absolute(mut self) -> bool {
        if !self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            return false;
        }
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        {
            self.at += 1;
        }
        self.eat(b':') && self.hierarchical(true) && self.query_fragment_end()
    }

    /// `relative-part [ "?" query ] [ "#" fragment ]`.
    fn relative(mut self) -> bool {
        self.hierarchical(false) && self.query_fragment_end()
    }
}

#[cfg(test)]
mod tests {
    use super::is_reference;

    /// Verdicts of libxml2 2.9.14 on these values of a UBL `listURI` attribute.
    #[test]
    fn agrees_with_libxml2() {
        let valid = [
            "",
            "http://example.com/a b",
            "a:b",
            "urn:un:unece:uncefact:codelist:specification:5639:1988",
            "%41",
            "http://x:80/p?q#f",
            "?a?b",
            "http://[::1]/",
            "\u{e4}",
            "//host",
            "///x",
            "mailto:a@b",
            "file:///C:/x",
            "C:\\x",
            "x:",
            "./a:b",
            "a/b:c",
            "http://u:p@h:1/",
            "http://h/#%41",
            "{x}",
            "a|b",
            "http:",
            "http://",
            "http://@",
            "x#[y]",
        ];
        let invalid = [
            "12:00",
            "1a:b",
            "%zz",
            "%4",
            "a%",
            "http://x:abc",
            "#a#b",
            "[x]",
            "http://[::1/",
            "a@b:c",
            ":x",
            "http://h/%",
            "http://a@b@c",
        ];
        for value in valid {
            assert!(is_reference(value.as_bytes()), "{value:?}");
        }
        for value in invalid {
            assert!(!is_reference(value.as_bytes()), "{value:?}");
        }
    }
}
