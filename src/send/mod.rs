//! Delivery: the outbox's documents to their buyers by e-mail (SMTP) or portal upload (HTTP).
//!
//! The sender works from the store only: an archived document's bytes, number and recipient, never an `Invoice`.
//! Per document it records the attempt (state `sending`, committed) before anything goes out, and records the
//! outcome right after the peer's answer: `delivered` with the acknowledgement, `retry` with the next attempt time
//! (capped exponential backoff with jitter, or the portal's `Retry-After`), or `failed` with the reason.
//!
//! Crash safety: a sender killed mid-attempt leaves the row `sending`; the next sender resumes it at once. A portal
//! upload is then repeated with the same `Idempotency-Key`. For SMTP a message can be sent twice only when the
//! server took it but its final `250` and our `delivered` commit did not both happen: between the end of the
//! message data and that commit (the server's own acceptance time plus one SQLite commit). The repeated message
//! carries the same Message-ID.

pub mod portal;
pub mod retry;
pub mod route;
pub mod settings;
pub mod smtp;
pub mod template;

use crate::config::Profile;
use crate::store::{Entry, Finish, Store, StoreError};
use serde::Serialize;
use settings::Channel;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How one delivery attempt ended, as the transport saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The peer acknowledged it: the SMTP reply or the portal's response id.
    Delivered(String),
    /// Worth trying again (server down, 5xx, 429, timeout...).
    Transient {
        /// What went wrong.
        error: String,
        /// The earliest next attempt the peer asked for (`Retry-After`).
        retry_after: Option<Duration>,
    },
    /// Refused for good.
    Permanent(String),
}

/// An archived document on its way out.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// Document number.
    pub number: &'a str,
    /// E-mail address or Peppol participant id (`scheme:id`).
    pub recipient: &'a str,
    /// The archived XML, byte for byte.
    pub xml: &'a [u8],
    /// True for a credit note.
    pub credit_note: bool,
    /// The seller's electronic address, `scheme:id`.
    pub seller: &'a str,
}

/// The idempotency key of a document: a digest of the seller's electronic address and the document number.
pub fn idempotency_key(seller: &str, number: &str) -> String {
    let d = Sha256::digest(format!("ublflow\0{seller}\0{number}").as_bytes());
    d[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether an XML document's root element is a `CreditNote`.
fn is_credit_note(xml: &[u8]) -> bool {
    let mut rest = xml;
    while let Some(i) = rest.iter().position(|&b| b == b'<') {
        rest = &rest[i + 1..];
        if matches!(rest.first(), Some(b'?' | b'!')) {
            continue;
        }
        let end = rest
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
            .unwrap_or(rest.len());
        return rest[..end].ends_with(b"CreditNote");
    }
    false
}

/// Errors that stop the sender (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A channel cannot be set up (missing secret, bad TLS settings...).
    #[error("{0}")]
    Setup(String),
    /// The lock file cannot be created.
    #[error("{path}: cannot open the sender's lock file: {source}")]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The one-sender-per-store lock: an advisory `flock` on `<store>.send-lock`, released when the process ends
/// however it ends, so a row left `sending` always belongs to a sender that is gone.
pub struct Lock {
    _file: std::fs::File,
}

impl Lock {
    /// Takes the lock; `None` when another sender holds it.
    pub fn try_acquire(store: &Path) -> Result<Option<Lock>, SendError> {
        use std::os::fd::AsRawFd;
        let mut name = store.as_os_str().to_owned();
        name.push(".send-lock");
        let path = PathBuf::from(name);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| SendError::Lock {
                path: path.clone(),
                source,
            })?;
        // SAFETY: flock on a file descriptor this function owns; no memory is shared.
        let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        Ok((r == 0).then_some(Lock { _file: file }))
    }
}

/// How long the sender runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Try every document due now once, then stop.
    Once,
    /// Keep going until nothing is pending (every document delivered, failed or cancelled).
    Drain,
    /// Keep going for ever, picking up newly queued documents.
    Follow,
}

