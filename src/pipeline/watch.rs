//! `watch`: a folder becomes the queue of work. Files dropped into the inbox are claimed (moved to the work
//! folder), converted, and moved to `done/` once every document they produced is archived, or to `failed/`
//! with a report beside them. The store makes it exactly once: an order already invoiced is recognised
//! whatever file it comes in, so a file redone after a crash or dropped twice issues nothing new.
//!
//! When a file is complete: a file renamed into the inbox (write under a temporary name, then rename) or
//! closed by its writer is taken at once when file-system events are used; otherwise, and always when
//! polling, a file is taken once it has not changed for `settle` (size and modification time). Names that
//! start with `.` or end in `.tmp`, `.part`, `.partial`, `.crdownload`, `.swp` or `~` are never taken.

use super::batch::{self, ConvertError, Outcome, Session, Summary};
use crate::config::Profile;
use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind, RenameMode};
use notify::Watcher;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

/// Where and how to watch.
pub struct WatchOptions<'a> {
    /// The inbox.
    pub inbox: &'a Path,
    /// The work folder (claimed files).
    pub work: &'a Path,
    /// Output folder (archive below it).
    pub out: &'a Path,
    /// The store.
    pub store: &'a Path,
    /// Consumed inputs.
    pub done: &'a Path,
    /// Rejected inputs with their reports.
    pub failed: &'a Path,
    /// The seller profile.
    pub profile: &'a Profile,
    /// Poll interval; `None` waits for file-system events.
    pub poll: Option<Duration>,
    /// How long a file written in place must stay unchanged.
    pub settle: Duration,
    /// Set to stop: the file being converted is finished, then `watch` returns.
    pub stop: &'a AtomicBool,
}

