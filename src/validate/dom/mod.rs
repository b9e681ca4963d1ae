//! The validator's read-only XML tree: one pass over the input builds it ([`Document::parse`]),
//! with namespaces resolved and text unescaped; DTDs are refused, so no entity is ever expanded.
//!
//! The navigation API follows roxmltree's (`children`, `tag_name`, `text`, `range`...), which the
//! validator was first written on. The tree is its own because parsing is most of the time budget
//! of a 10 KB document: roxmltree takes ~35 µs for one, this parser about half of that. Every
//! element also links its first child element and next sibling element.
//!
//! One departure from the XPath data model: whitespace directly between elements (the
//! indentation of a document: a text node of XML whitespace only, without references or CDATA,
//! with an element just before or just after it among its siblings) is not stored. It is about
//! half the nodes of an indented document, and nothing reads it: the schema allows it wherever
//! elements are (element-only and mixed content alike), and the business rules take the string
//! values of elements without element children, whose text is all kept (`<cbc:Note> </cbc:Note>`
//! keeps its space). The string value of an element with element children leaves it out.

mod chars;
mod parser;

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use super::name::Name;
use super::structure::tables::Ns;

pub use parser::{Error, ErrorKind, MAX_DEPTH};

/// "No node" in the links between nodes.
const NONE: u32 = u32::MAX;

/// The namespace bound to the `xml` prefix.
pub const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// The kind of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    /// The document node, parent of the root element.
    Root,
    /// An element.
    Element,
    /// Character data: adjacent text, references and CDATA sections merged.
    Text,
    /// A comment.
    Comment,
    /// A processing instruction.
    Pi,
}

/// A parsed document borrowing its input.
pub struct Document<'i> {
    text: &'i str,
    nodes: Vec<NodeData<'i>>,
    attrs: Vec<AttrData<'i>>,
    namespaces: Vec<Cow<'i, str>>,
    /// Each of `namespaces` as a namespace of the UBL schemas, if it is one.
    ubl: Vec<Option<Ns>>,
    /// Namespace declarations (element, prefix, namespace index) in document order; the prefix
    /// is empty for a default namespace.
    declarations: Vec<(u32, &'i str, u32)>,
}

struct NodeData<'i> {
    kind: NodeType,
    /// The declared UBL element an element is, if any.
    name: Option<Name>,
    parent: u32,
    first_child: u32,
    next_sibling: u32,
    prev_sibling: u32,
    first_element: u32,
    next_element: u32,
    /// Last node of this node's subtree (itself when it has no children).
    last_descendant: u32,
    /// Namespace index of an element (`NONE`: no namespace).
    ns: u32,
    start: u32,
    end: u32,
    attrs: (u32, u32),
    /// Local name of an element, target of a processing instruction, value of text or a comment.
    value: Cow<'i, str>,
}

struct AttrData<'i> {
    ns: u32,
    name: &'i str,
    value: Cow<'i, str>,
    start: u32,
    end: u32,
}

/// A row and column in the input, both from 1; the column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPos {
    /// Line, from 1.
    pub row: u32,
    /// Column in characters, from 1.
    pub col: u32,
}

/// Row and column of the byte offset `pos` in `text` (of the character it falls in; the end of
/// `text` when past it).
pub fn text_pos(text: &str, pos: usize) -> TextPos {
    let pos = (0..=pos.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let before = &text[..pos];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let row = memchr::memchr_iter(b'\n', before.as_bytes()).count() + 1;
    let col = before[line_start..].chars().count() + 1;
    TextPos {
        row: row as u32,
        col: col as u32,
    }
}

impl<'i> Document<'i> {
    /// Parses `text` (see the module documentation for what is refused), with elements nested
    /// at most [`MAX_DEPTH`] levels.
    pub fn parse(text: &'i str) -> Result<Document<'i>, Error> {
        parser::parse(text, MAX_DEPTH)
    }

    /// Parses `text` with elements nested at most `max_depth` levels.
    pub fn parse_with_max_depth(text: &'i str, max_depth: usize) -> Result<Document<'i>, Error> {
        parser::parse(text, max_depth)
    }

    /// The document node.
    pub fn root(&self) -> Node<'_, 'i> {
        Node { doc: self, id: 0 }
    }

    /// The root element.
    pub fn root_element(&self) -> Node<'_, 'i> {
        let id = self.nodes[0].first_element;
        Node { doc: self, id }
    }

    /// The whole input.
    pub fn input_text(&self) -> &'i str {
        self.text
    }

    /// Row and column of the byte offset `pos`.
    pub fn text_pos_at(&self, pos: usize) -> TextPos {
        text_pos(self.text, pos)
    }

    /// Number of nodes (node indexes are below it).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Never true: a parsed document has at least its root element.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn node(&self, id: u32) -> Option<Node<'_, 'i>> {
        (id != NONE).then_some(Node { doc: self, id })
    }
}

impl fmt::Debug for Document<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Document({} nodes)", self.nodes.len())
    }
}

