//! UBL-CR: the UBL elements and attributes that EN 16931 says "shall not be used".
//!
//! 674 of them are the table `schemas/rules/ubl_cr.tsv` (`not(PATH)` from the root), evaluated in
//! one walk through a trie of the paths; the five with a condition are code below. Each fires at
//! most once per document, on the root, like the official rules.

use crate::validate::name::{name, prefix_ns, Name};
use std::sync::OnceLock;

use crate::validate::dom::Node;

use super::Ctx;
use crate::validate::structure::tables::{Ns, ELEMENTS};
use crate::validate::xml::{self, cac, cacs, cbcs, has_attr};

const TABLE: &str = include_str!("../../../schemas/rules/ubl_cr.tsv");

#[derive(Default)]
struct TrieNode {
    /// Children by element name, sorted by name.
    children: Vec<(Name, usize)>,
    /// For a node with many children (the root has 141), the child by [`Name::index`]
    /// (`u32::MAX`: none): one load instead of a search, for most elements of a document.
    dense: Option<Box<[u32]>>,
    /// Children the UBL 2.1 schemas do not declare (the official paths name a few, such as
    /// `cbc:ValidityPeriod`; a schema-valid document can hold them only where a wildcard skips).
    undeclared: Vec<(Ns, &'static str, usize)>,
    /// Rules (indexes into `Table::ids`) whose path ends at this element.
    ends: Vec<usize>,
    /// Rules whose path ends with an attribute of this element.
    attrs: Vec<(&'static str, usize)>,
}

struct Table {
    ids: Vec<&'static str>,
    /// Trie of the paths from the root (index 0) and of the `//` paths (index 1).
    nodes: Vec<TrieNode>,
}

const FROM_ROOT: usize = 0;
const ANYWHERE: usize = 1;

/// One step: alternatives of qualified names, or an attribute.
enum Step {
    Elements(Vec<(Ns, &'static str)>),
    Attribute(&'static str),
}

fn steps(path: &'static str) -> Vec<Step> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if let Some(a) = s.strip_prefix('@') {
                return Step::Attribute(a);
            }
            let alts = s.trim_start_matches('(').trim_end_matches(')');
            Step::Elements(
                alts.split('|')
                    .map(|q| {
                        let (p, n) = q.split_once(':').expect("qualified name");
                        let ns = prefix_ns(p.as_bytes())
                            .unwrap_or_else(|| panic!("unknown prefix {p} in ubl_cr.tsv"));
                        (ns, n)
                    })
                    .collect(),
            )
        })
        .collect()
}

fn insert(nodes: &mut Vec<TrieNode>, at: usize, steps: &[Step], rule: usize) {
    match steps.split_first() {
        None => nodes[at].ends.push(rule),
        Some((Step::Attribute(a), _)) => nodes[at].attrs.push((a, rule)),
        Some((Step::Elements(alts), rest)) => {
            for &(ns, local) in alts {
                let name = Name::lookup(ns, local);
                let existing = match name {
                    Some(name) => find(&nodes[at].children, name),
                    None => nodes[at]
                        .undeclared
                        .iter()
                        .find(|&&(n, l, _)| (n, l) == (ns, local))
                        .map(|&(_, _, i)| i),
                };
                let next = match existing {
                    Some(n) => n,
                    None => {
                        nodes.push(TrieNode::default());
                        let n = nodes.len() - 1;
                        match name {
                            Some(name) => {
                                let children = &mut nodes[at].children;
                                let i = children.partition_point(|&(c, _)| c < name);
                                children.insert(i, (name, n));
                            }
                            None => nodes[at].undeclared.push((ns, local, n)),
                        }
                        n
                    }
                };
                insert(nodes, next, rest, rule);
            }
        }
    }
}

fn table() -> &'static Table {
    static TABLE_CELL: OnceLock<Table> = OnceLock::new();
    TABLE_CELL.get_or_init(|| {
        let mut t = Table {
            ids: Vec::new(),
            nodes: vec![TrieNode::default(), TrieNode::default()],
        };
        for line in TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (id, path) = line.split_once('\t').expect("id and path");
            let rule = t.ids.len();
            t.ids.push(id);
            let start = if path.starts_with("//") {
                ANYWHERE
            } else {
                FROM_ROOT
            };
            insert(&mut t.nodes, start, &steps(path), rule);
        }
        for node in &mut t.nodes {
            if node.children.len() > DENSE_FROM {
                let mut dense = vec![u32::MAX; ELEMENTS.len()];
                for &(name, child) in &node.children {
                    dense[name.index()] = child as u32;
                }
                node.dense = Some(dense.into_boxed_slice());
            }
        }
        t
    })
}

