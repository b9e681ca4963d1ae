//! `ublflow validate PATH... [--format F] [--rules VERSION] [--warnings-as-errors]`.
//!
//! Paths are expanded first (a missing one stops the run with exit code 2 before anything is
//! validated); the documents are then validated in parallel, a chunk at a time, and reported in
//! input order as each chunk completes, so memory stays flat however long the batch.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::validate::report::{Format, Policy, Reporter};
use crate::validate::{validate, Options, Report, RuleSet};

/// Flags of `validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// UBL documents: files, folders (every `*.xml` below them, in name order) or `-` for
    /// standard input.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// Count warnings as errors: a document with a warning is invalid.
    #[arg(long)]
    warnings_as_errors: bool,
    /// Rule set version (3.0.19 or 2026.5).
    #[arg(long, default_value = "3.0.19")]
    rules: RuleSet,
}

/// The `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ReportFormat {
    /// For people: file:line:column, rule, severity, message, business terms, values.
    Text,
    /// JSON Lines, one object per document.
    Json,
    /// JUnit XML, one test case per document.
    Junit,
    /// SARIF 2.1.0, for code scanning annotations.
    Sarif,
}

impl From<ReportFormat> for Format {
    fn from(f: ReportFormat) -> Self {
        match f {
            ReportFormat::Text => Format::Text,
            ReportFormat::Json => Format::Json,
            ReportFormat::Junit => Format::Junit,
            ReportFormat::Sarif => Format::Sarif,
        }
    }
}

/// One document to validate.
enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::File(p) => p.display().to_string(),
        }
    }

    fn read(&self) -> std::io::Result<Vec<u8>> {
        match self {
            Input::Stdin => {
                let mut buf = Vec::new();
                std::io::stdin().lock().read_to_end(&mut buf)?;
                Ok(buf)
            }
            Input::File(p) => std::fs::read(p),
        }
    }
}

/// Documents validated in parallel before their reports are written.
fn chunk_size() -> usize {
    rayon::current_num_threads().max(1) * 16
}

/// Every `*.xml` file below `dir` (any case), in name order, skipping names starting with `.`
/// and not following symbolic links to folders.
fn walk(dir: &Path, out: &mut Vec<Input>) -> std::io::Result<()> {
    let mut entries: Vec<(PathBuf, bool)> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        // Symbolic links to folders are not followed (no cycles); links to files are read.
        entries.push((entry.path(), entry.file_type()?.is_dir()));
    }
    entries.sort();
    for (path, is_dir) in entries {
        if is_dir {
            walk(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xml"))
        {
            out.push(Input::File(path));
        }
    }
    Ok(())
}

/// The documents named by `paths`, or the message for the first path that cannot be read.
fn expand(paths: &[PathBuf]) -> Result<Vec<Input>, String> {
    let mut inputs = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| format!("{}: {e}", p.display()))?;
        if meta.is_dir() {
            walk(p, &mut inputs).map_err(|e| format!("{}: {e}", p.display()))?;
        } else {
            inputs.push(Input::File(p.clone()));
        }
    }
    Ok(inputs)
}

/// Runs `validate`; returns the exit code (0 all valid, 1 some invalid, 2 could not run).
pub fn run(args: Args) -> u8 {
    let inputs = match expand(&args.paths) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("ublflow: {e}");
            return 2;
        }
    };
    let opts = Options {
        rules: args.rules,
        ..Options::default()
    };
    let policy = Policy {
        warnings_as_errors: args.warnings_as_errors,
    };
    let stdout = std::io::stdout();
    let out = std::io::BufWriter::new(stdout.lock());
    match report(&inputs, &opts, policy, args.format.into(), out) {
        Ok((summary, 0)) => u8::from(summary.invalid > 0),
        Ok(_) => 2,
        Err(e) => {
            eprintln!("ublflow: cannot write the report: {e}");
            2
        }
    }
}

/// Validates `inputs` chunk by chunk and reports them in order; returns the summary and the
/// number of inputs that could not be read (each reported on standard error).
fn report(
    inputs: &[Input],
    opts: &Options,
    policy: Policy,
    format: Format,
    out: impl Write,
) -> std::io::Result<(crate::validate::report::Summary, usize)> {
    let mut reporter = Reporter::new(format, policy, out)?;
    let mut unreadable = 0;
    for chunk in inputs.chunks(chunk_size()) {
        let reports: Vec<std::io::Result<Report>> = chunk
            .par_iter()
            .map(|input| input.read().map(|bytes| validate(&bytes, opts)))
            .collect();
        for (input, result) in chunk.iter().zip(reports) {
            match result {
                Ok(r) => reporter.document(&input.name(), &r)?,
                Err(e) => {
                    unreadable += 1;
                    eprintln!("ublflow: {}: {e}", input.name());
                }
            }
        }
    }
    Ok((reporter.finish()?, unreadable))
}
