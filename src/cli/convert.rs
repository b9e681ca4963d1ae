//! `ublflow convert INPUT... [--out DIR]`.

use super::Format;
use crate::input;
use crate::pipeline::batch::{self, Outcome};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Flags of `convert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Order exports: files, folders (read recursively) or `-` for standard input.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output folder; documents are archived below it as archive/YYYY/MM/<number>.xml.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Seller profile (TOML).
    #[arg(long, default_value = "ublflow.toml")]
    profile: PathBuf,
    /// Store (SQLite database) holding numbers and issued documents [default: <out>/ublflow.db].
    #[arg(long)]
    store: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Orders per store transaction (group commit).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    batch_size: u64,
    /// Input format of every input; `auto` detects each input's format from its content.
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    input_format: InputFormat,
    /// Deliver the new documents afterwards, as `ublflow send` does (documents due once; retries stay queued).
    #[arg(long)]
    send: bool,
}

/// The `--input-format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum InputFormat {
    /// Detect from the content (Shopify header row, WooCommerce `line_items`), else from the extension.
    Auto,
    /// ublflow's own JSON format.
    UblflowJson,
    /// ublflow's own CSV format.
    UblflowCsv,
    /// Shopify's order CSV export.
    Shopify,
    /// WooCommerce REST API v3 order and refund JSON.
    Woocommerce,
}

impl InputFormat {
    fn format(self) -> Option<input::Format> {
        match self {
            InputFormat::Auto => None,
            InputFormat::UblflowJson => Some(input::Format::Json),
            InputFormat::UblflowCsv => Some(input::Format::Csv),
            InputFormat::Shopify => Some(input::Format::Shopify),
            InputFormat::Woocommerce => Some(input::Format::WooCommerce),
        }
    }
}

/// Runs `convert`; returns the exit code.
pub fn run(args: Args) -> u8 {
    let started = Instant::now();
    let profile = match super::load_profile(&args.profile) {
        Ok(p) => p,
        Err(code) => return code,
    };
    // Listed once: the progress bar sizes these files, and convert reads them.
    let files = match batch::input_files(&args.inputs) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("ublflow: {e}");
            return 2;
        }
    };
    let store = super::store_path(&args.out, args.store.as_deref());
    let bytes_read = AtomicU64::new(0);
    let mut orders = 0u64;
    let opts = batch::Options {
        inputs: &files,
        out: &args.out,
        store: &store,
        profile: &profile,
        batch_size: args.batch_size as usize,
        input_format: args.input_format.format(),
        bytes_read: Some(&bytes_read),
    };
    let bar = super::progress::input_bar(args.format, input_size(&files));
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut on_outcome = |o: &Outcome| {
        orders += 1;
        bar.set_position(bytes_read.load(Ordering::Relaxed));
        bar.set_message(format!("{orders} orders"));
        match args.format {
            Format::Json => {
                serde_json::to_writer(&mut out, o).expect("outcomes serialise");
                let _ = out.write_all(b"\n");
            }
            Format::Text => match o {
                Outcome::Rejected { .. } => bar.suspend(|| eprintln!("rejected: {o}")),
                Outcome::Skipped { .. } => bar.suspend(|| eprintln!("skipped: {o}")),
                Outcome::Document { .. } => {}
            },
        }
    };
    let result = batch::convert(&opts, &mut on_outcome);
    bar.finish_and_clear();
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = out.flush();
            eprintln!("ublflow: {e}");
            return 2;
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    match args.format {
        Format::Json => {
            let line = serde_json::json!({
                "event": "summary",
                "invoices": summary.invoices,
                "credit_notes": summary.credit_notes,
                "existing": summary.existing,
                "rejected": summary.rejected,
                "skipped": summary.skipped,
                "recovered": summary.recovered,
                "out": args.out.display().to_string(),
                "seconds": (seconds * 1000.0).round() / 1000.0,
            });
            let _ = writeln!(out, "{line}");
        }
        Format::Text => {
            let _ = writeln!(
                out,
                "{} invoices and {} credit notes issued, {} already issued, {} rejected{}{}; archive in {} ({:.2} s)",
                summary.invoices,
                summary.credit_notes,
                summary.existing,
                summary.rejected,
                if summary.skipped > 0 {
                    format!(", {} skipped", summary.skipped)
                } else {
                    String::new()
                },
                if summary.recovered > 0 {
                    format!(", {} archive files restored", summary.recovered)
                } else {
                    String::new()
                },
                args.out.join("archive").display(),
                seconds
            );
        }
    }
    let _ = out.flush();
    drop(out);
    let mut code = u8::from(summary.rejected > 0);
    if args.send {
        match super::send::deliver(&store, &profile, crate::send::Mode::Once, args.format) {
            Ok(Some(s)) if s.failed > 0 => code = code.max(1),
            Ok(_) => {}
            Err(()) => code = 2,
        }
    }
    code
}

/// Total size in bytes of the input files, or `None` when it cannot be known (standard input, a file that
/// cannot be read: `convert` itself reports that).
fn input_size(files: &[PathBuf]) -> Option<u64> {
    files
        .iter()
        .map(|f| (f != Path::new("-")).then(|| std::fs::metadata(f).ok().map(|m| m.len()))?)
        .sum()
}
