//! Delivery end to end against real servers on loopback: a scripted HTTP portal (every answer branch) and
//! aiosmtpd (recipients, headers, attachment bytes, refusals, outages), and no secret in any output.

mod support;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use support::delivery::{
    archived, assert_no_secret, buyer, convert, order, profile, run, show, state_and_total,
    PASSWORD, TOKEN, WRONG_PASSWORD,
};
use support::servers::{Portal, Reply, Smtp};
use support::ublflow;

#[test]
fn portal_answers_every_branch() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let out = out.to_str().unwrap();
    let portal = Portal::start();
    let delivery = format!(
        r#"
[delivery]
default = "portal"
[delivery.retry]
max_attempts = 4
initial_backoff_secs = 0.05
max_backoff_secs = 0.2
[delivery.portal]
url = "{}"
auth = "bearer"
token_env = "UBLFLOW_TEST_PORTAL_TOKEN"
peppol = true
timeout_secs = 1.0
[delivery.portal.headers]
X-Tenant = "shop-7"
"#,
        portal.url()
    );
    let prof = profile(tmp.path(), "portal.toml", &delivery);
    let orders: Vec<String> = (1..=8)
        .map(|i| {
            let b = buyer(
                "government",
                "Stadt Graz",
                None,
                &format!("90000000000{i:02}"),
            );
            order(&format!("G{i}"), b, None)
        })
        .collect();
    let input = tmp.path().join("orders.jsonl");
    std::fs::write(&input, orders.join("\n")).unwrap();
    let n = |i: u32| format!("INV-2026-{i:06}");
    let status = |code: u16, headers: &[(&str, &str)], body: &str| {
        let h = headers
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        Reply::Status(code, h, body.to_owned())
    };
    portal.script(&n(2), vec![status(409, &[], "{\"error\":\"duplicate\"}")]);
    portal.script(&n(3), vec![status(400, &[], "schema error at line 7")]);
    portal.script(&n(4), vec![status(503, &[], "busy"), status(502, &[], "")]);
    portal.script(
        &n(5),
        vec![status(429, &[("Retry-After", "1")], "slow down")],
    );
    portal.script(&n(6), vec![Reply::Hang(Duration::from_secs(3))]);
    portal.script(&n(7), vec![Reply::Reset]);
    portal.script(&n(8), vec![status(500, &[], "boom"); 4]);

    let mut logs = Vec::new();
    let o = run(
        &mut logs,
        &[
            "convert",
            input.to_str().unwrap(),
            "--profile",
            &prof,
            "--out",
            out,
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(
        &mut logs,
        &[
            "send",
            "--drain",
            "--profile",
            &prof,
            "--out",
            out,
            "--format",
            "json",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "two documents fail: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let last: Value =
        serde_json::from_slice(o.stdout.split(|&b| b == b'\n').rev().nth(1).unwrap()).unwrap();
    assert_eq!(
        (last["delivered"].as_u64(), last["failed"].as_u64()),
        (Some(6), Some(2))
    );

    let state = |logs: &mut Vec<u8>, i| show(logs, out, &n(i));
    let s1 = state(&mut logs, 1);
    assert_eq!(s1["state"], "delivered");
    assert!(s1["ack"].as_str().unwrap().starts_with("portal-"), "{s1}");
    let s2 = state(&mut logs, 2);
    assert_eq!(s2["state"], "delivered");
    assert!(s2["ack"].as_str().unwrap().contains("409"));
    let s3 = state(&mut logs, 3);
    assert_eq!(state_and_total(&s3), (Some("failed"), Some(1)));
    assert!(
        s3["last_error"]
            .as_str()
            .unwrap()
            .contains("HTTP 400: schema error at line 7"),
        "{s3}"
    );
    let s4 = state(&mut logs, 4);
    assert_eq!(state_and_total(&s4), (Some("delivered"), Some(3)));
    assert_eq!(s4["attempt_log"][0]["outcome"], "retry");
    assert!(s4["attempt_log"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("HTTP 503"));
    let s5 = state(&mut logs, 5);
    assert_eq!(state_and_total(&s5), (Some("delivered"), Some(2)));
    for (i, why) in [(6, "timed out"), (7, "")] {
        let s = state(&mut logs, i);
        assert_eq!(state_and_total(&s), (Some("delivered"), Some(2)), "{s}");
        let detail = s["attempt_log"][0]["detail"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase();
        assert!(
            detail.contains(why) || detail.contains("timeout"),
            "{detail}"
        );
    }
    let s8 = state(&mut logs, 8);
    assert_eq!(state_and_total(&s8), (Some("failed"), Some(4)));
    assert!(
        s8["last_error"]
            .as_str()
            .unwrap()
            .starts_with("gave up after 4 attempts"),
        "{s8}"
    );

    // What the portal saw: auth, headers, Peppol ids, one key per document, the archived bytes.
    let reqs = portal.requests();
    assert_eq!(reqs.len(), 1 + 1 + 1 + 3 + 2 + 2 + 2 + 4);
    for r in &reqs {
        let number = r.header("x-document-number").unwrap();
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert_eq!(r.header("x-tenant"), Some("shop-7"));
        assert_eq!(r.header("content-type"), Some("application/xml"));
        assert!(r
            .header("x-peppol-receiver")
            .unwrap()
            .starts_with("iso6523-actorid-upis::0088:90000000000"));
        assert!(r
            .header("x-peppol-document-type")
            .unwrap()
            .contains("Invoice-2::Invoice"));
        assert_eq!(
            r.body,
            archived(out, number),
            "{number}: the upload is the archived file"
        );
        let same_doc = reqs
            .iter()
            .filter(|q| q.header("x-document-number") == Some(number));
        assert!(same_doc
            .map(|q| q.header("idempotency-key"))
            .all(|k| k == r.header("idempotency-key")));
    }
    let keys: std::collections::HashSet<_> =
        reqs.iter().map(|r| r.header("idempotency-key")).collect();
    assert_eq!(keys.len(), 8, "one key per document");
    let at = |i: u32| -> Vec<std::time::Instant> {
        reqs.iter()
            .filter(|r| r.header("x-document-number") == Some(&n(i)))
            .map(|r| r.at)
            .collect()
    };
    let five = at(5);
    assert!(
        five[1] - five[0] >= Duration::from_millis(950),
        "Retry-After honoured: {:?}",
        five[1] - five[0]
    );

    // A credit note follows its invoice even after the routing changed: the new profile archives only.
    let none = profile(
        tmp.path(),
        "none.toml",
        &delivery.replace("default = \"portal\"", "default = \"none\""),
    );
    let refund = tmp.path().join("refund.jsonl");
    let b = buyer("government", "Stadt Graz", None, "9000000000001");
    std::fs::write(
        &refund,
        order("R1", b.clone(), Some("G1")) + "\n" + &order("G9", b, None),
    )
    .unwrap();
    let o = run(
        &mut logs,
        &[
            "convert",
            refund.to_str().unwrap(),
            "--profile",
            &none,
            "--out",
            out,
            "--send",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cn = show(&mut logs, out, "CN-2026-000001");
    assert_eq!(
        (cn["state"].as_str(), cn["channel"].as_str()),
        (Some("delivered"), Some("portal"))
    );
    let o = run(&mut logs, &["outbox", "--out", out, "show", &n(9)]);
    assert_eq!(o.status.code(), Some(2), "routed to none: not queued");
    let cn_req = portal.requests().into_iter().last().unwrap();
    assert!(cn_req
        .header("x-peppol-document-type")
        .unwrap()
        .contains("CreditNote-2::CreditNote"));

    // The user can act on a failed document: retry queues it again (the portal now accepts it).
    let o = run(&mut logs, &["outbox", "--out", out, "retry", &n(3)]);
    assert!(o.status.success());
    let o = run(&mut logs, &["send", "--profile", &prof, "--out", out]);
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("1 delivered, 0 failed"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = run(&mut logs, &["outbox", "--out", out, "cancel", &n(3)]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a delivered document cannot be cancelled"
    );
    // Several numbers at once: one unknown number changes nothing.
    let o = run(
        &mut logs,
        &["outbox", "--out", out, "cancel", &n(8), "INV-2026-999999"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("INV-2026-999999 is not in the outbox"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(show(&mut logs, out, &n(8))["state"], "failed");
    let o = run(
        &mut logs,
        &["outbox", "--out", out, "retry", "--state", "bogus"],
    );
    assert_eq!(o.status.code(), Some(2));
    let o = run(&mut logs, &["outbox", "--out", out, "list"]);
    let listing = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        listing.contains(&format!("{} failed portal", n(8))),
        "{listing}"
    );
    assert!(
        listing.contains("shown; outbox: 8 delivered, 1 failed"),
        "{listing}"
    );

    assert_no_secret(&logs, Path::new(out));
}

#[test]
fn email_carries_the_archived_file_and_refuses_header_tricks() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let out = out.to_str().unwrap();
    let mut smtp = Smtp::start(
        &tmp.path().join("mail"),
        &[
            "--user",
            "billing",
            "--password-env",
            "SMTP_PW",
            "--reject",
            "nobody@buyer.example",
        ],
        &[("SMTP_PW", PASSWORD)],
    );
    let delivery = format!(
        r#"
[delivery]
default = "email"
[delivery.retry]
max_attempts = 5
initial_backoff_secs = 0.05
max_backoff_secs = 0.1
[delivery.email]
host = "127.0.0.1"
port = {}
security = "plain"
username = "billing"
password_env = "UBLFLOW_TEST_SMTP_PASSWORD"
from = "Alpenglow Billing <billing@alpenglow.example>"
subject = "{{kind}} {{number}} for {{buyer}}"
timeout_secs = 5
"#,
        smtp.port
    );
    let prof = profile(tmp.path(), "mail.toml", &delivery);
    let orders = [
        order(
            "E1",
            buyer(
                "business",
                "Evil GmbH\r\nBcc: spy@evil.example",
                Some("einkauf@a.example"),
                "4000000000001",
            ),
            None,
        ),
        order(
            "E2",
            buyer(
                "business",
                "B KG",
                Some("x@b.example\r\nBcc: spy@evil.example"),
                "4000000000002",
            ),
            None,
        ),
        order(
            "E3",
            buyer(
                "business",
                "C AG",
                Some("nobody@buyer.example"),
                "4000000000003",
            ),
            None,
        ),
        order("E4", buyer("consumer", "D", None, "4000000000004"), None),
        order(
            "E5",
            buyer("business", "E OG", Some("ap@e.example"), "4000000000005"),
            None,
        ),
    ];
    let input = tmp.path().join("orders.jsonl");
    std::fs::write(&input, orders.join("\n")).unwrap();
    let mut logs = Vec::new();
    let o = run(
        &mut logs,
        &[
            "convert",
            input.to_str().unwrap(),
            "--profile",
            &prof,
            "--out",
            out,
            "--send",
        ],
    );
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{stdout} {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("2 delivered, 1 failed"), "{stdout}");

    let n = |i: u32| format!("INV-2026-{i:06}");
    let reason = |logs: &mut Vec<u8>, i| {
        show(logs, out, &n(i))["last_error"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        reason(&mut logs, 2).contains("invalid e-mail address"),
        "{}",
        reason(&mut logs, 2)
    );
    assert!(
        reason(&mut logs, 3).contains("SMTP server refused"),
        "{}",
        reason(&mut logs, 3)
    );
    assert!(reason(&mut logs, 4).contains("no e-mail address"));

    let mail = smtp.messages();
    assert_eq!(mail.len(), 2);
    for (m, i, to) in [
        (&mail[0], 1, "einkauf@a.example"),
        (&mail[1], 5, "ap@e.example"),
    ] {
        assert_eq!(
            m.rcpt_tos,
            vec![to.to_owned()],
            "exactly the buyer, nobody else"
        );
        assert!(m.header("bcc").is_none() && m.header("cc").is_none());
        assert_eq!(m.headers.iter().filter(|(h, _)| h == "to").count(), 1);
        assert_eq!(
            m.header("message-id"),
            Some(format!("<{}.0088-9012345000004@ublflow.invalid>", n(i)).as_str())
        );
        assert_eq!(m.attachments.len(), 1);
        assert_eq!(m.attachments[0].0, format!("{}.xml", n(i)));
        assert_eq!(
            m.attachments[0].1,
            archived(out, &n(i)),
            "the attachment is the archived file"
        );
        let subject = m.header("subject").unwrap();
        assert!(
            subject.starts_with(&format!("invoice {} for ", n(i))),
            "{subject}"
        );
        assert!(m.text.contains("Amount due: 120.00 EUR"), "{}", m.text);
        assert!(m.text.contains("Due date: 2026-11-26"), "{}", m.text);
        assert!(
            m.text
                .contains(&format!("SEPA credit transfer, reference RF-E{i}")),
            "{}",
            m.text
        );
        assert!(
            m.text.contains("2% discount if paid within 7 days."),
            "{}",
            m.text
        );
    }
    let evil = mail[0].header("subject").unwrap();
    assert!(
        !mail[0].headers.iter().any(|(h, _)| h == "bcc"),
        "no injected header: {evil}"
    );

    // The server goes down: the attempt is recorded and retried; it comes back: delivered.
    smtp.down();
    let more = tmp.path().join("more.jsonl");
    std::fs::write(
        &more,
        order(
            "E6",
            buyer("business", "F", Some("f@f.example"), "4000000000006"),
            None,
        ),
    )
    .unwrap();
    let o = run(
        &mut logs,
        &[
            "convert",
            more.to_str().unwrap(),
            "--profile",
            &prof,
            "--out",
            out,
            "--send",
        ],
    );
    assert!(String::from_utf8_lossy(&o.stdout)
        .contains("0 delivered, 0 failed, 1 retries scheduled, 1 pending"));
    let s6 = show(&mut logs, out, &n(6));
    assert_eq!(s6["state"], "retry");
    smtp.up();
    let o = run(
        &mut logs,
        &["send", "--drain", "--profile", &prof, "--out", out],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s6 = show(&mut logs, out, &n(6));
    assert_eq!(s6["state"], "delivered");
    assert!(s6["ack"].as_str().unwrap().starts_with("250 "), "{s6}");
    assert_eq!(smtp.messages().len(), 3);

    // A wrong password is a setup problem, reported without the password.
    std::fs::write(
        &more,
        order(
            "E7",
            buyer("business", "G", Some("g@g.example"), "4000000000007"),
            None,
        ),
    )
    .unwrap();
    let o = ublflow()
        .args([
            "convert",
            more.to_str().unwrap(),
            "--profile",
            &prof,
            "--out",
            out,
            "--send",
        ])
        .env("UBLFLOW_TEST_SMTP_PASSWORD", WRONG_PASSWORD)
        .output()
        .unwrap();
    logs.extend_from_slice(&o.stdout);
    logs.extend_from_slice(&o.stderr);
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert!(
        text.contains(
            "failed: INV-2026-000007: the SMTP server refused the login of user \"billing\""
        ),
        "{text}"
    );
    let o = ublflow()
        .args(["send", "--profile", &prof, "--out", out])
        .env_remove("UBLFLOW_TEST_SMTP_PASSWORD")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("environment variable UBLFLOW_TEST_SMTP_PASSWORD is not set"));

    assert_no_secret(&logs, Path::new(out));
}

#[test]
fn follow_picks_up_new_documents_multipart_with_basic_auth() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let out = out.to_str().unwrap();
    let portal = Portal::start();
    let secret_file = tmp.path().join("portal-password");
    std::fs::write(&secret_file, format!("{PASSWORD}\n")).unwrap();
    let delivery = format!(
        r#"
[delivery]
default = "portal"
[delivery.portal]
url = "{}"
auth = "basic"
username = "shop"
password_file = "{}"
upload = "multipart"
peppol = true
rate_per_minute = 120
"#,
        portal.url(),
        secret_file.display()
    );
    let prof = profile(tmp.path(), "follow.toml", &delivery);
    let mut logs = Vec::new();
    // The store exists before the sender starts; the sender then follows what convert queues.
    let first = tmp.path().join("first.jsonl");
    let b = buyer("business", "A", None, "4000000000001");
    std::fs::write(&first, order("M1", b, None)).unwrap();
    let o = run(
        &mut logs,
        &[
            "convert",
            first.to_str().unwrap(),
            "--profile",
            &prof,
            "--out",
            out,
        ],
    );
    assert!(o.status.success());
    let mut follower = ublflow()
        .args([
            "send",
            "--follow",
            "--format",
            "json",
            "--profile",
            &prof,
            "--out",
            out,
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let more = tmp.path().join("more.jsonl");
    let orders: Vec<String> = (2..=3)
        .map(|i| {
            order(
                &format!("M{i}"),
                buyer("business", "B", None, &format!("400000000000{i}")),
                None,
            )
        })
        .collect();
    std::fs::write(&more, orders.join("\n")).unwrap();
    let o = run(
        &mut logs,
        &[
            "convert",
            more.to_str().unwrap(),
            "--profile",
            &prof,
            "--out",
            out,
        ],
    );
    assert!(o.status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while portal.requests().len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "the follower did not deliver"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // A second sender on the same store refuses to run alongside.
    let o = run(&mut logs, &["send", "--profile", &prof, "--out", out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("another sender is working"));
    follower.kill().unwrap();
    let done = follower.wait_with_output().unwrap();
    logs.extend_from_slice(&done.stdout);
    logs.extend_from_slice(&done.stderr);
    let delivered = String::from_utf8_lossy(&done.stdout)
        .matches("\"state\":\"delivered\"")
        .count();
    assert_eq!(delivered, 3, "{}", String::from_utf8_lossy(&done.stdout));

    let reqs = portal.requests();
    let gap = reqs[2].at - reqs[1].at;
    assert!(
        gap >= Duration::from_millis(350),
        "rate limit of 120/min spaces uploads 500 ms apart: {gap:?}"
    );
    let expected_auth = format!("Basic {}", STANDARD.encode(format!("shop:{PASSWORD}")));
    for r in &reqs {
        let number = r.header("x-document-number").unwrap();
        assert_eq!(r.header("authorization"), Some(expected_auth.as_str()));
        let ctype = r.header("content-type").unwrap();
        let boundary = ctype
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        let body = r.body.clone();
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains(&format!("name=\"file\"; filename=\"{number}.xml\"")));
        assert!(text.contains("name=\"receiver\"\r\n\r\niso6523-actorid-upis::0088:40000000000"));
        assert!(text.contains(
            "name=\"documentTypeId\"\r\n\r\nurn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
        ));
        // The file part is the archived file, byte for byte.
        let xml = archived(out, number);
        let start = text.find("Content-Type: application/xml\r\n\r\n").unwrap() + 33;
        assert_eq!(&body[start..start + xml.len()], &xml[..]);
        assert_eq!(
            &body[start + xml.len()..],
            format!("\r\n--{boundary}--\r\n").as_bytes()
        );
    }
    assert_no_secret(&logs, Path::new(out));
}

#[test]
fn an_smtp_server_that_never_answers_times_out_and_is_given_up() {
    let tmp = tempfile::tempdir().unwrap();
    // Accepts connections and keeps them open without a greeting.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for c in silent.incoming().take(2) {
            conns.push(c.unwrap());
        }
        std::thread::sleep(Duration::from_secs(3));
    });
    let prof = profile(
        tmp.path(),
        "silent.toml",
        &format!(
            "[delivery]\ndefault = \"email\"\n[delivery.retry]\nmax_attempts = 2\ninitial_backoff_secs = 0.05\n\
             max_backoff_secs = 0.1\n[delivery.email]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"plain\"\n\
             from = \"billing@alpenglow.example\"\ntimeout_secs = 0.5\n"
        ),
    );
    let out = tmp.path().join("out");
    let out = out.to_str().unwrap();
    let input = tmp.path().join("o.jsonl");
    let b = buyer("business", "H", Some("ap@h.example"), "4000000000008");
    std::fs::write(&input, order("H1", b, None)).unwrap();
    let mut logs = Vec::new();
    let o = run(
        &mut logs,
        &[
            "convert",
            input.to_str().unwrap(),
            "--profile",
            &prof,
            "--out",
            out,
        ],
    );
    assert!(o.status.success());
    let started = std::time::Instant::now();
    let o = run(
        &mut logs,
        &["send", "--drain", "--profile", &prof, "--out", out],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Two attempts of 0.5 s each: a hang would never end. The bound is loose so that a loaded machine does not
    // fail it; it only shows the wait is bounded.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "bounded by the timeout"
    );
    let s = show(&mut logs, out, "INV-2026-000001");
    assert_eq!(state_and_total(&s), (Some("failed"), Some(2)), "{s}");
    let why = s["last_error"].as_str().unwrap();
    assert!(
        why.starts_with("gave up after 2 attempts (max_attempts); last error: SMTP"),
        "{why}"
    );
    assert!(
        why.to_ascii_lowercase().contains("timed out") || why.contains("timeout"),
        "{why}"
    );
    held.join().unwrap();
}

#[test]
fn only_archived_documents_are_sent_and_send_archives_what_an_interrupted_convert_left() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let out = out_dir.to_str().unwrap();
    let portal = Portal::start();
    let prof = profile(
        tmp.path(),
        "p.toml",
        &format!(
            "[delivery]\ndefault = \"portal\"\n[delivery.portal]\nurl = \"{}\"\n",
            portal.url()
        ),
    );
    let input = tmp.path().join("o.jsonl");
    std::fs::write(
        &input,
        order("U1", buyer("business", "U", None, "4000000000010"), None),
    )
    .unwrap();
    let mut logs = Vec::new();
    let o = run(
        &mut logs,
        &[
            "convert",
            input.to_str().unwrap(),
            "--profile",
            &prof,
            "--out",
            out,
        ],
    );
    assert!(o.status.success());
    // As if convert had been killed after its commit and before its archive file was flushed.
    let file = out_dir.join("archive/2026/11/INV-2026-000001.xml");
    let xml = std::fs::read(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    let db = rusqlite::Connection::open(out_dir.join("ublflow.db")).unwrap();
    db.execute(
        "INSERT INTO unarchived (number) VALUES ('INV-2026-000001')",
        [],
    )
    .unwrap();
    drop(db);
    let o = run(&mut logs, &["send", "--profile", &prof, "--out", out]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 archive files restored"));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        xml,
        "archived again before it was sent"
    );
    assert_eq!(portal.requests().len(), 1);
    assert_eq!(portal.requests()[0].body, xml);
}

#[test]
fn the_age_limit_counts_from_queueing_and_fails_only_after_an_attempt() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let out = out_dir.to_str().unwrap();
    let portal = Portal::start();
    let prof = profile(
        tmp.path(),
        "age.toml",
        &format!(
            "[delivery]\ndefault = \"portal\"\n[delivery.retry]\nmax_age_hours = 72\n\
             [delivery.portal]\nurl = \"{}\"\n",
            portal.url()
        ),
    );
    let input = tmp.path().join("o.jsonl");
    let orders: Vec<String> = (1..=3)
        .map(|i| {
            let b = buyer("business", "Late", None, &format!("400000000002{i}"));
            order(&format!("L{i}"), b, None)
        })
        .collect();
    std::fs::write(&input, orders.join("\n")).unwrap();
    let mut logs = Vec::new();
    let o = convert(&mut logs, input.to_str().unwrap(), &prof, out, false);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The seller runs `send` a week late: documents 1 and 2 were queued 8 days ago, 3 just now.
    let db = rusqlite::Connection::open(out_dir.join("ublflow.db")).unwrap();
    let week_ago = db
        .execute(
            "UPDATE outbox SET since = since - 8 * 86400000, next_at = next_at - 8 * 86400000
             WHERE number IN ('INV-2026-000001', 'INV-2026-000002')",
            [],
        )
        .unwrap();
    assert_eq!(week_ago, 2);
    drop(db);
    let busy = Reply::Status(503, vec![], "maintenance".into());
    portal.script("INV-2026-000002", vec![busy.clone()]);
    portal.script("INV-2026-000003", vec![busy]);

    let o = run(&mut logs, &["send", "--profile", &prof, "--out", out]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .starts_with("1 delivered, 1 failed, 1 retries scheduled"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // Old and never attempted: attempted, and delivered.
    let s1 = show(&mut logs, out, "INV-2026-000001");
    assert_eq!(state_and_total(&s1), (Some("delivered"), Some(1)), "{s1}");
    // Old, and its attempt failed transiently: failed for its age, after that one attempt.
    let s2 = show(&mut logs, out, "INV-2026-000002");
    assert_eq!(state_and_total(&s2), (Some("failed"), Some(1)), "{s2}");
    let why = s2["last_error"].as_str().unwrap();
    assert!(
        why.starts_with(
            "gave up after 1 attempt: the next one would be more than 72 hours after the document was queued \
             (max_age_hours); last error: portal answered HTTP 503"
        ),
        "{why}"
    );
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("failed: INV-2026-000002: gave up after 1 attempt"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The same failure on a young document is retried: the age, not the failure, failed document 2.
    let s3 = show(&mut logs, out, "INV-2026-000003");
    assert_eq!(s3["state"], "retry", "{s3}");
    assert_eq!(portal.requests().len(), 3, "one attempt each");
}
