//! Throughput of the structure layer on conformance examples (parsing excluded, measured apart).
//!
//! Run with `cargo bench --bench structure`. Skips with a message when `../shared/conformance`
//! is absent.

use std::path::Path;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use ublflow::validate::dom::Document;
use ublflow::validate::structure::check;

const SAMPLES: &[&str] = &[
    "examples/peppol/base-example.xml",
    "examples/peppol/Allowance-example.xml",
    "generated/gen-00505.xml",
    "generated/gen-01203.xml",
];

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance");
    if !dir.is_dir() {
        println!("SKIPPED structure bench: {} is absent", dir.display());
        return;
    }
    let mut group = c.benchmark_group("structure");
    for sample in SAMPLES {
        let Ok(text) = std::fs::read_to_string(dir.join(sample)) else {
            println!("SKIPPED {sample}: not found");
            continue;
        };
        let name = sample.rsplit('/').next().unwrap_or(sample);
        let doc = Document::parse(&text).expect("well-formed sample");
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("check/{name}"), |b| {
            b.iter(|| check(black_box(&doc)))
        });
        group.bench_function(format!("parse+check/{name}"), |b| {
            b.iter(|| check(&Document::parse(black_box(&text)).expect("parse")))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
