//! Command-line interface: flags to typed options, one file per subcommand.

mod convert;
mod outbox;
mod progress;
mod send;
mod validate;
mod watch;

use crate::config::Profile;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// ublflow: webshop order exports in, Peppol BIS Billing 3.0 invoices and credit notes out.
#[derive(Debug, Parser)]
#[command(name = "ublflow", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Convert order exports into numbered, archived UBL invoices and credit notes.
    Convert(convert::Args),
    /// Watch an inbox folder and convert every order export dropped into it, exactly once.
    Watch(watch::Args),
    /// Show what the watcher and the store hold: waiting and failed files, documents, last numbers.
    Status(watch::StatusArgs),
    /// Deliver queued documents by e-mail or portal upload (once, --drain or --follow).
    Send(send::Args),
    /// List the outbox, show a document's attempts, retry or cancel a delivery.
    Outbox(outbox::Args),
    /// Validate UBL invoices and credit notes against UBL 2.1, EN 16931 and Peppol BIS 3.0.
    Validate(validate::Args),
}

/// Report format of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// JSON Lines for machines.
    Json,
}

/// Loads and checks the seller profile; on failure the error is on standard error and the exit code (2) is
/// returned.
fn load_profile(path: &Path) -> Result<Profile, u8> {
    Profile::load(path).map_err(|e| {
        eprintln!("ublflow: {e}");
        2
    })
}

/// The store of an output folder: `--store` if given, else `<out>/ublflow.db`.
fn store_path(out: &Path, store: Option<&Path>) -> PathBuf {
    store.map_or_else(|| out.join("ublflow.db"), Path::to_path_buf)
}

/// The store an earlier `convert` made: as [`store_path`], and it must exist (else the exit code, 2).
fn existing_store(out: &Path, store: Option<&Path>) -> Result<PathBuf, u8> {
    let path = store_path(out, store);
    if path.is_file() {
        return Ok(path);
    }
    eprintln!(
        "ublflow: {}: no store here; run convert first",
        path.display()
    );
    Err(2)
}

/// Runs the command line and returns the process exit code (0 all done or valid, 1 some inputs
/// rejected or invalid, 2 could not run).
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Convert(args) => convert::run(args),
        Command::Watch(args) => watch::run(args),
        Command::Status(args) => watch::status(args),
        Command::Send(args) => send::run(args),
        Command::Outbox(args) => outbox::run(args),
        Command::Validate(args) => validate::run(args),
    };
    ExitCode::from(code)
}
