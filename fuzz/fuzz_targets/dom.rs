//! The validator's XML parser against roxmltree on arbitrary text: never a panic, never accepting
//! what roxmltree refuses, and reading the same names, attributes and text where both accept.
//! (The other way round is allowed: ours also enforces Namespaces in XML 1.0 where roxmltree does
//! not; `tests/dom_differential.rs` lists those cases, and the one where roxmltree refuses what
//! XML allows.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use ublflow::validate::dom::{Document, Node};

/// Whether ours stores roxmltree's node (the same test as in `tests/dom_differential.rs`): all
/// but whitespace only in the input, without reference or CDATA, next to a sibling element.
fn stored(n: &roxmltree::Node) -> bool {
    let beside_element = n.prev_sibling().is_some_and(|s| s.is_element())
        || n.next_sibling().is_some_and(|s| s.is_element());
    if !n.is_text() || !beside_element {
        return true;
    }
    let input = n.document().input_text();
    let end = match (n.next_sibling(), n.parent()) {
        (Some(next), _) => next.range().start,
        (None, Some(parent)) => input[..parent.range().end].rfind("</").unwrap_or(0),
        (None, None) => return true,
    };
    let before = input[..end].trim_end_matches(|c: char| c <= ' ');
    let blank = n.text().is_some_and(|t| t.bytes().all(|b| b <= b' '));
    !(blank && before.ends_with('>') && !before.ends_with("]]>"))
}

fn same(ours: Node, theirs: roxmltree::Node) {
    assert_eq!(ours.is_element(), theirs.is_element());
    assert_eq!(ours.is_text(), theirs.is_text());
    if ours.is_element() {
        assert_eq!(ours.tag_name().name(), theirs.tag_name().name());
        let ns = theirs.tag_name().namespace().filter(|n| !n.is_empty());
        assert_eq!(ours.tag_name().namespace(), ns);
        let a: Vec<_> = ours
            .attributes()
            .map(|a| (a.namespace(), a.name(), a.value().to_string()))
            .collect();
        let b: Vec<_> = theirs
            .attributes()
            .map(|a| (a.namespace(), a.name(), a.value().to_string()))
            .collect();
        assert_eq!(a, b);
    } else if ours.is_text() {
        assert_eq!(ours.text(), theirs.text());
    }
    assert_eq!(
        ours.children().count(),
        theirs.children().filter(stored).count()
    );
    for (a, b) in ours.children().zip(theirs.children().filter(stored)) {
        same(a, b);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(ours) = Document::parse(text) else {
        return;
    };
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..Default::default()
    };
    // roxmltree reads an XML declaration whose `<?xml` is followed by a line end or tab as a
    // processing instruction, and takes an attribute `p:xmlns` for a default namespace
    // declaration; the first is a declaration and the second an ordinary attribute
    // (tests/dom_differential.rs pins both).
    if matches!(
        text.as_bytes().get(..6),
        Some([b'<', b'?', b'x', b'm', b'l', b'\t' | b'\r' | b'\n'])
    ) {
        return;
    }
    let prefixed_xmlns = |n: Node| {
        n.attributes()
            .any(|a| a.name() == "xmlns" && a.namespace().is_some())
    };
    if ours.root().descendants().any(prefixed_xmlns) {
        return;
    }
    let theirs = match roxmltree::Document::parse_with_options(text, opts) {
        Ok(theirs) => theirs,
        // The prefix `xml` is bound in every document (Namespaces in XML 1.0); roxmltree takes it
        // on attributes only.
        Err(roxmltree::Error::UnknownNamespace(prefix, _)) if prefix == "xml" => return,
        Err(e) => panic!("ours accepts what roxmltree refuses: {e}"),
    };
    same(ours.root(), theirs.root());
});
