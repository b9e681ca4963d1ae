//! `ublflow send [--follow | --drain]`: deliver the outbox.

use super::progress::SendProgress;
use super::Format;
use crate::config::Profile;
use crate::pipeline::archive;
use crate::send::{self, Event, Mode, Summary};
use crate::store::Store;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Flags of `send`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder of `convert`: the archive is below it, and the store is <out>/ublflow.db unless --store
    /// says otherwise.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Seller profile (TOML) with the [delivery] section.
    #[arg(long, default_value = "ublflow.toml")]
    profile: PathBuf,
    /// Store (SQLite database) [default: <out>/ublflow.db].
    #[arg(long)]
    store: Option<PathBuf>,
    /// Keep running: deliver newly queued documents and retries as they fall due.
    #[arg(long, conflicts_with = "drain")]
    follow: bool,
    /// Keep running until nothing is pending: every document delivered, failed or cancelled.
    #[arg(long)]
    drain: bool,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Runs `send`; returns the exit code (0 nothing failed, 1 some document failed, 2 could not run).
pub fn run(args: Args) -> u8 {
    let profile = match super::load_profile(&args.profile) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let store = match super::existing_store(&args.out, args.store.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // Documents committed but not yet archived (an interrupted convert) are archived first: only archived
    // documents are sent.
    let restored = Store::open(&store)
        .map_err(|e| e.to_string())
        .and_then(|mut s| archive::catch_up(&mut s, &args.out).map_err(|e| e.to_string()));
    match restored {
        Ok(0) => {}
        Ok(n) => eprintln!("{n} archive files restored in {}", args.out.display()),
        Err(e) => {
            eprintln!("ublflow: {e}");
            return 2;
        }
    }
    let mode = if args.follow {
        Mode::Follow
    } else if args.drain {
        Mode::Drain
    } else {
        Mode::Once
    };
    match deliver(&store, &profile, mode, args.format) {
        Ok(Some(summary)) => u8::from(summary.failed > 0),
        Ok(None) | Err(()) => 2,
    }
}

/// Runs the sender with a progress bar and the report. `Ok(None)` when another sender holds the store,
/// `Err` when it could not run; either is explained on standard error.
pub fn deliver(
    store: &Path,
    profile: &Profile,
    mode: Mode,
    format: Format,
) -> Result<Option<Summary>, ()> {
    let started = Instant::now();
    let documents = match mode {
        Mode::Once => Some(send::retry::now_ms()),
        Mode::Drain | Mode::Follow => None,
    };
    let documents = Store::open(store)
        .and_then(|s| s.pending_count(documents))
        .unwrap_or_default();
    let mut bar = SendProgress::new(format, mode, documents);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut on_event = |e: &Event| {
        bar.attempt(e);
        match format {
            Format::Json => {
                let mut line = serde_json::to_value(e).expect("events serialise");
                line["event"] = "attempt".into();
                let _ = writeln!(out, "{line}");
                if mode == Mode::Follow {
                    let _ = out.flush();
                }
            }
            Format::Text if e.state != "delivered" => {
                bar.suspend(|| eprintln!("{}: {}: {}", e.state, e.number, e.detail));
            }
            Format::Text => {}
        }
    };
    // SIGINT / SIGTERM end --drain and --follow after the attempt under way.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(signal, stop.clone()) {
            eprintln!("ublflow: cannot handle signal {signal}: {e}");
            return Err(());
        }
    }
    let result = send::run(store, profile, mode, &stop, &mut on_event);
    bar.finish();
    let summary = match result {
        Ok(Some(s)) => s,
        Ok(None) => {
            let _ = out.flush();
            eprintln!(
                "ublflow: another sender is working on {} (its lock is {}.send-lock); documents are left to it",
                store.display(),
                store.display()
            );
            return Ok(None);
        }
        Err(e) => {
            let _ = out.flush();
            eprintln!("ublflow: {e}");
            return Err(());
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    match format {
        Format::Json => {
            let mut line = serde_json::to_value(&summary).expect("summaries serialise");
            line["event"] = "send-summary".into();
            line["seconds"] = ((seconds * 1000.0).round() / 1000.0).into();
            let _ = writeln!(out, "{line}");
        }
        Format::Text => {
            let _ = writeln!(
                out,
                "{} delivered, {} failed, {} retries scheduled, {} pending ({seconds:.2} s)",
                summary.delivered, summary.failed, summary.retried, summary.pending
            );
        }
    }
    let _ = out.flush();
    Ok(Some(summary))
}
