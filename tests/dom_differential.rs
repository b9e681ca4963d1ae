//! The validator's own XML parser (`validate::dom`) against roxmltree, a parser of long standing:
//! on every file of `../shared/conformance` and on generated well-formed and broken snippets, both
//! accept or both refuse, and what they accept they read the same: node kinds, element and
//! attribute names and namespaces, attribute values, text, comments, element positions. The one
//! designed difference: whitespace directly between elements, which ours does not store
//! ([`stored`]).

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use ublflow::validate::dom::{Document, Node, NodeType};

fn theirs(text: &str) -> Result<roxmltree::Document<'_>, roxmltree::Error> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, opts)
}

/// Whether ours stores roxmltree's node: all but a text node of whitespace only in the input
/// (no reference, no CDATA) inside an element with an element just before or after it. The
/// source of a text node is read back from where it ends (roxmltree's range of a text node
/// merged from several parts covers one of them): whitespace after a markup end that is not
/// a CDATA section's.
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

/// Panics with the first difference between the two trees.
fn same_node(ours: Node, theirs: roxmltree::Node, path: &str) {
    let kind = match theirs.node_type() {
        roxmltree::NodeType::Root => NodeType::Root,
        roxmltree::NodeType::Element => NodeType::Element,
        roxmltree::NodeType::Text => NodeType::Text,
        roxmltree::NodeType::Comment => NodeType::Comment,
        roxmltree::NodeType::PI => NodeType::Pi,
    };
    assert_eq!(ours.node_type(), kind, "{path}: node kind");
    match kind {
        NodeType::Element => {
            let (a, b) = (ours.tag_name(), theirs.tag_name());
            assert_eq!(a.name(), b.name(), "{path}: element name");
            // roxmltree reads `xmlns=""` as the namespace "", XPath as no namespace.
            let b_ns = b.namespace().filter(|n| !n.is_empty());
            assert_eq!(a.namespace(), b_ns, "{path}: namespace of {}", a.name());
            assert_eq!(
                ours.range().start,
                theirs.range().start,
                "{path}: start of {}",
                a.name()
            );
            let ours_attrs: Vec<_> = ours
                .attributes()
                .map(|a| (a.namespace(), a.name(), a.value().to_string()))
                .collect();
            let theirs_attrs: Vec<_> = theirs
                .attributes()
                .map(|a| (a.namespace(), a.name(), a.value().to_string()))
                .collect();
            assert_eq!(
                ours_attrs,
                theirs_attrs,
                "{path}: attributes of {}",
                a.name()
            );
        }
        NodeType::Text | NodeType::Comment => {
            assert_eq!(ours.text(), theirs.text(), "{path}: {kind:?}");
        }
        NodeType::Pi => {
            let target = theirs.pi().map(|p| p.target);
            assert_eq!(
                Some(format!("{ours:?}")),
                target.map(|t| format!("Pi({t:?})"))
            );
        }
        NodeType::Root => {}
    }
    let ours_children: Vec<Node> = ours.children().collect();
    let theirs_children: Vec<roxmltree::Node> = theirs.children().filter(stored).collect();
    assert_eq!(
        ours_children.len(),
        theirs_children.len(),
        "{path}: number of children of {ours:?}: {ours_children:?} / {theirs_children:?}"
    );
    for (i, (a, b)) in ours_children.into_iter().zip(theirs_children).enumerate() {
        same_node(a, b, &format!("{path}/{i}"));
    }
    let elements: Vec<Node> = ours.children().filter(Node::is_element).collect();
    assert_eq!(
        ours.elements().collect::<Vec<_>>(),
        elements,
        "{path}: element links"
    );
}

/// Both parsers agree on `text`; returns whether it was accepted.
fn agree(text: &str) -> bool {
    match (Document::parse(text), theirs(text)) {
        (Ok(a), Ok(b)) => {
            same_node(a.root(), b.root(), "");
            let all: Vec<usize> = a.root().descendants().map(|n| n.index()).collect();
            assert_eq!(all, (0..a.len()).collect::<Vec<_>>(), "document order");
            true
        }
        (Err(_), Err(_)) => false,
        // roxmltree takes a name with an empty prefix or local part (`:a`, `a:`) as a name
        // without a prefix; Namespaces in XML 1.0 (and so every schema processor) refuses it.
        (Err(e), Ok(_)) if e.to_string().contains("not a qualified name") => false,
        (Ok(_), Err(e)) => panic!("ours accepts what roxmltree refuses ({e}): {text:?}"),
        (Err(e), Ok(_)) => panic!("ours refuses what roxmltree accepts ({e}): {text:?}"),
    }
}

