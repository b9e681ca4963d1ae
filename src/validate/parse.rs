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
/// Every level of nesting starts at a `<` (no DTD, so no entity brings markup of its own): a
/// document with at most [`MAX_DEPTH`] of them, as a typical invoice, needs no closer look.
fn check_depth(text: &str) -> Result<(), Finding> {
    let b = text.as_bytes();
    // Counted a block at a time, stopping past the limit; each run of at most 255 bytes is
    // summed in a byte, a loop the compiler vectorizes.
    let mut opened = 0;
    let few = b.chunks(4080).all(|block| {
        opened += block
            .chunks(255)
            .map(|run| usize::from(run.iter().fold(0u8, |n, &c| n + u8::from(c == b'<'))))
            .sum::<usize>();
        opened <= MAX_DEPTH
    });
    if few {
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
