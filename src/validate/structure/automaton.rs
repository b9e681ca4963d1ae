//! Content models compiled to deterministic automata (the XML-DSig and XAdES types with
//! choices and repeated groups).

use crate::validate::dom::Node;

use super::children::{describe, matches, Child};
use super::model::{State, Term};
use super::report::Reporter;
use crate::validate::xml::qualified_name;

/// Moves past one child element. Returns the term to validate the child with and whether the
/// child was unexpected (then it is not validated and the state stays); the first unexpected
/// child is reported when `report` is set.
pub(crate) fn next(
    reporter: &mut Reporter,
    node: Node,
    child: &Child,
    states: &[State],
    state: &mut u16,
    report: bool,
) -> (Option<Term>, bool) {
    let edges = states[usize::from(*state)].edges;
    if let Some(&(term, target)) = edges.iter().find(|(term, _)| matches(*term, child)) {
        *state = target;
        return (Some(term), false);
    }
    if report {
        let expected = expected(states, *state);
        let name = qualified_name(node);
        if expected.is_empty() {
            reporter.report(
                node,
                format_args!(
                    "element {name} is not allowed here; no further child elements are allowed"
                ),
            );
        } else {
            reporter.report(
                node,
                format_args!("element {name} is not allowed here; expected {expected}"),
            );
        }
    }
    (None, true)
}

/// The terms allowed in `state`, for messages.
fn expected(states: &[State], state: u16) -> String {
    let mut out = String::new();
    for &(term, _) in states[usize::from(state)].edges {
        if !out.is_empty() {
            out.push_str(", ");
        }
        describe(&mut out, term);
    }
    out
}

/// Reports an incomplete content once all children are seen.
pub(crate) fn report_missing(reporter: &mut Reporter, node: Node, states: &[State], state: u16) {
    if !states[usize::from(state)].accepting {
        reporter.report(
            node,
            format_args!(
                "{} is missing required child elements; expected {}",
                qualified_name(node),
                expected(states, state)
            ),
        );
    }
}
