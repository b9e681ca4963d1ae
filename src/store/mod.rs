//! The embedded store (SQLite, WAL): the system of record for issued documents and their numbers.
//!
//! Every issued document's bytes live here, committed in batches together with the numbers they consume, so a
//! crash can lose no issued document and no number. Archive files are written from the store after the commit
//! and marked archived once flushed to disk; documents not yet marked are written again on the next start.

mod outbox;

pub use outbox::{Attempt, Entry, Finish, Queue};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use rust_decimal::Decimal;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The schema version this build writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 3;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("store {path}: {source}")]
    Sqlite {
        /// The database path.
        path: PathBuf,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// A stored document cannot be unpacked.
    #[error("store: document {number} is damaged: {message}")]
    Corrupt {
        /// The document number.
        number: String,
        /// What is wrong.
        message: String,
    },
    /// The database was written by a newer ublflow.
    #[error("store {path}: schema version {found} is newer than this ublflow understands ({SCHEMA_VERSION})")]
    TooNew {
        /// The database path.
        path: PathBuf,
        /// The version found.
        found: i64,
    },
}

/// An issued document as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// Document number.
    pub number: String,
    /// Issue date, `YYYY-MM-DD`.
    pub issue_date: String,
    /// Digest of the order it was made from.
    pub digest: Vec<u8>,
    /// Archive path, relative to the output folder.
    pub archive_path: String,
    /// Invoice total with VAT (BT-112).
    pub total: Decimal,
}

/// A document to insert at commit.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    /// Document number.
    pub number: &'a str,
    /// Series the number belongs to.
    pub series: &'a str,
    /// Sequence number within the series.
    pub seq: u64,
    /// `invoice` or `credit-note`.
    pub kind: &'a str,
    /// The order (or refund) id.
    pub order_id: &'a str,
    /// Digest of the order.
    pub digest: &'a [u8],
    /// Issue date, `YYYY-MM-DD`.
    pub issue_date: &'a str,
    /// Archive path, relative to the output folder.
    pub archive_path: &'a str,
    /// Invoice total with VAT (BT-112).
    pub total: Decimal,
    /// For a credit note: the number of the invoice it corrects.
    pub credits: Option<&'a str>,
    /// The UBL XML, packed with [`pack`] (callers pack in parallel, off the commit path).
    pub packed_xml: &'a Packed,
}

/// A document packed for the store by [`pack`].
#[derive(Debug)]
pub struct Packed(Vec<u8>);

/// The packing [`pack`] writes, kept in each document's `packing` column: 0 is LZ4 alone (stores of schema 2
/// and older), 1 is LZ4 with [`PACK_DICTIONARY_1`].
const PACKING: i64 = 1;

/// The dictionary of packing 1: an invoice and a credit note as ublflow writes them, for made-up parties, so
/// that what every document repeats (namespaces, element names, identifiers of the specification) costs a few
/// bytes. Documents packed with it can only be read with the very same bytes: it never changes (a test holds
/// its digest); a better dictionary would be packing 2.
const PACK_DICTIONARY_1: &[u8] = include_bytes!("pack-dict-1.xml");

/// Packs a document for the store: LZ4 with a dictionary. UBL XML shrinks about 4.8-fold, and the store's
/// writes with it (LZ4 alone: 2.5-fold).
pub fn pack(xml: &[u8]) -> Packed {
    Packed(lz4_flex::block::compress_prepend_size_with_dict(
        xml,
        PACK_DICTIONARY_1,
    ))
}