/// Children from which a node gets a dense table.
const DENSE_FROM: usize = 8;

/// The entry for `name` in sorted `children`.
fn find(children: &[(Name, usize)], name: Name) -> Option<usize> {
    children
        .binary_search_by_key(&name, |&(c, _)| c)
        .ok()
        .map(|i| children[i].1)
}

/// The trie child of `node` matching the element `el`.
fn child(node: &TrieNode, el: Node) -> Option<usize> {
    match el.name() {
        Some(name) => match &node.dense {
            Some(dense) => Some(dense[name.index()])
                .filter(|&i| i != u32::MAX)
                .map(|i| i as usize),
            None => find(&node.children, name),
        },
        None if node.undeclared.is_empty() => None,
        None => {
            let (ns, local) = (el.ns()?, el.local_name());
            node.undeclared
                .iter()
                .find(|&&(n, l, _)| n == ns && l == local)
                .map(|&(_, _, i)| i)
        }
    }
}

/// Marks the rules of the trie node `at`, reached at element `el`, and goes on with its children.
fn mark(t: &Table, at: usize, el: Node, hit: &mut [bool]) {
    let node = &t.nodes[at];
    for &r in &node.ends {
        hit[r] = true;
    }
    for &(a, r) in &node.attrs {
        if has_attr(el, a) {
            hit[r] = true;
        }
    }
    if node.children.is_empty() && node.undeclared.is_empty() {
        return;
    }
    for c in el.elements() {
        if let Some(next) = child(node, c) {
            mark(t, next, c, hit);
        }
    }
}

/// Runs every UBL-CR rule.
pub(crate) fn check(ctx: &mut Ctx) {
    let t = table();
    let mut hit = vec![false; t.ids.len()];
    let root = ctx.root;
    mark(t, FROM_ROOT, root, &mut hit);
    let anywhere = &t.nodes[ANYWHERE];
    for &(a, r) in &anywhere.attrs {
        hit[r] |= ctx.elements.iter().any(|el| has_attr(*el, a));
    }
    for &(name, next) in &anywhere.children {
        for &el in ctx.named(name) {
            mark(t, next, el, &mut hit);
        }
    }
    if !anywhere.undeclared.is_empty() {
        for &el in ctx.elements.iter().filter(|el| el.name().is_none()) {
            if let Some(next) = child(anywhere, el) {
                mark(t, next, el, &mut hit);
            }
        }
    }
    for (i, _) in hit.iter().enumerate().filter(|(_, h)| **h) {
        ctx.fire(t.ids[i], root);
    }
    conditional(ctx);
}

/// The UBL-CR rules whose test is more than `not(PATH)`.
fn conditional(ctx: &mut Ctx) {
    let root = ctx.root;
    let version_ok = cbcs!(root, "UBLVersionID").next().is_none()
        || cbcs!(root, "UBLVersionID").any(|v| xml::string_value(v) == "2.1");
    ctx.check(version_ok, "UBL-CR-002", root);
    let due_date = cacs!(root, "PaymentMeans").any(|p| cbcs!(p, "PaymentDueDate").next().is_some());
    ctx.check(!due_date || !ctx.is_invoice, "UBL-CR-412", root);

    let (mut cr665, mut cr666, mut cr673) = (false, false, false);
    for &r in ctx.named(name!("cac:AdditionalDocumentReference")) {
        let codes: Vec<_> = cbcs!(r, "DocumentTypeCode")
            .map(|c| xml::string_value(c).into_owned())
            .collect();
        let is_130 = codes.iter().any(|c| c == "130");
        let not_130 = codes.iter().any(|c| c != "130") || codes.is_empty();
        if not_130 && cbcs!(r, "ID").any(|i| has_attr(i, "schemeID")) {
            cr665 = true;
        }
        if is_130 && cac!(r, "Attachment").is_some() {
            cr666 = true;
        }
        if is_130 && cbcs!(r, "DocumentDescription").next().is_some() {
            cr673 = true;
        }
    }
    ctx.check(!cr665, "UBL-CR-665", root);
    ctx.check(!cr666, "UBL-CR-666", root);
    ctx.check(!cr673, "UBL-CR-673", root);
}
