//! The chronological archive: `archive/YYYY/MM/<number>.xml` below the output folder, written from the store.

use crate::store::{Store, StoreError};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Errors writing the archive.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// A file or folder could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The archive path of a document, relative to the output folder.
pub fn relative_path(number: &str, issue_date: chrono::NaiveDate) -> String {
    format!("archive/{}/{number}.xml", issue_date.format("%Y/%m"))
}

/// Writes one archive file, without an fsync of its own.
///
/// No temporary name is needed: a file is only trusted once the store marks it archived, after the group flush,
/// and a file cut short by a crash before that is written again from the store on the next start.
fn write_file(path: &Path, xml: &[u8]) -> Result<(), ArchiveError> {
    let io = |source| ArchiveError::Io {
        path: path.to_owned(),
        source,
    };
    let mut f = fs::File::create(path).map_err(io)?;
    f.write_all(xml).map_err(io)
}

/// Flushes everything written to the file system holding `out` to disk: one group flush for many files.
pub fn flush(out: &Path) -> Result<(), ArchiveError> {
    let dir = fs::File::open(out).map_err(|source| ArchiveError::Io {
        path: out.to_owned(),
        source,
    })?;
    sync_filesystem(&dir).map_err(|source| ArchiveError::Io {
        path: out.to_owned(),
        source,
    })
}

#[cfg(target_os = "linux")]
fn sync_filesystem(dir: &fs::File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: syncfs only reads the descriptor, which `dir` keeps open for the duration of the call.
    if unsafe { libc::syncfs(dir.as_raw_fd()) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn sync_filesystem(_dir: &fs::File) -> std::io::Result<()> {
    // No per-file-system flush here: flush everything.
    // SAFETY: sync takes no arguments and cannot fail.
    unsafe { libc::sync() };
    Ok(())
}

/// One committed document to put in the archive.
pub struct Entry {
    /// Document number.
    pub number: String,
    /// Archive path, relative to the output folder.
    pub path: String,
    /// The XML.
    pub xml: Vec<u8>,
}

/// Writes committed documents to the archive and flushes them with one group flush.
///
/// One thread writes: creating files in one folder from several threads makes them queue on the folder's
/// lock (spinning), which costs more than it gains; the caller runs this beside the other stages instead.
fn write_and_flush(out: &Path, entries: &[Entry]) -> Result<(), ArchiveError> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut made: Option<PathBuf> = None;
    for e in entries {
        let path = out.join(&e.path);
        let dir = path.parent().expect("archive paths have a folder");
        if made.as_deref() != Some(dir) {
            fs::create_dir_all(dir).map_err(|source| ArchiveError::Io {
                path: dir.to_owned(),
                source,
            })?;
            made = Some(dir.to_owned());
        }
        write_file(&path, &e.xml)?;
    }
    flush(out)
}

/// Writes committed documents to the archive, flushes them and marks them archived in the store.
pub fn write_and_mark(
    store: &mut Store,
    out: &Path,
    entries: &[Entry],
) -> Result<(), ArchiveError> {
    write_and_flush(out, entries)?;
    store.mark_archived(entries.iter().map(|e| e.number.as_str()))?;
    Ok(())
}

/// Writes every document the store has not marked archived (left by a crash between commit and flush).
/// Returns how many were written.
pub fn catch_up(store: &mut Store, out: &Path) -> Result<usize, ArchiveError> {
    let mut total = 0;
    loop {
        let pending = store.unarchived(2048)?;
        if pending.is_empty() {
            return Ok(total);
        }
        let entries: Vec<Entry> = pending
            .into_iter()
            .map(|(number, path, xml)| Entry { number, path, xml })
            .collect();
        write_and_mark(store, out, &entries)?;
        total += entries.len();
    }
}

/// Work for the archiver thread.
enum Job {
    /// Committed documents to write, flush and mark.
    Write(Vec<Entry>),
    /// Answer once everything before it is done.
    Barrier(std::sync::mpsc::SyncSender<()>),
}

/// Writes the archive in a thread of its own while the next batches are prepared and committed.
///
/// Batches arrive through a bounded channel, so the committing side waits rather than queuing without limit.
/// The archiver never writes to the store: it hands the numbers of the documents it flushed back
/// ([`Archiver::archived`]), and the committing side marks them archived in its own next transaction. A second
/// writer would wait for the store's lock, which the committing side holds while it renders and validates a
/// batch, and would make every batch one commit (one disk flush) longer.
pub struct Archiver<'scope> {
    jobs: std::sync::mpsc::SyncSender<Job>,
    flushed: std::sync::mpsc::Receiver<Vec<String>>,
    handle: std::thread::ScopedJoinHandle<'scope, Result<(), ArchiveError>>,
}

impl<'scope> Archiver<'scope> {
    /// Starts the archiver.
    pub fn start<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        out: &'env Path,
    ) -> Archiver<'scope> {
        let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(1);
        let (done, flushed) = std::sync::mpsc::channel();
        let handle = scope.spawn(move || {
            for job in queue {
                match job {
                    Job::Write(entries) => {
                        write_and_flush(out, &entries)?;
                        // The committing side may be gone after an error of its own.
                        let _ = done.send(entries.into_iter().map(|e| e.number).collect());
                    }
                    // Everything sent before the barrier is flushed: say so (the waiter may be gone).
                    Job::Barrier(done) => drop(done.send(())),
                }
            }
            Ok(())
        });
        Archiver {
            jobs,
            flushed,
            handle,
        }
    }

    /// Hands over a committed batch; false when the archiver has stopped ([`Archiver::finish`] tells why).
    pub fn send(&self, entries: Vec<Entry>) -> bool {
        self.jobs.send(Job::Write(entries)).is_ok()
    }

    /// Waits until everything handed over so far is flushed; false when the archiver has stopped.
    pub fn barrier(&self) -> bool {
        let (done, wait) = std::sync::mpsc::sync_channel(1);
        self.jobs.send(Job::Barrier(done)).is_ok() && wait.recv().is_ok()
    }

    /// The numbers of the documents flushed since the last call, to be marked archived in the store.
    pub fn archived(&self) -> Vec<String> {
        self.flushed.try_iter().flatten().collect()
    }

    /// Waits until everything handed over is flushed, and returns the numbers not yet collected by
    /// [`Archiver::archived`] or the first error.
    pub fn finish(self) -> Result<Vec<String>, ArchiveError> {
        drop(self.jobs);
        self.handle
            .join()
            .expect("the archiver does not panic")
            .map(|()| self.flushed.try_iter().flatten().collect())
    }
}