/// Unpacks a stored document packed with `packing` (see [`PACKING`]).
fn unpack(packed: &[u8], packing: i64, number: &str) -> Result<Vec<u8>, StoreError> {
    let corrupt = |message: String| StoreError::Corrupt {
        number: number.to_owned(),
        message,
    };
    match packing {
        0 => lz4_flex::block::decompress_size_prepended(packed),
        1 => lz4_flex::block::decompress_size_prepended_with_dict(packed, PACK_DICTIONARY_1),
        other => {
            return Err(corrupt(format!(
                "unknown packing {other} (written by a newer ublflow?)"
            )))
        }
    }
    .map_err(|e| corrupt(e.to_string()))
}

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store at `path`, in WAL mode with full synchronous commits.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let wrap = |source| StoreError::Sqlite {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(wrap)?;
        conn.busy_timeout(Duration::from_secs(120)).map_err(wrap)?;
        // Larger pages: a packed document fits in one page with its neighbours, so fewer pages are written.
        // (Only takes effect when the database is created.)
        conn.pragma_update(None, "page_size", 16384).map_err(wrap)?;
        set_wal(&conn).map_err(wrap)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(wrap)?;
        let mut store = Store {
            conn,
            path: path.to_owned(),
        };
        store.migrate()?;
        Ok(store)
    }

    fn wrap(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self_wrap(&self.path, e))?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self_wrap(&self.path, e))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
            });
        }
        if version < 1 {
            tx.execute_batch(
                "CREATE TABLE series (
                    name TEXT PRIMARY KEY,
                    last INTEGER NOT NULL
                 );
                 CREATE TABLE documents (
                    number TEXT PRIMARY KEY,
                    series TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    order_id TEXT NOT NULL,
                    digest BLOB NOT NULL,
                    issue_date TEXT NOT NULL,
                    archive_path TEXT NOT NULL,
                    total TEXT NOT NULL,
                    credits TEXT,
                    xml BLOB NOT NULL,
                    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                    UNIQUE (series, seq),
                    UNIQUE (kind, order_id)
                 );
                 CREATE INDEX documents_credits ON documents (credits) WHERE credits IS NOT NULL;
                 -- Documents committed but not yet known to be in the archive on disk. A small table of its
                 -- own, so marking a batch archived rewrites a few small pages, not every document's row.
                 CREATE TABLE unarchived (number TEXT PRIMARY KEY) WITHOUT ROWID;",
            )
            .and_then(|()| tx.execute_batch(outbox::SCHEMA))
            .and_then(|()| tx.execute_batch("PRAGMA user_version = 1;"))
            .map_err(|e| self_wrap(&self.path, e))?;
        }
        if version < 2 {
            tx.execute_batch(
                "-- What the refunds of a shop order need from it (input::RefundBase), kept with its invoice so that
                 -- a refund exported in a later run is credited against it.
                 CREATE TABLE refund_bases (
                    key TEXT PRIMARY KEY,
                    number TEXT NOT NULL REFERENCES documents (number),
                    data BLOB NOT NULL
                 );
                 PRAGMA user_version = 2;",
            )
            .map_err(|e| self_wrap(&self.path, e))?;
        }
        if version < 3 {
            tx.execute_batch(
                "-- How xml is packed (store::unpack): the documents stored so far with LZ4 alone (0).
                 ALTER TABLE documents ADD COLUMN packing INTEGER NOT NULL DEFAULT 0;
                 PRAGMA user_version = 3;",
            )
            .map_err(|e| self_wrap(&self.path, e))?;
        }
        tx.commit().map_err(|e| self_wrap(&self.path, e))
    }

    /// Whether each commit of this connection waits for the disk (`synchronous=FULL`, the default) or only
    /// for the operating system (`synchronous=NORMAL`): then commits survive a crash of the process, and a
    /// power cut can roll back the last ones, never leaving the store inconsistent.
    pub fn sync_each_commit(&self, full: bool) -> Result<(), StoreError> {
        let mode = if full { "FULL" } else { "NORMAL" };
        self.conn
            .pragma_update(None, "synchronous", mode)
            .map_err(|e| self.wrap(e))
    }

    /// Starts a write transaction that holds the store's write lock until commit or drop.
    pub fn begin(&mut self) -> Result<Txn<'_>, StoreError> {
        let path = &self.path;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self_wrap(path, e))?;
        Ok(Txn {
            tx,
            path,
            seqs: RefCell::new(HashMap::new()),
        })
    }

    /// Up to `limit` documents whose archive file is not yet known to be on disk: (number, archive path, XML).
    pub fn unarchived(&self, limit: usize) -> Result<Vec<(String, String, Vec<u8>)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT d.number, d.archive_path, d.xml, d.packing FROM unarchived u
                 JOIN documents d ON d.number = u.number LIMIT ?1",
            )
            .map_err(|e| self.wrap(e))?;
        let rows = stmt
            .query_map([limit as i64], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .map_err(|e| self.wrap(e))?;
        rows.map(|row| {
            let (number, path, packed, packing) = row.map_err(|e| self.wrap(e))?;
            let xml = unpack(&packed, packing, &number)?;
            Ok((number, path, xml))
        })
        .collect()
    }

    /// The stored XML of a document.
    pub fn xml(&self, number: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let packed: Option<(Vec<u8>, i64)> = self
            .conn
            .query_row(
                "SELECT xml, packing FROM documents WHERE number = ?1",
                [number],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.wrap(e))?;
        packed
            .map(|(p, packing)| unpack(&p, packing, number))
            .transpose()
    }

    /// The refund data kept with an invoice under a shop's order key (see [`Txn::keep_refund_base`]).
    pub fn refund_base(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.conn
            .prepare_cached("SELECT data FROM refund_bases WHERE key = ?1")
            .and_then(|mut s| s.query_row([key], |r| r.get(0)).optional())
            .map_err(|e| self.wrap(e))
    }

    /// The last number taken in each series, by series name.
    pub fn series(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, last FROM series ORDER BY name")
            .map_err(|e| self.wrap(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(|e| self.wrap(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.wrap(e))
    }

    /// How many documents of each kind were issued in all, and how many since `since` (UTC, `YYYY-MM-DD`).
    pub fn counts(&self, since: &str) -> Result<Vec<(String, u64, u64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT kind, count(*), sum(created_at >= ?1) FROM documents GROUP BY kind ORDER BY kind",
            )
            .map_err(|e| self.wrap(e))?;
        let rows = stmt
            .query_map([since], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)? as u64,
                    r.get::<_, i64>(2)? as u64,
                ))
            })
            .map_err(|e| self.wrap(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.wrap(e))
    }

    /// Marks documents as archived, once their files are flushed to disk.
    pub fn mark_archived<'a>(
        &mut self,
        numbers: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), StoreError> {
        let path = &self.path;
        let tx = self.conn.transaction().map_err(|e| self_wrap(path, e))?;
        delete_unarchived(&tx, numbers).map_err(|e| self_wrap(path, e))?;
        tx.commit().map_err(|e| self_wrap(path, e))
    }
}