fn xml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            xml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "xml") {
            out.push(path);
        }
    }
}

#[test]
fn every_conformance_file_reads_the_same() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance");
    if !dir.is_dir() {
        eprintln!("SKIPPED: {} is absent", dir.display());
        return;
    }
    let mut files = Vec::new();
    xml_files(&dir, &mut files);
    let mut accepted = 0;
    for path in &files {
        let bytes = std::fs::read(path).expect("readable file");
        let Ok(text) = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
        else {
            continue;
        };
        let ok = std::panic::catch_unwind(|| agree(text))
            .unwrap_or_else(|_| panic!("{} reads differently", path.display()));
        accepted += usize::from(ok);
    }
    println!("{accepted} of {} files parsed alike", files.len());
    assert_eq!(
        accepted,
        files.len(),
        "every conformance file is well-formed XML"
    );
}

#[test]
fn edge_cases_read_the_same() {
    let accepted = [
        "<a/>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>x</a>\n",
        "<?xml version = '1.1'  encoding='iso-8859-1' standalone=\"yes\" ?><a/>",
        "<!-- c --><?pi data?><a/><!-- after -->",
        "<a>x&amp;y&lt;&gt;&quot;&apos;&#65;&#x42;z</a>",
        "<a>one<![CDATA[ <two> ]]>three</a>",
        "<a>x<!-- c -->y</a>",
        "<a>line\r\nnext\rlast</a>",
        "<a b=\"1\r\n2\t3\n4\" c='&#10;&#9;'/>",
        "<a xmlns=\"urn:d\" xmlns:p=\"urn:p\"><p:b p:c=\"1\" c=\"2\"/><c xmlns=\"\"/></a>",
        "<a xml:lang=\"en\"><b xmlns:p=\"urn:1\"><p:c/></b><b xmlns:p=\"urn:2\"><p:c/></b></a>",
        "<a  b = '1'  ></a >",
        "<é:ü xmlns:é=\"urn:x\">ñ</é:ü>",
        "<a>]]</a>",
        "<a><![CDATA[]]></a>",
        "<a>\u{10000}</a>",
        // Whitespace between elements, which ours does not store, and what it does store.
        "<a>\n <b/>\n <c> </c>\r\n</a>",
        "<a><b/>\r\r<![CDATA[x]]></a>",
        "<a><![CDATA[ ]]>  <b/></a>",
        "<a><b/> &#32; <c/><!-- c --> <?p?> </a>",
        "<a x='>'> <b/> </a >",
    ];
    for text in accepted {
        assert!(agree(text), "refused: {text}");
    }
    let refused = [
        "",
        "   ",
        "<a>",
        "<a></b>",
        "<a/><b/>",
        "text<a/>",
        "<a/>text",
        "<a>&unknown;</a>",
        "<a>&#0;</a>",
        "<a>&#65</a>",
        "<a>x]]>y</a>",
        "<a b='1' b='2'/>",
        "<a xmlns:p='urn:x' xmlns:q='urn:x' p:b='1' q:b='2'/>",
        "<p:a/>",
        "<a p:b='1'/>",
        "<a b='<'/>",
        "<a b=1/>",
        "<a b='1'c='2'/>",
        "<a><!-- x -- y --></a>",
        "<a><?xml version='1.0'?></a>",
        " <?xml version='1.0'?><a/>",
        "<?xml version=\n<a/>",
        "<?xml encoding='UTF-8' version='1.0'?><a/>",
        "<?xml version='1.0'encoding='UTF-8'?><a/>",
        "<?xml version='1.0' ?><a/><?xml version='1.0'?>",
        "<a:b:c xmlns:a='urn:a'/>",
        "<1a/>",
        "<a>\u{1}</a>",
        "<a>\u{FFFE}</a>",
        "<!DOCTYPE a><a/>",
        "<a><![CDATA[x</a>",
        "<a xmlns:xml='urn:x'/>",
        "<a xmlns:x='http://www.w3.org/XML/1998/namespace'/>",
    ];
    for text in refused {
        assert!(!agree(text), "accepted: {text}");
    }
    // Refused by XML 1.0 and by ours, taken by roxmltree: a reference to a surrogate is no
    // character, names must be qualified names, only Namespaces in XML 1.1 may undeclare a
    // prefix, the reserved prefixes keep their namespaces, XML versions are 1.x, and
    // `standalone` is yes or no.
    for text in [
        "<a>&#xD800;</a>",
        "<a>&#55296;</a>",
        "<:a/>",
        "<a :b='1'/>",
        "<a xmlns:p=''/>",
        "<a xmlns:xmlns='urn:x'/>",
        "<?xml version='2.0'?><a/>",
        "<?xml version='1.0' standalone='maybe'?><a/>",
    ] {
        assert!(Document::parse(text).is_err(), "accepted: {text}");
        assert!(
            theirs(text).is_ok(),
            "roxmltree now refuses {text}: move it to `refused`"
        );
    }
    // The other way round: the prefix `xml` is bound in every document, also on elements, where
    // roxmltree refuses it.
    let text = "<a><xml:b/></a>";
    let doc = Document::parse(text).expect("the xml prefix is bound");
    let b = doc.root_element().elements().next().expect("b");
    assert_eq!(
        b.tag_name().namespace(),
        Some(ublflow::validate::dom::XML_NAMESPACE)
    );
    assert!(
        theirs(text).is_err(),
        "roxmltree now takes {text}: compare it in `accepted`"
    );
    // An XML declaration may have a line end after `<?xml`; roxmltree reads it as a processing
    // instruction with the reserved target `xml`.
    let text = "<?xml\n  version='1.0'?><a/>";
    let doc = Document::parse(text).expect("parses");
    assert_eq!(
        doc.root().children().count(),
        1,
        "the declaration is no node"
    );
    let roxml = theirs(text).expect("roxmltree parses it");
    assert_eq!(
        roxml.root().children().count(),
        2,
        "roxmltree now reads the declaration as one: compare it in `accepted`"
    );
    // An attribute named `xmlns` with a prefix is an attribute, not a namespace declaration;
    // roxmltree takes it as one.
    let text = "<a xmlns:p='urn:p' p:xmlns='urn:x'><b/></a>";
    let doc = Document::parse(text).expect("parses");
    let b = doc.root_element().elements().next().expect("b");
    assert_eq!(b.tag_name().namespace(), None);
    let a = doc.root_element();
    let attrs: Vec<_> = a.attributes().map(|x| (x.namespace(), x.name())).collect();
    assert_eq!(attrs, [(Some("urn:p"), "xmlns")]);
    let roxml = theirs(text).expect("roxmltree parses it");
    let roxml_b = roxml.root_element().first_element_child().expect("b");
    assert_eq!(
        roxml_b.tag_name().namespace(),
        Some("urn:x"),
        "roxmltree now reads p:xmlns as an attribute: compare it in `accepted`"
    );
}

