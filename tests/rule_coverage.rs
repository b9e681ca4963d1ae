//! Every rule of every rule set is implemented: its official id is named in the rule code
//! (`src/validate/rules/`) or in the UBL-CR table, except the ones whose official test never fails.

use std::collections::BTreeSet;
use std::path::Path;

use ublflow::validate::catalogue;
use ublflow::validate::RuleSet;

/// Rules whose official test is `true()`: they never fire, so there is nothing to implement.
const NEVER_FIRE: [&str; 4] = ["BR-CO-05", "BR-CO-06", "BR-CO-07", "BR-CO-08"];

fn quoted_ids(dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("rules directory").flatten() {
        let path = entry.path();
        if path.is_dir() {
            quoted_ids(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("readable source");
            out.extend(text.split('"').skip(1).step_by(2).map(str::to_string));
        }
    }
}

#[test]
fn every_rule_of_every_rule_set_is_named_in_the_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut named = BTreeSet::new();
    quoted_ids(&root.join("src/validate/rules"), &mut named);
    let table = std::fs::read_to_string(root.join("schemas/rules/ubl_cr.tsv")).expect("table");
    named.extend(
        table
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split('\t').next())
            .map(str::to_string),
    );
    let mut missing = Vec::new();
    for set in RuleSet::ALL {
        for rule in catalogue::rules().iter().filter(|r| r.flag(set).is_some()) {
            if !named.contains(rule.id) && !NEVER_FIRE.contains(&rule.id) {
                missing.push(format!("{} ({set})", rule.id));
            }
        }
    }
    assert!(missing.is_empty(), "rules without code: {missing:?}");
}
