//! The outbox: documents waiting for delivery, their state, and every delivery attempt.
//!
//! A document is queued in the transaction that commits its number ([`Txn::queue`]), so an issued document is
//! never left unqueued and nothing uncommitted is ever sent. States:
//!
//! - `queued`: waiting for its first attempt;
//! - `sending`: an attempt has started (recorded and committed before the first byte goes out);
//! - `retry`: the last attempt failed transiently; `next_at` says when to try again;
//! - `delivered`: the peer acknowledged it (`ack`: the SMTP reply or the portal's response id);
//! - `failed`: permanently refused or given up (`last_error` says why);
//! - `cancelled`: withdrawn by the user.
//!
//! Only one sender works on a store at a time (see `send::Lock`), so a row left `sending` belongs to a sender that
//! stopped mid-attempt and is due again at once.

use super::{self_wrap, Store, StoreError, Txn};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// The outbox tables (part of schema version 1).
pub(super) const SCHEMA: &str = "
    CREATE TABLE outbox (
        number TEXT PRIMARY KEY REFERENCES documents (number),
        channel TEXT NOT NULL,
        recipient TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        since INTEGER NOT NULL,
        next_at INTEGER NOT NULL,
        last_error TEXT,
        ack TEXT,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX outbox_due ON outbox (next_at) WHERE state IN ('queued', 'retry', 'sending');
    CREATE INDEX outbox_state ON outbox (state, number);
    CREATE TABLE attempts (
        number TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        outcome TEXT NOT NULL,
        detail TEXT,
        PRIMARY KEY (number, attempt)
    ) WITHOUT ROWID;
";

/// A route to queue with a new document.
#[derive(Debug, Clone, Copy)]
pub struct Queue<'a> {
    /// The document number.
    pub number: &'a str,
    /// `email` or `portal`.
    pub channel: &'a str,
    /// E-mail address or Peppol participant id.
    pub recipient: &'a str,
    /// When routing already knows the document cannot be delivered: queued as `failed` with this reason.
    pub failed: Option<&'a str>,
    /// Now, in milliseconds since the Unix epoch.
    pub now_ms: i64,
}

/// One outbox row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The document number.
    pub number: String,
    /// `email` or `portal`.
    pub channel: String,
    /// E-mail address or Peppol participant id.
    pub recipient: String,
    /// `queued`, `sending`, `retry`, `delivered`, `failed` or `cancelled`.
    pub state: String,
    /// Attempts since queueing (or the last manual retry), counted against the limit.
    pub attempts: u32,
    /// Attempts in all.
    pub total: u32,
    /// Queued (or retried by hand) at, ms since the epoch.
    pub since_ms: i64,
    /// Next attempt at, ms since the epoch.
    pub next_at_ms: i64,
    /// The last error or the reason of the failure.
    pub last_error: Option<String>,
    /// The peer's acknowledgement.
    pub ack: Option<String>,
}

/// One recorded attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// 1-based, over the document's whole history.
    pub attempt: u32,
    /// Started at, ms since the epoch.
    pub started_ms: i64,
    /// Finished at, ms since the epoch (none while sending, or when the sender stopped mid-attempt).
    pub finished_ms: Option<i64>,
    /// `sending`, `delivered`, `retry`, `failed` or `interrupted`.
    pub outcome: String,
    /// Acknowledgement or error.
    pub detail: Option<String>,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    /// Acknowledged by the peer.
    Delivered(String),
    /// Try again at `next_at_ms`.
    Retry {
        /// Next attempt, ms since the epoch.
        next_at_ms: i64,
        /// What went wrong.
        error: String,
    },
    /// Permanently failed.
    Failed(String),
}

const COLUMNS: &str =
    "number, channel, recipient, state, attempts, total, since, next_at, last_error, ack";