/// Errors that stop the watcher.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// Another watcher holds the work folder.
    #[error("another `ublflow watch` is already running on {0} (its lock is held); only one may watch a folder")]
    Locked(PathBuf),
    /// A folder could not be created, listed or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// File-system events could not be set up.
    #[error("cannot watch {path}: {message} (try --poll SECONDS)")]
    Notify {
        /// The inbox.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// Conversion failed as a whole (store or archive).
    #[error(transparent)]
    Convert(#[from] ConvertError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WatchError + '_ {
    move |source| WatchError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What became of one input file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileOutcome {
    /// Every order has its document; the file is in `done/`.
    Converted,
    /// Every order had its document already (the same file, or its orders, dropped again); in `done/`.
    Duplicate,
    /// Some or all orders were rejected; the file and its report are in `failed/`.
    Failed,
}

/// The report of one input file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileReport {
    /// The file's name.
    pub file: String,
    /// What became of it.
    pub outcome: FileOutcome,
    /// Counts for this file.
    pub summary: Summary,
    /// Numbers issued for it, first and last.
    pub numbers: Option<(String, String)>,
    /// Milliseconds from claiming the file to its move out of the work folder.
    pub ms: u64,
}

/// Watches until `opts.stop` is set; `on_file` hears of each input file as it is finished.
pub fn watch(
    opts: &WatchOptions,
    on_file: &mut dyn FnMut(&FileReport),
) -> Result<Summary, WatchError> {
    for dir in [opts.inbox, opts.work, opts.out, opts.done, opts.failed] {
        fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let _lock = lock(opts.work)?;
    let (wake, woken) = mpsc::sync_channel::<PathBuf>(4096);
    let mut complete: HashSet<PathBuf> = HashSet::new();
    // Keep the watcher alive for the whole run.
    let _events = match opts.poll {
        Some(_) => None,
        None => Some(events(opts.inbox, wake)?),
    };
    let convert_opts = batch::Options {
        inputs: &[],
        out: opts.out,
        store: opts.store,
        profile: opts.profile,
        batch_size: 1000,
        input_format: None,
        bytes_read: None,
    };
    let mut failure = None;
    let summary = batch::with_session(&convert_opts, |session| {
        // Files a crash left in the work folder come first: their orders already issued are recognised.
        for file in sorted_files(opts.work).map_err(|e| ConvertError::Input {
            path: opts.work.to_owned(),
            message: e.to_string(),
        })? {
            finish_file(session, opts, &file, on_file).map_err(|e| keep(&mut failure, e))?;
        }
        let mut seen: HashMap<PathBuf, (u64, SystemTime, Instant)> = HashMap::new();
        while !opts.stop.load(Ordering::SeqCst) {
            let ready =
                ready_files(opts, &mut complete, &mut seen).map_err(|e| keep(&mut failure, e))?;
            for file in ready {
                if opts.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Some(claimed) = claim(opts, &file).map_err(|e| keep(&mut failure, e))? else {
                    continue;
                };
                finish_file(session, opts, &claimed, on_file).map_err(|e| keep(&mut failure, e))?;
            }
            wait(opts, &woken, &mut complete);
        }
        Ok(())
    });
    match (summary, failure) {
        (_, Some(e)) => Err(e),
        (Ok(s), None) => Ok(s),
        (Err(e), None) => Err(e.into()),
    }
}

/// Remembers a watcher error that has to cross the conversion session, which only carries its own errors.
fn keep(slot: &mut Option<WatchError>, e: WatchError) -> ConvertError {
    let message = e.to_string();
    *slot = Some(e);
    ConvertError::Input {
        path: PathBuf::new(),
        message,
    }
}

/// Takes the watcher lock of a work folder (an advisory lock, released when the process ends, even by a crash).
fn lock(work: &Path) -> Result<fs::File, WatchError> {
    let path = work.join(".ublflow-watch.lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io(&path))?;
    use std::os::fd::AsRawFd;
    // SAFETY: flock only reads the descriptor, which `file` keeps open.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        return Err(WatchError::Locked(work.to_owned()));
    }
    Ok(file)
}

/// Starts file-system events on the inbox; each event wakes the loop with its path.
fn events(
    inbox: &Path,
    wake: mpsc::SyncSender<PathBuf>,
) -> Result<notify::RecommendedWatcher, WatchError> {
    let notify_error = |e: notify::Error| WatchError::Notify {
        path: inbox.to_owned(),
        message: e.to_string(),
    };
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        let finished = matches!(
            event.kind,
            EventKind::Access(AccessKind::Close(AccessMode::Write))
                | EventKind::Modify(ModifyKind::Name(RenameMode::To))
                | EventKind::Modify(ModifyKind::Name(RenameMode::Both))
        );
        for path in event.paths {
            // A full queue only drops wake-ups: the next scan of the inbox still sees every file.
            let marked = if finished { path } else { PathBuf::new() };
            let _ = wake.try_send(marked);
        }
    })
    .map_err(notify_error)?;
    watcher
        .watch(inbox, notify::RecursiveMode::NonRecursive)
        .map_err(notify_error)?;
    Ok(watcher)
}

/// Waits for an event, the poll interval or a stop, whichever comes first.
fn wait(opts: &WatchOptions, woken: &mpsc::Receiver<PathBuf>, complete: &mut HashSet<PathBuf>) {
    let deadline = Instant::now()
        + opts
            .poll
            .unwrap_or(opts.settle.min(Duration::from_millis(500)));
    while !opts.stop.load(Ordering::SeqCst) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        match woken.recv_timeout(left.min(Duration::from_millis(100))) {
            Ok(path) => {
                if !path.as_os_str().is_empty() {
                    complete.insert(path);
                }
                while let Ok(path) = woken.try_recv() {
                    if !path.as_os_str().is_empty() {
                        complete.insert(path);
                    }
                }
                return;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                std::thread::sleep(left.min(Duration::from_millis(100)))
            }
        }
    }
}

/// Whether a name follows a convention for files still being written.
fn in_progress(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || [".tmp", ".part", ".partial", ".crdownload", ".swp"]
            .iter()
            .any(|ext| {
                name.len() > ext.len() && name[name.len() - ext.len()..].eq_ignore_ascii_case(ext)
            })
}

