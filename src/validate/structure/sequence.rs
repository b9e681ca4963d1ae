//! The flat `xsd:sequence` of every UBL aggregate type: particles in order, each with its
//! cardinality.

use crate::validate::dom::Node;

use super::children::{describe, matches, Child};
use super::model::{Particle, Term, UNBOUNDED};
use super::report::Reporter;
use crate::validate::xml::qualified_name;

/// Where a sequence stands: the particle reached and how often it matched so far.
#[derive(Clone, Copy, Default)]
pub(crate) struct Position {
    pos: usize,
    count: u32,
}

fn max(p: &Particle) -> u32 {
    if p.max == UNBOUNDED {
        u32::MAX
    } else {
        u32::from(p.max)
    }
}

/// The particle the child can match next, moving past particles that are satisfied.
fn advance(particles: &[Particle], at: Position, child: &Child) -> Option<usize> {
    let (mut pos, mut count) = (at.pos, at.count);
    while let Some(p) = particles.get(pos) {
        if count < max(p) && matches(p.term, child) {
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

/// Moves past one child element. Returns the term to validate the child with (for an
/// unexpected child, the particle it names elsewhere in the sequence, if any) and whether the
/// child was unexpected; the first unexpected child is reported when `report` is set.
pub(crate) fn next(
    reporter: &mut Reporter,
    node: Node,
    child: &Child,
    particles: &[Particle],
    at: &mut Position,
    report: bool,
) -> (Option<Term>, bool) {
    if let Some(pos) = advance(particles, *at, child) {
        let count = if pos == at.pos { at.count + 1 } else { 1 };
        *at = Position { pos, count };
        return (Some(particles[pos].term), false);
    }
    let anywhere = particles.iter().position(|p| matches(p.term, child));
    if report {
        report_unexpected(reporter, node, particles, *at, anywhere);
    }
    if let Some(pos) = anywhere.filter(|&pos| pos > at.pos) {
        *at = Position { pos, count: 1 };
    }
    (anywhere.map(|pos| particles[pos].term), true)
}

/// The particles allowed next, for messages.
fn expected(particles: &[Particle], at: Position) -> String {
    let (mut pos, mut count) = (at.pos, at.count);
    let mut out = String::new();
    while let Some(p) = particles.get(pos) {
        if count < max(p) {
            if !out.is_empty() {
                out.push_str(", ");
            }
            describe(&mut out, p.term);
        }
        if count < u32::from(p.min) {
            break;
        }
        pos += 1;
        count = 0;
    }
    out
}

fn report_unexpected(
    reporter: &mut Reporter,
    child: Node,
    particles: &[Particle],
    at: Position,
    anywhere: Option<usize>,
) {
    let name = qualified_name(child);
    let expected = expected(particles, at);
    let expected = if expected.is_empty() {
        "no further child elements are allowed".to_string()
    } else {
        format!("expected {expected}")
    };
    match anywhere {
        Some(pos) if pos == at.pos => reporter.report(
            child,
            format_args!(
                "element {name} occurs too often (at most {}); {expected}",
                particles[pos].max
            ),
        ),
        Some(pos) if pos < at.pos => reporter.report(
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

/// Reports the first required particle not matched once all children are seen.
pub(crate) fn report_missing(
    reporter: &mut Reporter,
    node: Node,
    particles: &[Particle],
    at: Position,
) {
    let (mut pos, mut count) = (at.pos, at.count);
    while let Some(p) = particles.get(pos) {
        if count < u32::from(p.min) {
            let mut missing = String::new();
            describe(&mut missing, p.term);
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
