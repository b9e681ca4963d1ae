//! Progress on a terminal (a pseudo-terminal the test opens): `send` draws a bar whose length is the number of
//! documents to send, `convert` one over the bytes of its input files; nothing is drawn with `--format json` or
//! when the output is not a terminal. The one-line summary is there either way.

mod support;

use std::fs::File;
use std::io::Read;
use std::os::fd::FromRawFd;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use support::delivery::{buyer, convert, order, profile, run, TOKEN};
use support::servers::{Portal, Reply};
use support::ublflow;

/// A pseudo-terminal of 100 columns: its master, and the path of its slave.
fn pty() -> (File, String) {
    // SAFETY: plain libc calls on a descriptor opened and owned here; ptsname_r writes into a buffer of the size
    // given.
    unsafe {
        let fd = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(
            fd >= 0,
            "no pseudo-terminal: {}",
            std::io::Error::last_os_error()
        );
        let master = File::from_raw_fd(fd);
        assert_eq!(libc::grantpt(fd), 0);
        assert_eq!(libc::unlockpt(fd), 0);
        let mut name = [0 as libc::c_char; 128];
        assert_eq!(libc::ptsname_r(fd, name.as_mut_ptr(), name.len()), 0);
        let size = libc::winsize {
            ws_row: 24,
            ws_col: 100,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        assert_eq!(libc::ioctl(fd, libc::TIOCSWINSZ, &size), 0);
        let slave = std::ffi::CStr::from_ptr(name.as_ptr())
            .to_str()
            .unwrap()
            .to_owned();
        (master, slave)
    }
}

/// Runs ublflow with standard output and standard error on a terminal; returns its status and all it wrote.
fn on_terminal(args: &[&str]) -> (ExitStatus, String) {
    let (mut master, slave) = pty();
    let open = || File::options().read(true).write(true).open(&slave).unwrap();
    let mut child = ublflow()
        .args(args)
        .env("UBLFLOW_TEST_PORTAL_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .stdout(open())
        .stderr(open())
        .spawn()
        .unwrap();
    // Read while it runs, so that it never blocks on a full terminal; the master reads EIO once every slave
    // descriptor is closed.
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            all.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&all).into_owned()
    });
    let status = child.wait().unwrap();
    (status, reader.join().unwrap())
}

/// Three documents for the portal, issued; returns the profile.
fn three_documents(dir: &Path, portal: &Portal, out: &str) -> String {
    let prof = profile(
        dir,
        "p.toml",
        &format!(
            "[delivery]\ndefault = \"portal\"\n[delivery.retry]\ninitial_backoff_secs = 0.05\n\
             max_backoff_secs = 0.1\n[delivery.portal]\nurl = \"{}\"\nauth = \"bearer\"\n\
             token_env = \"UBLFLOW_TEST_PORTAL_TOKEN\"\n",
            portal.url()
        ),
    );
    let orders: Vec<String> = (1..=3)
        .map(|i| {
            let b = buyer("business", "B", None, &format!("400000000004{i}"));
            order(&format!("B{i}"), b, None)
        })
        .collect();
    let input = dir.join("o.jsonl");
    std::fs::write(&input, orders.join("\n")).unwrap();
    let o = convert(&mut Vec::new(), input.to_str().unwrap(), &prof, out, false);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    prof
}

#[test]
fn send_draws_a_bar_over_the_documents_due_on_a_terminal_only() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let out = out.to_str().unwrap();
    let portal = Portal::start();
    let prof = three_documents(tmp.path(), &portal, out);

    // Not a terminal: no bar, just the summary.
    portal.script(
        "INV-2026-000003",
        vec![Reply::Status(503, vec![], "busy".into())],
    );
    let o = run(&mut Vec::new(), &["send", "--profile", &prof, "--out", out]);
    assert!(o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("documents:"), "{stderr}");
    assert!(String::from_utf8_lossy(&o.stdout)
        .starts_with("2 delivered, 0 failed, 1 retries scheduled, 1 pending"));

    // --drain on a terminal: a bar over the one pending document, then the summary.
    let (status, screen) = on_terminal(&["send", "--drain", "--profile", &prof, "--out", out]);
    assert!(status.success(), "{screen}");
    assert!(
        screen.contains("0/1 documents: 0 delivered, 0 failed, 0 retries"),
        "{screen}"
    );
    assert!(
        screen.contains("1 delivered, 0 failed, 0 retries scheduled, 0 pending"),
        "{screen}"
    );
}

#[test]
fn send_once_counts_the_documents_due_and_json_draws_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let out = out.to_str().unwrap();
    let portal = Portal::start();
    let prof = three_documents(tmp.path(), &portal, out);

    let (status, screen) = on_terminal(&["send", "--profile", &prof, "--out", out]);
    assert!(status.success(), "{screen}");
    assert!(
        screen.contains("0/3 documents: 0 delivered, 0 failed, 0 retries"),
        "{screen}"
    );
    assert!(
        screen.contains("3 delivered, 0 failed, 0 retries scheduled, 0 pending"),
        "{screen}"
    );

    let json_dir = tmp.path().join("json");
    std::fs::create_dir(&json_dir).unwrap();
    let json_out = json_dir.join("out");
    let json_out = json_out.to_str().unwrap();
    let json_portal = Portal::start();
    let more = three_documents(&json_dir, &json_portal, json_out);
    let (status, screen) = on_terminal(&[
        "send",
        "--format",
        "json",
        "--profile",
        &more,
        "--out",
        json_out,
    ]);
    assert!(status.success(), "{screen}");
    assert!(!screen.contains("documents:"), "{screen}");
    assert!(screen.contains("\"event\":\"send-summary\""), "{screen}");
    assert_eq!(
        screen.matches("\"state\":\"delivered\"").count(),
        3,
        "{screen}"
    );
}

#[test]
fn convert_draws_a_bar_over_the_input_bytes_on_a_terminal_only() {
    let tmp = tempfile::tempdir().unwrap();
    let orders: Vec<String> = (1..=3)
        .map(|i| {
            let b = buyer("business", "B", None, &format!("400000000004{i}"));
            order(&format!("B{i}"), b, None)
        })
        .collect();
    let input = tmp.path().join("o.jsonl");
    std::fs::write(&input, orders.join("\n")).unwrap();
    let size = std::fs::metadata(&input).unwrap().len();
    let input = input.to_str().unwrap();
    let prof = support::root().join("fixtures/profile.toml");
    let prof = prof.to_str().unwrap();

    let out = tmp.path().join("out");
    let (status, screen) = on_terminal(&[
        "convert",
        input,
        "--profile",
        prof,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(status.success(), "{screen}");
    assert!(screen.contains(&format!("/{size} B, ")), "{screen}");
    assert!(
        screen.contains("3 invoices and 0 credit notes issued"),
        "{screen}"
    );

    // Redirected: no bar.
    let piped = tmp.path().join("piped");
    let o = support::convert(&[input, "--profile", prof, "--out", piped.to_str().unwrap()]);
    assert!(o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains(" B, "), "{stderr}");
}
