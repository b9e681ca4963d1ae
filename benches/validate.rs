//! Whole-document validation time on the project's fixture grown to about 10 KB.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ublflow::validate::{validate, Options};

const FIXTURE: &str = include_str!("../tests/fixtures/peppol-invoice.xml");

/// The fixture with its lines repeated until the document is about `size` bytes.
fn grown(size: usize) -> String {
    let start = FIXTURE.find("<cac:InvoiceLine>").expect("a line");
    let end = FIXTURE.rfind("</Invoice>").expect("the end");
    let lines = &FIXTURE[start..end];
    let mut doc = FIXTURE[..end].to_string();
    while doc.len() < size {
        doc.push_str(lines);
    }
    doc.push_str("</Invoice>");
    doc
}

fn bench(c: &mut Criterion) {
    let opts = Options::default();
    for size in [10_000, 100_000] {
        let doc = grown(size);
        c.bench_function(&format!("validate {} KB", doc.len() / 1000), |b| {
            b.iter(|| validate(black_box(doc.as_bytes()), &opts))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
