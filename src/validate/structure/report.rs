//! Turns a schema violation into a [`Finding`]: XPath-like location and 1-based position.

use std::collections::HashSet;
use std::fmt;

use crate::validate::dom::{Attribute, Document, Node};

use crate::validate::finding::{Finding, Flag};
use crate::validate::xml::location;

/// Collects the findings of one [`super::check`] run.
pub(crate) struct Reporter<'a, 'input> {
    doc: &'a Document<'input>,
    findings: Vec<Finding>,
    /// Values of `xsd:ID` attributes seen so far (XML-DSig and XAdES only).
    ids: HashSet<String>,
}

impl<'a, 'input> Reporter<'a, 'input> {
    pub(crate) fn new(doc: &'a Document<'input>) -> Self {
        Reporter {
            doc,
            findings: Vec::new(),
            ids: HashSet::new(),
        }
    }

    pub(crate) fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// Records an `xsd:ID` value; false when the document already used it.
    pub(crate) fn claim_id(&mut self, id: &str) -> bool {
        self.ids.insert(id.to_string())
    }

    /// Reports a violation on element `node`, located at its start tag.
    pub(crate) fn report(&mut self, node: Node, message: fmt::Arguments) {
        self.push(location(node, None), node.range().start, message);
    }

    /// Reports a violation on an attribute of `node`, located at the attribute.
    pub(crate) fn report_attribute(
        &mut self,
        node: Node,
        attr: &Attribute,
        message: fmt::Arguments,
    ) {
        let mut path = location(node, None);
        path.push_str("/@");
        if let Some(prefix) = attr.namespace().and_then(|uri| node.lookup_prefix(uri)) {
            path.push_str(prefix);
            path.push(':');
        }
        path.push_str(attr.name());
        self.push(path, attr.range().start, message);
    }

    /// Reports a violation about `parent`'s content found at byte offset `at`.
    pub(crate) fn report_at(&mut self, parent: Node, at: usize, message: fmt::Arguments) {
        self.push(location(parent, None), at, message);
    }

    fn push(&mut self, location: String, at: usize, message: fmt::Arguments) {
        let pos = self.doc.text_pos_at(at);
        self.findings.push(Finding {
            id: "UBL-XSD".to_string(),
            flag: Flag::Fatal,
            location,
            line: pos.row,
            column: pos.col,
            message: message.to_string(),
            values: None,
        });
    }
}