/// A node of a [`Document`].
#[derive(Clone, Copy)]
pub struct Node<'a, 'i> {
    doc: &'a Document<'i>,
    id: u32,
}

impl PartialEq for Node<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && std::ptr::eq(self.doc, other.doc)
    }
}

impl Eq for Node<'_, '_> {}

impl fmt::Debug for Node<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.node_type() {
            NodeType::Element => write!(f, "Element({:?})", self.tag_name()),
            kind => write!(f, "{kind:?}({:?})", self.data().value),
        }
    }
}

/// The namespace and local name of an element or attribute.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ExpandedName<'a> {
    namespace: Option<&'a str>,
    name: &'a str,
}

impl<'a> ExpandedName<'a> {
    /// The namespace URI, if any.
    pub fn namespace(&self) -> Option<&'a str> {
        self.namespace
    }

    /// The local name.
    pub fn name(&self) -> &'a str {
        self.name
    }
}

impl<'a, 'i> Node<'a, 'i> {
    fn data(&self) -> &'a NodeData<'i> {
        &self.doc.nodes[self.id as usize]
    }

    /// This node's index in its document, below [`Document::len`]; document order.
    pub fn index(&self) -> usize {
        self.id as usize
    }

    /// The document.
    pub fn document(&self) -> &'a Document<'i> {
        self.doc
    }

    /// The kind of node.
    pub fn node_type(&self) -> NodeType {
        self.data().kind
    }

    /// True for an element.
    pub fn is_element(&self) -> bool {
        self.data().kind == NodeType::Element
    }

    /// True for text.
    pub fn is_text(&self) -> bool {
        self.data().kind == NodeType::Text
    }

