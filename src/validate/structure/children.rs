//! Matching the children of an element against its complex type, one element at a time.

use std::fmt::Write as _;

use crate::validate::dom::{Node, NodeType};

use super::model::{
    ComplexType, Content, ContentModel, Element, NsConstraint, Particle, Process, State, Term,
};
use super::report::Reporter;
use super::sequence::{self, Position};
use super::tables::{Ns, ANY_TYPE, ELEMENTS, LOCALS, SIMPLE};
use super::{automaton, simple};
use crate::validate::name::Name;
use crate::validate::xml::qualified_name;

/// The name of a child element, resolved once.
pub(crate) struct Child<'a> {
    ns: Option<Ns>,
    uri: Option<&'a str>,
    /// Its global declaration; local declarations match by namespace and local name.
    declared: Option<Name>,
    name: &'a str,
}

impl<'a> Child<'a> {
    fn of(node: Node<'a, '_>) -> Self {
        let name = node.tag_name();
        Child {
            ns: node.ns(),
            uri: name.namespace(),
            declared: node.name(),
            name: name.name(),
        }
    }
}

/// Whether `child` is what `term` matches.
pub(crate) fn matches(term: Term, child: &Child) -> bool {
    let decl = match term {
        Term::Element(index) => return child.declared.map(Name::index) == Some(usize::from(index)),
        Term::Local(index) => &LOCALS[usize::from(index)],
        Term::Any(NsConstraint::Any, _) => return true,
        Term::Any(NsConstraint::Other(target), _) => {
            return child.uri.is_some_and(|uri| !uri.is_empty()) && child.ns != Some(target)
        }
    };
    child.ns == Some(decl.ns) && decl.name == child.name
}

/// Appends what `term` matches, for messages.
pub(crate) fn describe(out: &mut String, term: Term) {
    let decl = match term {
        Term::Element(index) => &ELEMENTS[usize::from(index)],
        Term::Local(index) => &LOCALS[usize::from(index)],
        Term::Any(NsConstraint::Any, _) => return out.push_str("any element"),
        Term::Any(NsConstraint::Other(ns), _) => {
            let _ = write!(out, "any element outside {}", ns.uri());
            return;
        }
    };
    let prefix = decl.ns.prefix();
    if !prefix.is_empty() {
        out.push_str(prefix);
        out.push(':');
    }
    out.push_str(decl.name);
}

