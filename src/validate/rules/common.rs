//! Predicates many rules share, with the exact XPath semantics of the official rules.

use crate::validate::dom::Node;
use crate::validate::name::{name, Name};

use crate::validate::value::{boolean, normalize_space};
use crate::validate::xml::{cbc, cbcs, child, is, string_value};

/// `[cac:TaxScheme/normalize-space(upper-case(cbc:ID))='VAT']` on a tax category.
pub(crate) fn is_vat(cat: Node) -> bool {
    cat.elements().any(|s| {
        // `normalize-space(upper-case(x)) = 'VAT'`: no other character upper-cases to V, A or T.
        is(s, name!("cac:TaxScheme"))
            && cbc!(s, "ID").is_some_and(|id| {
                crate::validate::value::trim(&string_value(id)).eq_ignore_ascii_case("VAT")
            })
    })
}

/// `normalize-space(cbc:ID)` of a tax category (first ID; `""` when absent).
pub(crate) fn category_code(cat: Node) -> String {
    cbc!(cat, "ID")
        .map(|id| normalize_space(&string_value(id)))
        .unwrap_or_default()
}

/// Child elements `cac:name` that are VAT categories.
pub(crate) fn vat_children<'a, 'i>(
    n: Node<'a, 'i>,
    name: Name,
) -> impl Iterator<Item = Node<'a, 'i>> {
    n.elements().filter(move |c| is(*c, name) && is_vat(*c))
}

/// `cbc:ChargeIndicator = true()` / `= false()`: whether some indicator casts to `value`
/// (an indicator that is no boolean never matches).
pub(crate) fn indicator_is(ac: Node, value: bool) -> bool {
    cbcs!(ac, "ChargeIndicator").any(|c| boolean(&string_value(c)) == Some(value))
}

/// The (first) child `cbc:name`'s string value, `None` when absent.
pub(crate) fn cbc_text<'a>(n: Node<'a, '_>, name: Name) -> Option<std::borrow::Cow<'a, str>> {
    child(n, name).map(string_value)
}

/// `string-length(substring-after(cbc:name,'.')) <= 2` (holds when absent).
pub(crate) fn max_two_decimals(n: Node, name: Name) -> bool {
    cbc_text(n, name).is_none_or(|t| crate::validate::value::decimals(&t) <= 2)
}
