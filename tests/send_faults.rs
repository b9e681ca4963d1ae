//! The fault test: 300 deliveries (half e-mail, half portal) while the sender is killed with SIGKILL at random
//! moments and restarted, and the SMTP server and the portal go down and come back. At the end every document is
//! delivered or failed with a reason, the portal holds each exactly once, and every duplicate e-mail lies in the
//! documented at-least-once window (an attempt that did not end with our record of the server's 250).

mod support;

use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use support::servers::{Portal, Reply, Smtp};
use support::{root, ublflow};

const DOCS: u32 = 300;

/// xorshift64*: reproducible randomness; the seed is printed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

fn spawn_sender(profile: &str, out: &str) -> Child {
    ublflow()
        .args(["send", "--drain", "--profile", profile, "--out", out])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the sender starts")
}

#[test]
fn killed_senders_and_flapping_servers_lose_nothing_and_duplicate_only_in_the_window() {
    let started = Instant::now();
    let seed = std::env::var("UBLFLOW_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("fault test seed {seed} (set UBLFLOW_FAULT_SEED to repeat)");
    let mut rng = Rng(seed);
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let out = out_dir.to_str().unwrap();
    let mut smtp = Smtp::start(
        &tmp.path().join("mail"),
        &["--reject", "nobody@buyer.example"],
        &[],
    );
    let mut portal = Portal::start();
    portal.state.lock().unwrap().delay = Duration::from_millis(15);
    let profile_path = tmp.path().join("profile.toml");
    let base = std::fs::read_to_string(root().join("fixtures/profile.toml")).unwrap();
    std::fs::write(
        &profile_path,
        format!(
            r#"{base}
[delivery]
business = "email"
government = "portal"
[delivery.retry]
max_attempts = 1000
initial_backoff_secs = 0.02
max_backoff_secs = 0.25
[delivery.email]
host = "127.0.0.1"
port = {}
security = "plain"
from = "billing@alpenglow.example"
timeout_secs = 2
[delivery.portal]
url = "{}"
timeout_secs = 2
"#,
            smtp.port,
            portal.url()
        ),
    )
    .unwrap();
    let profile = profile_path.to_str().unwrap();

    // Even orders go to the portal, odd ones by e-mail; some are refused for good.
    let orders: Vec<String> = (1..=DOCS)
        .map(|i| {
            let (kind, email) = match i {
                i if i % 2 == 0 => ("government", None),
                i if i % 37 == 0 => ("business", Some("nobody@buyer.example".to_owned())),
                i => ("business", Some(format!("ap{i}@buyer{i}.example"))),
            };
            json!({
                "order_id": format!("F{i}"),
                "order_date": "2026-11-12",
                "buyer": {
                    "type": kind, "company": format!("Buyer {i}"), "email": email,
                    "endpoint_id": support::gln(&format!("{:013}", 4_000_000_000_000u64 + u64::from(i) * 10)),
                    "endpoint_scheme": "0088", "address": { "country": "AT" }
                },
                "lines": [{ "description": "Tent", "quantity": 1, "unit_price": "10.00" }]
            })
            .to_string()
        })
        .collect();
    let input = tmp.path().join("orders.jsonl");
    std::fs::write(&input, orders.join("\n")).unwrap();
    let number = |i: u32| format!("INV-2026-{i:06}");
    for i in (2..=DOCS).step_by(2).filter(|i| i % 50 == 0) {
        portal.script(
            &number(i),
            vec![Reply::Status(422, vec![], "unknown receiver".into())],
        );
    }
    let o = ublflow()
        .args([
            "convert",
            input.to_str().unwrap(),
            "--profile",
            profile,
            "--out",
            out,
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // Kill the sender at random moments; take a server down and up now and then.
    let mut kills = 0;
    let mut outages = 0;
    for round in 0..40 {
        let mut sender = spawn_sender(profile, out);
        std::thread::sleep(Duration::from_millis(30 + rng.below(170)));
        match (round % 4, rng.below(2)) {
            (1, 0) => {
                smtp.down();
                outages += 1;
                std::thread::sleep(Duration::from_millis(50 + rng.below(150)));
                smtp.up();
            }
            (3, 0) => {
                portal.down();
                outages += 1;
                std::thread::sleep(Duration::from_millis(50 + rng.below(150)));
                portal.up();
            }
            _ => std::thread::sleep(Duration::from_millis(rng.below(100))),
        }
        if sender.try_wait().unwrap().is_none() {
            sender.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        sender.wait().unwrap();
        if kills >= 20 {
            break;
        }
    }
    // With both servers up, a last sender runs to the end.
    let mut last = spawn_sender(profile, out);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = last.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the last sender did not finish");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.code().is_some(), "the last sender ran to its end");
    eprintln!("{kills} kills, {outages} outages, {:?}", started.elapsed());
    assert!(
        kills >= 5,
        "the sender was killed mid-run only {kills} times"
    );

    // Every document delivered or failed with a reason.
    let o = ublflow()
        .args([
            "outbox", "--out", out, "--format", "json", "list", "--state", "all",
        ])
        .output()
        .unwrap();
    let rows: Vec<Value> = o
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(rows.len(), DOCS as usize);
    let mut delivered: HashMap<String, HashSet<String>> = HashMap::new();
    for r in &rows {
        let state = r["state"].as_str().unwrap();
        let n = r["number"].as_str().unwrap().to_owned();
        match state {
            "delivered" => {
                delivered
                    .entry(r["channel"].as_str().unwrap().to_owned())
                    .or_default()
                    .insert(n);
            }
            "failed" => {
                let why = r["last_error"].as_str().unwrap_or_default();
                assert!(
                    why.contains("550") || why.contains("HTTP 422"),
                    "{n} failed: {why}"
                );
            }
            other => panic!("{n} is {other}"),
        }
    }
    let refused = (1..=DOCS).filter(|i| i % 2 == 1 && i % 37 == 0).count()
        + (2..=DOCS).filter(|i| i % 50 == 0).count();
    assert!(rows.len() - refused <= delivered.values().map(HashSet::len).sum::<usize>());

    // The portal stored each of its documents exactly once: one key per document, a repeat got 409.
    let state = portal.state.lock().unwrap();
    let stored: HashSet<&String> = state.stored.values().collect();
    assert_eq!(stored.len(), state.stored.len(), "no document stored twice");
    let portal_delivered: HashSet<&String> = delivered["portal"].iter().collect();
    assert_eq!(stored, portal_delivered);
    let mut keys: HashMap<&str, HashSet<&str>> = HashMap::new();
    for r in &state.requests {
        keys.entry(r.header("x-document-number").unwrap())
            .or_default()
            .insert(r.header("idempotency-key").unwrap());
        let n = r.header("x-document-number").unwrap();
        let file = out_dir.join(format!("archive/2026/11/{n}.xml"));
        assert_eq!(r.body, std::fs::read(file).unwrap());
    }
    assert!(
        keys.values().all(|k| k.len() == 1),
        "a document changed key"
    );
    let repeats = state.requests.len() - keys.len();
    drop(state);

    // E-mail: every delivered document arrived; duplicates only where an attempt did not end with our record
    // of the server's 250 (the sender killed after it, or the server killed before its reply got out).
    let mut copies: HashMap<String, u32> = HashMap::new();
    for m in smtp.messages() {
        let id = m.header("message-id").unwrap().to_owned();
        let n = id[1..id.find(".0088").unwrap()].to_owned();
        assert_eq!(m.attachments[0].0, format!("{n}.xml"));
        let file = out_dir.join(format!("archive/2026/11/{n}.xml"));
        assert_eq!(m.attachments[0].1, std::fs::read(file).unwrap());
        *copies.entry(n).or_default() += 1;
    }
    for n in &delivered["email"] {
        assert!(copies.contains_key(n), "{n} delivered but never received");
    }
    let mut duplicates = 0;
    for (n, c) in &copies {
        assert!(
            delivered["email"].contains(n),
            "{n} received but not delivered"
        );
        if *c > 1 {
            duplicates += c - 1;
            let o = ublflow()
                .args(["outbox", "--out", out, "--format", "json", "show", n])
                .output()
                .unwrap();
            let v: Value = serde_json::from_slice(&o.stdout).unwrap();
            let open = v["attempt_log"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["outcome"] != "delivered")
                .count() as u32;
            assert!(
                c - 1 <= open,
                "{n}: {c} copies but only {open} unfinished attempts: {v}"
            );
        }
    }
    eprintln!(
        "email duplicates {duplicates}, portal repeats {repeats} (answered 409), {:?}",
        started.elapsed()
    );
    assert!(duplicates <= kills + outages);
    assert!(Path::new(out).join("ublflow.db").is_file());
}
