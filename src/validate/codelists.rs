//! Code lists used by the code-list rules, kept as data in `schemas/rules/codelists.tsv`
//! (extracted from the official schematron files; see `schemas/rules/README.md`).

use std::sync::OnceLock;

use super::fasthash::{FastMap, FastSet};

const CODELISTS_TSV: &str = include_str!("../../schemas/rules/codelists.tsv");

/// A set of allowed codes.
#[derive(Debug)]
pub struct CodeList {
    codes: FastSet<&'static str>,
    /// The codes as the official literal: `' A B C '`.
    literal: String,
}

impl CodeList {
    /// True when `code` is in the list (exact match).
    pub fn contains(&self, code: &str) -> bool {
        self.codes.contains(code)
    }

    /// XPath `contains(' A B C ', s)`: true when `s` occurs anywhere in the space-separated
    /// literal, as some official rules test (not a code match: `"A "` is found too).
    pub fn contains_substring(&self, s: &str) -> bool {
        self.literal.contains(s)
    }
}

fn all() -> &'static FastMap<&'static str, CodeList> {
    static LISTS: OnceLock<FastMap<&'static str, CodeList>> = OnceLock::new();
    LISTS.get_or_init(|| {
        CODELISTS_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .filter_map(|l| l.split_once('\t'))
            .map(|(name, codes)| {
                // Sized up front: the largest lists would otherwise rehash a dozen times.
                let mut set = FastSet::with_capacity_and_hasher(
                    codes.bytes().filter(|&b| b == b' ').count() + 1,
                    Default::default(),
                );
                set.extend(codes.split(' '));
                (
                    name,
                    CodeList {
                        codes: set,
                        literal: format!(" {codes} "),
                    },
                )
            })
            .collect()
    })
}

/// [`list`] for a name written in the code: looked up on the first use at each call site
/// only, as the rules consult lists for every coded element of every document.
macro_rules! code_list {
    ($name:literal) => {{
        static LIST: std::sync::OnceLock<&'static $crate::validate::codelists::CodeList> =
            std::sync::OnceLock::new();
        *LIST.get_or_init(|| $crate::validate::codelists::list($name))
    }};
}
pub(crate) use code_list;

/// The code list called `name` (such as `cen:BR-CL-04#1` or `peppol:ISO4217`).
///
/// # Panics
/// When no such list exists: list names are fixed in the code, so this is a programming error
/// caught by the tests.
pub fn list(name: &str) -> &'static CodeList {
    all()
        .get(name)
        .unwrap_or_else(|| panic!("unknown code list {name}"))
}
