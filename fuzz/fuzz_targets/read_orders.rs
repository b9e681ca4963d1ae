//! Order readers and the model on arbitrary bytes: never a panic, whatever the input.
//! The first byte picks the reader (JSON or CSV); every order read is built and, when it builds, written.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;
use ublflow::config::Profile;

fn profile() -> &'static Profile {
    static PROFILE: OnceLock<Profile> = OnceLock::new();
    PROFILE.get_or_init(|| {
        let text = include_str!("../../fixtures/profile.toml");
        Profile::parse(text, Path::new("profile.toml")).expect("the fixture profile parses")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let name = if selector % 2 == 0 {
        "orders.json"
    } else {
        "orders.csv"
    };
    let _ = ublflow::input::read(Path::new(name), body, &mut |item| {
        if let Ok(record) = item {
            if let Ok(doc) = ublflow::model::build(&record.order, profile()) {
                let numbered = ublflow::model::Numbered {
                    number: "INV-1",
                    preceding: None,
                };
                let xml = ublflow::ubl::write(&doc, &numbered);
                assert!(xml.starts_with(b"<?xml"));
            }
        }
    });
});
