//! `convert`: order exports in, numbered and archived documents out, in batches.
//!
//! Per batch: orders are read in input order, turned into documents in parallel, then numbered in input order
//! inside one store transaction together with their XML (group commit), and only then written to the archive.
//! An order that fails never takes a number; the same order converted again gets its existing document back.

use super::archive::{self, ArchiveError, Archiver, Entry};
use crate::config::Profile;
use crate::input::{self, InputError, Position, ReadItem, Record};
use crate::model::{self, DocKind, Document, Numbered, OrderError};
use crate::numbering::Pattern;
use crate::send::{self, route, settings::Channel};
use crate::store::{self, Issued, NewDocument, Queue, Store, StoreError, Txn};
use crate::ubl;
use crate::validate;
use chrono::NaiveDate;
use rayon::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// What `convert` works on.
pub struct Options<'a> {
    /// Files and folders to read (`-` for standard input); folders are read recursively, in name order.
    pub inputs: &'a [PathBuf],
    /// Output folder: the archive goes below it.
    pub out: &'a Path,
    /// The store (SQLite database).
    pub store: &'a Path,
    /// The seller profile.
    pub profile: &'a Profile,
    /// Orders per store transaction.
    pub batch_size: usize,
    /// The input format of every input, or `None` to detect each input's format from its content.
    pub input_format: Option<input::Format>,
    /// Counts the bytes read from the inputs so far (for a progress bar over [`input_files`]' sizes).
    pub bytes_read: Option<&'a AtomicU64>,
}

/// Errors that stop a run (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// An input path does not exist or cannot be listed.
    #[error("{path}: {message}")]
    Input {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The archive could not be written.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// The archive writer stopped; its own error follows when it is joined.
    #[error("the archive writer stopped")]
    ArchiverStopped,
}

/// What happened to one order, reported in input order once its batch is durable.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Outcome {
    /// The order has its document: newly issued, or issued before (`existing`).
    Document {
        /// The input file.
        file: String,
        /// The order (or refund) id.
        order_id: String,
        /// `invoice` or `credit-note`.
        kind: &'static str,
        /// Document number.
        number: String,
        /// Archive path, relative to the output folder.
        path: String,
        /// True when the order had been converted before and nothing new was issued.
        existing: bool,
    },
    /// The order was left out on purpose (cancelled, voided, payment failed); nothing was issued.
    Skipped {
        /// The input file.
        file: String,
        /// `line N` or `row N`, when known.
        position: Option<String>,
        /// The order id, when known.
        order_id: Option<String>,
        /// Why.
        reason: String,
    },
    /// The order was rejected; nothing was issued.
    Rejected {
        /// The input file.
        file: String,
        /// `line N` or `row N`, when known.
        position: Option<String>,
        /// The order id, when known.
        order_id: Option<String>,
        /// The field, when known.
        field: Option<String>,
        /// Why.
        message: String,
    },
}

/// A position to write, when known.
fn displayed(p: &Option<String>) -> Option<&dyn std::fmt::Display> {
    p.as_ref().map(|p| p as &dyn std::fmt::Display)
}

/// For people: `file:position: order id: field f: message` for a rejected or skipped order, `order id: number`
/// for a document.
impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Rejected {
                file,
                position: at,
                order_id,
                field,
                message,
            } => input::write_problem(
                f,
                file,
                displayed(at),
                order_id.as_deref(),
                field.as_deref(),
                message,
            ),
            Outcome::Skipped {
                file,
                position: at,
                order_id,
                reason,
            } => input::write_problem(f, file, displayed(at), order_id.as_deref(), None, reason),
            Outcome::Document {
                number, order_id, ..
            } => write!(f, "order {order_id}: {number}"),
        }
    }
}

/// Counts of a run.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Invoices newly issued.
    pub invoices: u64,
    /// Credit notes newly issued.
    pub credit_notes: u64,
    /// Orders that already had their document.
    pub existing: u64,
    /// Orders (or unreadable parts of inputs) rejected.
    pub rejected: u64,
    /// Orders left out on purpose (cancelled, voided, payment failed); they do not count as rejected.
    pub skipped: u64,
    /// Archive files written again at start-up after an interrupted run.
    pub recovered: u64,
}

