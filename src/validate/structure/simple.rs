//! Simple-content elements: attributes, no child elements, and the lexical value of the text.

use std::borrow::Cow;

use crate::validate::dom::{Node, NodeType};

use super::attributes;
use super::model::{Datatype, Element, SimpleType};
use super::report::Reporter;
use super::values;

/// Checks a simple-content element: attributes, no child elements, lexical value.
pub(crate) fn check(reporter: &mut Reporter, node: Node, decl: &Element, ty: &SimpleType) {
    attributes::check(reporter, node, decl, ty.attrs);
    let mut children = node.children();
    let value = match (children.next(), children.next()) {
        (None, _) => Cow::Borrowed(""),
        (Some(only), None) if only.is_text() => Cow::Borrowed(only.text().unwrap_or("")),
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

/// The XSD name of a datatype, for messages.
pub(crate) fn datatype_name(datatype: Datatype) -> &'static str {
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
        Datatype::Integer => "xsd:integer",
        Datatype::Id => "xsd:ID",
        Datatype::Enumeration(_) => "enumerated",
    }
}
