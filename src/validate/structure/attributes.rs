//! Attributes: declared ones with their datatypes, and the `xsi:` attributes XSD itself defines.

use roxmltree::{Attribute, Node};

use super::model::{Attr, Element};
use super::report::{qualified_name, Reporter};
use super::{simple, values};

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Checks attributes against the declared ones; returns a bit per declared attribute present.
pub(crate) fn check(reporter: &mut Reporter, node: Node, decl: &Element, declared: &[Attr]) -> u32 {
    let mut present = 0u32;
    for attr in node.attributes() {
        match attr.namespace() {
            Some(XSI) if xsi(reporter, node, decl, &attr) => continue,
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
                                simple::datatype_name(datatype)
                            ),
                        );
                    }
                    continue;
                }
            }
        }
        reporter.report_attribute(
            node,
            &attr,
            format_args!(
                "attribute '{}' is not allowed on {}",
                attr.name(),
                qualified_name(node)
            ),
        );
    }
    present
}

/// Handles an attribute in the XSI namespace; false when it is not one XSD knows.
fn xsi(reporter: &mut Reporter, node: Node, decl: &Element, attr: &Attribute) -> bool {
    match attr.name() {
        "schemaLocation" | "noNamespaceSchemaLocation" => {}
        "type" => {
            if !names_declared_type(node, decl, attr.value()) {
                reporter.report_attribute(
                    node,
                    attr,
                    format_args!(
                        "xsi:type '{}' is not the declared type {} (UBL 2.1 types have no derived types)",
                        attr.value(),
                        TypeName(decl)
                    ),
                );
            }
        }
        "nil" => reporter.report_attribute(
            node,
            attr,
            format_args!("xsi:nil is not allowed: no UBL 2.1 element is nillable"),
        ),
        _ => return false,
    }
    true
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