/// Converts every order of the inputs; `on_outcome` hears of each order in input order.
pub fn convert(
    opts: &Options,
    on_outcome: &mut dyn FnMut(&Outcome),
) -> Result<Summary, ConvertError> {
    let files = input_files(opts.inputs)?;
    with_session(opts, |session| {
        for file in &files {
            session.convert_file(file, on_outcome)?;
        }
        Ok(())
    })
}

/// Opens the store and the archive writer, runs `work` with them, and waits until everything it committed
/// is archived. The summary counts everything `work` converted.
pub fn with_session(
    opts: &Options,
    work: impl FnOnce(&mut Session) -> Result<(), ConvertError>,
) -> Result<Summary, ConvertError> {
    std::fs::create_dir_all(opts.out).map_err(|e| ConvertError::Input {
        path: opts.out.to_owned(),
        message: format!("cannot create the output folder: {e}"),
    })?;
    let mut store = Store::open(opts.store)?;
    let mut summary = Summary {
        recovered: archive::catch_up(&mut store, opts.out)? as u64,
        ..Summary::default()
    };
    // A connection of its own: the reader looks up refund bases while the session holds the store.
    let bases = Store::open(opts.store)?;
    let patterns = Patterns {
        invoice: Pattern::parse(&opts.profile.numbering.invoice)
            .expect("checked when the profile was loaded"),
        credit_note: Pattern::parse(&opts.profile.numbering.credit_note)
            .expect("checked when the profile was loaded"),
    };
    std::thread::scope(|scope| {
        let archiver = Archiver::start(scope, opts.out);
        let mut session = Session {
            opts,
            store: &mut store,
            patterns: &patterns,
            summary: &mut summary,
            archiver: &archiver,
            flushed: Vec::new(),
            reader: input::Reader::new(opts.input_format, &opts.profile.shops).with_refund_bases(
                Box::new(StoredBases(bases)),
                opts.batch_size * UNCOMMITTED_BATCHES,
            ),
        };
        let result = work(&mut session);
        let mut flushed = std::mem::take(&mut session.flushed);
        drop(session);
        // The archiver's own error explains a stop better than the failed hand-over does.
        let finished = archiver.finish().map(|rest| flushed.extend(rest));
        // What was flushed is marked even after an error (what was not is written again on the next start).
        let marked = store.mark_archived(flushed.iter().map(String::as_str));
        match (result, finished) {
            (Err(ConvertError::ArchiverStopped), Err(e)) => Err(e.into()),
            (Err(e), _) => Err(e),
            (Ok(()), Err(e)) => Err(e.into()),
            (Ok(()), Ok(())) => marked.map_err(ConvertError::from),
        }
    })?;
    Ok(summary)
}

/// The store as the reader's [`input::RefundBases`]: it sees what earlier batches and runs committed; the
/// reader keeps the orders of the batches not yet committed itself (its window is [`UNCOMMITTED_BATCHES`]).
struct StoredBases(Store);

impl input::RefundBases for StoredBases {
    fn find(&mut self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.0
            .refund_base(key)
            .map_err(|e| format!("the store could not be read: {e}"))
    }
}

/// Batches read but not yet committed, at most: the one being numbered, the one waiting for it, and the one
/// the reader is filling (see [`Session::convert_file`]).
const UNCOMMITTED_BATCHES: usize = 3;

struct Patterns {
    invoice: Pattern,
    credit_note: Pattern,
}

/// An open store and archive writer: converts inputs one after another (see [`with_session`]).
pub struct Session<'a, 's> {
    opts: &'a Options<'a>,
    store: &'a mut Store,
    patterns: &'a Patterns,
    summary: &'a mut Summary,
    archiver: &'a Archiver<'s>,
    /// Documents the archiver flushed, to be marked archived with the next transaction.
    flushed: Vec<String>,
    /// The input reader, kept from file to file (WooCommerce refunds refer to orders read before).
    reader: input::Reader<'a>,
}

/// What the current batch has issued so far, before its rows are in the store.
#[derive(Default)]
struct Batch {
    /// Documents by kind and order id.
    issued: HashMap<(DocKind, String), Issued>,
    /// Credit note totals by the number of the invoice they correct.
    credited: HashMap<String, Decimal>,
}

/// An order whose document is built, waiting for its number.
struct Prepared {
    record: Record,
    doc: Document,
    digest: [u8; 32],
}

/// An order read and built, or why it could not be.
type Built = Result<Prepared, InputError>;