/// What the sender reports per attempt.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// Document number.
    pub number: String,
    /// `email` or `portal`.
    pub channel: String,
    /// E-mail address or participant id.
    pub recipient: String,
    /// The attempt's number (1-based, over the document's history).
    pub attempt: u32,
    /// `delivered`, `retry` or `failed`.
    pub state: &'static str,
    /// Acknowledgement, error or reason.
    pub detail: String,
    /// For `retry`: the next attempt, ms since the epoch.
    pub next_at_ms: Option<i64>,
}

/// Counts of a sender run.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Documents delivered.
    pub delivered: u64,
    /// Attempts that ended in a scheduled retry.
    pub retried: u64,
    /// Documents failed for good.
    pub failed: u64,
    /// Documents still pending at the end.
    pub pending: u64,
}

/// The configured channels, set up (secrets read) before the first attempt, so a missing secret stops the run.
struct Channels<'p> {
    profile: &'p Profile,
    smtp: Option<smtp::Smtp>,
    portal: Option<portal::Portal>,
    pacers: HashMap<Channel, retry::Pacer>,
}

impl<'p> Channels<'p> {
    fn new(profile: &'p Profile) -> Result<Channels<'p>, SendError> {
        let d = &profile.delivery;
        let s = &profile.seller;
        let seller = (s.endpoint_scheme.as_str(), s.endpoint_id.as_str());
        let early = profile.payment.early_payment_text.as_deref();
        let smtp = d
            .email
            .as_ref()
            .map(|e| smtp::Smtp::new(e, seller, early))
            .transpose()
            .map_err(SendError::Setup)?;
        let portal = d
            .portal
            .as_ref()
            .map(portal::Portal::new)
            .transpose()
            .map_err(SendError::Setup)?;
        let pacers = HashMap::from([
            (
                Channel::Email,
                retry::Pacer::new(d.email.as_ref().and_then(|e| e.rate_per_minute)),
            ),
            (
                Channel::Portal,
                retry::Pacer::new(d.portal.as_ref().and_then(|p| p.rate_per_minute)),
            ),
        ]);
        Ok(Channels {
            profile,
            smtp,
            portal,
            pacers,
        })
    }

    fn deliver(&mut self, channel: Channel, doc: &Outgoing) -> Outcome {
        let gone = |what: &str| {
            Outcome::Permanent(format!(
                "queued for {what}, but the profile has no [delivery.{what}] section any more"
            ))
        };
        if let Some(pacer) = self.pacers.get_mut(&channel) {
            pacer.wait();
        }
        match channel {
            Channel::Email => self
                .smtp
                .as_mut()
                .map_or_else(|| gone("email"), |t| t.deliver(doc)),
            Channel::Portal => self
                .portal
                .as_ref()
                .map_or_else(|| gone("portal"), |t| t.deliver(doc)),
            Channel::None => Outcome::Permanent("queued without a channel".into()),
        }
    }
}

/// Delivers the outbox of the store at `store_path`; `None` when another sender holds the store's lock.
/// `Drain` and `Follow` also end, after the attempt under way, once `stop` is set.
pub fn run(
    store_path: &Path,
    profile: &Profile,
    mode: Mode,
    stop: &std::sync::atomic::AtomicBool,
    on_event: &mut dyn FnMut(&Event),
) -> Result<Option<Summary>, SendError> {
    let Some(_lock) = Lock::try_acquire(store_path)? else {
        return Ok(None);
    };
    let mut store = Store::open(store_path)?;
    // The sender's records survive a crash of the process without an fsync each; see `fsync_each_record`.
    store.sync_each_commit(profile.delivery.fsync_each_record)?;
    let mut channels = Channels::new(profile)?;
    let seller = format!(
        "{}:{}",
        profile.seller.endpoint_scheme, profile.seller.endpoint_id
    );
    let mut summary = Summary::default();
    if mode == Mode::Once {
        for entry in store.due(retry::now_ms(), usize::MAX >> 1)? {
            attempt(
                &mut store,
                &mut channels,
                &seller,
                &entry,
                &mut summary,
                on_event,
            )?;
        }
    } else {
        while !stop.load(std::sync::atomic::Ordering::SeqCst) {
            let now = retry::now_ms();
            let due = store.due(now, 256)?;
            if due.is_empty() {
                let wait = match store.next_due()? {
                    None if mode == Mode::Drain => break,
                    None => 500,
                    Some(at) => (at - now).clamp(5, 500),
                };
                std::thread::sleep(Duration::from_millis(wait as u64));
                continue;
            }
            for entry in &due {
                attempt(
                    &mut store,
                    &mut channels,
                    &seller,
                    entry,
                    &mut summary,
                    on_event,
                )?;
            }
        }
    }
    summary.pending = store
        .outbox_counts()?
        .iter()
        .filter(|(s, _)| matches!(s.as_str(), "queued" | "retry" | "sending"))
        .map(|(_, n)| n)
        .sum();
    Ok(Some(summary))
}

/// One attempt at one document: recorded as started, sent, recorded as finished.
fn attempt(
    store: &mut Store,
    channels: &mut Channels,
    seller: &str,
    entry: &Entry,
    summary: &mut Summary,
    on_event: &mut dyn FnMut(&Event),
) -> Result<(), SendError> {
    let channel = Channel::parse(&entry.channel).unwrap_or_default();
    let xml = store.xml(&entry.number)?.unwrap_or_default();
    let Some(attempt) = store.start_attempt(&entry.number, retry::now_ms())? else {
        return Ok(());
    };
    let doc = Outgoing {
        number: &entry.number,
        recipient: &entry.recipient,
        xml: &xml,
        credit_note: is_credit_note(&xml),
        seller,
    };
    let outcome = channels.deliver(channel, &doc);
    let now = retry::now_ms();
    let policy = &channels.profile.delivery.retry;
    let finish = match outcome {
        Outcome::Delivered(ack) => Finish::Delivered(ack),
        Outcome::Permanent(reason) => Finish::Failed(reason),
        // The limits are checked only here, after an attempt: a document is always tried at least once.
        Outcome::Transient { error, retry_after } => {
            let delay =
                retry::backoff(policy, entry.attempts + 1).max(retry_after.unwrap_or_default());
            let next_at_ms = now + delay.as_millis() as i64;
            match retry::give_up(policy, entry.attempts + 1, entry.since_ms, next_at_ms) {
                Some(why) => Finish::Failed(format!("{why}; last error: {error}")),
                None => Finish::Retry { next_at_ms, error },
            }
        }
    };
    store.finish_attempt(&entry.number, attempt, &finish, now)?;
    let (state, detail, next_at_ms) = match finish {
        Finish::Delivered(ack) => {
            summary.delivered += 1;
            ("delivered", ack, None)
        }
        Finish::Retry { next_at_ms, error } => {
            summary.retried += 1;
            ("retry", error, Some(next_at_ms))
        }
        Finish::Failed(reason) => {
            summary.failed += 1;
            ("failed", reason, None)
        }
    };
    on_event(&Event {
        number: entry.number.clone(),
        channel: entry.channel.clone(),
        recipient: entry.recipient.clone(),
        attempt,
        state,
        detail,
        next_at_ms,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_roots() {
        let k = idempotency_key("0088:1", "INV-1");
        assert_eq!(k.len(), 32);
        assert_eq!(k, idempotency_key("0088:1", "INV-1"));
        assert_ne!(k, idempotency_key("0088:1", "INV-2"));
        assert!(is_credit_note(
            b"<?xml version=\"1.0\"?>\n<!-- x --><CreditNote xmlns=\"u\">"
        ));
        assert!(!is_credit_note(b"<?xml version=\"1.0\"?><Invoice>"));
    }
}
