//! The `junit` format: one `<testsuite>`, one `<testcase>` per document.
//!
//! A document fails with one `<failure>` listing its failing findings (fatal ones, and warnings
//! with `--warnings-as-errors`); other warnings and the "business rules skipped" note go to the
//! test case's `<system-out>`. The test cases are spooled to an unlinked temporary file while
//! the batch runs, so the suite's `tests`/`failures` counts can be written before them with
//! memory flat over any number of documents.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};

use super::{skipped_note, Doc, Policy, Summary};
use crate::validate::Finding;

/// The spooled test cases.
pub(super) struct Junit {
    spool: BufWriter<File>,
}

/// An anonymous temporary file (removed from its folder as soon as it is open).
fn spool_file() -> io::Result<File> {
    let dir = std::env::temp_dir();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    for attempt in 0..100u32 {
        let path = dir.join(format!(
            "ublflow-junit-{}-{stamp}-{attempt}.xml",
            std::process::id()
        ));
        match File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => {
                // Where the platform cannot unlink an open file, it stays until temp cleanup.
                let _ = std::fs::remove_file(&path);
                return Ok(file);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("cannot create a temporary file"))
}

/// `s` escaped for XML text and attribute values; characters XML 1.0 forbids become U+FFFD.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn line(out: &mut String, file: &str, f: &Finding) {
    let _ = writeln!(
        out,
        "{file}:{}:{}: {} {}: {}{}",
        f.line,
        f.column,
        f.id,
        match f.flag {
            crate::validate::Flag::Fatal => "fatal",
            crate::validate::Flag::Warning => "warning",
        },
        f.message,
        if f.location.is_empty() {
            String::new()
        } else {
            format!(" (at {})", f.location)
        }
    );
}

impl Junit {
    /// Opens the spool.
    pub(super) fn new() -> io::Result<Self> {
        Ok(Junit {
            spool: BufWriter::new(spool_file()?),
        })
    }

    /// Spools the test case of `doc`.
    pub(super) fn document(&mut self, doc: &Doc, policy: Policy) -> io::Result<()> {
        let (failing, other): (Vec<&Finding>, Vec<&Finding>) = doc
            .report
            .findings
            .iter()
            .partition(|f| policy.fails(f.flag));
        let w = &mut self.spool;
        writeln!(
            w,
            "  <testcase classname=\"ublflow.validate\" name=\"{}\" file=\"{0}\">",
            escape(doc.file)
        )?;
        if !failing.is_empty() {
            let mut body = String::new();
            for f in &failing {
                line(&mut body, doc.file, f);
            }
            let ids: Vec<&str> = failing.iter().map(|f| f.id.as_str()).collect();
            writeln!(
                w,
                "    <failure message=\"{} failing findings: {}\" type=\"{}\">{}</failure>",
                failing.len(),
                escape(&ids.join(", ")),
                escape(&failing[0].id),
                escape(&body)
            )?;
        }
        let note = skipped_note(doc.report);
        if !other.is_empty() || note.is_some() {
            let mut body = String::new();
            for f in &other {
                line(&mut body, doc.file, f);
            }
            if let Some(note) = note {
                body.push_str(note);
                body.push('\n');
            }
            writeln!(w, "    <system-out>{}</system-out>", escape(&body))?;
        }
        w.write_all(b"  </testcase>\n")
    }

    /// Writes the suite with its counts, then the spooled test cases.
    pub(super) fn finish(self, out: &mut impl Write, s: &Summary) -> io::Result<()> {
        let mut spool = self.spool.into_inner().map_err(|e| e.into_error())?;
        write!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <testsuite name=\"ublflow validate\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">\n",
            s.documents, s.invalid
        )?;
        spool.seek(SeekFrom::Start(0))?;
        io::copy(&mut spool, out)?;
        out.write_all(b"</testsuite>\n")
    }
}
