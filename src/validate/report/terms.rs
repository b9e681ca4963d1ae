//! Names of the EN 16931 business terms and groups, from `schemas/rules/business_terms.tsv`
//! (read out of the official rule messages by `tests/business_terms_sync.rs`).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::validate::catalogue;

const TERMS_TSV: &str = include_str!("../../../schemas/rules/business_terms.tsv");

fn names() -> &'static HashMap<&'static str, &'static str> {
    static NAMES: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        TERMS_TSV
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .collect()
    })
}

/// The ids `BT-n` / `BG-n` written in `text`, in order of first appearance.
fn ids(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let bytes = text.as_bytes();
    for (at, _) in text.match_indices("BT-").chain(text.match_indices("BG-")) {
        if at > 0 && bytes[at - 1].is_ascii_alphanumeric() {
            continue;
        }
        let digits = bytes[at + 3..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let id = &text[at..at + 3 + digits];
        if digits > 0 && !out.contains(&id) {
            out.push(id);
        }
    }
    out.sort_by_key(|id| text.find(id));
    out
}

/// "Name (BT-n)" for each business term or group rule `id`'s official message names, in the
/// order the message names them; the bare id where the table has no name for it.
pub(crate) fn of_rule(id: &str) -> Vec<String> {
    let Some(rule) = catalogue::rule(id) else {
        return Vec::new();
    };
    ids(rule.message)
        .into_iter()
        .map(|t| match names().get(t) {
            Some(name) => format!("{name} ({t})"),
            None => t.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_rule_names_its_terms() {
        assert_eq!(
            of_rule("BR-CO-15"),
            [
                "Invoice total amount with VAT (BT-112)",
                "Invoice total amount without VAT (BT-109)",
                "Invoice total VAT amount (BT-110)"
            ]
        );
    }

    #[test]
    fn ids_need_a_word_boundary_and_digits() {
        assert_eq!(ids("xBT-1 BT- (BT-12) BT-12, BG-3"), ["BT-12", "BG-3"]);
    }
}
