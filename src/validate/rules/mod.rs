//! The business rules (CEN EN 16931 and Peppol BIS 3.0), natively, one module per family.
//!
//! Each rule is named by its official id in the family module that implements it, through
//! [`Ctx::fire`]/[`Ctx::check`]; the flag and the message come from the catalogue for the chosen
//! rule set, and ids that are not part of that rule set are dropped there, so a new release is a
//! new catalogue column, not an edit here. Where the official rules would stop on an XPath
//! dynamic error (an amount that is no number, say), the source is reported as aborted with one
//! fatal `CEN-EVALUATION-ERROR` / `PEPPOL-EVALUATION-ERROR` finding instead of its other findings.

mod cen_codes;
mod cen_core;
mod cen_totals;
mod cen_vat;
mod common;
mod context;
mod national;
mod peppol;
mod peppol_common;
mod ubl_cr;
mod ubl_dt;
mod ubl_sr;

use crate::validate::dom::{Document, Node};
use crate::validate::name::Name;

use rust_decimal::Decimal;

use super::catalogue::{self, Source};
use super::fasthash::FastMap;
use super::finding::Values;
use super::structure::tables::ELEMENTS;
use super::value;
use super::{Finding, Options, RuleSet};

/// Evaluation state for one document: the rule set, the root, an element index, the findings.
pub(crate) struct Ctx<'a, 'i> {
    /// Root element (`Invoice` or `CreditNote`).
    pub root: Node<'a, 'i>,
    /// True for an Invoice, false for a CreditNote.
    pub is_invoice: bool,
    /// Every element of the document in document order (root first).
    pub elements: Vec<Node<'a, 'i>>,
    /// The index in `elements` of each node, by node id (`u32::MAX` for other nodes).
    element_index: Vec<u32>,
    /// The first of `elements` with each [`Name`] (by [`Name::index`]), then the next one with
    /// the same name (by index in `elements`): `//prefix:name` without scanning every element.
    first_named: Vec<u32>,
    next_named: Vec<u32>,
    /// String values of the root's `cbc:DocumentCurrencyCode` children.
    pub document_currencies: Vec<String>,
    set: RuleSet,
    findings: Vec<Finding>,
    /// Byte offset in the input of each finding's node (lines and columns are computed at the end).
    offsets: Vec<usize>,
    /// Sibling positions for locations, computed on the first finding.
    positions: Option<Vec<u32>>,
    /// `xs:decimal` of the string value of each of `elements` (same index), parsed on first use:
    /// the amounts are read by many rules. Allocated on the first parse.
    decimals: Vec<Option<Option<Decimal>>>,
    /// String values of child paths already looked up, by (node id, path).
    path_memo: FastMap<(usize, &'static [Name]), Vec<String>>,
    aborted: [Option<String>; 2],
}

impl<'a, 'i> Ctx<'a, 'i> {
    fn new(doc: &'a Document<'i>, set: RuleSet) -> Self {
        let root = doc.root_element();
        let mut elements: Vec<Node> = Vec::with_capacity(doc.len());
        elements.extend(root.descendants().filter(|n| n.is_element()));
        let (first_named, next_named) = name_chains(&elements);
        Ctx {
            root,
            is_invoice: root.local_name() == "Invoice",
            element_index: element_index(&elements),
            first_named,
            next_named,
            elements,
            document_currencies: super::xml::cbcs!(root, "DocumentCurrencyCode")
                .map(|c| super::xml::string_value(c).into_owned())
                .collect(),
            set,
            findings: Vec::new(),
            offsets: Vec::new(),
            positions: None,
            decimals: Vec::new(),
            path_memo: FastMap::default(),
            aborted: [None, None],
        }
    }

    /// Every element named `name` (XPath `//prefix:name`), in document order, from the chains
    /// of same-named elements built once per document.
    pub fn named<'c>(&'c self, name: Name) -> impl Iterator<Item = &'c Node<'a, 'i>> + 'c {
        self.named_at(name).map(|i| &self.elements[i as usize])
    }

    /// Every element with one of `names`, in document order.
    pub fn named_any(&self, names: &[Name]) -> Vec<Node<'a, 'i>> {
        let mut at: Vec<u32> = names.iter().flat_map(|n| self.named_at(*n)).collect();
        at.sort_unstable();
        at.into_iter().map(|i| self.elements[i as usize]).collect()
    }

