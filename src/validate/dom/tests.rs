use super::{Document, ErrorKind, NodeType, MAX_DEPTH};

fn nested(depth: usize) -> String {
    format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth))
}

#[test]
fn nesting_is_limited_but_markup_in_comments_cdata_and_values_does_not_count() {
    assert!(Document::parse(&nested(MAX_DEPTH)).is_ok());
    let err = Document::parse(&nested(MAX_DEPTH + 1)).expect_err("too deep");
    assert_eq!(err.kind, ErrorKind::TooDeep);
    assert_eq!(err.pos, 3 * MAX_DEPTH);
    let empty_too_deep = format!(
        "{}<b/>{}",
        "<a>".repeat(MAX_DEPTH),
        "</a>".repeat(MAX_DEPTH)
    );
    assert!(Document::parse(&empty_too_deep).is_err());
    let deep = "<a>".repeat(10 * MAX_DEPTH);
    let shallow = format!("<r x=\"{deep}\"><!--{deep}--><![CDATA[{deep}]]></r>");
    assert!(Document::parse(&shallow.replace("<a>", "a>")).is_ok());
    assert!(Document::parse(&shallow.replacen(&deep, "", 1)).is_ok());
    assert!(Document::parse_with_max_depth(&nested(5 * MAX_DEPTH), usize::MAX).is_ok());
}

#[test]
fn errors_say_where() {
    let err = Document::parse("<a>\n  <b></c>\n</a>").expect_err("mismatch");
    assert_eq!(err.pos, 9);
    assert_eq!(err.to_string(), "</c> does not close <b>");
    let doc = Document::parse("<a>\n  <b>é</b></a>").expect("parses");
    let b = doc.root_element().elements().next().expect("b");
    let pos = doc.text_pos_at(b.range().start);
    assert_eq!((pos.row, pos.col), (2, 3));
    let after = doc.text_pos_at(b.range().start + 5);
    assert_eq!((after.row, after.col), (2, 7), "columns count characters");
    let inside = doc.text_pos_at(b.range().start + 4);
    assert_eq!(
        (inside.row, inside.col),
        (2, 6),
        "a byte inside é is é's column"
    );
    let dtd = Document::parse("<?xml version=\"1.0\"?>\n<!DOCTYPE a []><a/>").expect_err("DTD");
    assert_eq!((dtd.kind, dtd.pos), (ErrorKind::Dtd, 22));
}

#[test]
fn navigation_follows_roxmltree_conventions() {
    let doc =
        Document::parse("<r xmlns='urn:d' xmlns:p='urn:p'>x<p:a k='1'>x<!--c-->y</p:a>y<b/>z</r>")
            .expect("parses");
    let root = doc.root_element();
    let kinds: Vec<NodeType> = root.children().map(|n| n.node_type()).collect();
    use NodeType::{Element, Text};
    assert_eq!(kinds, [Text, Element, Text, Element, Text]);
    let a = root.elements().next().expect("a");
    assert_eq!(a.tag_name().namespace(), Some("urn:p"));
    assert_eq!(
        a.text(),
        Some("x"),
        "an element's text is its first text child"
    );
    let b = root.elements().nth(1).expect("b");
    assert_eq!(b.tag_name().namespace(), Some("urn:d"));
    assert_eq!(
        b.prev_siblings().count(),
        4,
        "itself and the four before it"
    );
    assert_eq!(
        b.ancestors().count(),
        3,
        "itself, the root element, the document"
    );
    assert_eq!(root.descendants().count(), doc.len() - 1);
    assert_eq!(a.lookup_prefix("urn:p"), Some("p"));
    assert_eq!(a.lookup_prefix("urn:d"), Some(""));
    assert_eq!(a.lookup_namespace_uri(Some("p")), Some("urn:p"));
    assert_eq!(a.lookup_namespace_uri(None), Some("urn:d"));
    assert_eq!(a.lookup_namespace_uri(Some("q")), None);
    assert_eq!(a.attributes().map(|x| x.value()).collect::<Vec<_>>(), ["1"]);
}

#[test]
fn whitespace_between_elements_is_not_stored() {
    let kinds = |xml: &str| -> Vec<NodeType> {
        let doc = Document::parse(xml).expect("parses");
        let kinds = doc
            .root_element()
            .children()
            .map(|n| n.node_type())
            .collect();
        kinds
    };
    use NodeType::{Comment, Element, Pi, Text};
    assert_eq!(kinds("<r>\n  <a/>\n  <b> </b>\r\n</r>"), [Element, Element]);
    assert_eq!(
        kinds("<r>\n <!--c-->\n <a/> <?p?> </r>"),
        [Text, Comment, Element, Pi, Text]
    );
    assert_eq!(
        kinds("<r> <![CDATA[ ]]><a/>&#32;<b/></r>"),
        [Text, Element, Text, Element]
    );
    assert_eq!(kinds("<r> x <a/></r>"), [Text, Element]);
    assert_eq!(
        kinds("<r>\t \n</r>"),
        [Text],
        "an element without elements keeps its text"
    );
    let doc = Document::parse("<r>\n <a> 1 </a>\n <b>\n  <c/>\n </b>\n</r>").expect("parses");
    let a = doc.root_element().elements().next().expect("a");
    assert_eq!(a.text(), Some(" 1 "));
}

#[test]
fn many_declarations_and_attributes_stay_checked() {
    let decls: String = (0..100).map(|i| format!(" xmlns:p{i}='urn:{i}'")).collect();
    let attrs: String = (0..100).map(|i| format!(" p{i}:k='{i}'")).collect();
    let doc = format!("<r{decls}><p7:a{attrs}/></r>");
    let parsed = Document::parse(&doc).expect("parses");
    let a = parsed.root_element().elements().next().expect("a");
    assert_eq!(a.tag_name().namespace(), Some("urn:7"));
    assert_eq!(
        a.attributes().nth(42).and_then(|x| x.namespace()),
        Some("urn:42")
    );
    let twice = doc.replace(" p99:k='99'", " p98:k='99'");
    assert!(Document::parse(&twice).is_err());
    let same_namespace = doc.replace("xmlns:p99='urn:99'", "xmlns:p99='urn:98'");
    assert!(Document::parse(&same_namespace).is_err());
}

#[test]
fn whitespace_test_on_words_and_bytes() {
    use super::chars::all_at_most_space;
    for len in 0..40 {
        let blank: Vec<u8> = (0..len)
            .map(|i| [b' ', b'\n', b'\t', b'\r'][i % 4])
            .collect();
        assert!(all_at_most_space(&blank));
        for at in 0..len {
            for x in [b'!', b'a', 0x7F, 0x80, 0xA1, 0xFF] {
                let mut other = blank.clone();
                other[at] = x;
                assert!(!all_at_most_space(&other), "{x:#x} at {at} of {len}");
            }
        }
    }
}

#[test]
fn end_tags_are_compared_whole() {
    for name in [
        "a",
        "abcdefg",
        "abcdefgh",
        "abcdefghijklmnop",
        "abcdefghijklmnopqrstuvwxyz",
    ] {
        assert!(
            Document::parse(&format!("<{name}></{name}>")).is_ok(),
            "{name}"
        );
        for at in 0..name.len() {
            let mut other = name.as_bytes().to_vec();
            other[at] = b'Z';
            let other = String::from_utf8(other).expect("ASCII");
            assert!(
                Document::parse(&format!("<{name}></{other}>")).is_err(),
                "{name} {other}"
            );
        }
        assert!(Document::parse(&format!("<{name}></{name}x>")).is_err());
        assert!(Document::parse(&format!("<{name}x></{name}>")).is_err());
    }
}
