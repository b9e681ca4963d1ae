//! End-to-end tests of `ublflow watch`, spawning the real binary on folders of their own.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// A watcher's folder: the profile (with `[watch]` settings) and the folders beside it.
struct Site {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Site {
    fn new(settle_ms: u64) -> Site {
        Site::with(settle_ms, "")
    }

    /// A site whose profile ends with `extra` TOML (after the `[watch]` section).
    fn with(settle_ms: u64, extra: &str) -> Site {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_owned();
        let profile = fs::read_to_string(support::root().join("fixtures/profile.toml")).unwrap();
        fs::write(
            root.join("ublflow.toml"),
            format!("{profile}\n[watch]\nsettle_ms = {settle_ms}\n{extra}"),
        )
        .unwrap();
        for d in ["inbox", "done", "failed"] {
            fs::create_dir_all(root.join(d)).unwrap();
        }
        Site { _tmp: tmp, root }
    }

    fn dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    fn spawn(&self, extra: &[&str]) -> Child {
        support::ublflow()
            .args(["watch", "--config"])
            .arg(self.root.join("ublflow.toml"))
            .args(["--log-format", "json"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Starts a watcher and waits until it says it is watching (its signal handlers are set by then).
    fn start(&self, extra: &[&str]) -> Running {
        let mut child = self.spawn(extra);
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (ready, is_ready) = mpsc::channel();
        let collected = log.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("\"watching\"") {
                    let _ = ready.send(());
                }
                let mut log = collected.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        is_ready
            .recv_timeout(Duration::from_secs(60))
            .expect("the watcher starts watching");
        Running { child, log, reader }
    }

    /// Drops a file the recommended way: written under a temporary name, then renamed into the inbox.
    fn drop_file(&self, name: &str, text: &str) {
        let tmp = self.dir("inbox").join(format!("{name}.tmp"));
        fs::write(&tmp, text).unwrap();
        fs::rename(&tmp, self.dir("inbox").join(name)).unwrap();
    }

    fn count(&self, dir: &str) -> usize {
        fs::read_dir(self.dir(dir))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                    .count()
            })
            .unwrap_or(0)
    }

    /// Number -> sales order id of every archived document, checking each file is complete.
    fn archive(&self) -> BTreeMap<String, String> {
        support::archived_orders(&self.dir("out/archive"))
    }
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A started watcher and the log it writes.
struct Running {
    child: Child,
    log: Arc<Mutex<String>>,
    reader: std::thread::JoinHandle<()>,
}

/// Stops a watcher with SIGTERM and returns its log.
fn stop(mut running: Running) -> String {
    // SAFETY: kill only sends a signal to the child's process id.
    unsafe { libc::kill(running.child.id() as i32, libc::SIGTERM) };
    let status = running.child.wait().unwrap();
    running.reader.join().unwrap();
    assert_eq!(status.code(), Some(0), "a clean stop exits 0");
    let log = running.log.lock().unwrap().clone();
    log
}

fn orders(prefix: &str, n: usize) -> String {
    support::gen::orders_jsonl(prefix, n, 2, prefix.len() as u64 + n as u64)
}

#[test]
fn files_dropped_one_by_one_and_in_a_burst_are_converted_and_duplicates_recognised() {
    let site = Site::new(300);
    let watcher = site.start(&[]);
    for i in 0..5 {
        site.drop_file(&format!("single-{i}.jsonl"), &orders(&format!("S{i}-"), 2));
        let want = i + 1;
        wait_until("the file to be done", Duration::from_secs(30), || {
            site.count("done") == want
        });
    }
    for i in 0..40 {
        site.drop_file(
            &format!("burst-{i:02}.jsonl"),
            &orders(&format!("B{i}-"), 3),
        );
    }
    wait_until("the burst", Duration::from_secs(60), || {
        site.count("done") == 45
    });
    // The same file again, and one order of it in a new file: recognised, not invoiced twice.
    site.drop_file("single-0-again.jsonl", &orders("S0-", 2));
    site.drop_file(
        "one-order-again.jsonl",
        orders("S1-", 2).lines().next().unwrap(),
    );
    wait_until("the duplicates", Duration::from_secs(30), || {
        site.count("done") == 47
    });
    let log = stop(watcher);
    let archive = site.archive();
    assert_eq!(archive.len(), 5 * 2 + 40 * 3);
    let duplicates = log
        .lines()
        .filter(|l| l.contains("\"outcome\":\"Duplicate\""))
        .count();
    assert_eq!(duplicates, 2, "{log}");
    assert_eq!(site.count("inbox"), 0);
    assert_eq!(site.count("failed"), 0);
}

#[test]
fn a_file_still_being_written_is_not_read_half_way() {
    let site = Site::new(1500);
    let watcher = site.start(&["--poll", "0.1"]);
    let text = orders("P-", 20);
    let (head, tail) = text.split_at(text.len() / 2);
    let path = site.dir("inbox").join("slow.jsonl");
    fs::write(&path, head).unwrap();
    // Polled every 0.1 s, but the file keeps changing within the settle time: it must wait.
    for _ in 0..5 {
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            site.count("done") + site.count("failed"),
            0,
            "taken while still being written"
        );
        let mut f = fs::OpenOptions::new().append(true).open(&path).unwrap();
        std::io::Write::write_all(&mut f, b"").unwrap();
        filetime_touch(&path);
    }
    std::io::Write::write_all(
        &mut fs::OpenOptions::new().append(true).open(&path).unwrap(),
        tail.as_bytes(),
    )
    .unwrap();
    wait_until("the completed file", Duration::from_secs(30), || {
        site.count("done") == 1
    });
    stop(watcher);
    assert_eq!(site.archive().len(), 20, "every order of the whole file");
    assert_eq!(site.count("failed"), 0);
}

/// Sets a file's modification time to now, as a writer that keeps writing does.
fn filetime_touch(path: &Path) {
    let f = fs::OpenOptions::new().append(true).open(path).unwrap();
    f.set_modified(std::time::SystemTime::now()).unwrap();
}

#[test]
fn rejected_orders_send_their_file_to_failed_with_a_report() {
    let site = Site::new(200);
    let watcher = site.start(&[]);
    let good = orders("G-", 2);
    let bad = good
        .lines()
        .next()
        .unwrap()
        .replace("\"G-0\"", "\"G-bad\"")
        .replace("\"quantity\":", "\"quantity\":-");
    site.drop_file("mixed.jsonl", &format!("{good}{bad}\n"));
    wait_until("the file to fail", Duration::from_secs(30), || {
        site.count("failed") == 2
    });
    stop(watcher);
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(site.dir("failed/mixed.jsonl.error.json")).unwrap())
            .unwrap();
    let rejected = report["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["order_id"], "G-bad");
    assert_eq!(rejected[0]["position"], "line 3");
    assert!(rejected[0]["field"]
        .as_str()
        .unwrap()
        .ends_with(".quantity"));
    assert_eq!(
        site.archive().len(),
        2,
        "the good orders of the file are invoiced"
    );
}

#[test]
fn a_second_watcher_on_the_same_folders_refuses_to_start() {
    let site = Site::new(200);
    let first = site.start(&[]);
    wait_until("the first watcher's lock", Duration::from_secs(30), || {
        site.dir("work/.ublflow-watch.lock").exists()
    });
    std::thread::sleep(Duration::from_millis(300));
    let second = site.spawn(&[]).wait_with_output().unwrap();
    assert_eq!(second.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("another `ublflow watch` is already running"),
        "{stderr}"
    );
    site.drop_file("a.jsonl", &orders("A-", 3));
    wait_until(
        "the first watcher to go on",
        Duration::from_secs(30),
        || site.count("done") == 1,
    );
    stop(first);
}

#[test]
fn sigkill_at_random_moments_loses_and_duplicates_nothing() {
    let site = Site::new(200);
    let files = 320;
    let mut expected: BTreeMap<String, ()> = BTreeMap::new();
    let mut rng = support::gen::Lcg::new(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    );
    let mut texts = Vec::new();
    for i in 0..files {
        // Every seventh file repeats the orders of an earlier one: recognised, never invoiced twice.
        let text = if i % 7 == 6 {
            orders(&format!("F{}-", i - 3), 2)
        } else {
            orders(&format!("F{i}-"), 2)
        };
        for line in text.lines() {
            let id = line
                .split("\"order_id\":\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            expected.insert(id.to_owned(), ());
        }
        texts.push(text);
    }
    let mut dropped = 0;
    let mut kills = 0;
    while dropped < files || kills < 8 {
        let mut watcher = site.start(&[]);
        let burst = (5 + rng.below(60) as usize).min(files - dropped);
        for text in &texts[dropped..dropped + burst] {
            site.drop_file(&format!("orders-{dropped:04}.jsonl"), text);
            dropped += 1;
        }
        std::thread::sleep(Duration::from_millis(50 + rng.below(700)));
        watcher.child.kill().unwrap(); // SIGKILL
        watcher.child.wait().unwrap();
        watcher.reader.join().unwrap();
        kills += 1;
    }
    let watcher = site.start(&[]);
    wait_until("every file to be done", Duration::from_secs(120), || {
        site.count("done") + site.count("failed") == files && site.count("inbox") == 0
    });
    stop(watcher);
    assert_eq!(site.count("failed"), 0, "no file failed");
    assert_eq!(
        site.count("work"),
        0,
        "no claimed file is left in the work folder"
    );
    let archive = site.archive();
    let ids: Vec<&String> = archive.values().collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "no order has two invoices");
    assert_eq!(unique.len(), expected.len(), "every order has its invoice");
    let want: Vec<String> = (1..=archive.len())
        .map(|n| format!("INV-2026-{n:06}"))
        .collect();
    assert_eq!(
        archive.keys().cloned().collect::<Vec<_>>(),
        want,
        "numbers are contiguous"
    );
    eprintln!(
        "watch crash test: {kills} SIGKILLs over {files} files, {} invoices",
        archive.len()
    );
}

#[test]
fn with_send_the_watcher_delivers_what_it_issues() {
    let portal = support::servers::Portal::start();
    let site = Site::with(
        200,
        &format!(
            "[delivery]\ndefault = \"portal\"\n[delivery.portal]\nurl = \"{}\"\nauth = \"none\"\ntimeout_secs = 2.0\n",
            portal.url()
        ),
    );
    let watcher = site.start(&["--send"]);
    site.drop_file("a.jsonl", &orders("D-", 4));
    wait_until("the uploads", Duration::from_secs(60), || {
        portal.requests().len() >= 4
    });
    let log = stop(watcher);
    let uploaded: Vec<String> = portal
        .requests()
        .iter()
        .filter_map(|r| r.header("x-document-number").map(str::to_owned))
        .collect();
    assert_eq!(
        uploaded.len(),
        4,
        "each document uploaded once: {uploaded:?}"
    );
    assert_eq!(site.archive().len(), 4);
    assert_eq!(log.matches("\"state\":\"delivered\"").count(), 4, "{log}");
}