/// Where the children of one element stand in its content model.
enum Matcher {
    Sequence(&'static [Particle], Position),
    Automaton(&'static [State], u16),
    Anything,
}

/// One element with element content being checked: where its model stands, which child is next.
pub(crate) struct Frame<'a, 'input> {
    node: Node<'a, 'input>,
    matcher: Matcher,
    mixed: bool,
    next: Option<Node<'a, 'input>>,
    order_reported: bool,
    text_reported: bool,
}

/// What a frame hands back after checking as many children as it could on its own.
pub(crate) enum Step<'a, 'input> {
    /// This child has element content (the complex type at this index of `COMPLEX`): open a
    /// frame for it. No declaration for an undeclared element under a lax wildcard.
    Enter(Node<'a, 'input>, Option<&'static Element>, u16),
    /// All children are done (order and cardinality reported); drop the frame.
    Done,
}

impl<'a, 'input> Frame<'a, 'input> {
    /// Starts checking the children of `node`, whose type is `ty`.
    pub(crate) fn new(node: Node<'a, 'input>, ty: &'static ComplexType) -> Self {
        let matcher = match ty.model {
            ContentModel::Sequence(particles) => Matcher::Sequence(particles, Position::default()),
            ContentModel::Automaton(states) => Matcher::Automaton(states, 0),
            ContentModel::Anything => Matcher::Anything,
        };
        Frame {
            node,
            matcher,
            mixed: ty.mixed,
            next: node.first_child(),
            order_reported: false,
            text_reported: false,
        }
    }

    /// Matches the following children against the model, checking text and simple-content
    /// children on the spot, until a child with element content or the end is reached.
    pub(crate) fn step(&mut self, reporter: &mut Reporter<'a, 'input>) -> Step<'a, 'input> {
        while let Some(child) = self.next {
            self.next = child.next_sibling();
            match child.node_type() {
                NodeType::Element => {}
                NodeType::Text if !self.mixed => {
                    self.text(reporter, child);
                    continue;
                }
                _ => continue,
            }
            let Some(term) = self.child(reporter, child) else {
                continue;
            };
            match declared(reporter, child, term) {
                Assessment::Declared(decl) => match decl.content {
                    Content::Complex(index) => return Step::Enter(child, Some(decl), index),
                    Content::Simple(index) => {
                        simple::check(reporter, child, decl, &SIMPLE[usize::from(index)]);
                    }
                },
                Assessment::Lax => return Step::Enter(child, None, ANY_TYPE),
                Assessment::Skip => {}
            }
        }
        if !self.order_reported {
            match self.matcher {
                Matcher::Sequence(particles, position) => {
                    sequence::report_missing(reporter, self.node, particles, position);
                }
                Matcher::Automaton(states, state) => {
                    automaton::report_missing(reporter, self.node, states, state);
                }
                Matcher::Anything => {}
            }
        }
        Step::Done
    }

    /// Reports non-whitespace text, once per element. Like libxml2, a CDATA section counts as
    /// character content even when it holds only whitespace.
    fn text(&mut self, reporter: &mut Reporter, child: Node) {
        if self.text_reported {
            return;
        }
        let text = child.text().unwrap_or("");
        if !crate::validate::value::is_blank(text) || has_cdata(self.node, child, text) {
            self.text_reported = true;
            reporter.report_at(
                self.node,
                child.range().start,
                format_args!(
                    "text is not allowed in {} (element-only content)",
                    qualified_name(self.node)
                ),
            );
        }
    }

    /// Moves the model past one child element; returns the term the child is validated by.
    fn child(
        &mut self,
        reporter: &mut Reporter<'a, 'input>,
        child: Node<'a, 'input>,
    ) -> Option<Term> {
        let resolved = Child::of(child);
        let report = !self.order_reported;
        let (term, unexpected) = match &mut self.matcher {
            Matcher::Sequence(particles, position) => {
                sequence::next(reporter, child, &resolved, particles, position, report)
            }
            Matcher::Automaton(states, state) => {
                automaton::next(reporter, child, &resolved, states, state, report)
            }
            Matcher::Anything => (Some(Term::Any(NsConstraint::Any, Process::Lax)), false),
        };
        self.order_reported |= unexpected;
        term
    }
}

/// Whether the source of the text node `node` (up to its next sibling) contains a CDATA section.
/// The tree merges CDATA into neighbouring text, so the raw input is the only witness. When the
/// node's source span is exactly as long as its text there is no markup at all (the common
/// indentation case), and the input is not scanned.
fn has_cdata(parent: Node, node: Node, text: &str) -> bool {
    if node.range().len() == text.len() {
        return false;
    }
    let end = node
        .next_sibling()
        .map_or(parent.range().end, |next| next.range().start);
    parent
        .document()
        .input_text()
        .get(node.range().start..end)
        .is_some_and(|raw| raw.contains("<!["))
}

/// How a matched child is assessed.
enum Assessment {
    /// Against this declaration.
    Declared(&'static Element),
    /// Without a declaration, as `xsd:anyType`: declared descendants are still validated.
    Lax,
    /// Not at all.
    Skip,
}

/// How a matched child is assessed, as its term says.
fn declared(reporter: &mut Reporter, child: Node, term: Term) -> Assessment {
    match term {
        Term::Element(index) => Assessment::Declared(&ELEMENTS[usize::from(index)]),
        Term::Local(index) => Assessment::Declared(&LOCALS[usize::from(index)]),
        Term::Any(_, process) => match (child.name(), process) {
            (_, Process::Skip) => Assessment::Skip,
            (Some(name), _) => Assessment::Declared(&ELEMENTS[name.index()]),
            (None, Process::Lax) => Assessment::Lax,
            (None, Process::Strict) => {
                reporter.report(
                    child,
                    format_args!("element {} has no declaration", qualified_name(child)),
                );
                Assessment::Skip
            }
        },
    }
}
