//! Delivery over TLS against real servers on loopback with test CAs the tests make: SMTP with STARTTLS and
//! implicit TLS (certificates verified, a private CA trusted by `ca_file`), SMTP AUTH over both, and what happens
//! when the server offers no login; the portal over HTTPS with bearer auth and its own `ca_file`.

mod support;

use std::path::Path;
use support::delivery::{
    archived, assert_no_secret, buyer, convert, order, profile, run, run_with_password, show,
    state_and_total, PASSWORD, TOKEN, WRONG_PASSWORD,
};
use support::servers::{Portal, Smtp, TlsFront};

#[test]
fn email_over_starttls_and_implicit_tls_verifies_the_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    for mode in ["starttls", "tls"] {
        let certs = tmp.path().join(format!("certs-{mode}"));
        let smtp = Smtp::start(
            &tmp.path().join(format!("mail-{mode}")),
            &["--tls", mode, "--tls-dir", certs.to_str().unwrap()],
            &[],
        );
        let delivery = |ca: bool| {
            let ca_file = if ca {
                format!("ca_file = \"{}\"\n", certs.join("ca.pem").display())
            } else {
                String::new()
            };
            format!(
                "[delivery]\ndefault = \"email\"\n[delivery.retry]\ninitial_backoff_secs = 0.05\n\
                 max_backoff_secs = 0.1\n[delivery.email]\nhost = \"127.0.0.1\"\nport = {}\n\
                 security = \"{mode}\"\nfrom = \"billing@alpenglow.example\"\ntimeout_secs = 5\n{ca_file}",
                smtp.port
            )
        };
        let untrusted = profile(
            tmp.path(),
            &format!("{mode}-public-roots.toml"),
            &delivery(false),
        );
        let trusted = profile(
            tmp.path(),
            &format!("{mode}-private-ca.toml"),
            &delivery(true),
        );
        let out = tmp.path().join(format!("out-{mode}"));
        let out = out.to_str().unwrap();
        let input = orders(&tmp.path().join(format!("{mode}.jsonl")), 1, 1);
        let mut logs = Vec::new();

        // Verified by default: the test CA is not a public root, so the certificate is refused.
        let o = convert(&mut logs, &input, &untrusted, out, true);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let s = show(&mut logs, out, "INV-2026-000001");
        assert_eq!(s["state"], "retry", "{mode}: {s}");
        let error = s["last_error"].as_str().unwrap().to_ascii_lowercase();
        assert!(
            error.contains("certificate") || error.contains("issuer"),
            "{mode}: {error}"
        );
        assert!(
            smtp.messages().is_empty(),
            "{mode}: nothing sent over an unverified connection"
        );

        // Trusting the relay's CA explicitly: delivered over TLS.
        let o = run(
            &mut logs,
            &["send", "--drain", "--profile", &trusted, "--out", out],
        );
        assert!(
            o.status.success(),
            "{mode}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(
            show(&mut logs, out, "INV-2026-000001")["state"],
            "delivered"
        );
        let mail = smtp.messages();
        assert_eq!(mail.len(), 1);
        assert_eq!(mail[0].attachments[0].1, archived(out, "INV-2026-000001"));
    }
}

/// A profile for an SMTP server on loopback: `security`, the CA to trust, and a login if `user` is given.
fn smtp_profile(
    dir: &Path,
    name: &str,
    port: u16,
    security: &str,
    ca: Option<&Path>,
    user: Option<&str>,
) -> String {
    let mut d = format!(
        "[delivery]\ndefault = \"email\"\n[delivery.retry]\ninitial_backoff_secs = 0.05\nmax_backoff_secs = 0.1\n\
         [delivery.email]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"{security}\"\n\
         from = \"billing@alpenglow.example\"\ntimeout_secs = 5\n"
    );
    if let Some(ca) = ca {
        d.push_str(&format!("ca_file = \"{}\"\n", ca.display()));
    }
    if let Some(user) = user {
        d.push_str(&format!(
            "username = \"{user}\"\npassword_env = \"UBLFLOW_TEST_SMTP_PASSWORD\"\n"
        ));
    }
    profile(dir, name, &d)
}

