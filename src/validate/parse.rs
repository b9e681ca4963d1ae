//! Bytes to a roxmltree document: encoding checks, no DTD, no entity expansion, no panic.

use super::{Finding, Flag};

fn fatal(id: &str, line: u32, column: u32, message: String) -> Finding {
    Finding {
        id: id.to_string(),
        flag: Flag::Fatal,
        location: String::new(),
        line,
        column,
        message,
        values: None,
    }
}

/// Strips a UTF-8 byte order mark and checks the bytes are UTF-8.
pub(crate) fn decode(bytes: &[u8]) -> Result<&str, Finding> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFE\xFF") || bytes.starts_with(b"\xFF\xFE") {
        return Err(fatal(
            "XML-ENCODING",
            1,
            1,
            "the document is UTF-16 encoded; UBL documents must be UTF-8".into(),
        ));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let before = &bytes[..e.valid_up_to()];
        let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        fatal(
            "XML-ENCODING",
            line,
            0,
            format!(
                "the document is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// Deepest element nesting accepted. UBL documents nest about 10 levels; the limit keeps the
/// (recursive) XML parser far from the end of its stack on hostile input.
pub(crate) const MAX_DEPTH: usize = 512;

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// One linear scan: the element nesting never exceeds [`MAX_DEPTH`]. Malformed markup is left
/// for the parser to report.
///
/// Every level of nesting starts at a start tag, a `<` followed by neither `/`, `?` nor `!` (no
/// DTD, so no entity brings markup of its own): a document with at most [`MAX_DEPTH`] `<`, as a
/// typical invoice, or at most that many start tags, as invoices up to about 30 KB, needs no
/// closer look.
fn check_depth(text: &str) -> Result<(), Finding> {
    let b = text.as_bytes();
    if at_most(MAX_DEPTH, b, b, |c, _| u8::from(c == b'<')) {
        return Ok(());
    }
    // Without branches (`&`, not `&&`), so that the loop vectorizes.
    let opens = |c: u8, next: u8| {
        u8::from(c == b'<')
            & u8::from(next != b'/')
            & u8::from(next != b'?')
            & u8::from(next != b'!')
    };
    // The pairs of each byte and the next (a `<` at the very end opens nothing).
    let (at, next) = (
        &b[..b.len().saturating_sub(1)],
        b.get(1..).unwrap_or_default(),
    );
    if at_most(MAX_DEPTH, at, next, opens) {
        return Ok(());
    }
    let (mut i, mut depth) = (0usize, 0usize);
    while let Some(off) = b.get(i..).and_then(|r| memchr::memchr(b'<', r)) {
        i += off + 1;
        match b.get(i) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(b'?') => i = find(b, i, b"?>").unwrap_or(b.len()),
            Some(b'!') if b[i..].starts_with(b"!--") => i = find(b, i, b"-->").unwrap_or(b.len()),
            Some(b'!') if b[i..].starts_with(b"![CDATA[") => {
                i = find(b, i, b"]]>").unwrap_or(b.len())
            }
            Some(b'!') => return Ok(()),
            Some(_) => {
                // The end of the tag: the first `>` outside quotes (or the end of the input).
                let mut j = i;
                while let Some(off) = b
                    .get(j..)
                    .and_then(|r| memchr::memchr3(b'>', b'"', b'\'', r))
                {
                    j += off;
                    let q = b[j];
                    if q == b'>' {
                        break;
                    }
                    j = match b.get(j + 1..).and_then(|r| memchr::memchr(q, r)) {
                        Some(close) => j + 1 + close + 1,
                        None => b.len(),
                    };
                }
                if b.get(j) != Some(&b'>') {
                    j = b.len();
                }
                if j > i && b.get(j - 1) != Some(&b'/') {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        let pos = text[..i].bytes().filter(|&c| c == b'\n').count() as u32 + 1;
                        return Err(fatal(
                            "XML-DEPTH",
                            pos,
                            0,
                            format!("elements are nested deeper than {MAX_DEPTH} levels"),
                        ));
                    }
                }
                i = j;
            }
            None => break,
        }
    }
    Ok(())
}

/// Whether at most `limit` positions `i` have `hit(at[i], next[i])` = 1 (`at` and `next` of the
/// same length). Counted a block at a time, stopping past the limit; each run of at most 255
/// bytes is summed in a byte, a loop the compiler vectorizes.
fn at_most(limit: usize, at: &[u8], next: &[u8], hit: impl Fn(u8, u8) -> u8) -> bool {
    let mut found = 0;
    at.chunks(4080).zip(next.chunks(4080)).all(|(block, next)| {
        found += block
            .chunks(255)
            .zip(next.chunks(255))
            .map(|(run, next)| {
                let pairs = run.iter().zip(next);
                usize::from(pairs.fold(0u8, |n, (&c, &d)| n + hit(c, d)))
            })
            .sum::<usize>();
        found <= limit
    })
}

/// Parses well-formed XML; DTDs (and so entity declarations) are rejected, never expanded.
pub(crate) fn parse(text: &str) -> Result<roxmltree::Document<'_>, Finding> {
    check_depth(text)?;
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, opts).map_err(|e| {
        let pos = e.pos();
        match e {
            roxmltree::Error::DtdDetected => fatal(
                "XML-DTD",
                pos.row,
                pos.col,
                "DTD and entity declarations are not allowed in UBL documents".into(),
            ),
            other => fatal(
                "XML-WELLFORMED",
                pos.row,
                pos.col,
                format!("the document is not well-formed XML: {other}"),
            ),
        }
    })
}

/// The finding for a root element that is neither a UBL Invoice nor a UBL CreditNote.
pub(crate) fn not_ubl(root: roxmltree::Node) -> Finding {
    let pos = root.document().text_pos_at(root.range().start);
    fatal(
        "UBL-ROOT",
        pos.row,
        pos.col,
        format!(
            "the root element {{{}}}{} is not a UBL 2.1 Invoice or CreditNote",
            root.tag_name().namespace().unwrap_or(""),
            root.tag_name().name()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::{check_depth, MAX_DEPTH};

    fn nested(depth: usize) -> String {
        format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth))
    }

    #[test]
    fn the_depth_limit_holds_whichever_pre_check_decides() {
        // Few `<`; few start tags but many `<`; many start tags: the three paths.
        assert!(check_depth(&nested(MAX_DEPTH / 2)).is_ok());
        assert!(check_depth(&nested(MAX_DEPTH)).is_ok());
        assert!(check_depth(&"<a/>".repeat(2 * MAX_DEPTH)).is_ok());
        assert_eq!(
            check_depth(&nested(MAX_DEPTH + 1)).map_err(|f| f.id),
            Err("XML-DEPTH".to_string())
        );
        let deep_after_siblings =
            format!("{}{}", "<b></b>".repeat(MAX_DEPTH), nested(MAX_DEPTH + 1));
        assert!(check_depth(&deep_after_siblings).is_err());
        assert!(check_depth("<").is_ok());
        assert!(check_depth("").is_ok());
    }
}
