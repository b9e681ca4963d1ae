//! Keeps `src/validate/structure/tables.rs` in step with the UBL 2.1 schemas: regenerates the
//! tables from `../shared/conformance/ubl-2.1` and requires the committed file to be identical.
//! Set `UBLFLOW_REGENERATE=1` to rewrite the committed file instead.

mod structure_gen;

use std::path::Path;

const SCHEMAS: &str = "../shared/conformance/ubl-2.1";
const TABLES: &str = "src/validate/structure/tables.rs";

#[test]
fn committed_tables_match_the_schemas() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schemas = root.join(SCHEMAS);
    if !schemas.is_dir() {
        println!(
            "SKIPPED structure_tables: {} is absent, cannot re-check the generated tables",
            schemas.display()
        );
        return;
    }
    let generated = structure_gen::generate(&schemas);
    let path = root.join(TABLES);
    if std::env::var_os("UBLFLOW_REGENERATE").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write tables.rs");
        println!("regenerated {}", path.display());
        return;
    }
    let committed = std::fs::read_to_string(&path).expect("read tables.rs");
    assert!(
        committed == generated,
        "{TABLES} is stale or hand-edited: regenerate it with \
         `UBLFLOW_REGENERATE=1 cargo test --test structure_tables`"
    );
}