/// Inputs up to this size are read on the numbering thread: they hold about one batch of orders or less, so
/// a reader thread would only add its start to every small file (`watch` converts one small file at a time).
const INLINE_INPUT_BYTES: u64 = 1 << 20;

/// Reads `file`, builds each order's document and hands them to `deliver` in batches of the batch size, in
/// input order. Once `deliver` says stop (`false`), the rest of the input is read but not kept.
fn read_batches(
    reader: &mut input::Reader,
    file: &Path,
    opts: &Options,
    deliver: &mut dyn FnMut(Vec<Built>) -> bool,
) {
    let batch_size = opts.batch_size;
    let mut batch: Vec<Built> = Vec::with_capacity(batch_size);
    let mut stopped = false;
    let mut sink = |item: ReadItem| {
        if stopped {
            return;
        }
        batch.push(prepare(item, opts.profile));
        if batch.len() >= batch_size {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(batch_size));
            stopped = !deliver(full);
        }
    };
    let opened = open_input(file, opts.bytes_read).and_then(|r| reader.read(file, r, &mut sink));
    if let Err(e) = opened {
        sink(Err(e));
    }
    if !stopped && !batch.is_empty() {
        deliver(batch);
    }
}

/// Builds the document of an order read (without its number) and the digest that recognises the order again.
fn prepare(item: ReadItem, profile: &Profile) -> Built {
    let record = item?;
    match model::build(&record.order, profile) {
        Ok(doc) => Ok(Prepared {
            digest: input::digest(&record.order),
            record,
            doc,
        }),
        Err(e) => Err(order_error(&record, e)),
    }
}

/// What numbering decided for one prepared order.
enum Slot {
    New {
        series: String,
        seq: u64,
        number: String,
        preceding: Option<(String, NaiveDate)>,
    },
    Existing {
        number: String,
        path: String,
    },
}

impl Session<'_, '_> {
    /// Converts every order of one input (`-` for standard input) in batches; `on_outcome` hears of each
    /// order once its batch is committed. Returns the counts of this input alone.
    pub fn convert_file(
        &mut self,
        file: &Path,
        on_outcome: &mut dyn FnMut(&Outcome),
    ) -> Result<Summary, ConvertError> {
        let before = self.summary.clone();
        // The reader is moved out while it reads, and put back afterwards.
        let mut reader = std::mem::replace(
            &mut self.reader,
            input::Reader::new(self.opts.input_format, &self.opts.profile.shops),
        );
        let opts = self.opts;
        let read = |reader: &mut input::Reader, deliver: &mut dyn FnMut(Vec<Built>) -> bool| {
            read_batches(reader, file, opts, deliver)
        };
        let mut failure: Option<ConvertError> = None;
        let small = file != Path::new("-")
            && std::fs::metadata(file).is_ok_and(|m| m.len() <= INLINE_INPUT_BYTES);
        if small {
            // About a batch at most: nothing to overlap, so no thread to start.
            read(
                &mut reader,
                &mut |batch| match self.process(batch, on_outcome) {
                    Ok(()) => true,
                    Err(e) => {
                        failure = Some(e);
                        false
                    }
                },
            );
            self.reader = reader;
        } else {
            // The reader parses the orders of the next batch and builds their documents on its own thread
            // while this one numbers, renders and commits the current one: a bounded hand-over keeps at most
            // one built batch waiting.
            let (batches, built) = std::sync::mpsc::sync_channel::<Vec<Built>>(1);
            std::thread::scope(|scope| {
                let parser = scope.spawn(move || {
                    // A send error means the numbering side stopped; it reports why.
                    read(&mut reader, &mut |batch| batches.send(batch).is_ok());
                    reader
                });
                for batch in built.iter() {
                    if let Err(e) = self.process(batch, on_outcome) {
                        failure = Some(e);
                        break;
                    }
                }
                drop(built);
                self.reader = parser.join().expect("the input reader does not panic");
            });
        }
        if let Some(e) = failure {
            return Err(e);
        }
        Ok(Summary {
            invoices: self.summary.invoices - before.invoices,
            credit_notes: self.summary.credit_notes - before.credit_notes,
            existing: self.summary.existing - before.existing,
            rejected: self.summary.rejected - before.rejected,
            skipped: self.summary.skipped - before.skipped,
            recovered: 0,
        })
    }