/// Writes `n` orders numbered from `first`, each from its own business buyer with an e-mail address.
fn orders(path: &Path, first: u32, n: u32) -> String {
    let text: Vec<String> = (first..first + n)
        .map(|i| {
            let b = buyer(
                "business",
                "T",
                Some(&format!("ap{i}@t.example")),
                &format!("40000000001{i:02}"),
            );
            order(&format!("T{i}"), b, None)
        })
        .collect();
    std::fs::write(path, text.join("\n")).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn smtp_login_over_starttls_and_implicit_tls() {
    let tmp = tempfile::tempdir().unwrap();
    for (mode, mechanism) in [
        ("starttls", "PLAIN"),
        ("starttls", "LOGIN"),
        ("tls", "PLAIN"),
        ("tls", "LOGIN"),
    ] {
        let case = format!("{mode}-{mechanism}");
        let certs = tmp.path().join(format!("certs-{case}"));
        let mut server = vec![
            "--tls",
            mode,
            "--tls-dir",
            certs.to_str().unwrap(),
            "--user",
            "billing",
            "--password-env",
            "SMTP_PW",
            "--mechanism",
            mechanism,
        ];
        if mode == "starttls" {
            // AUTH is offered (and accepted) only once the connection is encrypted.
            server.push("--auth-require-tls");
        }
        let smtp = Smtp::start(
            &tmp.path().join(format!("mail-{case}")),
            &server,
            &[("SMTP_PW", PASSWORD)],
        );
        let prof = smtp_profile(
            tmp.path(),
            &format!("{case}.toml"),
            smtp.port,
            mode,
            Some(&certs.join("ca.pem")),
            Some("billing"),
        );
        let out = tmp.path().join(format!("out-{case}"));
        let out = out.to_str().unwrap();
        let mut logs = Vec::new();

        // The right password: delivered, under the login, with the archived file.
        let input = orders(&tmp.path().join(format!("{case}-1.jsonl")), 1, 1);
        let o = convert(&mut logs, &input, &prof, out, true);
        assert!(
            o.status.success(),
            "{case}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(
            show(&mut logs, out, "INV-2026-000001")["state"],
            "delivered",
            "{case}"
        );
        let mail = smtp.messages();
        assert_eq!(mail.len(), 1, "{case}");
        assert_eq!(
            mail[0].auth.as_deref(),
            Some(format!("{mechanism}:billing").as_str()),
            "{case}"
        );
        assert_eq!(
            mail[0].attachments[0].1,
            archived(out, "INV-2026-000001"),
            "{case}"
        );

        // A wrong password: failed for good with a reason that names the user, after one refused login, not
        // one per document.
        let input = orders(&tmp.path().join(format!("{case}-2.jsonl")), 2, 2);
        let o = run_with_password(
            &mut logs,
            &[
                "convert",
                &input,
                "--profile",
                &prof,
                "--out",
                out,
                "--send",
            ],
            WRONG_PASSWORD,
        );
        assert_eq!(
            o.status.code(),
            Some(1),
            "{case}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            String::from_utf8_lossy(&o.stdout)
                .contains("0 delivered, 2 failed, 0 retries scheduled, 0 pending"),
            "{case}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        let first = show(&mut logs, out, "INV-2026-000002");
        assert_eq!(state_and_total(&first), (Some("failed"), Some(1)), "{case}");
        let why = first["last_error"].as_str().unwrap();
        assert!(
            why.starts_with("the SMTP server refused the login of user \"billing\" (check username and the password)"),
            "{case}: {why}"
        );
        assert!(why.contains("535"), "{case}: {why}");
        let second = show(&mut logs, out, "INV-2026-000003");
        assert_eq!(second["state"], "failed", "{case}");
        assert!(
            second["last_error"].as_str().unwrap().starts_with(
                "not sent, because earlier in this run the SMTP server refused the login"
            ),
            "{case}: {second}"
        );
        assert_eq!(
            smtp.refused_logins(),
            1,
            "{case}: one wrong login, not one per document"
        );
        assert_eq!(smtp.messages().len(), 1, "{case}: nothing more was sent");

        // With the password fixed, every failed document is queued again at once and delivered.
        let o = run(
            &mut logs,
            &["outbox", "--out", out, "retry", "--state", "failed"],
        );
        assert!(
            o.status.success(),
            "{case}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let said = String::from_utf8_lossy(&o.stdout);
        assert!(
            said.contains("INV-2026-000002: failed -> queued"),
            "{case}: {said}"
        );
        assert!(
            said.contains("INV-2026-000003: failed -> queued"),
            "{case}: {said}"
        );
        assert!(said.contains("2 documents selected"), "{case}: {said}");
        let o = run(&mut logs, &["send", "--profile", &prof, "--out", out]);
        assert!(
            String::from_utf8_lossy(&o.stdout).starts_with("2 delivered, 0 failed"),
            "{case}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        assert_eq!(smtp.messages().len(), 3, "{case}");
        assert_no_secret(&logs, Path::new(out));
    }
}

#[test]
fn a_login_is_refused_rather_than_sent_where_the_server_offers_no_auth() {
    let tmp = tempfile::tempdir().unwrap();
    // A server that offers AUTH only over TLS, reached without TLS (allowed to loopback): it offers no AUTH.
    let smtp = Smtp::start(
        &tmp.path().join("mail"),
        &[
            "--user",
            "billing",
            "--password-env",
            "SMTP_PW",
            "--auth-require-tls",
        ],
        &[("SMTP_PW", PASSWORD)],
    );
    let prof = smtp_profile(
        tmp.path(),
        "plain.toml",
        smtp.port,
        "plain",
        None,
        Some("billing"),
    );
    let out = tmp.path().join("out");
    let out = out.to_str().unwrap();
    let mut logs = Vec::new();
    let input = orders(&tmp.path().join("o.jsonl"), 1, 1);
    let o = convert(&mut logs, &input, &prof, out, true);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let s = show(&mut logs, out, "INV-2026-000001");
    assert_eq!(s["state"], "failed", "{s}");
    assert_eq!(
        s["last_error"].as_str().unwrap(),
        "the SMTP server offers no login mechanism ublflow supports (AUTH PLAIN or LOGIN) to user \"billing\"; \
         most servers offer AUTH only over TLS: use security = \"starttls\" or \"tls\""
    );
    assert!(smtp.messages().is_empty());
    assert_eq!(smtp.refused_logins(), 0, "no password was sent");

    // Plain with a login to a host that is not this machine: refused when the profile is loaded.
    let remote = profile(
        tmp.path(),
        "remote.toml",
        "[delivery]\ndefault = \"email\"\n[delivery.email]\nhost = \"smtp.example.net\"\nsecurity = \"plain\"\n\
         username = \"billing\"\npassword_env = \"UBLFLOW_TEST_SMTP_PASSWORD\"\nfrom = \"billing@alpenglow.example\"\n",
    );
    let o = run(&mut logs, &["send", "--profile", &remote, "--out", out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("delivery.email.security: with a username, the password would cross the network unencrypted"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_no_secret(&logs, Path::new(out));
}

#[test]
fn portal_over_https_verifies_the_certificate_and_trusts_its_ca_file() {
    let tmp = tempfile::tempdir().unwrap();
    let portal = Portal::start();
    let certs = tmp.path().join("certs");
    let front = TlsFront::start(&portal, &certs);
    let delivery = |ca_file: Option<&Path>| {
        let ca = ca_file.map_or(String::new(), |p| {
            format!("ca_file = \"{}\"\n", p.display())
        });
        format!(
            "[delivery]\ndefault = \"portal\"\n[delivery.retry]\ninitial_backoff_secs = 0.05\n\
             max_backoff_secs = 0.1\n[delivery.portal]\nurl = \"{}\"\nauth = \"bearer\"\n\
             token_env = \"UBLFLOW_TEST_PORTAL_TOKEN\"\ntimeout_secs = 5\n{ca}",
            front.url()
        )
    };
    let public_roots = profile(tmp.path(), "public-roots.toml", &delivery(None));
    let private_ca = profile(
        tmp.path(),
        "private-ca.toml",
        &delivery(Some(&certs.join("ca.pem"))),
    );
    let out = tmp.path().join("out");
    let out = out.to_str().unwrap();
    let input = orders(&tmp.path().join("o.jsonl"), 1, 1);
    let mut logs = Vec::new();

    // Verified by default: the test CA is not a public root, so the upload is refused before a byte of it goes
    // out, and retried (the portal may fix its certificate); the reason names the certificate problem and the
    // setting that trusts a private CA.
    let o = convert(&mut logs, &input, &public_roots, out, true);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = show(&mut logs, out, "INV-2026-000001");
    assert_eq!(s["state"], "retry", "{s}");
    let error = s["last_error"].as_str().unwrap();
    assert_eq!(
        error,
        "portal: io: invalid peer certificate: UnknownIssuer (a portal with a private CA: set \
         delivery.portal.ca_file)"
    );
    assert!(
        portal.requests().is_empty(),
        "nothing sent over an unverified connection"
    );

    // Trusting the portal's CA: delivered over HTTPS with the bearer token.
    let o = run(
        &mut logs,
        &["send", "--drain", "--profile", &private_ca, "--out", out],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = show(&mut logs, out, "INV-2026-000001");
    assert_eq!(
        (s["state"].as_str(), s["ack"].as_str()),
        (Some("delivered"), Some("portal-1")),
        "{s}"
    );
    let reqs = portal.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(reqs[0].body, archived(out, "INV-2026-000001"));

    // A ca_file without a certificate stops send before anything is tried.
    let not_pem = tmp.path().join("not-a-ca.pem");
    std::fs::write(&not_pem, "not a certificate\n").unwrap();
    let broken = profile(tmp.path(), "broken.toml", &delivery(Some(&not_pem)));
    let o = run(&mut logs, &["send", "--profile", &broken, "--out", out]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(&format!(
            "delivery.portal.ca_file: {}: no PEM certificate in it",
            not_pem.display()
        )),
        "{stderr}"
    );
    assert_no_secret(&logs, Path::new(out));
}
