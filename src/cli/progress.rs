//! Progress on standard error, drawn only for a person at a terminal: never with `--format json`, and never
//! when standard output or standard error is redirected.

use super::Format;
use crate::send::{Event, Mode};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashSet;
use std::io::IsTerminal;

/// A progress bar of unknown length with `template`, drawn as the module says.
pub(super) fn spinner(format: Format, template: &str) -> ProgressBar {
    let drawn = format == Format::Text
        && std::io::stdout().is_terminal()
        && std::io::stderr().is_terminal();
    let target = if drawn {
        ProgressDrawTarget::stderr_with_hz(5)
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(None, target);
    bar.set_style(ProgressStyle::with_template(template).expect("a valid template"));
    bar
}

/// The progress of `convert` over its input: a bar over `total` bytes when the size of every input is known
/// (files), else a spinner (standard input). The message counts the orders done.
pub(super) fn input_bar(format: Format, total: Option<u64>) -> ProgressBar {
    match total {
        Some(total) => {
            let bar = spinner(
                format,
                "{wide_bar} {bytes}/{total_bytes}, {msg} ({elapsed}, {eta} left)",
            );
            bar.set_length(total);
            bar
        }
        None => spinner(format, "{spinner} {bytes} read, {msg} ({elapsed})"),
    }
}

/// The progress of a sender run. `send` and `send --drain` draw a bar whose length is the number of documents
/// they have to work on when they start (due now, or pending for `--drain`), grown if documents queued meanwhile
/// are attempted too; its position counts the documents done with (for `--drain`, delivered or failed: a retry
/// comes back). `send --follow` never ends, so it counts attempts.
pub(super) struct SendProgress {
    bar: ProgressBar,
    mode: Mode,
    seen: HashSet<String>,
    counts: [u64; 3],
}

impl SendProgress {
    /// A bar over `documents` documents (none for `--follow`).
    pub(super) fn new(format: Format, mode: Mode, documents: u64) -> SendProgress {
        let template = if mode == Mode::Follow {
            "{spinner} {pos} delivery attempts: {msg} ({elapsed})"
        } else {
            "{wide_bar} {pos}/{len} documents: {msg} ({elapsed})"
        };
        let progress = SendProgress {
            bar: spinner(format, template),
            mode,
            seen: HashSet::new(),
            counts: [0; 3],
        };
        progress.show_counts();
        if mode != Mode::Follow {
            progress.bar.set_length(documents);
        }
        progress
    }

    /// Counts one attempt.
    pub(super) fn attempt(&mut self, e: &Event) {
        if self.seen.insert(e.number.clone())
            && self.mode != Mode::Follow
            && self.seen.len() as u64 > self.bar.length().unwrap_or(0)
        {
            self.bar.inc_length(1);
        }
        let slot = match e.state {
            "delivered" => 0,
            "failed" => 1,
            _ => 2,
        };
        self.counts[slot] += 1;
        self.show_counts();
        if self.mode != Mode::Drain || slot != 2 {
            self.bar.inc(1);
        }
    }

    /// Runs `f` with the bar out of the way (for a line on standard error).
    pub(super) fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Removes the bar.
    pub(super) fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn show_counts(&self) {
        let [delivered, failed, retries] = self.counts;
        self.bar.set_message(format!(
            "{delivered} delivered, {failed} failed, {retries} retries"
        ));
    }
}