    /// Waits until every document committed so far is written to the archive and flushed, and marks them
    /// archived in the store (from then on they can be delivered).
    pub fn wait_archived(&mut self) -> Result<(), ConvertError> {
        if !self.archiver.barrier() {
            return Err(ConvertError::ArchiverStopped);
        }
        self.flushed.extend(self.archiver.archived());
        self.store
            .mark_archived(self.flushed.iter().map(String::as_str))?;
        self.flushed.clear();
        Ok(())
    }

    fn process(
        &mut self,
        prepared: Vec<Built>,
        on_outcome: &mut dyn FnMut(&Outcome),
    ) -> Result<(), ConvertError> {
        if prepared.is_empty() {
            return Ok(());
        }
        let profile = self.opts.profile;
        // Number in input order inside one transaction, render, and validate exactly the bytes to be
        // committed. A document the rules reject goes nowhere but the error report: the transaction is
        // rolled back and the batch numbered again without it, so it takes no number.
        let mut prepared = prepared;
        let (txn, slots, rendered) = loop {
            let txn = self.store.begin()?;
            let mut slots: Vec<Result<(Prepared, Slot), InputError>> =
                Vec::with_capacity(prepared.len());
            let mut here = Batch::default();
            for p in prepared {
                let slot = match p {
                    Ok(p) => allocate(&txn, &mut here, self.patterns, p)?,
                    Err(e) => Err(settle(&txn, &here, e)?),
                };
                slots.push(slot);
            }
            let rendered: Vec<Option<Rendered>> = slots.par_iter().map(render).collect();
            if rendered.iter().flatten().all(|r| r.refusal.is_none()) {
                break (txn, slots, rendered);
            }
            drop(txn);
            prepared = slots
                .into_iter()
                .zip(rendered)
                .map(|(slot, r)| match (slot, r) {
                    (
                        Ok((p, _)),
                        Some(Rendered {
                            refusal: Some(e), ..
                        }),
                    ) => Err(order_error(&p.record, e)),
                    (Ok((p, _)), _) => Ok(p),
                    (Err(e), _) => Err(e),
                })
                .collect();
        };
        let now_ms = send::retry::now_ms();
        let mut paths: Vec<Option<String>> = Vec::with_capacity(slots.len());
        for (slot, xml) in slots.iter().zip(&rendered) {
            let path = match (slot, xml) {
                (
                    Ok((
                        p,
                        Slot::New {
                            series,
                            seq,
                            number,
                            preceding,
                        },
                    )),
                    Some(Rendered {
                        packed: Some(packed),
                        ..
                    }),
                ) => {
                    let path = archive::relative_path(number, p.doc.issue_date);
                    txn.insert(&NewDocument {
                        number,
                        series,
                        seq: *seq,
                        kind: p.doc.kind.as_str(),
                        order_id: &p.doc.order_id,
                        digest: &p.digest,
                        issue_date: &p.doc.issue_date.to_string(),
                        archive_path: &path,
                        total: p.doc.totals.tax_inclusive,
                        credits: preceding.as_ref().map(|(n, _)| n.as_str()),
                        packed_xml: packed,
                    })?;
                    queue(&txn, profile, p, number, preceding.as_ref(), now_ms)?;
                    keep_refund_base(&txn, p, number)?;
                    Some(path)
                }
                // An invoice issued before refund bases were kept gets its base when its order comes again.
                (Ok((p, Slot::Existing { number, .. })), _) => {
                    keep_refund_base(&txn, p, number)?;
                    None
                }
                _ => None,
            };
            paths.push(path);
        }
        self.flushed.extend(self.archiver.archived());
        txn.mark_archived(self.flushed.iter().map(String::as_str))?;
        txn.commit()?;
        self.flushed.clear();

        // Durable now: hand the new documents to the archiver, restore missing files of existing ones, report.
        let entries: Vec<Entry> = slots
            .iter()
            .zip(rendered)
            .zip(&paths)
            .filter_map(|((slot, rendered), path)| match (slot, rendered, path) {
                (Ok((_, Slot::New { number, .. })), Some(Rendered { xml, .. }), Some(path)) => {
                    Some(Entry {
                        number: number.clone(),
                        path: path.clone(),
                        xml,
                    })
                }
                _ => None,
            })
            .collect();
        if !entries.is_empty() && !self.archiver.send(entries) {
            return Err(ConvertError::ArchiverStopped);
        }
        for (slot, path) in slots.into_iter().zip(paths) {
            let outcome = match slot {
                Err(e) if e.skipped => {
                    self.summary.skipped += 1;
                    Outcome::Skipped {
                        file: e.file.display().to_string(),
                        position: e.position.as_ref().map(ToString::to_string),
                        order_id: e.order_id,
                        reason: e.message,
                    }
                }
                Err(e) => {
                    self.summary.rejected += 1;
                    rejected(&e)
                }
                Ok((p, Slot::New { number, .. })) => {
                    match p.doc.kind {
                        DocKind::Invoice => self.summary.invoices += 1,
                        DocKind::CreditNote => self.summary.credit_notes += 1,
                    }
                    document(&p, number, path.expect("new documents have a path"), false)
                }
                Ok((p, Slot::Existing { number, path })) => {
                    self.summary.existing += 1;
                    self.restore(&number, &path)?;
                    document(&p, number, path, true)
                }
            };
            on_outcome(&outcome);
        }
        Ok(())
    }

