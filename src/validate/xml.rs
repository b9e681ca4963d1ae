//! Small navigation helpers over the document tree for UBL: namespaces, children by name, string values,
//! and locations (`/Invoice/cac:TaxTotal/cac:TaxSubtotal[2]`), the same for every layer.

use crate::validate::dom::Node;

use super::name::Name;
use super::structure::tables::Ns;
use super::Root;

pub(crate) type N<'a, 'i> = Node<'a, 'i>;

/// Which UBL document the root element is, if any.
pub(crate) fn root_kind(root: Node) -> Option<Root> {
    match (root.ns(), root.local_name()) {
        (Some(Ns::Invoice), "Invoice") => Some(Root::Invoice),
        (Some(Ns::CreditNote), "CreditNote") => Some(Root::CreditNote),
        _ => None,
    }
}

/// True when `n` is the element `name`.
#[inline]
pub(crate) fn is(n: Node, name: Name) -> bool {
    n.name() == Some(name)
}

/// Child elements named `name`.
pub(crate) fn children<'a, 'i>(n: N<'a, 'i>, name: Name) -> impl Iterator<Item = N<'a, 'i>> + 'a {
    n.elements().filter(move |c| is(*c, name))
}

/// First child element named `name`.
pub(crate) fn child<'a, 'i>(n: N<'a, 'i>, name: Name) -> Option<N<'a, 'i>> {
    n.elements().find(|c| is(*c, name))
}

/// Defines a macro `$macro!(node, "Local")` calling `$function(node, name)` with the name of
/// `$prefix:Local`, found when the crate compiles.
macro_rules! by_local_name {
    ($(#[$doc:meta] $macro:ident => $function:ident, $ns:ident;)+) => {$(
        #[$doc]
        macro_rules! $macro {
            ($node:expr, $local:literal) => {
                $crate::validate::xml::$function(
                    $node,
                    const {
                        $crate::validate::name::Name::of(
                            $crate::validate::structure::tables::Ns::$ns,
                            $local,
                        )
                    },
                )
            };
        }
        pub(crate) use $macro;
    )+};
}

by_local_name! {
    /// True when the node is `cbc:Local` (`is_cbc!(n, "ID")`).
    is_cbc => is, Cbc;
    /// True when the node is `cac:Local`.
    is_cac => is, Cac;
    /// Child elements `cbc:Local` (`cbcs!(n, "Note")`).
    cbcs => children, Cbc;
    /// Child elements `cac:Local`.
    cacs => children, Cac;
    /// First child element `cbc:Local` (`cbc!(n, "ID")`).
    cbc => child, Cbc;
    /// First child element `cac:Local`.
    cac => child, Cac;
}

/// The value of the attribute `name` in no namespace (XPath `@name`): an attribute with the same local name
/// in a namespace is another attribute.
#[inline]
pub(crate) fn attr<'a>(n: Node<'a, '_>, name: &str) -> Option<&'a str> {
    n.attributes()
        .find(|a| a.name() == name && a.namespace().is_none())
        .map(|a| a.value())
}

/// True when `n` has the attribute `name` in no namespace (XPath `exists(@name)`).
#[inline]
pub(crate) fn has_attr(n: Node, name: &str) -> bool {
    attr(n, name).is_some()
}

/// All elements reached from `n` by the child path `steps`, in document order, like an XPath
/// relative location path.
pub(crate) fn path<'a, 'i>(n: N<'a, 'i>, steps: &[Name]) -> Vec<N<'a, 'i>> {
    // Depth first into one vector: the nodes reached from one element all precede those reached
    // from its following siblings, so this is document order, without a vector per step.
    fn walk<'a, 'i>(n: N<'a, 'i>, steps: &[Name], out: &mut Vec<N<'a, 'i>>) {
        let Some((&step, rest)) = steps.split_first() else {
            out.push(n);
            return;
        };
        for k in children(n, step) {
            walk(k, rest, out);
        }
    }
    let mut out = Vec::new();
    walk(n, steps, &mut out);
    out
}

/// Number of elements reached by the child path `steps` (XPath `count(path)`), without
/// collecting them.
pub(crate) fn count(n: Node, steps: &[Name]) -> usize {
    match steps.split_first() {
        None => 1,
        Some((&step, rest)) => children(n, step).map(|k| count(k, rest)).sum(),
    }
}

/// `count(path)` for each of `paths` (none empty), with one scan of the children of `n`: rules
/// that bound many paths from the root would otherwise walk the root's children once each.
pub(crate) fn counts<const K: usize>(n: Node, paths: &[&[Name]; K]) -> [usize; K] {
    let mut out = [0; K];
    for k in n.elements() {
        let Some(name) = k.name() else { continue };
        for (i, steps) in paths.iter().enumerate() {
            if steps[0] == name {
                out[i] += count(k, &steps[1..]);
            }
        }
    }
    out
}

/// First element reached by the child path `steps`.
pub(crate) fn first<'a, 'i>(n: N<'a, 'i>, steps: &[Name]) -> Option<N<'a, 'i>> {
    let mut cur = n;
    for &step in steps {
        cur = child(cur, step)?;
    }
    Some(cur)
}

