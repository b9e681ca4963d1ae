//! Matching the children of an element-only element against its `xsd:sequence`.

use std::fmt::Write as _;

use roxmltree::{Node, NodeType};

use super::model::{
    ComplexType, Content, Element, NsConstraint, Particle, Process, Term, UNBOUNDED,
};
use super::report::{qualified_name, Reporter};
use super::tables::{Ns, ELEMENTS, SIMPLE};
use super::{declaration, simple, values};

/// Where the matcher stands: the particle reached and how often it matched so far.
#[derive(Clone, Copy)]
struct State {
    pos: usize,
    count: u32,
}

/// The name of a child element, resolved once.
struct Child<'a> {
    ns: Option<Ns>,
    uri: Option<&'a str>,
    name: &'a str,
}

fn max(p: &Particle) -> u32 {
    if p.max == UNBOUNDED {
        u32::MAX
    } else {
        u32::from(p.max)
    }
}

fn matches(p: &Particle, child: &Child) -> bool {
    match p.term {
        Term::Element(index) => {
            let decl = &ELEMENTS[usize::from(index)];
            child.ns == Some(decl.ns) && decl.name == child.name
        }
        Term::Any(NsConstraint::Any, _) => true,
        Term::Any(NsConstraint::Other(target), _) => {
            child.uri.is_some_and(|uri| !uri.is_empty()) && child.ns != Some(target)
        }
    }
}

/// The particle the child can match next, moving past particles that are satisfied.
fn advance(particles: &[Particle], state: State, child: &Child) -> Option<usize> {
    let (mut pos, mut count) = (state.pos, state.count);
    while let Some(p) = particles.get(pos) {
        if count < max(p) && matches(p, child) {
            return Some(pos);
        }
        if count < u32::from(p.min) {
            return None;
        }
        pos += 1;
        count = 0;
    }
    None
}

/// The particles allowed next, for messages.
fn expected(particles: &[Particle], state: State) -> String {
    let (mut pos, mut count) = (state.pos, state.count);
    let mut out = String::new();
    while let Some(p) = particles.get(pos) {
        if count < max(p) {
            if !out.is_empty() {
                out.push_str(", ");
            }
            describe(&mut out, p);
        }
        if count < u32::from(p.min) {
            break;
        }
        pos += 1;
        count = 0;
    }
    out
}

fn describe(out: &mut String, p: &Particle) {
    match p.term {
        Term::Element(index) => {
            let decl = &ELEMENTS[usize::from(index)];
            let prefix = decl.ns.prefix();
            if !prefix.is_empty() {
                out.push_str(prefix);
                out.push(':');
            }
            out.push_str(decl.name);
        }
        Term::Any(NsConstraint::Any, _) => out.push_str("any element"),
        Term::Any(NsConstraint::Other(ns), _) => {
            let _ = write!(out, "any element outside {}", ns.uri());
        }
    }
}

/// One element-only element being checked: where its sequence stands and which child is next.
pub(crate) struct Frame<'a, 'input> {
    node: Node<'a, 'input>,
    particles: &'static [Particle],
    state: State,
    next: Option<Node<'a, 'input>>,
    order_reported: bool,
    text_reported: bool,
}

/// What a frame hands back after checking as many children as it could on its own.
pub(crate) enum Step<'a, 'input> {
    /// This child is declared with element-only content (the complex type at this index of
    /// `COMPLEX`): open a frame for it.
    Enter(Node<'a, 'input>, &'static Element, u16),
    /// All children are done (order and cardinality reported); drop the frame.
    Done,
}

impl<'a, 'input> Frame<'a, 'input> {
    /// Starts checking the children of `node`, whose type is `ty`.
    pub(crate) fn new(node: Node<'a, 'input>, ty: &'static ComplexType) -> Self {
        Frame {
            node,
            particles: ty.particles,
            state: State { pos: 0, count: 0 },
            next: node.first_child(),
            order_reported: false,
            text_reported: false,
        }
    }