    /// The indexes in `elements` of the elements named `name`.
    fn named_at(&self, name: Name) -> impl Iterator<Item = u32> + '_ {
        std::iter::successors(
            Some(self.first_named[name.index()]).filter(|&i| i != u32::MAX),
            |&i| Some(self.next_named[i as usize]).filter(|&n| n != u32::MAX),
        )
    }

    /// String values of `path(n, steps)`, looked up once per node and path: rules on
    /// repeated elements that read the same parts of their parent stay linear.
    pub fn path_values(&mut self, n: Node, steps: &'static [Name]) -> Vec<String> {
        self.path_memo
            .entry((n.index(), steps))
            .or_insert_with(|| {
                super::xml::path(n, steps)
                    .into_iter()
                    .map(|v| super::xml::string_value(v).into_owned())
                    .collect()
            })
            .clone()
    }

    /// Reports rule `id` as fired on `node` (once per call).
    pub fn fire(&mut self, id: &'static str, node: Node) {
        let Some(rule) = catalogue::rule(id) else {
            debug_assert!(false, "rule {id} is not in the catalogue");
            return;
        };
        let Some(flag) = rule.flag(self.set) else {
            return;
        };
        // A few findings count their siblings directly; many use the one-pass index.
        if self.positions.is_none() && self.findings.len() >= 64 {
            self.positions = Some(super::xml::sibling_positions(&self.elements));
        }
        self.findings.push(Finding {
            id: id.to_string(),
            flag,
            location: super::xml::location(node, self.positions.as_deref()),
            line: 0,
            column: 0,
            message: rule.message.to_string(),
            values: None,
        });
        self.offsets.push(node.range().start);
    }

    /// Fires `id` on `node` unless `ok` (a schematron assert).
    #[inline]
    pub fn check(&mut self, ok: bool, id: &'static str, node: Node) {
        if !ok {
            self.fire(id, node);
        }
    }

    /// Fires `id` on `node` unless `ok`, recording the value the rule computed (`expected`) and
    /// the value the document states (`found`); they are formatted only when the rule fires.
    pub fn check_values(
        &mut self,
        ok: bool,
        id: &'static str,
        node: Node,
        expected: Option<Decimal>,
        found: Option<Decimal>,
    ) {
        if ok {
            return;
        }
        let before = self.findings.len();
        self.fire(id, node);
        if expected.is_none() && found.is_none() {
            return;
        }
        if let Some(f) = self.findings.get_mut(before) {
            // Amounts: at least two decimals (`100.00`), never fewer digits than computed.
            let text = |v: Option<Decimal>| {
                v.map(|mut d| {
                    if d.scale() < 2 {
                        d.rescale(2);
                    }
                    d.to_string()
                })
                .unwrap_or_default()
            };
            f.values = Some(Box::new(Values {
                expected: text(expected),
                found: text(found),
            }));
        }
    }

    /// The official rules of `source` cannot evaluate this document (an XPath dynamic error such
    /// as an amount that is not a number): like them, report that source as aborted.
    pub fn abort(&mut self, source: Source, reason: String) {
        let slot = &mut self.aborted[source_index(source)];
        if slot.is_none() {
            *slot = Some(reason);
        }
    }

    /// Aborts `source` because the value of `n` is not a `what` (the message is built once).
    pub fn abort_on(&mut self, source: Source, n: Node, what: &str) {
        if self.aborted[source_index(source)].is_some() {
            return;
        }
        let text: String = super::xml::string_value(n).chars().take(40).collect();
        let at = super::xml::location(n, self.positions.as_deref());
        self.abort(source, format!("'{text}' is not {what} ({at})"));
    }

    /// `xs:decimal(n)`: the value, or `None` after aborting `source` when `n` is no decimal or
    /// is too large to compute with exactly (see [`value::MAX_EXACT`]).
    pub fn dec(&mut self, n: Node, source: Source) -> Option<Decimal> {
        let d = self.decimal(n);
        self.bounded(d, n, source, "a decimal")
    }

    /// `xs:decimal(prefix:name)` of the first child element `name` of `n`: `None` when there is
    /// none, or after aborting `source` as [`Ctx::dec`] does.
    pub fn dec_child(&mut self, n: Node, name: Name, source: Source) -> Option<Decimal> {
        let c = super::xml::child(n, name)?;
        self.dec(c, source)
    }

    /// `value::decimal` of the string value of `n`, parsed once per element.
    fn decimal(&mut self, n: Node) -> Option<Decimal> {
        let parse = |n: Node| value::decimal(&super::xml::string_value(n));
        let Some(&i) = self.element_index.get(n.index()) else {
            return parse(n);
        };
        if i == u32::MAX {
            return parse(n);
        }
        if self.decimals.is_empty() {
            self.decimals = vec![None; self.elements.len()];
        }
        *self.decimals[i as usize].get_or_insert_with(|| parse(n))
    }

    /// An untyped node compared with a number (`. > 0`): cast to a number, or `None` after
    /// aborting `source` when it is none or is too large to compute with exactly.
    pub fn num(&mut self, n: Node, source: Source) -> Option<Decimal> {
        // A number is a decimal, or else one of the forms of xs:double beyond xs:decimal.
        let d = self
            .decimal(n)
            .or_else(|| value::number(&super::xml::string_value(n)));
        self.bounded(d, n, source, "a number")
    }

    fn bounded(
        &mut self,
        d: Option<Decimal>,
        n: Node,
        source: Source,
        what: &str,
    ) -> Option<Decimal> {
        match d {
            None => {
                self.abort_on(source, n, what);
                None
            }
            Some(v) if v.abs() >= value::MAX_EXACT => {
                self.abort_on(
                    source,
                    n,
                    "a value ublflow computes with exactly (less than 10^15 in magnitude)",
                );
                None
            }
            some => some,
        }
    }

    /// Lines and columns (1-based, columns in characters) of every finding, in one sweep over
    /// the input whatever the number of findings.
    fn set_positions(&mut self) {
        let text = self.root.document().input_text();
        let mut order: Vec<usize> = (0..self.findings.len()).collect();
        order.sort_by_key(|&i| self.offsets[i]);
        // Lines by counting line ends (memchr), columns in characters from the last one.
        let (mut at, mut line, mut line_start) = (0usize, 1u32, 0usize);
        for i in order {
            let target = self.offsets[i].min(text.len()).max(at);
            let skipped = &text.as_bytes()[at..target];
            line += memchr::memchr_iter(b'\n', skipped).count() as u32;
            if let Some(last) = memchr::memrchr(b'\n', skipped) {
                line_start = at + last + 1;
            }
            at = target;
            self.findings[i].line = line;
            self.findings[i].column = text
                .get(line_start..target)
                .map_or(0, |s| s.chars().count()) as u32
                + 1;
        }
    }

    fn finish(mut self, out: &mut Vec<Finding>) {
        self.set_positions();
        let aborted = self.aborted;
        out.extend(self.findings.into_iter().filter(|f| {
            catalogue::rule(&f.id)
                .map(|r| aborted[source_index(r.source)].is_none())
                .unwrap_or(true)
        }));
        for (i, reason) in aborted.into_iter().enumerate() {
            if let Some(reason) = reason {
                let (id, name) = if i == 0 {
                    ("CEN-EVALUATION-ERROR", "CEN EN 16931")
                } else {
                    ("PEPPOL-EVALUATION-ERROR", "Peppol BIS")
                };
                out.push(Finding {
                    id: id.to_string(),
                    flag: super::Flag::Fatal,
                    location: String::new(),
                    line: 0,
                    column: 0,
                    message: format!(
                        "the {name} rules cannot be evaluated on this document: {reason}"
                    ),
                    values: None,
                });
            }
        }
    }
}