/// Well-formed documents of a few names, namespaces, attributes, text with references, CDATA
/// and comments, and the same with one byte changed, inserted or removed.
fn documents() -> impl Strategy<Value = String> {
    let name = prop::sample::select(vec!["a", "b", "p:c", "q:d", "ID"]);
    let text = prop::sample::select(vec![
        "",
        "x",
        " ",
        "\n  ",
        "&amp;",
        "&#x20AC;",
        "<![CDATA[<&>]]>",
        "<!--c-->",
        "1.00",
        "\r\n",
    ]);
    let attr = prop::sample::select(vec![
        "",
        " k=\"v\"",
        " p:k='&lt;'",
        " k='\t1\n'",
        " xmlns=\"urn:d\"",
    ]);
    let element = (name, attr, text.clone()).prop_map(|(n, a, t)| format!("<{n}{a}>{t}</{n}>"));
    let leaf = prop::collection::vec(element, 0..6).prop_map(|v| v.concat());
    let doc = (leaf.clone(), leaf, text).prop_map(|(x, y, t)| {
        format!("<r xmlns:p=\"urn:p\" xmlns:q=\"urn:q\">{x}<b>{t}{y}</b></r>")
    });
    let mutation = (
        0usize..400,
        0u8..4,
        prop::sample::select(vec![
            b'<', b'>', b'&', b'/', b'"', b'x', b':', b'=', b'\'', b';',
        ]),
    );
    (doc, mutation).prop_map(|(doc, (at, how, byte))| {
        let mut bytes = doc.into_bytes();
        let at = at % (bytes.len() + 1);
        match how {
            0 => {}
            1 => bytes.insert(at, byte),
            2 if at < bytes.len() => {
                bytes.remove(at);
            }
            _ if at < bytes.len() => bytes[at] = byte,
            _ => {}
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn generated_and_broken_documents_read_the_same(doc in documents()) {
        agree(&doc);
    }
}
