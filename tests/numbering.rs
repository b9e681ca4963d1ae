//! Numbering guarantees across processes: concurrent runs never share a number, and `kill -9` at any moment
//! loses and duplicates nothing.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

const PROFILE: &str = "fixtures/profile.toml";

/// Reads the archive: number -> sales order id, checking each file is a complete document.
fn archive(out: &Path) -> BTreeMap<String, String> {
    support::archived_orders(&out.join("archive"))
}

/// Asserts numbers 1..=n without gaps and each order id exactly once.
fn assert_contiguous_and_unique(map: &BTreeMap<String, String>, expected_orders: usize) {
    let numbers: Vec<&String> = map.keys().collect();
    let want: Vec<String> = (1..=expected_orders)
        .map(|n| format!("INV-2026-{n:06}"))
        .collect();
    assert_eq!(numbers.len(), want.len(), "one invoice per order");
    assert!(
        numbers.iter().zip(&want).all(|(a, b)| *a == b),
        "numbers are contiguous from 1"
    );
    let mut ids: Vec<&String> = map.values().collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), expected_orders, "no order has two invoices");
}

#[test]
fn two_processes_at_once_never_share_a_number() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    fs::write(&a, support::gen::orders_jsonl("A", 1500, 3, 1)).unwrap();
    fs::write(&b, support::gen::orders_jsonl("B", 1500, 3, 2)).unwrap();
    let out = dir.path().join("out");
    fs::create_dir_all(&out).unwrap();
    let spawn = |input: &Path| {
        support::ublflow()
            .args([
                "convert",
                input.to_str().unwrap(),
                "--profile",
                PROFILE,
                "--out",
            ])
            .arg(&out)
            .args(["--batch-size", "100"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (pa, pb) = (spawn(&a), spawn(&b));
    for p in [pa, pb] {
        let r = p.wait_with_output().unwrap();
        assert_eq!(
            r.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&r.stderr)
        );
    }
    let map = archive(&out);
    assert_contiguous_and_unique(&map, 3000);
    // Within one process, numbers follow input order.
    let a_numbers: Vec<usize> = map
        .iter()
        .filter(|(_, id)| id.starts_with('A'))
        .map(|(_, id)| id[1..].parse().unwrap())
        .collect();
    assert!(
        a_numbers.windows(2).all(|w| w[0] < w[1]),
        "A's orders are numbered in input order"
    );
}

#[test]
fn kill_9_at_random_moments_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("orders.jsonl");
    let total = 4000;
    fs::write(&input, support::gen::orders_jsonl("K", total, 4, 7)).unwrap();
    let out = dir.path().join("out");
    let mut rng = support::gen::Lcg::new(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    );
    let mut kills = 0;
    for _ in 0..6 {
        let mut child = support::ublflow()
            .args([
                "convert",
                input.to_str().unwrap(),
                "--profile",
                PROFILE,
                "--out",
            ])
            .arg(&out)
            .args(["--batch-size", "200"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(20 + rng.below(400)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL on Unix
            kills += 1;
        }
        child.wait().unwrap();
    }
    let last = support::convert(&[
        input.to_str().unwrap(),
        "--profile",
        PROFILE,
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(
        last.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&last.stderr)
    );
    let map = archive(&out);
    assert_contiguous_and_unique(&map, total);
    // Every archive file is byte-identical to the document the store holds.
    let store = ublflow::store::Store::open(&out.join("ublflow.db")).unwrap();
    for number in map.keys().step_by(97) {
        let path = support::xml_files(&out.join("archive"))
            .into_iter()
            .find(|p| p.file_stem().unwrap() == number.as_str())
            .unwrap();
        assert_eq!(fs::read(path).unwrap(), store.xml(number).unwrap().unwrap());
    }
    eprintln!("kill -9 test: {kills} kills, {total} orders, numbers contiguous and unique");
}
