//! Helpers of the delivery tests: profiles with a `[delivery]` section, orders, running ublflow with the test
//! secrets, and the check that no secret leaked.

use super::{root, ublflow};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Output;

/// The portal token of the tests.
pub const TOKEN: &str = "tok-3f9a1c77e2-SECRET";
/// The right password of the tests.
pub const PASSWORD: &str = "pw-81d0b2a4c6-SECRET";
/// A wrong password, which must not leak either.
pub const WRONG_PASSWORD: &str = "pw-wrong-5e27c90d13-SECRET";

/// The sample profile with a delivery section appended.
pub fn profile(dir: &Path, name: &str, delivery: &str) -> String {
    let base = std::fs::read_to_string(root().join("fixtures/profile.toml")).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, format!("{base}\n{delivery}")).unwrap();
    path.to_str().unwrap().to_owned()
}

/// One order (or refund of `refund_of`) with the given buyer.
pub fn order(id: &str, buyer: Value, refund_of: Option<&str>) -> String {
    let mut o = json!({
        "order_id": id,
        "order_date": "2026-11-12",
        "buyer": buyer,
        "lines": [{ "description": "Trekking tent", "quantity": 1, "unit_price": "100.00" }],
        "payment": { "status": "unpaid", "reference": format!("RF-{id}") }
    });
    if let Some(r) = refund_of {
        o["kind"] = "refund".into();
        o["refund_of"] = r.into();
    }
    o.to_string()
}

/// A buyer of that type, company and e-mail address, with a GLN made from `endpoint`.
pub fn buyer(kind: &str, company: &str, email: Option<&str>, endpoint: &str) -> Value {
    let mut b = json!({
        "type": kind,
        "company": company,
        "endpoint_id": super::gln(endpoint),
        "endpoint_scheme": "0088",
        "address": { "city": "Graz", "country": "AT" }
    });
    if let Some(e) = email {
        b["email"] = e.into();
    }
    b
}

/// Runs ublflow with the test secrets in its environment; keeps every output for the secret check.
pub fn run(logs: &mut Vec<u8>, args: &[&str]) -> Output {
    run_with_password(logs, args, PASSWORD)
}

/// As [`run`], with this SMTP password in `UBLFLOW_TEST_SMTP_PASSWORD`.
pub fn run_with_password(logs: &mut Vec<u8>, args: &[&str], password: &str) -> Output {
    let out = ublflow()
        .args(args)
        .env("UBLFLOW_TEST_PORTAL_TOKEN", TOKEN)
        .env("UBLFLOW_TEST_SMTP_PASSWORD", password)
        .output()
        .expect("ublflow runs");
    logs.extend_from_slice(&out.stdout);
    logs.extend_from_slice(&out.stderr);
    out
}

/// `convert INPUT --profile PROFILE --out OUT`, with `--send` if `send`, as [`run`].
pub fn convert(logs: &mut Vec<u8>, input: &str, profile: &str, out: &str, send: bool) -> Output {
    let mut args = vec!["convert", input, "--profile", profile, "--out", out];
    if send {
        args.push("--send");
    }
    run(logs, &args)
}

/// `outbox show --format json` of one document.
pub fn show(logs: &mut Vec<u8>, out: &str, number: &str) -> Value {
    let o = run(
        logs,
        &["outbox", "--out", out, "--format", "json", "show", number],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The state and the attempt count of a document's `outbox show` entry.
pub fn state_and_total(entry: &Value) -> (Option<&str>, Option<u64>) {
    (entry["state"].as_str(), entry["total"].as_u64())
}

/// The archived file of a document issued in November 2026.
pub fn archived(out: &str, number: &str) -> Vec<u8> {
    std::fs::read(Path::new(out).join(format!("archive/2026/11/{number}.xml"))).unwrap()
}

/// No secret (token, password, wrong password) in the logs or in any file below `out` (store, archive).
pub fn assert_no_secret(logs: &[u8], out: &Path) {
    let mut haystacks = vec![logs.to_vec()];
    for entry in walk(out) {
        haystacks.push(std::fs::read(entry).unwrap());
    }
    for h in &haystacks {
        let text = String::from_utf8_lossy(h);
        for secret in [TOKEN, PASSWORD, WRONG_PASSWORD] {
            assert!(!text.contains(secret), "a secret leaked");
        }
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
