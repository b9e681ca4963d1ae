//! The national rules of Peppol BIS 3.0 (DE, DK, GR, IS, IT, NL, NO, SE), one module per
//! country, each guarded by the country conditions of the official rules.

mod de;
mod dk;
mod gr;
mod is;
mod it;
mod nl;
mod no;
mod se;

use crate::validate::dom::Node;
use crate::validate::name::Name;

use super::context::Countries;
use super::Ctx;
use crate::validate::value::{normalize_space, trim};
use crate::validate::xml::{child, string_value};

/// Runs every national rule set.
pub(crate) fn check(ctx: &mut Ctx, countries: &Countries) {
    no::check(ctx, countries);
    dk::check(ctx, countries);
    it::check(ctx, countries);
    se::check(ctx);
    gr::check(ctx, countries);
    is::check(ctx, countries);
    nl::check(ctx);
    de::check(ctx, countries);
}

/// `string(number(s)) != 'NaN'`: `s` is a valid `xs:double` literal.
pub(super) fn is_number(s: &str) -> bool {
    let t = trim(s);
    match t {
        "INF" | "-INF" | "+INF" => return true,
        "" => return false,
        _ => {}
    }
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

/// `normalize-space` of the first child `cbc:name` (empty when absent).
pub(super) fn child_ns(n: Node, name: Name) -> String {
    child(n, name)
        .map(|c| normalize_space(&string_value(c)))
        .unwrap_or_default()
}