/// True when the child path `steps` reaches at least one element (XPath `exists(path)`), with
/// backtracking over every branch.
pub(crate) fn exists(n: N, steps: &[Name]) -> bool {
    match steps.split_first() {
        None => true,
        Some((&step, rest)) => children(n, step).any(|k| exists(k, rest)),
    }
}

/// XPath string value of an element: its descendant text, concatenated.
pub(crate) fn string_value<'a>(n: Node<'a, '_>) -> std::borrow::Cow<'a, str> {
    let mut children = n.children();
    match (children.next(), children.next()) {
        (None, _) => std::borrow::Cow::Borrowed(""),
        (Some(c), None) if c.is_text() => std::borrow::Cow::Borrowed(c.text().unwrap_or("")),
        _ => std::borrow::Cow::Owned(
            n.descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect(),
        ),
    }
}

/// `normalize-space(string(n))`.
pub(crate) fn text_ns(n: Node) -> String {
    super::value::normalize_space(&string_value(n))
}

/// `normalize-space(path) = ''` for the first node reached by `steps` (true when none).
pub(crate) fn first_blank(n: Node, steps: &[Name]) -> bool {
    first(n, steps).is_none_or(|f| super::value::is_blank(&string_value(f)))
}

/// `normalize-space(path)` of the first node reached by `steps`, `""` when none.
pub(crate) fn first_ns(n: Node, steps: &[Name]) -> String {
    first(n, steps).map(text_ns).unwrap_or_default()
}

/// Marks a [`sibling_positions`] entry whose element has same-named siblings.
const REPEATED: u32 = 1 << 31;

/// For every element (by node id), its 1-based position among the preceding siblings with the same
/// name, with [`REPEATED`] set where the name occurs more than once among its siblings; computed in
/// one pass so that locations cost O(depth) each.
pub(crate) fn sibling_positions(elements: &[Node]) -> Vec<u32> {
    let max = elements.iter().map(|e| e.index()).max().unwrap_or(0);
    let mut positions = vec![1; max + 1];
    for parent in elements {
        let mut seen: Vec<(crate::validate::dom::ExpandedName, u32)> = Vec::new();
        for c in parent.elements() {
            let tag = c.tag_name();
            let n = match seen.iter_mut().find(|(t, _)| *t == tag) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    seen.push((tag, 1));
                    1
                }
            };
            positions[c.index()] = n;
        }
        if seen.iter().any(|(_, n)| *n > 1) {
            for c in parent.elements() {
                let tag = c.tag_name();
                if seen.iter().any(|(t, n)| *t == tag && *n > 1) {
                    positions[c.index()] |= REPEATED;
                }
            }
        }
    }
    positions
}

/// Location of an element, the same for every layer: `/Invoice/cac:InvoiceLine[2]/cbc:ID`. Names
/// carry the conventional UBL prefixes (the document's own prefix for other namespaces, none for
/// the root), and a position is added where same-named siblings exist. Positions come from
/// [`sibling_positions`] when given, else they are counted directly.
pub(crate) fn location(n: Node, positions: Option<&[u32]>) -> String {
    let mut chain: Vec<Node> = n.ancestors().filter(Node::is_element).collect();
    chain.reverse();
    let mut out = String::new();
    for e in chain {
        out.push('/');
        write_name(&mut out, e);
        let (index, repeated) = match positions.and_then(|p| p.get(e.index())) {
            Some(&p) => (p & !REPEATED, p & REPEATED != 0),
            None => {
                let same = |s: &Node| s.is_element() && s.tag_name() == e.tag_name();
                let before = e.prev_siblings().skip(1).filter(same).count() as u32;
                (
                    before + 1,
                    before > 0 || e.next_siblings().skip(1).any(|s| same(&s)),
                )
            }
        };
        if repeated {
            out.push_str(&format!("[{index}]"));
        }
    }
    out
}

/// `prefix:local` of an element, with the conventional UBL prefixes.
pub(crate) fn qualified_name(node: Node) -> String {
    let mut out = String::new();
    write_name(&mut out, node);
    out
}

fn write_name(out: &mut String, node: Node) {
    let name = node.tag_name();
    let prefix = match (node.ns(), name.namespace()) {
        (Some(ns), _) => ns.prefix(),
        (None, Some(uri)) => node.lookup_prefix(uri).unwrap_or(""),
        (None, None) => "",
    };
    if !prefix.is_empty() {
        out.push_str(prefix);
        out.push(':');
    }
    out.push_str(name.name());
}

#[cfg(test)]
mod tests {
    use super::{attr, has_attr};

    #[test]
    fn an_attribute_in_a_namespace_is_not_the_unqualified_one() {
        let doc = crate::validate::dom::Document::parse(
            r#"<r xmlns:x="urn:x"><a x:schemeID="0088"/><b x:schemeID="0088" schemeID="0184"/></r>"#,
        )
        .unwrap();
        let mut kids = doc.root_element().children();
        let (a, b) = (kids.next().unwrap(), kids.next().unwrap());
        assert_eq!(attr(a, "schemeID"), None);
        assert!(!has_attr(a, "schemeID"));
        assert_eq!(attr(b, "schemeID"), Some("0184"));
    }
}
