//! UBL 2.1 structure layer: what the UBL 2.1 XSD (as libxml2 applies it) checks.
//!
//! [`check`] walks the document once against the tables generated from the OASIS schemas
//! ([`tables`], shaped by [`model`]): root element, schema order and cardinality of every
//! sequence, unknown elements, attributes, text where only elements are allowed, and the lexical
//! value of every simple-content element and attribute. `ext:ExtensionContent` is a lax
//! wildcard: declared elements inside it are validated, others are skipped.
//!
//! Nothing is allocated on the happy path; location strings are built only for findings.
//!
//! Not modelled: the XML-DSig and XAdES content of signatures (only reachable through the
//! signature extension; content skipped) and `xsd:anyURI` values (accepted, as libxml2 accepts
//! nearly any string).

pub mod model;
#[rustfmt::skip]
pub mod tables;

mod report;
mod sequence;
mod values;

use roxmltree::{Document, Node, NodeType};

use self::model::{Content, Datatype, Element, SimpleType};
use self::report::Reporter;
use self::sequence::{Frame, Step};
use self::tables::{Ns, ELEMENTS, SIMPLE};
use crate::validate::finding::Finding;

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Checks `doc` against the UBL 2.1 Invoice and CreditNote schemas.
///
/// Returns one `UBL-XSD` fatal finding per schema violation found (none for a schema-valid
/// document). After an ordering or cardinality error the rest of that element's children are
/// still checked inside, but not reported again for order, to avoid cascades.
pub fn check(doc: &Document) -> Vec<Finding> {
    let mut reporter = Reporter::new(doc);
    let root = doc.root_element();
    match declaration(root) {
        Some(index) if matches!(ELEMENTS[index].ns, Ns::Invoice | Ns::CreditNote) => {
            walk(&mut reporter, root, &ELEMENTS[index]);
        }
        _ => reporter.report(
            root,
            format_args!(
                "root element {{{}}}{} is not a UBL 2.1 Invoice or CreditNote",
                root.tag_name().namespace().unwrap_or(""),
                root.tag_name().name()
            ),
        ),
    }
    reporter.into_findings()
}

/// The index in `ELEMENTS` of the global declaration of `node`'s name, if any.
fn declaration(node: Node) -> Option<usize> {
    let ns = node.tag_name().namespace().and_then(Ns::from_uri)?;
    let name = node.tag_name().name();
    ELEMENTS
        .binary_search_by(|e| (e.ns, e.name).cmp(&(ns, name)))
        .ok()
}

/// Checks `root`, declared by `decl`, and everything below it. The walk keeps its own stack
/// of open element-only elements, so deep nesting cannot overflow the thread's stack.
fn walk(reporter: &mut Reporter, root: Node, decl: &'static Element) {
    let mut stack = Vec::new();
    match decl.content {
        Content::Complex(index) => stack.push(open(reporter, root, decl, index)),
        Content::Simple(index) => simple(reporter, root, decl, &SIMPLE[usize::from(index)]),
        Content::Unmodelled => {}
    }
    while let Some(frame) = stack.last_mut() {
        match frame.step(reporter) {
            Step::Enter(child, decl, index) => stack.push(open(reporter, child, decl, index)),
            Step::Done => {
                stack.pop();
            }
        }
    }
}

/// Checks the attributes of an element-only element (it has none) and opens its frame; `index`
/// is its complex type in `COMPLEX`.
fn open<'a, 'input>(
    reporter: &mut Reporter,
    node: Node<'a, 'input>,
    decl: &Element,
    index: u16,
) -> Frame<'a, 'input> {
    attributes(reporter, node, decl, &[]);
    Frame::new(node, &tables::COMPLEX[usize::from(index)])
}

