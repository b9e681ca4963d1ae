//! Real servers on loopback for the delivery tests: an SMTP server (Python's aiosmtpd, installed by the tests
//! into a private virtual environment), a scripted HTTP portal written here on `std::net`, and a TLS front for
//! it (Python's ssl, with trustme's test certificates) to reach it over HTTPS.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A Python with aiosmtpd (and trustme, for test certificates): a virtual environment under the target folder, created once, under a file lock so
/// concurrent tests (and test binaries) never race, and only marked ready when the install succeeded.
pub fn python() -> PathBuf {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("aiosmtpd-venv");
    std::fs::create_dir_all(&base).expect("target tmp folder");
    let lock = std::fs::File::create(base.join(".lock")).expect("lock file");
    // SAFETY: a blocking flock on a descriptor owned here; released when `lock` is dropped.
    assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }, 0);
    let venv = base.join("venv");
    let py = venv.join("bin/python");
    let ready = base.join("ready-aiosmtpd-1.4.6-trustme-1.2.1");
    if !ready.is_file() {
        let _ = std::fs::remove_dir_all(&venv);
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "python3 -m venv failed: the SMTP tests need Python 3 with venv"
        );
        let out = Command::new(&py)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "aiosmtpd==1.4.6",
                "trustme==1.2.1",
            ])
            .output()
            .expect("pip runs");
        assert!(
            out.status.success(),
            "pip install aiosmtpd failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(&ready, b"").expect("ready marker");
    }
    py
}

/// Starts a Python helper that prints `ready` once listening and runs until its standard input is closed.
fn spawn_ready(mut cmd: Command, what: &str) -> (Child, ChildStdin) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{what} does not start: {e}"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .unwrap_or_else(|e| panic!("{what} does not say it is ready: {e}"));
    assert_eq!(line.trim(), "ready", "{what} did not start");
    let stdin = child.stdin.take().expect("stdin");
    (child, stdin)
}

/// A TLS front (`tls_front.py`) for a [`Portal`]: HTTPS on its own port, with a certificate for 127.0.0.1 from a
/// test CA whose certificate it writes to `<certs>/ca.pem`.
pub struct TlsFront {
    /// Its port.
    pub port: u16,
    child: (Child, ChildStdin),
}

impl TlsFront {
    /// Starts a front relaying to `portal`.
    pub fn start(portal: &Portal, certs: &Path) -> TlsFront {
        let port = free_port();
        let mut cmd = Command::new(python());
        cmd.arg(super::root().join("tests/support/tls_front.py"))
            .arg(port.to_string())
            .arg(portal.addr.port().to_string())
            .arg(certs);
        TlsFront {
            port,
            child: spawn_ready(cmd, "the TLS front"),
        }
    }

    /// The upload URL over HTTPS.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}/api/documents", self.port)
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        let _ = self.child.0.kill();
        let _ = self.child.0.wait();
    }
}

/// A running (or stopped) aiosmtpd that stores each message it acknowledges.
pub struct Smtp {
    /// Its port.
    pub port: u16,
    /// Where messages are stored.
    pub dir: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    child: Option<(Child, ChildStdin)>,
}

/// One message as the SMTP server stored it.
#[derive(Debug, Clone)]
pub struct Received {
    /// Envelope recipients.
    pub rcpt_tos: Vec<String>,
    /// Header fields (name lowercased, value unfolded), in order.
    pub headers: Vec<(String, String)>,
    /// The plain-text body.
    pub text: String,
    /// Attachments: file name and decoded bytes.
    pub attachments: Vec<(String, Vec<u8>)>,
    /// The login the message came in under, `MECHANISM:user` (none without a login).
    pub auth: Option<String>,
}

