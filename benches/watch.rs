//! `ublflow watch` benchmarks, on the real binary: latency from a file's arrival in the inbox to its
//! invoice in the archive, and the throughput of a burst of files compared with `convert` on the same files.
//!
//! `cargo bench --bench watch`; `UBLFLOW_BENCH_FILES` sets the burst size (default 2000). The latency
//! percentiles (p50, p99) over every measured file are printed after criterion's own report.

#[path = "../tests/support/gen.rs"]
mod gen;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ublflow");

/// A watcher's folder with the fixture profile.
fn site(dir: &Path) -> PathBuf {
    let profile = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profile.toml"),
    )
    .expect("the fixture profile");
    std::fs::create_dir_all(dir.join("inbox")).expect("inbox");
    let config = dir.join("ublflow.toml");
    std::fs::write(&config, format!("{profile}\n[watch]\nsettle_ms = 200\n")).expect("config");
    config
}

fn start(config: &Path) -> Child {
    Command::new(BIN)
        .args(["watch", "--config"])
        .arg(config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the watcher starts")
}

fn stop(mut child: Child) {
    // SAFETY: kill only sends a signal to the child's process id.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    child.wait().expect("the watcher stops");
}

/// Drops one file the recommended way (temporary name, then rename).
fn drop_file(inbox: &Path, name: &str, text: &str) {
    let tmp = inbox.join(format!("{name}.tmp"));
    std::fs::write(&tmp, text).expect("write");
    std::fs::rename(&tmp, inbox.join(name)).expect("rename");
}

fn count(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

fn latency(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let config = site(tmp.path());
    let watcher = start(&config);
    let inbox = tmp.path().join("inbox");
    let done = tmp.path().join("done");
    std::thread::sleep(Duration::from_millis(500));
    let mut rng = gen::Lcg::new(5);
    let mut n = 0usize;
    let mut samples: Vec<Duration> = Vec::new();
    let mut group = c.benchmark_group("watch");
    group.sample_size(50);
    group.bench_function("arrival-to-archive", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                n += 1;
                let text = gen::order(&format!("L{n}"), 3, &mut rng);
                let started = Instant::now();
                drop_file(&inbox, &format!("order-{n:06}.json"), &text);
                // The input reaches done/ only once its invoice is archived and flushed.
                while count(&done) < n {
                    std::thread::sleep(Duration::from_micros(200));
                }
                let took = started.elapsed();
                samples.push(took);
                total += took;
            }
            total
        })
    });
    group.finish();
    stop(watcher);
    if samples.is_empty() {
        return; // filtered out on the command line
    }
    samples.sort();
    let pct = |p: f64| samples[((samples.len() - 1) as f64 * p) as usize];
    eprintln!(
        "watch latency over {} files: p50 {:.1} ms, p99 {:.1} ms",
        samples.len(),
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0
    );
}

fn burst(c: &mut Criterion) {
    let files: usize = std::env::var("UBLFLOW_BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let texts: Vec<String> = {
        let mut rng = gen::Lcg::new(9);
        (0..files)
            .map(|i| gen::order(&format!("W{i}"), 3, &mut rng))
            .collect()
    };
    let mut group = c.benchmark_group("burst");
    group.sample_size(10);
    group.throughput(Throughput::Elements(files as u64));
    group.bench_function(format!("watch-{files}-files"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let tmp = tempfile::tempdir().expect("a temporary folder");
                let config = site(tmp.path());
                let watcher = start(&config);
                std::thread::sleep(Duration::from_millis(300));
                let started = Instant::now();
                for (i, text) in texts.iter().enumerate() {
                    drop_file(&tmp.path().join("inbox"), &format!("o-{i:06}.json"), text);
                }
                while count(&tmp.path().join("done")) < files {
                    std::thread::sleep(Duration::from_millis(5));
                }
                total += started.elapsed();
                stop(watcher);
                std::mem::forget(tmp); // deleting thousands of files at once would slow the next sample
            }
            total
        })
    });
    group.bench_function(format!("convert-{files}-files"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let tmp = tempfile::tempdir().expect("a temporary folder");
                let inputs = tmp.path().join("in");
                std::fs::create_dir_all(&inputs).expect("input folder");
                for (i, text) in texts.iter().enumerate() {
                    std::fs::write(inputs.join(format!("o-{i:06}.json")), text).expect("input");
                }
                let profile = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/profile.toml");
                let started = Instant::now();
                let status = Command::new(BIN)
                    .arg("convert")
                    .arg(&inputs)
                    .arg("--profile")
                    .arg(&profile)
                    .arg("--out")
                    .arg(tmp.path().join("out"))
                    .stdout(Stdio::null())
                    .status()
                    .expect("convert runs");
                assert!(status.success());
                total += started.elapsed();
                std::mem::forget(tmp);
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, latency, burst);
criterion_main!(benches);
