//! What the two CSV readers (ublflow's own CSV and Shopify's order export) share: opening a file, finding
//! columns by their header names, reading a row's cells (trimmed, checked for UTF-8, parsed) and describing a
//! malformed record.

use rust_decimal::Decimal;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::str::FromStr;

/// A cell's value, or the column and what is wrong with it.
pub(super) type CellResult<T> = Result<T, (&'static str, String)>;

/// A strict CSV reader over `reader` (comma-separated, a header row, every record as long as the header),
/// past a UTF-8 byte order mark.
pub(super) fn open<R: Read>(mut reader: BufReader<R>) -> csv::Reader<BufReader<R>> {
    if reader
        .fill_buf()
        .is_ok_and(|b| b.starts_with(b"\xEF\xBB\xBF"))
    {
        reader.consume(3);
    }
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(reader)
}

/// The header row: column names (trimmed) and where each one is.
pub(super) struct Header {
    names: Vec<String>,
    positions: HashMap<String, usize>,
}

impl Header {
    /// Reads the header row of `csv`. A column is found by the name `canonical` gives its header name, or by
    /// the header name itself where that gives `None`.
    pub fn read<R: Read>(
        csv: &mut csv::Reader<R>,
        canonical: fn(&str) -> Option<&'static str>,
    ) -> Result<Header, csv::Error> {
        let names: Vec<String> = csv
            .byte_headers()?
            .iter()
            .map(|n| String::from_utf8_lossy(n).trim().to_owned())
            .collect();
        let mut positions = HashMap::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            // The first of two equal names wins.
            let key = canonical(name).map_or_else(|| name.clone(), str::to_owned);
            positions.entry(key).or_insert(i);
        }
        Ok(Header { names, positions })
    }

    /// The column names, in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Where a column is, if the file has it.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.positions.get(name).copied()
    }
}

/// The cells of one record, looked up by column name.
pub(super) struct Row<'a> {
    /// The file's header.
    pub header: &'a Header,
    /// The record.
    pub record: &'a csv::ByteRecord,
    /// What to say after "not valid UTF-8", such as how to save the file.
    pub utf8_hint: &'static str,
}

impl Row<'_> {
    /// The trimmed text of a column; `None` when the column is absent or the cell empty.
    pub fn text(&self, name: &'static str) -> CellResult<Option<String>> {
        let Some(i) = self.header.index(name) else {
            return Ok(None);
        };
        let bytes = self.record.get(i).unwrap_or_default();
        let text = std::str::from_utf8(bytes)
            .map_err(|_| (name, format!("not valid UTF-8 ({})", self.utf8_hint)))?;
        let text = text.trim();
        Ok((!text.is_empty()).then(|| text.to_owned()))
    }

    /// A cell parsed as `T`; the error says the text is not `what`.
    pub fn parsed<T: FromStr>(&self, name: &'static str, what: &str) -> CellResult<Option<T>> {
        match self.text(name)? {
            None => Ok(None),
            Some(t) => t
                .parse()
                .map(Some)
                .map_err(|_| (name, format!("{t:?} is not {what}"))),
        }
    }

    /// A decimal number, read exactly.
    pub fn decimal(&self, name: &'static str) -> CellResult<Option<Decimal>> {
        self.parsed(name, "a decimal number (use '.' as the decimal separator)")
    }
}

/// Where a malformed record is (its 1-based row, or `after_row + 1` when the CSV reader does not say) and what
/// is wrong with it; reading stops there.
pub(super) fn malformed(e: &csv::Error, after_row: u64) -> (u64, String) {
    let row = e.position().map_or(after_row + 1, |p| p.record() + 1);
    let what = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "the row has {len} cells where the header has {expected_len} (the file is cut or was edited)"
        ),
        _ => e.to_string(),
    };
    (
        row,
        format!("{what}; rows after this point in the file were not read"),
    )
}