/// For [`Ctx::named`]: the first element with each name, and the next one with the same name.
fn name_chains(elements: &[Node]) -> (Vec<u32>, Vec<u32>) {
    let mut first = vec![u32::MAX; ELEMENTS.len()];
    let mut next = vec![u32::MAX; elements.len()];
    for (i, e) in elements.iter().enumerate().rev() {
        if let Some(name) = e.name() {
            next[i] = first[name.index()];
            first[name.index()] = i as u32;
        }
    }
    (first, next)
}

/// The index of each element in `elements`, by node id (`u32::MAX` for other nodes).
fn element_index(elements: &[Node]) -> Vec<u32> {
    let len = elements.last().map_or(0, |e| e.index() + 1);
    let mut index = vec![u32::MAX; len];
    for (i, e) in elements.iter().enumerate() {
        index[e.index()] = i as u32;
    }
    index
}

fn source_index(s: Source) -> usize {
    match s {
        Source::Cen => 0,
        Source::Peppol => 1,
    }
}

/// Runs the business rules selected by `opts` and appends their findings.
pub(crate) fn run(doc: &Document, opts: &Options, out: &mut Vec<Finding>) {
    let mut ctx = Ctx::new(doc, opts.rules);
    if opts.scope.cen() {
        cen_core::check(&mut ctx);
        cen_totals::check(&mut ctx);
        cen_codes::check(&mut ctx);
        cen_vat::check(&mut ctx);
        ubl_sr::check(&mut ctx);
        ubl_dt::check(&mut ctx);
        ubl_cr::check(&mut ctx);
    }
    if opts.scope.peppol() {
        let countries = context::Countries::of(ctx.root);
        peppol::check(&mut ctx, &countries);
        peppol_common::check(&mut ctx);
        national::check(&mut ctx, &countries);
    }
    ctx.finish(out);
}