    /// Writes an existing document's archive file again if it went missing.
    fn restore(&mut self, number: &str, path: &str) -> Result<(), ConvertError> {
        if self.opts.out.join(path).is_file() {
            return Ok(());
        }
        if let Some(xml) = self.store.xml(number)? {
            let entry = Entry {
                number: number.to_owned(),
                path: path.to_owned(),
                xml,
            };
            archive::write_and_mark(self.store, self.opts.out, &[entry])?;
        }
        Ok(())
    }
}

/// A new document rendered with its number: the XML, and its packed form for the store or the validator's
/// refusal if the rules reject it.
struct Rendered {
    xml: Vec<u8>,
    packed: Option<store::Packed>,
    refusal: Option<OrderError>,
}

/// Renders and validates the document of a newly numbered order; `None` for every other slot.
fn render(slot: &Result<(Prepared, Slot), InputError>) -> Option<Rendered> {
    let Ok((
        p,
        Slot::New {
            number, preceding, ..
        },
    )) = slot
    else {
        return None;
    };
    let xml = ubl::write(
        &p.doc,
        &Numbered {
            number,
            preceding: preceding.as_ref().map(|(n, d)| (n.as_str(), *d)),
        },
    );
    let report = validate::validate(&xml, &validate::Options::default());
    let refusal = (!report.is_valid()).then(|| refusal(&report));
    let packed = refusal.is_none().then(|| store::pack(&xml));
    Some(Rendered {
        xml,
        packed,
        refusal,
    })
}

/// The error of an order whose document the rules reject, naming the fatal findings.
fn refusal(report: &validate::Report) -> OrderError {
    let fatal: Vec<&validate::Finding> = report
        .findings
        .iter()
        .filter(|f| f.flag == validate::Flag::Fatal)
        .collect();
    let listed: Vec<String> = fatal
        .iter()
        .take(3)
        .map(|f| format!("{} at {}: {}", f.id, f.location, f.message))
        .collect();
    let more = fatal.len().saturating_sub(listed.len());
    OrderError {
        field: fatal
            .first()
            .map_or_else(String::new, |f| f.location.clone()),
        line: None,
        message: format!(
            "the document would break the Peppol BIS 3.0 rules, so it was not issued: {}{}",
            listed.join("; "),
            if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            }
        ),
    }
}

/// Queues a new document for delivery in the transaction that commits it: routed from the profile and the
/// order's buyer, or, for a credit note, the way the invoice it corrects went.
fn queue(
    txn: &Txn,
    profile: &Profile,
    p: &Prepared,
    number: &str,
    preceding: Option<&(String, NaiveDate)>,
    now_ms: i64,
) -> Result<(), StoreError> {
    let route = match preceding {
        Some((invoice, _)) => txn.route_of(invoice)?.map(|(channel, recipient)| {
            let channel = Channel::parse(&channel).unwrap_or_default();
            let problem = match channel {
                Channel::Email if recipient.is_empty() => Some(format!(
                    "invoice {invoice} it corrects has no e-mail address either"
                )),
                Channel::Email => route::check_address(&recipient).err(),
                _ => None,
            };
            route::Route {
                channel,
                recipient,
                problem,
            }
        }),
        None => {
            let b = &p.record.order.buyer;
            route::route(
                &profile.delivery,
                &route::Buyer {
                    buyer_type: b.buyer_type,
                    vat_id: p.doc.buyer.vat_id.as_deref(),
                    endpoint_id: &p.doc.buyer.endpoint_id,
                    endpoint_scheme: &p.doc.buyer.endpoint_scheme,
                    email: b.email.as_deref().map(str::trim).filter(|e| !e.is_empty()),
                },
            )
        }
    };
    match route {
        Some(r) if r.channel != Channel::None => txn.queue(&Queue {
            number,
            channel: r.channel.as_str(),
            recipient: &r.recipient,
            failed: r.problem.as_deref(),
            now_ms,
        }),
        _ => Ok(()),
    }
}

