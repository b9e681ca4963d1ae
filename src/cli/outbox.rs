//! `ublflow outbox [list|show NUMBER|retry NUMBER...|cancel NUMBER...]`: see and act on undelivered documents.

use super::Format;
use crate::send::retry::now_ms;
use crate::store::{Attempt, Entry, Store};
use std::io::Write;
use std::path::PathBuf;

/// Flags of `outbox`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    /// Output folder of `convert` (the store is <out>/ublflow.db unless --store says otherwise).
    #[arg(long, default_value = "out", global = true)]
    out: PathBuf,
    /// Store (SQLite database) [default: <out>/ublflow.db].
    #[arg(long, global = true)]
    store: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
    format: Format,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// List documents in the outbox (default: everything not delivered).
    List {
        /// Only this state: queued, sending, retry, delivered, failed or cancelled; `all` for every state.
        #[arg(long)]
        state: Option<String>,
    },
    /// Show one document's delivery state and every attempt.
    Show {
        /// Document number.
        number: String,
    },
    /// Queue failed, cancelled or waiting documents again, now, with a fresh attempt budget.
    Retry(Selection),
    /// Withdraw documents that are not delivered yet; they are never sent.
    Cancel(Selection),
}

/// The documents `retry` and `cancel` act on: numbers, or every document in one state.
#[derive(Debug, clap::Args)]
struct Selection {
    /// Document numbers.
    #[arg(required_unless_present = "state", conflicts_with = "state")]
    numbers: Vec<String>,
    /// Every document in this state instead (for example `failed`, after a wrong password was fixed).
    #[arg(long)]
    state: Option<String>,
}

const STATES: [&str; 6] = [
    "queued",
    "sending",
    "retry",
    "delivered",
    "failed",
    "cancelled",
];

/// Runs `outbox`; returns the exit code (0 done, 1 the document is not in a state that allows it, 2 error).
pub fn run(args: Args) -> u8 {
    let path = match super::existing_store(&args.out, args.store.as_deref()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut store = match Store::open(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ublflow: {e}");
            return 2;
        }
    };
    match act(&mut store, args.action, args.format) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ublflow: {e}");
            2
        }
    }
}

fn act(store: &mut Store, action: Option<Action>, format: Format) -> anyhow::Result<u8> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match action.unwrap_or(Action::List { state: None }) {
        Action::List { state } => {
            if let Some(s) = state
                .as_deref()
                .filter(|s| *s != "all" && !STATES.contains(s))
            {
                anyhow::bail!(
                    "unknown state {s:?}; states are {} and all",
                    STATES.join(", ")
                );
            }
            let rows: Vec<Entry> = match state.as_deref() {
                Some("all") => store.outbox(None)?,
                Some(s) => store.outbox(Some(s))?,
                None => store
                    .outbox(None)?
                    .into_iter()
                    .filter(|e| e.state != "delivered")
                    .collect(),
            };
            for e in &rows {
                match format {
                    Format::Json => writeln!(out, "{}", serde_json::to_string(e)?)?,
                    Format::Text => writeln!(out, "{}", line(e))?,
                }
            }
            if format == Format::Text {
                let counts = store.outbox_counts()?;
                let parts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
                writeln!(
                    out,
                    "{} shown; outbox: {}",
                    rows.len(),
                    if parts.is_empty() {
                        "empty".to_owned()
                    } else {
                        parts.join(", ")
                    }
                )?;
            }
            Ok(0)
        }
        Action::Show { number } => {
            let Some((e, attempts)) = store.outbox_entry(&number)? else {
                anyhow::bail!("{number} is not in the outbox");
            };
            match format {
                Format::Json => {
                    let mut v = serde_json::to_value(&e)?;
                    v["attempt_log"] = serde_json::to_value(&attempts)?;
                    writeln!(out, "{v}")?;
                }
                Format::Text => {
                    writeln!(out, "{}", line(&e))?;
                    if let Some(ack) = &e.ack {
                        writeln!(out, "  acknowledged: {ack}")?;
                    }
                    for a in &attempts {
                        writeln!(out, "  {}", attempt(a))?;
                    }
                }
            }
            Ok(0)
        }
        Action::Retry(selection) => change_all(
            store,
            selection,
            &["failed", "retry", "cancelled", "queued"],
            "queued",
            format,
        ),
        Action::Cancel(selection) => change_all(
            store,
            selection,
            &["queued", "retry", "failed"],
            "cancelled",
            format,
        ),
    }
}

/// Moves every selected document from one of the states `from` to `to`; 1 when any could not move.
fn change_all(
    store: &mut Store,
    selection: Selection,
    from: &[&str],
    to: &str,
    format: Format,
) -> anyhow::Result<u8> {
    let numbers = match selection.state.as_deref() {
        None => selection.numbers,
        Some(s) if STATES.contains(&s) => store
            .outbox(Some(s))?
            .into_iter()
            .map(|e| e.number)
            .collect(),
        Some(s) => anyhow::bail!("unknown state {s:?}; states are {}", STATES.join(", ")),
    };
    // An unknown number stops the command before anything changes.
    for number in &numbers {
        if store.outbox_entry(number)?.is_none() {
            anyhow::bail!("{number} is not in the outbox");
        }
    }
    let mut code = 0;
    for number in &numbers {
        code = code.max(change(store, number, from, to, format)?);
    }
    if format == Format::Text && selection.state.is_some() {
        println!("{} documents selected", numbers.len());
    }
    Ok(code)
}

fn change(
    store: &mut Store,
    number: &str,
    from: &[&str],
    to: &str,
    format: Format,
) -> anyhow::Result<u8> {
    let Some((before, _)) = store.outbox_entry(number)? else {
        anyhow::bail!("{number} is not in the outbox");
    };
    let changed = store.outbox_set(number, from, to, now_ms())?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match (format, changed) {
        (Format::Json, _) => writeln!(
            out,
            "{}",
            serde_json::json!({"number": number, "from": before.state, "to": if changed { to } else { &before.state }, "changed": changed})
        )?,
        (Format::Text, true) => writeln!(out, "{number}: {} -> {to}", before.state)?,
        (Format::Text, false) => eprintln!(
            "ublflow: {number} is {}; only a document that is {} can become {to}",
            before.state,
            from.join(", ")
        ),
    }
    Ok(u8::from(!changed))
}

fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

fn line(e: &Entry) -> String {
    let mut s = format!(
        "{} {} {} {} attempts {}",
        e.number, e.state, e.channel, e.recipient, e.total
    );
    if e.state == "retry" || e.state == "queued" {
        s.push_str(&format!(", next {} UTC", time(e.next_at_ms)));
    }
    if e.state != "delivered" {
        if let Some(err) = &e.last_error {
            s.push_str(&format!(": {err}"));
        }
    }
    s
}

fn attempt(a: &Attempt) -> String {
    format!(
        "attempt {} at {} UTC: {}{}",
        a.attempt,
        time(a.started_ms),
        a.outcome,
        a.detail
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default()
    )
}
