//! The chronological archive: `archive/YYYY/MM/<number>.xml` below the output folder, written from the store.

use crate::store::{Store, StoreError};
use rayon::prelude::*;
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
pub fn write_file(out: &Path, relative: &str, xml: &[u8]) -> Result<(), ArchiveError> {
    let path = out.join(relative);
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ArchiveError::Io { path, source }
    };
    let dir = path.parent().expect("archive paths have a folder");
    fs::create_dir_all(dir).map_err(io(dir))?;
    let mut f = fs::File::create(&path).map_err(io(&path))?;
    f.write_all(xml).map_err(io(&path))
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

/// One document to put in the archive.
pub struct Entry<'a> {
    /// Document number.
    pub number: &'a str,
    /// Archive path, relative to the output folder.
    pub path: &'a str,
    /// The XML.
    pub xml: &'a [u8],
}

/// Writes committed documents to the archive in parallel, flushes them with one group flush and marks them
/// archived in the store.
pub fn write_and_mark(
    store: &mut Store,
    out: &Path,
    entries: &[Entry],
) -> Result<(), ArchiveError> {
    if entries.is_empty() {
        return Ok(());
    }
    entries
        .par_iter()
        .try_for_each(|e| write_file(out, e.path, e.xml))?;
    flush(out)?;
    store.mark_archived(entries.iter().map(|e| e.number))?;
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
            .iter()
            .map(|(number, path, xml)| Entry { number, path, xml })
            .collect();
        write_and_mark(store, out, &entries)?;
        total += pending.len();
    }
}