/// Keeps what a shop order's later refunds need with its invoice, in the transaction that commits it.
fn keep_refund_base(txn: &Txn, p: &Prepared, number: &str) -> Result<(), StoreError> {
    match &p.record.refund_base {
        Some(base) if p.doc.kind == DocKind::Invoice => {
            txn.keep_refund_base(&base.key, number, &base.data)
        }
        _ => Ok(()),
    }
}

/// A refund the export cannot express is skipped, not rejected, once the credit note the user supplied for it
/// (see [`InputError::settled_by`]) is issued.
fn settle(txn: &Txn, here: &Batch, e: InputError) -> Result<InputError, StoreError> {
    let Some(id) = e.settled_by.as_deref() else {
        return Ok(e);
    };
    Ok(match find_issued(txn, here, DocKind::CreditNote, id)? {
        Some(Issued { number, .. }) => InputError {
            message: format!("the refund is settled by credit note {number}, issued for {id}"),
            skipped: true,
            ..e
        },
        None => e,
    })
}

/// The document issued for an order: in this batch (not yet in the store) or before.
fn find_issued(
    txn: &Txn,
    here: &Batch,
    kind: DocKind,
    order_id: &str,
) -> Result<Option<Issued>, StoreError> {
    match here.issued.get(&(kind, order_id.to_owned())) {
        Some(i) => Ok(Some(i.clone())),
        None => txn.find(kind.as_str(), order_id),
    }
}

/// Decides the number of one order: its existing document, a new number, or a rejection.
///
/// `here` holds what this batch issued so far (its rows are inserted only after rendering).
fn allocate(
    txn: &crate::store::Txn,
    here: &mut Batch,
    patterns: &Patterns,
    p: Prepared,
) -> Result<Result<(Prepared, Slot), InputError>, StoreError> {
    let doc = &p.doc;
    let find = |kind: DocKind, id: &str| find_issued(txn, here, kind, id);
    if let Some(issued) = find(doc.kind, &doc.order_id)? {
        if issued.digest == p.digest {
            let slot = Slot::Existing {
                number: issued.number,
                path: issued.archive_path,
            };
            return Ok(Ok((p, slot)));
        }
        let what = match doc.kind {
            DocKind::Invoice => "order",
            DocKind::CreditNote => "refund",
        };
        let e = OrderError {
            field: "order_id".into(),
            line: None,
            message: format!(
                "this {what} was already converted into {} with different content; an issued document cannot \
                 change: correct it with a refund (credit note) or give the new {what} an id of its own",
                issued.number
            ),
        };
        return Ok(Err(order_error(&p.record, e)));
    }
    let (pattern, preceding) = match doc.kind {
        DocKind::Invoice => (&patterns.invoice, None),
        DocKind::CreditNote => {
            let original = doc.refund_of.as_deref().unwrap_or_default();
            match find(DocKind::Invoice, original)? {
                Some(inv) => {
                    let before = txn.credited(&inv.number)?
                        + here.credited.get(&inv.number).copied().unwrap_or_default();
                    let total = doc.totals.tax_inclusive;
                    if before + total > inv.total {
                        let e = OrderError {
                            field: "lines".into(),
                            line: None,
                            message: format!(
                                "this refund of {total} would bring the credit notes against {} to {} while the \
                                 invoice totals {}; refunds cannot exceed what was invoiced",
                                inv.number,
                                before + total,
                                inv.total
                            ),
                        };
                        return Ok(Err(order_error(&p.record, e)));
                    }
                    *here.credited.entry(inv.number.clone()).or_default() += total;
                    let date = inv.issue_date.parse().expect("the store holds ISO dates");
                    (&patterns.credit_note, Some((inv.number, date)))
                }
                None => {
                    let e = OrderError {
                        field: "refund_of".into(),
                        line: None,
                        message: format!(
                            "order {original:?} was never invoiced by ublflow, so there is no invoice to credit; \
                             convert the order first (or in the same run, before the refund)"
                        ),
                    };
                    return Ok(Err(order_error(&p.record, e)));
                }
            }
        }
    };
    let series = pattern.series(doc.issue_date);
    let seq = txn.next_seq(&series)?;
    let number = pattern.number(doc.issue_date, seq);
    here.issued.insert(
        (doc.kind, doc.order_id.clone()),
        Issued {
            number: number.clone(),
            issue_date: doc.issue_date.to_string(),
            digest: p.digest.to_vec(),
            archive_path: archive::relative_path(&number, doc.issue_date),
            total: doc.totals.tax_inclusive,
        },
    );
    Ok(Ok((
        p,
        Slot::New {
            series,
            seq,
            number,
            preceding,
        },
    )))
}