    /// Matches the following children against the sequence, checking text and simple-content
    /// children on the spot, until a child with element-only content or the end is reached.
    pub(crate) fn step(&mut self, reporter: &mut Reporter) -> Step<'a, 'input> {
        while let Some(child) = self.next {
            self.next = child.next_sibling();
            match child.node_type() {
                NodeType::Element => {}
                NodeType::Text => {
                    self.text(reporter, child);
                    continue;
                }
                _ => continue,
            }
            if let Some(decl) = self.child(reporter, child) {
                match decl.content {
                    Content::Complex(index) => return Step::Enter(child, decl, index),
                    Content::Simple(index) => {
                        simple::check(reporter, child, decl, &SIMPLE[usize::from(index)]);
                    }
                    Content::Unmodelled => {}
                }
            }
        }
        if !self.order_reported {
            report_missing(reporter, self.node, self.particles, self.state);
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
        if !values::is_blank(text) || has_cdata(self.node, child, text) {
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

    /// Moves the sequence past one child element; returns the declaration to validate it with.
    fn child(&mut self, reporter: &mut Reporter, child: Node) -> Option<&'static Element> {
        let name = child.tag_name();
        let resolved = Child {
            ns: name.namespace().and_then(Ns::from_uri),
            uri: name.namespace(),
            name: name.name(),
        };
        let particles = self.particles;
        let state = self.state;
        let matched = match advance(particles, state, &resolved) {
            Some(pos) => {
                let count = if pos == state.pos { state.count + 1 } else { 1 };
                self.state = State { pos, count };
                Some(pos)
            }
            None => {
                let anywhere = particles.iter().position(|p| matches(p, &resolved));
                if !self.order_reported {
                    self.order_reported = true;
                    report_unexpected(reporter, child, particles, state, anywhere);
                }
                if let Some(pos) = anywhere.filter(|&pos| pos > state.pos) {
                    self.state = State { pos, count: 1 };
                }
                anywhere
            }
        };
        matched.and_then(|pos| declared(reporter, child, &particles[pos]))
    }
}

/// Whether the source of the text node `node` (up to its next sibling) contains a CDATA section.
/// roxmltree merges CDATA into neighbouring text, so the raw input is the only witness. When the
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

/// The declaration a matched child is validated with, as its particle says (`None`: not at all).
fn declared(reporter: &mut Reporter, child: Node, particle: &Particle) -> Option<&'static Element> {
    match particle.term {
        Term::Element(index) => Some(&ELEMENTS[usize::from(index)]),
        Term::Any(_, process) => match (declaration(child), process) {
            (_, Process::Skip) | (None, Process::Lax) => None,
            (Some(index), _) => Some(&ELEMENTS[index]),
            (None, Process::Strict) => {
                reporter.report(
                    child,
                    format_args!("element {} has no declaration", qualified_name(child)),
                );
                None
            }
        },
    }
}

fn report_unexpected(
    reporter: &mut Reporter,
    child: Node,
    particles: &[Particle],
    state: State,
    anywhere: Option<usize>,
) {
    let name = qualified_name(child);
    let expected = expected(particles, state);
    let expected = if expected.is_empty() {
        "no further child elements are allowed".to_string()
    } else {
        format!("expected {expected}")
    };
    match anywhere {
        Some(pos) if pos == state.pos => reporter.report(
            child,
            format_args!(
                "element {name} occurs too often (at most {}); {expected}",
                particles[pos].max
            ),
        ),
        Some(pos) if pos < state.pos => reporter.report(
            child,
            format_args!("element {name} is out of schema order; {expected}"),
        ),
        Some(_) => reporter.report(
            child,
            format_args!("element {name} comes before a required element; {expected}"),
        ),
        None => reporter.report(
            child,
            format_args!("element {name} is not allowed here; {expected}"),
        ),
    }
}

fn report_missing(reporter: &mut Reporter, node: Node, particles: &[Particle], state: State) {
    let (mut pos, mut count) = (state.pos, state.count);
    while let Some(p) = particles.get(pos) {
        if count < u32::from(p.min) {
            let mut missing = String::new();
            describe(&mut missing, p);
            reporter.report(
                node,
                format_args!(
                    "{} is missing required child element {missing}",
                    qualified_name(node)
                ),
            );
            return;
        }
        pos += 1;
        count = 0;
    }
}