/// Checks attributes against the declared ones; returns a bit per declared attribute present.
fn attributes(
    reporter: &mut Reporter,
    node: Node,
    decl: &Element,
    declared: &[model::Attr],
) -> u32 {
    let mut present = 0u32;
    for attr in node.attributes() {
        match attr.namespace() {
            Some(XSI) => match attr.name() {
                "schemaLocation" | "noNamespaceSchemaLocation" => continue,
                "type" => {
                    if !names_declared_type(node, decl, attr.value()) {
                        reporter.report_attribute(
                            node,
                            &attr,
                            format_args!(
                                "xsi:type '{}' is not the declared type {} (UBL 2.1 types have no derived types)",
                                attr.value(),
                                TypeName(decl)
                            ),
                        );
                    }
                    continue;
                }
                "nil" => {
                    reporter.report_attribute(
                        node,
                        &attr,
                        format_args!("xsi:nil is not allowed: no UBL 2.1 element is nillable"),
                    );
                    continue;
                }
                _ => {}
            },
            Some(_) => {}
            None => {
                if let Some(i) = declared.iter().position(|d| d.name == attr.name()) {
                    present |= 1 << i;
                    let datatype = declared[i].datatype;
                    if !values::is_valid_attribute(datatype, attr.value()) {
                        reporter.report_attribute(
                            node,
                            &attr,
                            format_args!(
                                "'{}' is not a valid {} value",
                                attr.value(),
                                datatype_name(datatype)
                            ),
                        );
                    }
                    continue;
                }
            }
        }
        reporter.report_attribute(node, &attr, format_args!("attribute is not allowed here"));
    }
    present
}

/// Checks a simple-content element: attributes, no child elements, lexical value.
fn simple(reporter: &mut Reporter, node: Node, decl: &Element, ty: &SimpleType) {
    let present = attributes(reporter, node, decl, ty.attrs);
    for (i, attr) in ty.attrs.iter().enumerate() {
        if attr.required && present & (1 << i) == 0 {
            reporter.report(
                node,
                format_args!("required attribute '{}' is missing", attr.name),
            );
        }
    }
    let mut children = node.children();
    let value = match (children.next(), children.next()) {
        (None, _) => std::borrow::Cow::Borrowed(""),
        (Some(only), None) if only.is_text() => {
            std::borrow::Cow::Borrowed(only.text().unwrap_or(""))
        }
        _ => {
            if let Some(child) = node.children().find(Node::is_element) {
                reporter.report(
                    child,
                    format_args!("element content is not allowed in a {} element", ty.name),
                );
                return;
            }
            node.children()
                .filter(|c| c.node_type() == NodeType::Text)
                .filter_map(|c| c.text())
                .collect::<String>()
                .into()
        }
    };
    if !values::is_valid(ty.datatype, &value) {
        reporter.report(
            node,
            format_args!(
                "'{}' is not a valid {} value ({})",
                value,
                datatype_name(ty.datatype),
                ty.name
            ),
        );
    }
}

/// Whether the QName `value` of an `xsi:type` on `node` names the declared type of `decl`.
fn names_declared_type(node: Node, decl: &Element, value: &str) -> bool {
    let value = value.trim_matches(|c: char| c.is_ascii() && values::is_xml_space(c as u8));
    let (prefix, local) = match value.split_once(':') {
        Some((prefix, local)) => (Some(prefix), local),
        None => (None, value),
    };
    local == decl.ty && node.lookup_namespace_uri(prefix) == Some(decl.ns.uri())
}

/// Displays the declared type of an element as `prefix:Name`.
struct TypeName<'a>(&'a Element);

impl std::fmt::Display for TypeName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self.0.ns.prefix() {
            "" => f.write_str(self.0.ty),
            prefix => write!(f, "{prefix}:{}", self.0.ty),
        }
    }
}

/// The XSD name of a datatype, for messages.
fn datatype_name(datatype: Datatype) -> &'static str {
    match datatype {
        Datatype::String => "xsd:string",
        Datatype::NormalizedString => "xsd:normalizedString",
        Datatype::Token => "xsd:token",
        Datatype::Language => "xsd:language",
        Datatype::AnyUri => "xsd:anyURI",
        Datatype::Decimal => "xsd:decimal",
        Datatype::Date => "xsd:date",
        Datatype::Time => "xsd:time",
        Datatype::DateTime => "xsd:dateTime",
        Datatype::Boolean => "xsd:boolean",
        Datatype::Base64Binary => "xsd:base64Binary",
    }
}

#[cfg(test)]
mod tests;