impl Received {
    /// The first header of that name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Smtp {
    /// Starts a server storing into `dir`; `extra` goes to `smtp_server.py` (`--user`, `--reject`...).
    pub fn start(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Smtp {
        let mut s = Smtp {
            port: free_port(),
            dir: dir.to_owned(),
            args: extra.iter().map(|s| s.to_string()).collect(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            child: None,
        };
        s.up();
        s
    }

    /// Starts the server again on the same port (after [`Smtp::down`]).
    pub fn up(&mut self) {
        if self.child.is_some() {
            return;
        }
        let mut cmd = Command::new(python());
        cmd.arg(super::root().join("tests/support/smtp_server.py"))
            .arg(self.port.to_string())
            .arg(&self.dir)
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        self.child = Some(spawn_ready(cmd, "the SMTP server"));
    }

    /// Kills the server (SIGKILL): connections are refused until [`Smtp::up`].
    pub fn down(&mut self) {
        if let Some((mut child, _)) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// How many logins the server refused so far.
    pub fn refused_logins(&self) -> usize {
        std::fs::read_to_string(self.dir.join("refused-logins")).map_or(0, |t| t.lines().count())
    }

    /// Every message stored so far, in arrival order.
    pub fn messages(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
            .iter()
            .map(|p| {
                let envelope: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(p.with_extension("json")).unwrap())
                        .unwrap();
                let rcpt_tos = envelope["rcpt_tos"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect();
                let mut m = parse_message(&std::fs::read(p).unwrap(), rcpt_tos);
                m.auth = envelope["auth"].as_str().map(str::to_owned);
                m
            })
            .collect()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        self.down();
    }
}

/// Splits a MIME entity into its unfolded header fields and its body.
fn split_entity(raw: &[u8]) -> (Vec<(String, String)>, Vec<u8>) {
    let text = String::from_utf8_lossy(raw).replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((n, v)) = line.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    (headers, body.as_bytes().to_vec())
}

fn parse_message(raw: &[u8], rcpt_tos: Vec<String>) -> Received {
    let (headers, body) = split_entity(raw);
    let ctype = headers
        .iter()
        .find(|(n, _)| n == "content-type")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let boundary = ctype
        .split("boundary=")
        .nth(1)
        .map(|b| b.trim_matches('"').split(';').next().unwrap().to_owned())
        .expect("a multipart message");
    let body = String::from_utf8_lossy(&body).into_owned();
    let mut text = String::new();
    let mut attachments = Vec::new();
    for part in body.split(&format!("--{boundary}")).skip(1) {
        if part.starts_with("--") {
            break;
        }
        let (h, b) = split_entity(part.trim_start_matches('\n').as_bytes());
        let get = |name: &str| {
            h.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let data = String::from_utf8_lossy(&b).into_owned();
        let decoded = match get("content-transfer-encoding")
            .to_ascii_lowercase()
            .as_str()
        {
            "base64" => base64_decode(&data),
            "quoted-printable" => qp_decode(&data),
            _ => data.trim_end_matches('\n').as_bytes().to_vec(),
        };
        let disposition = get("content-disposition");
        if disposition.starts_with("attachment") {
            let name = disposition
                .split("filename=")
                .nth(1)
                .unwrap_or_default()
                .trim_matches('"')
                .to_owned();
            attachments.push((name, decoded));
        } else {
            text = String::from_utf8_lossy(&decoded).into_owned();
        }
    }
    Received {
        rcpt_tos,
        headers,
        text,
        attachments,
        auth: None,
    }
}

/// Decodes quoted-printable (soft line breaks and `=XX`).
pub fn qp_decode(s: &str) -> Vec<u8> {
    let s = s.replace("=\n", "");
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Decodes base64, skipping line breaks.
pub fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    let digits: String = s.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(digits)
        .expect("valid base64")
}

/// What the scripted portal answers.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Status, extra headers and body.
    Status(u16, Vec<(String, String)>, String),
    /// Read the request, then answer nothing for this long and close.
    Hang(Duration),
    /// Close the connection without an answer.
    Reset,
}

/// A request the portal received.
#[derive(Debug, Clone)]
pub struct Request {
    /// Header fields, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// When it arrived.
    pub at: Instant,
}

impl Request {
    /// The first header of that name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The portal's memory, kept across restarts.
#[derive(Default)]
pub struct PortalState {
    /// Scripted replies per document number (`X-Document-Number`), used first.
    pub script: HashMap<String, VecDeque<Reply>>,
    /// Every request received.
    pub requests: Vec<Request>,
    /// Documents stored: idempotency key to document number (a repeated key is answered 409, not stored).
    pub stored: HashMap<String, String>,
    /// How long a default answer takes after the document is stored (a slow portal: the window in which a
    /// killed client leaves a stored document behind).
    pub delay: Duration,
}

/// A scripted HTTP portal. Without a script it behaves like a real one: the first upload with an idempotency
/// key is stored (201 with an id), a repeated key gets 409.
pub struct Portal {
    /// Its address.
    pub addr: SocketAddr,
    /// Shared state.
    pub state: Arc<Mutex<PortalState>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Portal {
    /// Starts a portal on a free port.
    pub fn start() -> Portal {
        let mut p = Portal {
            addr: SocketAddr::from(([127, 0, 0, 1], free_port())),
            state: Arc::default(),
            stop: Arc::default(),
            thread: None,
        };
        p.up();
        p
    }

    /// The upload URL.
    pub fn url(&self) -> String {
        format!("http://{}/api/documents", self.addr)
    }

    /// Scripts the replies to one document's uploads.
    pub fn script(&self, number: &str, replies: Vec<Reply>) {
        self.state
            .lock()
            .unwrap()
            .script
            .insert(number.to_owned(), replies.into());
    }

    /// Starts listening again on the same port.
    pub fn up(&mut self) {
        if self.thread.is_some() {
            return;
        }
        let listener = TcpListener::bind(self.addr).expect("the portal binds its port");
        listener.set_nonblocking(true).unwrap();
        self.stop.store(false, Ordering::SeqCst);
        let (stop, state) = (self.stop.clone(), self.state.clone());
        self.thread = Some(std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let state = state.clone();
                        std::thread::spawn(move || serve(conn, &state));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        }));
    }

    /// Stops listening: connections are refused until [`Portal::up`].
    pub fn down(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        self.down();
    }
}

fn serve(conn: TcpStream, state: &Mutex<PortalState>) {
    conn.set_nonblocking(false).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((n, v)) = l.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let req = Request {
        headers,
        body,
        at: Instant::now(),
    };
    let reply = {
        let mut s = state.lock().unwrap();
        let number = req
            .header("x-document-number")
            .unwrap_or_default()
            .to_owned();
        let key = req.header("idempotency-key").unwrap_or_default().to_owned();
        s.requests.push(req);
        match s.script.get_mut(&number).and_then(VecDeque::pop_front) {
            Some(r) => r,
            None => {
                let n = s.stored.len() + 1;
                match s.stored.entry(key) {
                    std::collections::hash_map::Entry::Occupied(_) => {
                        Reply::Status(409, vec![], "{\"error\":\"already received\"}".into())
                    }
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(number);
                        Reply::Status(201, vec![], format!("{{\"id\":\"portal-{n}\"}}"))
                    }
                }
            }
        }
    };
    let delay = state.lock().unwrap().delay;
    std::thread::sleep(delay);
    let mut conn = conn;
    match reply {
        Reply::Status(code, extra, body) => {
            let mut head = format!(
                "HTTP/1.1 {code} X\r\nContent-Length: {}\r\nContent-Type: application/json\r\nConnection: close\r\n",
                body.len()
            );
            for (n, v) in extra {
                head.push_str(&format!("{n}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(body.as_bytes());
        }
        Reply::Hang(d) => std::thread::sleep(d),
        Reply::Reset => {
            // SO_LINGER 0: close with a TCP reset rather than a clean end of stream.
            let linger = libc::linger {
                l_onoff: 1,
                l_linger: 0,
            };
            // SAFETY: setsockopt with a valid descriptor and a correctly sized option value.
            unsafe {
                libc::setsockopt(
                    conn.as_raw_fd(),
                    libc::SOL_SOCKET,
                    libc::SO_LINGER,
                    (&linger as *const libc::linger).cast(),
                    std::mem::size_of::<libc::linger>() as libc::socklen_t,
                );
            }
        }
    }
}
