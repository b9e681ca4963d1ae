//! Validation time, single-threaded, with `Throughput::Bytes`:
//! - the project's fixture grown to about 10 KB and 100 KB (time linear in size);
//! - an invoice as `convert` writes it (the `standard-net` golden document);
//! - every official Peppol example and the 3.3 MB Italian example with its attachment;
//! - the `ublflow validate` process: start-up on one small document, and the whole generated
//!   corpus (1500 documents, in parallel as the command runs);
//! - the XML parser alone (`validate::dom`), on the grown 10 KB fixture and `base-example.xml`,
//!   to see how much of a document's time is parsing.
//!
//! Run with `cargo bench --bench validate`. The conformance parts skip with a message when
//! `../shared/conformance` is absent.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use ublflow::validate::dom::Document;
use ublflow::validate::{validate, Options};

const FIXTURE: &str = include_str!("../tests/fixtures/peppol-invoice.xml");
const CONVERTED: &str = include_str!("../fixtures/expected/standard-net/INV-2026-000001.xml");
const ITALIAN: &str = "examples/cen/FT G2G_TD01 con Allegato, Bonifico e Split Payment.xml";

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

fn conformance() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("SKIPPED conformance benches: {} is absent", dir.display());
        None
    }
}

fn documents(c: &mut Criterion) {
    let opts = Options::default();
    let mut group = c.benchmark_group("validate");
    for size in [10_000, 100_000] {
        let doc = grown(size);
        group.throughput(Throughput::Bytes(doc.len() as u64));
        group.bench_function(format!("grown fixture {} KB", doc.len() / 1000), |b| {
            b.iter(|| validate(black_box(doc.as_bytes()), &opts))
        });
    }
    group.throughput(Throughput::Bytes(CONVERTED.len() as u64));
    group.bench_function("invoice written by convert", |b| {
        b.iter(|| validate(black_box(CONVERTED.as_bytes()), &opts))
    });
    let Some(dir) = conformance() else { return };
    let mut examples: Vec<PathBuf> = std::fs::read_dir(dir.join("examples/peppol"))
        .expect("examples/peppol")
        .map(|e| e.expect("entry").path())
        .collect();
    examples.sort();
    for path in examples {
        let bytes = std::fs::read(&path).expect("example");
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format!("peppol/{name}"), |b| {
            b.iter(|| validate(black_box(&bytes), &opts))
        });
    }
    group.finish();

    let bytes = std::fs::read(dir.join(ITALIAN)).expect("the Italian example");
    let mut group = c.benchmark_group("validate-large");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("italian 3.3 MB with attachment", |b| {
        b.iter(|| validate(black_box(&bytes), &opts))
    });
    group.finish();
}

/// `ublflow validate ARGS`, output discarded; panics unless it exits 0 or 1.
fn spawn(args: &[&Path]) {
    let status = Command::new(env!("CARGO_BIN_EXE_ublflow"))
        .arg("validate")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("spawn ublflow");
    assert!(matches!(status.code(), Some(0 | 1)), "{status}");
}

fn command(c: &mut Criterion) {
    let mut group = c.benchmark_group("command");
    let small = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/peppol-invoice.xml");
    group.bench_function("start-up, one small document", |b| {
        b.iter(|| spawn(&[&small]))
    });
    let Some(dir) = conformance() else { return };
    let corpus = dir.join("generated");
    let bytes: u64 = std::fs::read_dir(&corpus)
        .expect("generated")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "xml"))
        .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .sum();
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("generated corpus, 1500 documents", |b| {
        b.iter(|| spawn(&[&corpus]))
    });
    group.finish();
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    let doc = grown(10_000);
    group.throughput(Throughput::Bytes(doc.len() as u64));
    group.bench_function("grown fixture 10 KB", |b| {
        b.iter(|| Document::parse(black_box(&doc)).map(|d| d.len()))
    });
    let Some(dir) = conformance() else { return };
    let text = std::fs::read_to_string(dir.join("examples/peppol/base-example.xml"))
        .expect("base-example.xml");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("peppol/base-example.xml", |b| {
        b.iter(|| Document::parse(black_box(&text)).map(|d| d.len()))
    });
    group.finish();
}

criterion_group!(benches, documents, command, parse);
criterion_main!(benches);