fn order_error(record: &Record, e: OrderError) -> InputError {
    let (position, field) = match (&record.position, e.line) {
        // Profile keys and document locations (XPath) are not input fields.
        _ if e.field.starts_with("profile:") || e.field.starts_with('/') => {
            (record.position.clone(), e.field)
        }
        (Position::Row(_), Some(i)) if i < record.line_rows.len() => (
            Position::Row(record.line_rows[i]),
            input::field_name(record.format, &e.field),
        ),
        _ => (
            record.position.clone(),
            input::field_name(record.format, &e.field),
        ),
    };
    InputError {
        file: record.file.clone(),
        position: Some(position),
        order_id: Some(record.order.order_id.clone()),
        field: Some(field),
        message: e.message,
        skipped: false,
        settled_by: None,
    }
}

fn rejected(e: &InputError) -> Outcome {
    Outcome::Rejected {
        file: e.file.display().to_string(),
        position: e.position.as_ref().map(ToString::to_string),
        order_id: e.order_id.clone(),
        field: e.field.clone(),
        message: e.message.clone(),
    }
}

fn document(p: &Prepared, number: String, path: String, existing: bool) -> Outcome {
    Outcome::Document {
        file: p.record.file.display().to_string(),
        order_id: p.doc.order_id.clone(),
        kind: p.doc.kind.as_str(),
        number,
        path,
        existing,
    }
}

fn open_input<'c>(
    path: &Path,
    counter: Option<&'c AtomicU64>,
) -> Result<Box<dyn std::io::Read + 'c>, InputError> {
    let counted = |inner: Box<dyn std::io::Read + 'c>| -> Box<dyn std::io::Read + 'c> {
        match counter {
            Some(counter) => Box::new(Counted { inner, counter }),
            None => inner,
        }
    };
    if path == Path::new("-") {
        return Ok(counted(Box::new(std::io::stdin().lock())));
    }
    std::fs::File::open(path)
        .map(|f| counted(Box::new(f)))
        .map_err(|e| InputError {
            file: path.into(),
            position: None,
            order_id: None,
            field: None,
            message: format!("cannot open: {e}"),
            skipped: false,
            settled_by: None,
        })
}

/// A reader that adds what it reads to a counter.
struct Counted<'c> {
    inner: Box<dyn std::io::Read + 'c>,
    counter: &'c AtomicU64,
}

impl std::io::Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Lists the input files `convert` reads: files as given, folders recursively in name order (`.csv`, `.json`,
/// `.jsonl` only), `-` for standard input.
pub fn input_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, ConvertError> {
    let mut files = Vec::new();
    for input in inputs {
        if input == Path::new("-") || input.is_file() {
            files.push(input.clone());
        } else if input.is_dir() {
            walk(input, &mut files)?;
        } else {
            return Err(ConvertError::Input {
                path: input.clone(),
                message: "no such file or folder".into(),
            });
        }
    }
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), ConvertError> {
    let listing = std::fs::read_dir(dir).map_err(|e| ConvertError::Input {
        path: dir.to_owned(),
        message: format!("cannot list: {e}"),
    })?;
    let mut entries: Vec<PathBuf> = listing.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            ["csv", "json", "jsonl"]
                .iter()
                .any(|k| e.eq_ignore_ascii_case(k))
        }) {
            files.push(path);
        }
    }
    Ok(())
}
