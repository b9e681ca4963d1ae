//! Conversion benchmarks: one 10-line order through parse -> model -> XML, and a whole `convert` run
//! (store, numbering, archive files) over generated orders.
//!
//! `cargo bench --bench convert`; the whole-run size is `UBLFLOW_BENCH_ORDERS` (default 100000).

#[path = "../tests/support/gen.rs"]
mod gen;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::path::{Path, PathBuf};
use std::time::Duration;
use ublflow::config::Profile;
use ublflow::input;
use ublflow::model::{self, Numbered};
use ublflow::pipeline::batch;

fn profile() -> Profile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profile.toml");
    Profile::load(&path).expect("the fixture profile loads")
}

fn ten_line_order(c: &mut Criterion) {
    let profile = profile();
    let json = gen::order("B-1", 10, &mut gen::Lcg::new(3));
    let mut group = c.benchmark_group("order-10-lines");
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function("parse+model+xml", |b| {
        b.iter(|| {
            let mut xml_len = 0;
            input::read(Path::new("order.json"), json.as_bytes(), &mut |item| {
                let record = item.expect("a valid order");
                let doc = model::build(&record.order, &profile).expect("builds");
                let xml = ublflow::ubl::write(
                    &doc,
                    &Numbered {
                        number: "INV-2026-000001",
                        preceding: None,
                    },
                );
                xml_len = xml.len();
            })
            .expect("reads");
            xml_len
        })
    });
    group.finish();
}

fn whole_convert(c: &mut Criterion) {
    let count: usize = std::env::var("UBLFLOW_BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let profile = profile();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let input = dir.path().join("orders.jsonl");
    std::fs::write(&input, gen::orders_jsonl("W", count, 3, 11)).expect("writes the input");
    let inputs = vec![input];
    let mut group = c.benchmark_group("convert");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    group.throughput(Throughput::Elements(count as u64));
    let mut run = 0;
    group.bench_function(format!("{count}-orders-to-files"), |b| {
        b.iter_batched(
            || {
                run += 1;
                dir.path().join(format!("out-{run}"))
            },
            |out: PathBuf| {
                let summary = batch::convert(
                    &batch::Options {
                        inputs: &inputs,
                        out: &out,
                        store: &out.join("ublflow.db"),
                        profile: &profile,
                        batch_size: 1000,
                        input_format: None,
                        bytes_read: None,
                    },
                    &mut |_| {},
                )
                .expect("converts");
                assert_eq!(summary.invoices as usize, count);
                // Outputs stay until the end: deleting 100,000 files and creating as many again at once
                // makes ext4 search its inode bitmaps for minutes (it avoids reusing recently freed inodes),
                // which measures the deletion, not ublflow.
                summary
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, ten_line_order, whole_convert);
criterion_main!(benches);
