//! The `json` format: JSON Lines, one object per document, with exactly the keys
//! `file`, `root`, `valid`, `findings` (each finding: `id`, `flag`, `location`, `line`, `message`).

use std::io::{self, Write};

use serde::Serialize;

use super::{root_name, Doc};
use crate::validate::Flag;

#[derive(Serialize)]
struct Line<'a> {
    file: &'a str,
    root: &'static str,
    valid: bool,
    findings: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    flag: Flag,
    location: &'a str,
    line: u32,
    message: &'a str,
}

/// Writes `doc` as one line.
pub(super) fn document(out: &mut impl Write, doc: &Doc) -> io::Result<()> {
    let line = Line {
        file: doc.file,
        root: root_name(&doc.report.root),
        valid: doc.valid,
        findings: doc
            .report
            .findings
            .iter()
            .map(|f| Item {
                id: &f.id,
                flag: f.flag,
                location: &f.location,
                line: f.line,
                message: &f.message,
            })
            .collect(),
    };
    serde_json::to_writer(&mut *out, &line)?;
    out.write_all(b"\n")
}