fn entry(r: &rusqlite::Row) -> rusqlite::Result<Entry> {
    Ok(Entry {
        number: r.get(0)?,
        channel: r.get(1)?,
        recipient: r.get(2)?,
        state: r.get(3)?,
        attempts: r.get(4)?,
        total: r.get(5)?,
        since_ms: r.get(6)?,
        next_at_ms: r.get(7)?,
        last_error: r.get(8)?,
        ack: r.get(9)?,
    })
}

impl Txn<'_> {
    /// Queues a newly inserted document for delivery (in the transaction that commits its number).
    pub fn queue(&self, q: &Queue) -> Result<(), StoreError> {
        let state = if q.failed.is_some() {
            "failed"
        } else {
            "queued"
        };
        self.tx
            .prepare_cached(
                "INSERT INTO outbox (number, channel, recipient, state, since, next_at, last_error, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?5)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    q.number,
                    q.channel,
                    q.recipient,
                    state,
                    q.now_ms,
                    q.failed
                ])
            })
            .map(|_| ())
            .map_err(|e| self.wrap(e))
    }

    /// The channel and recipient a document was queued with (credit notes follow their invoice).
    pub fn route_of(&self, number: &str) -> Result<Option<(String, String)>, StoreError> {
        self.tx
            .prepare_cached("SELECT channel, recipient FROM outbox WHERE number = ?1")
            .and_then(|mut s| {
                s.query_row([number], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(|e| self.wrap(e))
    }
}

impl Store {
    /// Up to `limit` documents due at `now_ms`: queued, retry whose time has come, and any left `sending`;
    /// only documents whose archive file is on disk (nothing unarchived is ever sent).
    pub fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<Entry>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox WHERE state IN ('queued', 'retry', 'sending') AND next_at <= ?1
                 AND number NOT IN (SELECT number FROM unarchived)
             ORDER BY next_at, number LIMIT ?2"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.wrap(e))?;
        let rows = stmt
            .query_map(params![now_ms, limit as i64], entry)
            .map_err(|e| self.wrap(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.wrap(e))
    }

    /// How many archived documents are pending (queued, retry or sending); with `due_at`, only those due then
    /// (the documents [`Store::due`] gives at that time).
    pub fn pending_count(&self, due_at: Option<i64>) -> Result<u64, StoreError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM outbox WHERE state IN ('queued', 'retry', 'sending')
                     AND (?1 IS NULL OR next_at <= ?1) AND number NOT IN (SELECT number FROM unarchived)",
                [due_at],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(|e| self.wrap(e))
    }

    /// When the next pending document falls due (none when nothing is pending).
    pub fn next_due(&self) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row(
                "SELECT min(next_at) FROM outbox WHERE state IN ('queued', 'retry', 'sending')",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.wrap(e))
    }

    /// Records the start of an attempt and marks the document `sending`; durable before anything is sent.
    /// Returns the attempt's number, or `None` when the document is no longer pending (cancelled meanwhile).
    /// An attempt left open by a stopped sender is closed as `interrupted`.
    pub fn start_attempt(&mut self, number: &str, now_ms: i64) -> Result<Option<u32>, StoreError> {
        let path = &self.path;
        let w = |e| self_wrap(path, e);
        let tx = self.conn.transaction().map_err(w)?;
        tx.prepare_cached(
            "UPDATE attempts SET outcome = 'interrupted', detail = 'the sender stopped during this attempt'
             WHERE number = ?1 AND outcome = 'sending'",
        )
        .and_then(|mut s| s.execute([number]))
        .map_err(w)?;
        let total: Option<u32> = tx
            .prepare_cached(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1, total = total + 1, updated_at = ?2
                 WHERE number = ?1 AND state IN ('queued', 'retry', 'sending') RETURNING total",
            )
            .and_then(|mut s| s.query_row(params![number, now_ms], |r| r.get(0)).optional())
            .map_err(w)?;
        let Some(total) = total else {
            return Ok(None);
        };
        tx.prepare_cached(
            "INSERT INTO attempts (number, attempt, started_at, outcome) VALUES (?1, ?2, ?3, 'sending')",
        )
        .and_then(|mut s| s.execute(params![number, total, now_ms]))
        .map_err(w)?;
        tx.commit().map_err(w)?;
        Ok(Some(total))
    }

    /// Records how an attempt ended and moves the document on.
    pub fn finish_attempt(
        &mut self,
        number: &str,
        attempt: u32,
        finish: &Finish,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let path = &self.path;
        let w = |e| self_wrap(path, e);
        let (state, detail, next_at) = match finish {
            Finish::Delivered(ack) => ("delivered", ack.as_str(), now_ms),
            Finish::Retry { next_at_ms, error } => ("retry", error.as_str(), *next_at_ms),
            Finish::Failed(reason) => ("failed", reason.as_str(), now_ms),
        };
        let delivered = matches!(finish, Finish::Delivered(_));
        let tx = self.conn.transaction().map_err(w)?;
        tx.prepare_cached(
            "UPDATE attempts SET finished_at = ?3, outcome = ?4, detail = ?5 WHERE number = ?1 AND attempt = ?2",
        )
        .and_then(|mut s| s.execute(params![number, attempt, now_ms, state, detail]))
        .map_err(w)?;
        tx.prepare_cached(
            "UPDATE outbox SET state = ?2, next_at = ?3, updated_at = ?4,
                 ack = CASE WHEN ?5 THEN ?6 ELSE ack END,
                 last_error = CASE WHEN ?5 THEN last_error ELSE ?6 END
             WHERE number = ?1",
        )
        .and_then(|mut s| s.execute(params![number, state, next_at, now_ms, delivered, detail]))
        .map_err(w)?;
        tx.commit().map_err(w)
    }

    /// Outbox rows, optionally of one state, in number order.
    pub fn outbox(&self, state: Option<&str>) -> Result<Vec<Entry>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM outbox WHERE ?1 IS NULL OR state = ?1 ORDER BY number");
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.wrap(e))?;
        let rows = stmt.query_map([state], entry).map_err(|e| self.wrap(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.wrap(e))
    }

    /// Counts of outbox rows by state.
    pub fn outbox_counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT state, count(*) FROM outbox GROUP BY state ORDER BY state")
            .map_err(|e| self.wrap(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
            .map_err(|e| self.wrap(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.wrap(e))
    }

    /// One document's outbox row and its attempts.
    pub fn outbox_entry(&self, number: &str) -> Result<Option<(Entry, Vec<Attempt>)>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM outbox WHERE number = ?1");
        let Some(e) = self
            .conn
            .query_row(&sql, [number], entry)
            .optional()
            .map_err(|e| self.wrap(e))?
        else {
            return Ok(None);
        };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT attempt, started_at, finished_at, outcome, detail FROM attempts WHERE number = ?1
                 ORDER BY attempt",
            )
            .map_err(|e| self.wrap(e))?;
        let attempts = stmt
            .query_map([number], |r| {
                Ok(Attempt {
                    attempt: r.get(0)?,
                    started_ms: r.get(1)?,
                    finished_ms: r.get(2)?,
                    outcome: r.get(3)?,
                    detail: r.get(4)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.wrap(e))?;
        Ok(Some((e, attempts)))
    }

    /// Changes the state of a document whose state is one of `from` (manual retry or cancel); true if it changed.
    /// A retry starts a fresh attempt budget and age.
    pub fn outbox_set(
        &mut self,
        number: &str,
        from: &[&str],
        to: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let from = serde_json::to_string(from).expect("strings serialise");
        let reset = to == "queued";
        let n = self
            .conn
            .execute(
                "UPDATE outbox SET state = ?2, next_at = ?3, updated_at = ?3,
                     attempts = CASE WHEN ?5 THEN 0 ELSE attempts END,
                     since = CASE WHEN ?5 THEN ?3 ELSE since END
                 WHERE number = ?1 AND state IN (SELECT value FROM json_each(?4))",
                params![number, to, now_ms, from, reset],
            )
            .map_err(|e| self.wrap(e))?;
        Ok(n == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{pack, NewDocument};
    use rust_decimal::Decimal;

    fn issue(store: &mut Store, number: &str, commit: bool) {
        let txn = store.begin().unwrap();
        txn.insert(&NewDocument {
            number,
            series: "S",
            seq: txn.next_seq("S").unwrap(),
            kind: "invoice",
            order_id: number,
            digest: b"d",
            issue_date: "2026-11-12",
            archive_path: "a.xml",
            total: Decimal::ONE,
            credits: None,
            packed_xml: &pack(b"<Invoice/>"),
        })
        .unwrap();
        txn.queue(&Queue {
            number,
            channel: "portal",
            recipient: "0088:1",
            failed: None,
            now_ms: 10,
        })
        .unwrap();
        if commit {
            txn.commit().unwrap();
        }
    }

    #[test]
    fn queued_with_the_number_and_resumed_after_a_stop() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        issue(&mut store, "A", false);
        assert!(
            store.due(100, 10).unwrap().is_empty(),
            "rolled back with the number"
        );
        issue(&mut store, "A", true);
        assert!(
            store.due(100, 10).unwrap().is_empty(),
            "not before it is archived"
        );
        assert_eq!(
            store.pending_count(None).unwrap(),
            0,
            "unarchived is not counted"
        );
        store.mark_archived(["A"]).unwrap();
        assert_eq!(store.due(100, 10).unwrap()[0].state, "queued");
        assert_eq!(store.pending_count(Some(100)).unwrap(), 1);
        assert_eq!(store.pending_count(Some(5)).unwrap(), 0);
        assert!(
            store.due(5, 10).unwrap().is_empty(),
            "not due before it was queued"
        );

        // A sender stops mid-attempt: the row stays `sending`, is due again, and the attempt is closed.
        assert_eq!(store.start_attempt("A", 20).unwrap(), Some(1));
        let again = store.due(30, 10).unwrap();
        assert_eq!((again[0].state.as_str(), again[0].attempts), ("sending", 1));
        assert_eq!(store.start_attempt("A", 40).unwrap(), Some(2));
        let finish = Finish::Retry {
            next_at_ms: 1000,
            error: "HTTP 503".into(),
        };
        store.finish_attempt("A", 2, &finish, 50).unwrap();
        assert!(store.due(999, 10).unwrap().is_empty());
        assert_eq!(
            (
                store.pending_count(Some(999)).unwrap(),
                store.pending_count(None).unwrap()
            ),
            (0, 1),
            "a retry is pending, not due before its time"
        );
        let (e, log) = store.outbox_entry("A").unwrap().unwrap();
        assert_eq!(
            (e.state.as_str(), e.last_error.as_deref()),
            ("retry", Some("HTTP 503"))
        );
        let outcomes: Vec<&str> = log.iter().map(|a| a.outcome.as_str()).collect();
        assert_eq!(outcomes, ["interrupted", "retry"]);

        // Cancelled: never attempted again, even by a sender that listed it before.
        assert!(store.outbox_set("A", &["retry"], "cancelled", 60).unwrap());
        assert_eq!(store.start_attempt("A", 70).unwrap(), None);
        assert!(!store.outbox_set("A", &["retry"], "cancelled", 80).unwrap());
        assert!(store.outbox_set("A", &["cancelled"], "queued", 90).unwrap());
        let (e, _) = store.outbox_entry("A").unwrap().unwrap();
        assert_eq!(
            (e.attempts, e.total, e.since_ms),
            (0, 2, 90),
            "a fresh budget, the history kept"
        );
        store.start_attempt("A", 100).unwrap();
        store
            .finish_attempt("A", 3, &Finish::Delivered("201 id-9".into()), 110)
            .unwrap();
        let (e, _) = store.outbox_entry("A").unwrap().unwrap();
        assert_eq!(
            (e.state.as_str(), e.ack.as_deref()),
            ("delivered", Some("201 id-9"))
        );
        assert_eq!(store.next_due().unwrap(), None);
    }
}
