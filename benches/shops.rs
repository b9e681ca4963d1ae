//! Shop export benchmarks over generated exports in each platform's real shape: a 20,000-order Shopify CSV
//! (about 20 MB, 1-3 rows per order) and a 5,000-order WooCommerce REST API array.
//!
//! `shops-read`: reading and building every document (no store, no files). `shops-convert`: the whole
//! `convert` run with store, numbering and archive files. `shops-refunds`: a later run with a refund of each
//! of the 5,000 WooCommerce orders, which the reader finds in the store (it keeps one batch of orders in
//! memory, however long the input). `cargo bench --bench shops`.

#[path = "../tests/support/gen.rs"]
mod gen;
#[path = "../tests/support/shop_gen.rs"]
mod shop_gen;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::path::{Path, PathBuf};
use std::time::Duration;
use ublflow::config::Profile;
use ublflow::input::{Format, Reader};
use ublflow::model;
use ublflow::pipeline::batch;

const SHOPIFY_ORDERS: usize = 20_000;
const WOO_ORDERS: usize = 5_000;

fn profile() -> Profile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/shops/profile.toml");
    Profile::load(&path).expect("the shop fixture profile loads")
}

/// Writes both generated exports into `dir`.
fn exports(dir: &Path) -> [(PathBuf, usize); 2] {
    let shopify = dir.join("shopify-orders.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&shopify).expect("creates"));
    shop_gen::write_shopify(&mut out, SHOPIFY_ORDERS, 5).expect("writes");
    drop(out);
    let woo = dir.join("woocommerce-orders.json");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&woo).expect("creates"));
    shop_gen::write_woocommerce(&mut out, WOO_ORDERS, 5).expect("writes");
    drop(out);
    [(shopify, SHOPIFY_ORDERS), (woo, WOO_ORDERS)]
}

fn name(path: &Path) -> &str {
    path.file_stem().and_then(|s| s.to_str()).expect("a name")
}

fn read_and_build(c: &mut Criterion) {
    let profile = profile();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut group = c.benchmark_group("shops-read");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for (path, count) in exports(dir.path()) {
        let bytes = std::fs::metadata(&path).expect("the export").len();
        group.throughput(Throughput::Bytes(bytes));
        group.bench_function(format!("{}-{count}", name(&path)), |b| {
            b.iter(|| {
                let mut built = 0usize;
                let mut reader = Reader::new(None, &profile.shops);
                let file = std::fs::File::open(&path).expect("opens");
                reader
                    .read(&path, file, &mut |item| {
                        let record = item.expect("a valid order");
                        model::build(&record.order, &profile).expect("builds");
                        built += 1;
                    })
                    .expect("reads");
                assert_eq!(built, count);
                built
            })
        });
    }
    group.finish();
}

fn whole_convert(c: &mut Criterion) {
    let profile = profile();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut group = c.benchmark_group("shops-convert");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    let mut run = 0;
    for (path, count) in exports(dir.path()) {
        let inputs = vec![path.clone()];
        let format = if count == SHOPIFY_ORDERS {
            Format::Shopify
        } else {
            Format::WooCommerce
        };
        group.throughput(Throughput::Elements(count as u64));
        group.bench_function(format!("{}-{count}-to-files", name(&path)), |b| {
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
                            input_format: Some(format),
                            bytes_read: None,
                        },
                        &mut |_| {},
                    )
                    .expect("converts");
                    assert_eq!(summary.invoices as usize, count);
                    // Outputs stay until the end, as in benches/convert.rs (mass deletion measures ext4).
                    summary
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

/// A `convert` run of WooCommerce inputs into `out`, with its store there.
fn convert_woocommerce(profile: &Profile, inputs: &[PathBuf], out: &Path) -> batch::Summary {
    let store = out.join("ublflow.db");
    let options = batch::Options {
        inputs,
        out,
        store: &store,
        profile,
        batch_size: 1000,
        input_format: Some(Format::WooCommerce),
        bytes_read: None,
    };
    batch::convert(&options, &mut |_| {}).expect("converts")
}

/// Refunds converted in a run after their orders': each credit note takes its order's data from the store.
fn refunds_in_a_later_run(c: &mut Criterion) {
    let profile = profile();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let [_, (orders, count)] = exports(dir.path());
    let refunds = dir.path().join("woocommerce-refunds.json");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&refunds).expect("creates"));
    shop_gen::write_woocommerce_refunds(&mut out, count).expect("writes");
    drop(out);
    // The orders, converted once; every iteration starts from a copy of their store.
    let base = dir.path().join("orders-run");
    let summary = convert_woocommerce(&profile, &[orders], &base);
    assert_eq!(summary.invoices as usize, count);
    let inputs = vec![refunds];
    let mut group = c.benchmark_group("shops-refunds");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(count as u64));
    let mut run = 0;
    group.bench_function(format!("woocommerce-refunds-{count}-later-run"), |b| {
        b.iter_batched(
            || {
                run += 1;
                let out = dir.path().join(format!("refunds-{run}"));
                std::fs::create_dir_all(&out).expect("creates");
                std::fs::copy(base.join("ublflow.db"), out.join("ublflow.db")).expect("copies");
                out
            },
            |out: PathBuf| {
                let summary = convert_woocommerce(&profile, &inputs, &out);
                assert_eq!(summary.credit_notes as usize, count);
                summary
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(
    benches,
    read_and_build,
    whole_convert,
    refunds_in_a_later_run
);
criterion_main!(benches);