/// Regular files of a folder in name order, skipping in-progress names.
fn sorted_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !in_progress(n))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// The inbox files that are complete, in name order.
fn ready_files(
    opts: &WatchOptions,
    complete: &mut HashSet<PathBuf>,
    seen: &mut HashMap<PathBuf, (u64, SystemTime, Instant)>,
) -> Result<Vec<PathBuf>, WatchError> {
    let files = sorted_files(opts.inbox).map_err(io(opts.inbox))?;
    let now = Instant::now();
    let mut ready = Vec::new();
    let present: HashSet<&PathBuf> = files.iter().collect();
    seen.retain(|p, _| present.contains(p));
    complete.retain(|p| present.contains(p));
    for file in &files {
        if complete.contains(file) {
            ready.push(file.clone());
            continue;
        }
        let Ok(meta) = fs::metadata(file) else {
            continue;
        };
        let stamp = (
            meta.len(),
            meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        );
        let quiet_on_disk = meta
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age >= opts.settle);
        match seen.get(file) {
            Some(&(len, modified, since)) if (len, modified) == stamp => {
                if quiet_on_disk || now.duration_since(since) >= opts.settle {
                    ready.push(file.clone());
                }
            }
            _ => {
                seen.insert(file.clone(), (stamp.0, stamp.1, now));
                if quiet_on_disk {
                    ready.push(file.clone());
                }
            }
        }
    }
    Ok(ready)
}

/// Moves an inbox file into the work folder; `None` when it vanished (taken or removed meanwhile).
fn claim(opts: &WatchOptions, file: &Path) -> Result<Option<PathBuf>, WatchError> {
    let name = file.file_name().expect("inbox entries have names");
    let mut target = opts.work.join(name);
    let mut n = 1;
    while target.exists() {
        target = opts.work.join(format!("{}.{n}", name.to_string_lossy()));
        n += 1;
    }
    match fs::rename(file, &target) {
        Ok(()) => Ok(Some(target)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(WatchError::Io {
            path: file.to_owned(),
            source: e,
        }),
    }
}

/// Converts a claimed file, waits until its documents are archived, then moves it to done/ or failed/.
fn finish_file(
    session: &mut Session,
    opts: &WatchOptions,
    file: &Path,
    on_file: &mut dyn FnMut(&FileReport),
) -> Result<(), WatchError> {
    let started = Instant::now();
    let mut rejected = Vec::new();
    let mut numbers: Option<(String, String)> = None;
    let summary = session.convert_file(file, &mut |o| match o {
        Outcome::Rejected { .. } => rejected.push(o.clone()),
        Outcome::Document {
            number,
            existing: false,
            ..
        } => match &mut numbers {
            Some((_, last)) => *last = number.clone(),
            None => numbers = Some((number.clone(), number.clone())),
        },
        Outcome::Document { .. } | Outcome::Skipped { .. } => {}
    })?;
    session.wait_archived()?;
    let name = file.file_name().expect("work files have names").to_owned();
    let outcome = if summary.rejected > 0 {
        let report = opts
            .failed
            .join(format!("{}.error.json", name.to_string_lossy()));
        let text = serde_json::to_vec_pretty(&serde_json::json!({
            "file": name.to_string_lossy(),
            "rejected": rejected,
            "summary": summary,
        }))
        .expect("a report serialises");
        write_synced(&report, &text)?;
        move_synced(file, &opts.failed.join(&name))?;
        FileOutcome::Failed
    } else {
        move_synced(file, &opts.done.join(&name))?;
        if summary.invoices + summary.credit_notes == 0 {
            FileOutcome::Duplicate
        } else {
            FileOutcome::Converted
        }
    };
    on_file(&FileReport {
        file: name.to_string_lossy().into_owned(),
        outcome,
        summary,
        numbers,
        ms: started.elapsed().as_millis() as u64,
    });
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), WatchError> {
    use std::io::Write;
    let mut f = fs::File::create(path).map_err(io(path))?;
    f.write_all(bytes).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

/// Moves a file (replacing one of the same name) and makes the move durable.
fn move_synced(from: &Path, to: &Path) -> Result<(), WatchError> {
    fs::rename(from, to).map_err(io(from))?;
    let dir = to.parent().expect("a folder");
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_of_files_still_being_written_are_recognised() {
        for name in [
            ".orders.json",
            "orders.json.tmp",
            "orders.csv.part",
            "a.PARTIAL",
            "x.crdownload",
            "o.json~",
        ] {
            assert!(super::in_progress(name), "{name}");
        }
        for name in ["orders.json", "orders.csv", "tmp.json", "part.csv"] {
            assert!(!super::in_progress(name), "{name}");
        }
    }
}
