//! UBL 2.1 structure layer: what the UBL 2.1 XSD (as libxml2 applies it) checks.
//!
//! [`check`] walks the document once against the tables generated from the OASIS schemas
//! ([`tables`], shaped by [`model`]): root element, order and cardinality of children (UBL's
//! flat sequences directly, the XML-DSig and XAdES content models of signatures as compiled
//! automata), unknown elements, attributes (required, unknown, `xsi:`, unique `xsd:ID`s), text
//! where only elements are allowed, and the lexical value of every simple-content element and
//! attribute. `ext:ExtensionContent` is a lax wildcard: declared elements inside it are
//! validated, undeclared ones are accepted while declared elements below them are validated.
//!
//! The walk keeps its own stack (one small vector per document, so no recursion limit); apart
//! from that nothing is allocated on the happy path: location strings and messages are built
//! only for findings, and text is borrowed unless comments split a value.
//!
//! Where libxml2 departs from the letter of XSD, the checker follows libxml2 (verified by
//! differential tests against libxml2 2.9.14): whitespace around date and time element content,
//! CDATA sections in element-only content, 24:00:00, stray characters in base64, the parse of
//! `xsd:anyURI` values.
//!
//! Not modelled: an `xsi:type` on `xsd:anyType` content is only checked to be a QName with a
//! declared prefix (libxml2 also resolves it and validates against that type). Decimals and
//! integers have no digit limit, as in XSD and current libxml2; libxml2 releases before the
//! rework of `xs:decimal` (2.9.14 among them) reject more than 24 digits.

pub mod model;
#[rustfmt::skip]
pub mod tables;

mod attributes;
mod automaton;
mod children;
mod report;
mod sequence;
mod simple;
mod uri;
mod values;

use crate::validate::dom::{Document, Node};

use self::children::{Frame, Step};
use self::model::{Content, ContentModel, Element};
use self::report::Reporter;
use self::tables::{Ns, ELEMENTS, SIMPLE};
use crate::validate::finding::Finding;

/// Checks `doc` against the UBL 2.1 Invoice and CreditNote schemas.
///
/// Returns one `UBL-XSD` fatal finding per schema violation found (none for a schema-valid
/// document). After an ordering or cardinality error the rest of that element's children are
/// still checked inside, but not reported again for order, to avoid cascades.
pub fn check(doc: &Document) -> Vec<Finding> {
    let mut reporter = Reporter::new(doc);
    let root = doc.root_element();
    match root.name() {
        Some(name) if matches!(name.ns(), Ns::Invoice | Ns::CreditNote) => {
            walk(&mut reporter, root, &ELEMENTS[name.index()]);
        }
        _ => reporter.report(
            root,
            format_args!(
                "root element {{{}}}{} is not a UBL 2.1 Invoice or CreditNote",
                root.tag_name().namespace().unwrap_or(""),
                root.local_name()
            ),
        ),
    }
    reporter.into_findings()
}

/// Checks `root`, declared by `decl`, and everything below it. The walk keeps its own stack
/// of open element-only elements, so deep nesting cannot overflow the thread's stack.
fn walk<'a, 'input>(
    reporter: &mut Reporter<'a, 'input>,
    root: Node<'a, 'input>,
    decl: &'static Element,
) {
    let mut stack = Vec::new();
    match decl.content {
        Content::Complex(index) => stack.push(open(reporter, root, Some(decl), index)),
        Content::Simple(index) => simple::check(reporter, root, decl, &SIMPLE[usize::from(index)]),
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

/// Checks the attributes of an element with element content and opens its frame; `index` is
/// its complex type in `COMPLEX`. `xsd:anyType` content (also that of undeclared elements under
/// a lax wildcard, `decl` `None`) admits any attribute; only `xsi:type` is checked there.
fn open<'a, 'input>(
    reporter: &mut Reporter,
    node: Node<'a, 'input>,
    decl: Option<&Element>,
    index: u16,
) -> Frame<'a, 'input> {
    let ty = &tables::COMPLEX[usize::from(index)];
    match (decl, ty.model) {
        (Some(decl), ContentModel::Sequence(_) | ContentModel::Automaton(_)) => {
            attributes::check(reporter, node, decl, ty.attrs);
        }
        _ => attributes::check_xsi_type(reporter, node),
    }
    Frame::new(node, ty)
}

#[cfg(test)]
mod tests;
