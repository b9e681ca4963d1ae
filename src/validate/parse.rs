//! Bytes to a document: encoding checks, no DTD, no entity expansion, no panic.

use super::dom::{text_pos, Document, ErrorKind, Node, MAX_DEPTH};
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

/// Parses well-formed XML; DTDs (and so entity declarations) are refused, never expanded.
pub(crate) fn parse(text: &str) -> Result<Document<'_>, Finding> {
    Document::parse(text).map_err(|e| {
        let pos = text_pos(text, e.pos);
        match e.kind {
            ErrorKind::Dtd => fatal(
                "XML-DTD",
                pos.row,
                pos.col,
                "DTD and entity declarations are not allowed in UBL documents".into(),
            ),
            ErrorKind::TooDeep => fatal(
                "XML-DEPTH",
                pos.row,
                pos.col,
                format!("elements are nested deeper than {MAX_DEPTH} levels"),
            ),
            ErrorKind::Malformed(_) => fatal(
                "XML-WELLFORMED",
                pos.row,
                pos.col,
                format!("the document is not well-formed XML: {e}"),
            ),
        }
    })
}

/// The finding for a root element that is neither a UBL Invoice nor a UBL CreditNote.
pub(crate) fn not_ubl(root: Node) -> Finding {
    let pos = root.document().text_pos_at(root.range().start);
    fatal(
        "UBL-ROOT",
        pos.row,
        pos.col,
        format!(
            "the root element {{{}}}{} is not a UBL 2.1 Invoice or CreditNote",
            root.tag_name().namespace().unwrap_or(""),
            root.local_name()
        ),
    )
}