fn delete_unarchived<'a>(
    conn: &rusqlite::Connection,
    numbers: impl IntoIterator<Item = &'a str>,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached("DELETE FROM unarchived WHERE number = ?1")?;
    for n in numbers {
        stmt.execute([n])?;
    }
    Ok(())
}

/// Reads a decimal stored as text.
fn decimal(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Decimal> {
    let text: String = r.get(i)?;
    text.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Puts the database in WAL mode (kept in the file, so this is once per store). Changing the
/// journal mode does not wait for other connections as statements do (`busy_timeout`): setting it
/// on a store another process is writing fails at once with "database is locked". So the mode is
/// only set when it is not WAL yet, and then retried while the store is busy, up to the same
/// 120 s a statement would wait (two processes creating one store at the same moment).
fn set_wal(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
        if mode.eq_ignore_ascii_case("wal") {
            return Ok(());
        }
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

fn self_wrap(path: &Path, source: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.to_owned(),
        source,
    }
}

/// A write transaction: look-ups see what it inserted before.
pub struct Txn<'a> {
    tx: rusqlite::Transaction<'a>,
    path: &'a Path,
    /// The last number handed out in each series this transaction used, written back at commit: the
    /// transaction holds the store's write lock, so no other writer can move a series meanwhile.
    seqs: RefCell<HashMap<String, u64>>,
}

impl Txn<'_> {
    fn wrap(&self, source: rusqlite::Error) -> StoreError {
        self_wrap(self.path, source)
    }

    /// Marks documents as archived (their files flushed to disk), with this transaction.
    pub fn mark_archived<'a>(
        &self,
        numbers: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), StoreError> {
        delete_unarchived(&self.tx, numbers).map_err(|e| self.wrap(e))
    }

    /// The document already issued for an order of this kind, if any.
    pub fn find(&self, kind: &str, order_id: &str) -> Result<Option<Issued>, StoreError> {
        self.tx
            .prepare_cached(
                "SELECT number, issue_date, digest, archive_path, total FROM documents WHERE kind = ?1 AND order_id = ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![kind, order_id], |r| {
                    Ok(Issued {
                        number: r.get(0)?,
                        issue_date: r.get(1)?,
                        digest: r.get(2)?,
                        archive_path: r.get(3)?,
                        total: decimal(r, 4)?,
                    })
                })
                .optional()
            })
            .map_err(|e| self.wrap(e))
    }

    /// The sum of the totals of the credit notes issued against an invoice.
    pub fn credited(&self, invoice_number: &str) -> Result<Decimal, StoreError> {
        self.tx
            .prepare_cached("SELECT total FROM documents WHERE credits = ?1")
            .and_then(|mut s| {
                s.query_map([invoice_number], |r| decimal(r, 0))?
                    .sum::<Result<Decimal, _>>()
            })
            .map_err(|e| self.wrap(e))
    }

    /// Takes the next number of a series (gap-free: it is only kept if the transaction commits).
    pub fn next_seq(&self, series: &str) -> Result<u64, StoreError> {
        let mut seqs = self.seqs.borrow_mut();
        if let Some(last) = seqs.get_mut(series) {
            *last += 1;
            return Ok(*last);
        }
        let last: Option<i64> = self
            .tx
            .prepare_cached("SELECT last FROM series WHERE name = ?1")
            .and_then(|mut s| s.query_row([series], |r| r.get(0)).optional())
            .map_err(|e| self.wrap(e))?;
        let next = last.unwrap_or(0) as u64 + 1;
        seqs.insert(series.to_owned(), next);
        Ok(next)
    }

    /// Records an issued document.
    pub fn insert(&self, d: &NewDocument) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO documents
                    (number, series, seq, kind, order_id, digest, issue_date, archive_path, total, credits, xml,
                     packing)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    d.number,
                    d.series,
                    d.seq as i64,
                    d.kind,
                    d.order_id,
                    d.digest,
                    d.issue_date,
                    d.archive_path,
                    d.total.to_string(),
                    d.credits,
                    d.packed_xml.0,
                    PACKING
                ])?;
                self.tx
                    .prepare_cached("INSERT INTO unarchived (number) VALUES (?1)")?
                    .execute([d.number])
            })
            .map(|_| ())
            .map_err(|e| self.wrap(e))
    }

    /// Keeps what the refunds of a shop order need with its invoice `number`, under the shop's order `key`.
    /// The first one kept stays: an invoice, once issued, does not change.
    pub fn keep_refund_base(&self, key: &str, number: &str, data: &[u8]) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO refund_bases (key, number, data) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![key, number, data]))
            .map(|_| ())
            .map_err(|e| self.wrap(e))
    }

    /// Commits: the numbers taken and the documents inserted become durable together.
    pub fn commit(self) -> Result<(), StoreError> {
        let path = self.path;
        let wrap = |e| self_wrap(path, e);
        for (series, last) in self.seqs.take() {
            self.tx
                .prepare_cached(
                    "INSERT INTO series (name, last) VALUES (?1, ?2)
                     ON CONFLICT (name) DO UPDATE SET last = excluded.last",
                )
                .and_then(|mut s| s.execute(params![series, last as i64]))
                .map_err(wrap)?;
        }
        self.tx.commit().map_err(wrap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionary_of_packing_1_never_changes() {
        use sha2::{Digest, Sha256};
        let digest: String = Sha256::digest(PACK_DICTIONARY_1)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        // Documents packed with it are only readable with these exact bytes.
        assert_eq!(
            digest,
            "8372ccd62aaf7aeea0dbf069f80e4bd43f25f54600e30d4ad3a26a3f2bfa896f"
        );
    }

    #[test]
    fn packed_documents_come_back_byte_for_byte_and_an_unknown_packing_is_an_error() {
        let xml = include_bytes!("../../fixtures/expected/credit-note/CN-2026-000001.xml");
        let packed = pack(xml);
        assert!(packed.0.len() * 4 < xml.len(), "{} bytes", packed.0.len());
        assert_eq!(unpack(&packed.0, PACKING, "CN-1").unwrap(), xml);
        let plain = lz4_flex::block::compress_prepend_size(xml);
        assert_eq!(unpack(&plain, 0, "CN-1").unwrap(), xml);
        let err = unpack(&packed.0, 7, "CN-1").unwrap_err().to_string();
        assert!(err.contains("unknown packing 7"), "{err}");
    }
}
