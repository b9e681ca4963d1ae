//! `ublflow watch [--config FILE] [--poll SECONDS]` and `ublflow status`.

use super::Format;
use crate::config::Profile;
use crate::pipeline::watch::{self, FileReport, WatchOptions};
use crate::store::Store;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

/// Flags of `watch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seller profile with the `[watch]` folders; relative folders are relative to its folder.
    #[arg(long, default_value = "ublflow.toml")]
    config: PathBuf,
    /// Poll the inbox every SECONDS instead of waiting for file-system events (network and container
    /// file systems, where events do not arrive).
    #[arg(long, value_name = "SECONDS")]
    poll: Option<f64>,
    /// Log format: one line per file, for people or as JSON.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    log_format: Format,
    /// Also deliver documents as they are issued, as `ublflow send --follow` does, in this process.
    #[arg(long)]
    send: bool,
}

/// Flags of `status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Seller profile with the `[watch]` folders.
    #[arg(long, default_value = "ublflow.toml")]
    config: PathBuf,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// The watcher's folders, resolved against the profile's folder.
struct Folders {
    inbox: PathBuf,
    work: PathBuf,
    out: PathBuf,
    done: PathBuf,
    failed: PathBuf,
}

impl Folders {
    fn of(profile: &Profile, config: &Path) -> Folders {
        let base = config.parent().unwrap_or(Path::new("."));
        let w = &profile.watch;
        Folders {
            inbox: base.join(&w.inbox),
            work: base.join(&w.work),
            out: base.join(&w.out),
            done: base.join(&w.done),
            failed: base.join(&w.failed),
        }
    }
}

/// Runs `watch` until SIGINT or SIGTERM; returns the exit code (0 after a clean stop, 2 when it cannot run).
pub fn run(args: Args) -> u8 {
    let profile = match super::load_profile(&args.config) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let folders = Folders::of(&profile, &args.config);
    let poll_seconds = args.poll.unwrap_or(profile.watch.poll_seconds);
    if !(0.0..=86_400.0).contains(&poll_seconds) {
        eprintln!("ublflow: --poll must be between 0 and 86400 seconds");
        return 2;
    }
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(signal, stop.clone()) {
            eprintln!("ublflow: cannot handle signal {signal}: {e}");
            return 2;
        }
    }
    init_logging(args.log_format);
    let store = super::store_path(&folders.out, None);
    let opts = WatchOptions {
        inbox: &folders.inbox,
        work: &folders.work,
        out: &folders.out,
        store: &store,
        done: &folders.done,
        failed: &folders.failed,
        profile: &profile,
        poll: (poll_seconds > 0.0).then(|| Duration::from_secs_f64(poll_seconds)),
        settle: Duration::from_millis(profile.watch.settle_ms),
        stop: &stop,
    };
    // The sender opens the store beside the watcher, so its folder must exist before either starts.
    if let Err(e) = std::fs::create_dir_all(&folders.out) {
        eprintln!("ublflow: {}: {e}", folders.out.display());
        return 2;
    }
    tracing::info!(inbox = %folders.inbox.display(), poll_seconds, send = args.send, "watching");
    let result = std::thread::scope(|scope| {
        let sender = args
            .send
            .then(|| scope.spawn(|| deliver(&store, &profile, &stop)));
        let result = watch::watch(&opts, &mut log_file);
        // However the watcher ended, the sender ends too, after the attempt under way.
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let delivered = sender.map_or(Ok(()), |s| s.join().expect("the sender does not panic"));
        result
            .map_err(|e| e.to_string())
            .and_then(|s| delivered.map(|()| s))
    });
    match result {
        Ok(summary) => {
            tracing::info!(
                invoices = summary.invoices,
                credit_notes = summary.credit_notes,
                existing = summary.existing,
                rejected = summary.rejected,
                "stopped"
            );
            0
        }
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("ublflow: {e}");
            2
        }
    }
}

fn init_logging(format: Format) {
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    let _ = match format {
        Format::Json => builder.json().try_init(),
        Format::Text => builder.try_init(),
    };
}

/// Runs the sender beside the watcher until `stop`, logging each attempt.
fn deliver(store: &Path, profile: &Profile, stop: &AtomicBool) -> Result<(), String> {
    let mut log = |e: &crate::send::Event| {
        tracing::info!(number = %e.number, state = %e.state, detail = %e.detail, "delivery");
    };
    let result = match crate::send::run(store, profile, crate::send::Mode::Follow, stop, &mut log) {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(format!(
            "another sender is working on {} (its lock is {}.send-lock)",
            store.display(),
            store.display()
        )),
        Err(e) => Err(e.to_string()),
    };
    // Said at once; the watcher itself goes on converting, and the exit code tells at the stop.
    if let Err(e) = &result {
        tracing::error!("delivery stopped: {e}");
    }
    result
}

/// One log line per input file.
fn log_file(r: &FileReport) {
    let (first, last) = r.numbers.clone().unzip();
    tracing::info!(
        file = %r.file,
        outcome = ?r.outcome,
        invoices = r.summary.invoices,
        credit_notes = r.summary.credit_notes,
        existing = r.summary.existing,
        rejected = r.summary.rejected,
        first = first.as_deref().unwrap_or("-"),
        last = last.as_deref().unwrap_or("-"),
        ms = r.ms,
        "file"
    );
}

/// Runs `status`; returns the exit code.
pub fn status(args: StatusArgs) -> u8 {
    let profile = match super::load_profile(&args.config) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let folders = Folders::of(&profile, &args.config);
    let count = |dir: &Path, suffix: &str| -> usize {
        std::fs::read_dir(dir)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        !name.starts_with('.') && name.ends_with(suffix)
                    })
                    .count()
            })
            .unwrap_or(0)
    };
    let waiting = count(&folders.inbox, "") + count(&folders.work, "");
    let failed = count(&folders.failed, ".error.json");
    let store_path = super::store_path(&folders.out, None);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let (series, counts) = if store_path.exists() {
        let store = match Store::open(&store_path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("ublflow: {e}");
                return 2;
            }
        };
        match (store.series(), store.counts(&today)) {
            (Ok(s), Ok(c)) => (s, c),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("ublflow: {e}");
                return 2;
            }
        }
    } else {
        (Vec::new(), Vec::new())
    };
    match args.format {
        Format::Json => {
            let v = serde_json::json!({
                "waiting": waiting,
                "failed": failed,
                "documents": counts.iter().map(|(kind, all, today)| serde_json::json!({
                    "kind": kind, "issued": all, "issued_today": today,
                })).collect::<Vec<_>>(),
                "series": series.iter().map(|(name, last)| serde_json::json!({
                    "series": name, "last": last,
                })).collect::<Vec<_>>(),
            });
            println!("{v}");
        }
        Format::Text => {
            println!("waiting: {waiting} files; failed: {failed} files");
            for (kind, all, today) in &counts {
                println!("{kind}: {all} issued, {today} today (UTC)");
            }
            for (name, last) in &series {
                println!("series {name}: last number {last}");
            }
        }
    }
    0
}
