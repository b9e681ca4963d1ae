//! Delivery benchmarks: the outbox's own bookkeeping per document (no network), and whole deliveries to the
//! local scripted portal and to aiosmtpd on loopback.
//!
//! `cargo bench --bench send`; the document count per run is `UBLFLOW_BENCH_SEND_DOCS` (default 2000).

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use support::servers::{Portal, Smtp};
use ublflow::config::Profile;
use ublflow::pipeline::batch;
use ublflow::send::{self, Mode};
use ublflow::store::{Finish, Store};

fn docs() -> usize {
    std::env::var("UBLFLOW_BENCH_SEND_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

fn profile(delivery: &str) -> Profile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profile.toml");
    let text = std::fs::read_to_string(&path).expect("the fixture profile");
    Profile::parse(&format!("{text}\n{delivery}"), &path).expect("the profile parses")
}

/// Converts `count` generated orders into `out` with `profile`, which queues them.
fn issue(out: &Path, count: usize, profile: &Profile) {
    let input = out.with_extension("jsonl");
    std::fs::write(&input, support::gen::orders_jsonl("S", count, 2, 5)).expect("the input");
    batch::convert(
        &batch::Options {
            inputs: &[input],
            out,
            store: &out.join("ublflow.db"),
            profile,
            batch_size: 1000,
            input_format: None,
            bytes_read: None,
        },
        &mut |_| {},
    )
    .expect("converts");
}

/// Puts every delivered document back in the queue, for the next measured run.
fn requeue(store_path: &Path) {
    let mut store = Store::open(store_path).expect("opens");
    for e in store.outbox(Some("delivered")).expect("lists") {
        store
            .outbox_set(&e.number, &["delivered"], "queued", 0)
            .expect("requeues");
    }
}

/// The outbox's bookkeeping without a network: pick the due documents, read each one's XML, record the attempt
/// as started (one commit) and as delivered (one commit): what the sender adds to each delivery. Measured as the
/// sender runs by default (commits survive a process crash, no fsync each) and with `fsync_each_record`.
fn bookkeeping(c: &mut Criterion) {
    for (fsync, count) in [(false, docs()), (true, docs() / 10)] {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let out = dir.path().join("out");
        // Routed to the portal; nothing is sent here.
        issue(
            &out,
            count,
            &profile("[delivery]\ndefault = \"portal\"\n[delivery.portal]\nurl = \"http://127.0.0.1:9/\"\n"),
        );
        let db = out.join("ublflow.db");
        let mut group = c.benchmark_group("outbox");
        group.sample_size(10);
        group.throughput(Throughput::Elements(count as u64));
        let name = if fsync {
            "bookkeeping-fsync"
        } else {
            "bookkeeping"
        };
        group.bench_function(format!("{name}-{count}-docs"), |b| {
            b.iter_batched(
                || requeue(&db),
                |()| {
                    let mut store = Store::open(&db).expect("opens");
                    store.sync_each_commit(fsync).expect("sets synchronous");
                    let mut done = 0;
                    for e in store.due(i64::MAX, usize::MAX >> 1).expect("due") {
                        let xml = store.xml(&e.number).expect("reads").expect("stored");
                        let a = store
                            .start_attempt(&e.number, 1)
                            .expect("starts")
                            .expect("pending");
                        let ack = Finish::Delivered(format!("bench {}", xml.len()));
                        store
                            .finish_attempt(&e.number, a, &ack, 2)
                            .expect("finishes");
                        done += 1;
                    }
                    assert_eq!(done, count);
                },
                BatchSize::PerIteration,
            )
        });
        group.finish();
    }
}

/// Runs the sender over `count` queued documents per sample (requeued between samples).
fn deliver(c: &mut Criterion, name: &str, profile: &Profile, count: usize, out: &Path) {
    let db = out.join("ublflow.db");
    let mut group = c.benchmark_group("deliver");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(count as u64));
    group.bench_function(format!("{name}-{count}-docs"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                requeue(&db);
                let t = Instant::now();
                let s = send::run(
                    &db,
                    profile,
                    Mode::Drain,
                    &AtomicBool::new(false),
                    &mut |_| {},
                )
                .expect("sends")
                .expect("holds the lock");
                total += t.elapsed();
                assert_eq!(s.delivered as usize, count);
            }
            total
        })
    });
    group.finish();
}

fn deliveries(c: &mut Criterion) {
    let count = docs();
    let dir = tempfile::tempdir().expect("a temporary folder");

    let portal = Portal::start();
    let p = profile(&format!(
        "[delivery]\ndefault = \"portal\"\n[delivery.portal]\nurl = \"{}\"\n",
        portal.url()
    ));
    let out = dir.path().join("portal");
    issue(&out, count, &p);
    deliver(c, "portal", &p, count, &out);
    drop(portal);

    let smtp = Smtp::start(&dir.path().join("mail"), &[], &[]);
    let e = profile(&format!(
        "[delivery]\ndefault = \"email\"\n[delivery.email]\nhost = \"127.0.0.1\"\nport = {}\n\
         security = \"plain\"\nfrom = \"billing@alpenglow.example\"\n",
        smtp.port
    ));
    let out = dir.path().join("email");
    let mail_count = count.min(500);
    issue(&out, mail_count, &e);
    deliver(c, "smtp", &e, mail_count, &out);
}

criterion_group!(benches, bookkeeping, deliveries);
criterion_main!(benches);
