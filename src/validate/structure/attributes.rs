//! Attributes: declared ones with their datatypes, and the `xsi:` attributes XSD itself defines.

use crate::validate::dom::{Attribute, Node};

use super::model::{Attr, Datatype, Element};
use super::report::Reporter;
use super::tables::Ns;
use super::{simple, values};
use crate::validate::xml::qualified_name;

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Checks the attributes of `node` against the declared ones, and that required ones are there.
pub(crate) fn check(reporter: &mut Reporter, node: Node, decl: &Element, declared: &[Attr]) {
    let present = check_present(reporter, node, decl, declared);
    for (i, attr) in declared.iter().enumerate() {
        if attr.required && present & (1 << i) == 0 {
            reporter.report(
                node,
                format_args!("required attribute '{}' is missing", attr.name),
            );
        }
    }
}

/// Checks each attribute present; returns a bit per declared attribute found.
fn check_present(reporter: &mut Reporter, node: Node, decl: &Element, declared: &[Attr]) -> u32 {
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
                    } else if datatype == Datatype::Id && !reporter.claim_id(attr.value().trim()) {
                        reporter.report_attribute(
                            node,
                            &attr,
                            format_args!("ID '{}' is already used in this document", attr.value()),
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

/// Checks that an `xsi:type` on an element of `xsd:anyType` content is a QName whose prefix is
/// declared. (libxml2 then validates against the named type; that is not modelled.)
pub(crate) fn check_xsi_type(reporter: &mut Reporter, node: Node) {
    let Some(attr) = node
        .attributes()
        .find(|a| a.namespace() == Some(XSI) && a.name() == "type")
    else {
        return;
    };
    let value = attr
        .value()
        .trim_matches(|c: char| c.is_ascii() && values::is_xml_space(c as u8));
    let (prefix, local) = match value.split_once(':') {
        Some((prefix, local)) => (Some(prefix), local),
        None => (None, value),
    };
    let names = |s: &str| values::is_valid(Datatype::Id, s);
    let resolves = prefix.is_none_or(|p| names(p) && node.lookup_namespace_uri(Some(p)).is_some());
    if !(names(local) && resolves) {
        reporter.report_attribute(
            node,
            &attr,
            format_args!(
                "xsi:type '{}' is not a QName with a declared prefix",
                attr.value()
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
    local == decl.ty && node.lookup_namespace_uri(prefix) == Some(decl.ty_ns)
}

/// Displays the declared type of an element as `prefix:Name`.
struct TypeName<'a>(&'a Element);

impl std::fmt::Display for TypeName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match Ns::from_uri(self.0.ty_ns).map_or("xsd", Ns::prefix) {
            "" => f.write_str(self.0.ty),
            prefix => write!(f, "{prefix}:{}", self.0.ty),
        }
    }
}