    /// Namespace and local name of an element (empty for other nodes).
    pub fn tag_name(&self) -> ExpandedName<'a> {
        let d = self.data();
        if d.kind != NodeType::Element {
            return ExpandedName {
                namespace: None,
                name: "",
            };
        }
        ExpandedName {
            namespace: self.doc.namespace(d.ns),
            name: &d.value,
        }
    }

    /// The local name of an element (empty for other nodes).
    #[inline]
    pub fn local_name(&self) -> &'a str {
        let d = self.data();
        if d.kind == NodeType::Element {
            &d.value
        } else {
            ""
        }
    }

    /// The namespace of an element as one of the UBL schemas' namespaces (`None` for another
    /// namespace, no namespace, or a node that is no element); resolved once per document.
    #[inline]
    pub fn ns(&self) -> Option<Ns> {
        let d = self.data();
        if d.kind != NodeType::Element {
            return None;
        }
        self.doc.ubl.get(d.ns as usize).copied().flatten()
    }

    /// The declared UBL 2.1 element this element is (`None` for an undeclared element, an
    /// element outside the UBL namespaces, or a node that is no element); found once per document.
    #[inline]
    pub fn name(&self) -> Option<Name> {
        self.data().name
    }

    /// The text of a text or comment node; for an element, that of its first child when that
    /// child is text.
    pub fn text(&self) -> Option<&'a str> {
        let d = self.data();
        match d.kind {
            NodeType::Text | NodeType::Comment => Some(&d.value),
            NodeType::Element => self
                .first_child()
                .filter(Node::is_text)
                .map(|c| &*c.data().value),
            _ => None,
        }
    }

    /// Byte range in the input: a whole element from `<` to its end tag, a text node from its
    /// first to its last character (markup of CDATA sections and references included).
    pub fn range(&self) -> Range<usize> {
        let d = self.data();
        d.start as usize..d.end as usize
    }

    /// The parent node.
    pub fn parent(&self) -> Option<Node<'a, 'i>> {
        self.doc.node(self.data().parent)
    }

    /// The parent, when it is an element.
    pub fn parent_element(&self) -> Option<Node<'a, 'i>> {
        self.parent().filter(Node::is_element)
    }

    /// The first child node.
    pub fn first_child(&self) -> Option<Node<'a, 'i>> {
        self.doc.node(self.data().first_child)
    }

    /// The next sibling node.
    pub fn next_sibling(&self) -> Option<Node<'a, 'i>> {
        self.doc.node(self.data().next_sibling)
    }

    /// Child nodes of every kind.
    pub fn children(&self) -> Links<'a, 'i> {
        Links {
            doc: self.doc,
            next: self.data().first_child,
            link: Link::Sibling,
        }
    }

    /// Child elements only.
    pub fn elements(&self) -> Links<'a, 'i> {
        Links {
            doc: self.doc,
            next: self.data().first_element,
            link: Link::Element,
        }
    }

    /// This node and its following siblings.
    pub fn next_siblings(&self) -> Links<'a, 'i> {
        Links {
            doc: self.doc,
            next: self.id,
            link: Link::Sibling,
        }
    }

    /// This node and its preceding siblings, nearest first.
    pub fn prev_siblings(&self) -> Links<'a, 'i> {
        Links {
            doc: self.doc,
            next: self.id,
            link: Link::PrevSibling,
        }
    }

    /// This node and its ancestors, nearest first.
    pub fn ancestors(&self) -> Links<'a, 'i> {
        Links {
            doc: self.doc,
            next: self.id,
            link: Link::Parent,
        }
    }

    /// This node and every node below it, in document order.
    pub fn descendants(&self) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
        let doc = self.doc;
        (self.id..=self.data().last_descendant).map(move |id| Node { doc, id })
    }

    /// The attributes (namespace declarations are not attributes).
    pub fn attributes(&self) -> impl Iterator<Item = Attribute<'a>> + 'a {
        let (from, to) = self.data().attrs;
        let doc = self.doc;
        doc.attrs[from as usize..to as usize]
            .iter()
            .map(move |a| Attribute {
                name: ExpandedName {
                    namespace: doc.namespace(a.ns),
                    name: a.name,
                },
                value: &a.value,
                range: a.start as usize..a.end as usize,
            })
    }

    /// The namespace declarations in scope of this element, its own first, then its parent's...
    /// (a shadowed declaration comes after the one shadowing it).
    fn declarations(&self) -> impl Iterator<Item = &'a (u32, &'i str, u32)> + 'a {
        let decls = &self.doc.declarations;
        self.ancestors()
            .filter(Node::is_element)
            .flat_map(move |e| {
                let from = decls.partition_point(|d| d.0 < e.id);
                decls[from..].iter().take_while(move |d| d.0 == e.id)
            })
    }

    /// The namespace bound to `prefix` (`None`: the default namespace) in scope of this element.
    pub fn lookup_namespace_uri(&self, prefix: Option<&str>) -> Option<&'a str> {
        let prefix = prefix.unwrap_or("");
        if prefix == "xml" {
            return Some(XML_NAMESPACE);
        }
        let decl = self.declarations().find(|d| d.1 == prefix)?;
        self.doc.namespace(decl.2)
    }

    /// A prefix bound to `uri` in scope of this element (the nearest declaration; empty for a
    /// default namespace), if any.
    pub fn lookup_prefix(&self, uri: &str) -> Option<&'a str> {
        let doc = self.doc;
        self.declarations()
            .find(|d| doc.namespace(d.2) == Some(uri))
            .map(|d| d.1)
    }
}

impl<'i> Document<'i> {
    fn namespace(&self, ns: u32) -> Option<&str> {
        self.namespaces.get(ns as usize).map(|n| &**n)
    }
}

/// An attribute of an element.
#[derive(Debug, Clone)]
pub struct Attribute<'a> {
    name: ExpandedName<'a>,
    value: &'a str,
    range: Range<usize>,
}

impl<'a> Attribute<'a> {
    /// The local name.
    pub fn name(&self) -> &'a str {
        self.name.name
    }

    /// The namespace URI, if any.
    pub fn namespace(&self) -> Option<&'a str> {
        self.name.namespace
    }

    /// The normalized value.
    pub fn value(&self) -> &'a str {
        self.value
    }

    /// Byte range of `name="value"` in the input.
    pub fn range(&self) -> Range<usize> {
        self.range.clone()
    }
}

#[derive(Clone, Copy)]
enum Link {
    Sibling,
    PrevSibling,
    Element,
    Parent,
}

/// Nodes reached by following one kind of link.
#[derive(Clone)]
pub struct Links<'a, 'i> {
    doc: &'a Document<'i>,
    next: u32,
    link: Link,
}

impl<'a, 'i> Iterator for Links<'a, 'i> {
    type Item = Node<'a, 'i>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.next == NONE {
            return None;
        }
        let id = self.next;
        let d = &self.doc.nodes[id as usize];
        self.next = match self.link {
            Link::Sibling => d.next_sibling,
            Link::PrevSibling => d.prev_sibling,
            Link::Element => d.next_element,
            Link::Parent => d.parent,
        };
        Some(Node { doc: self.doc, id })
    }
}

#[cfg(test)]
mod tests;
