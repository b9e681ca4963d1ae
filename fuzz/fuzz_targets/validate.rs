//! The validator on arbitrary bytes: never a panic, whatever the input, with every rule set.
//! Seed it with the conformance documents (`fuzz/seed-validate`); corpora are not committed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ublflow::validate::{validate, Flag, Options, RuleSet};

fuzz_target!(|data: &[u8]| {
    for rules in RuleSet::ALL {
        // As the CLI runs it: business rules skipped after a fatal structure finding.
        let report = validate(
            data,
            &Options {
                rules,
                ..Options::default()
            },
        );
        assert_eq!(report.is_valid(), report.count(Flag::Fatal) == 0);
        // Business rules on structurally broken input too, where the rules meet the oddest trees.
        let opts = Options {
            rules,
            rules_after_structure_error: true,
            ..Options::default()
        };
        let _ = validate(data, &opts);
    }
});
