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

/// How a reader turns the runs of rows that share a key column (the order id) into orders.
pub(super) trait Grouping {
    /// An order being assembled from its rows.
    type Group;
    /// The key its rows share.
    fn key(group: &Self::Group) -> &str;
    /// Starts an order at its first row.
    fn start(&mut self, key: String, row: u64, cells: &Row) -> Self::Group;
    /// Reads a row, the first one too, into its order.
    fn add(&mut self, group: &mut Self::Group, row: u64, cells: &Row);
    /// Hands over a complete order.
    fn finish(&mut self, group: Self::Group);
    /// Hands over an error at a row that belongs to no order, naming the column where there is one.
    fn fail(&mut self, row: u64, column: Option<&'static str>, message: String);
}

/// The key column of a file and how its rows are read.
pub(super) struct Keyed<'h> {
    /// The file's header.
    pub header: &'h Header,
    /// The column whose value starts a new order when it changes.
    pub key: &'static str,
    /// The error of a row whose key cell is empty (or not UTF-8).
    pub no_key: &'static str,
    /// What to say after "not valid UTF-8".
    pub utf8_hint: &'static str,
}

/// Reads the records of `csv` after its header into orders: rows next to each other with the same key are
/// one order. A row without key ends the order before it and is refused; a malformed record ends the reading.
pub(super) fn group_rows<R: Read, G: Grouping>(
    csv: &mut csv::Reader<R>,
    keyed: &Keyed,
    grouping: &mut G,
) {
    let mut group: Option<G::Group> = None;
    let mut record = csv::ByteRecord::new();
    let mut row = 1u64;
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                if let Some(g) = group.take() {
                    grouping.finish(g);
                }
                let (at, message) = malformed(&e, row);
                return grouping.fail(at, None, message);
            }
        }
        row += 1;
        let cells = Row {
            header: keyed.header,
            record: &record,
            utf8_hint: keyed.utf8_hint,
        };
        let Ok(Some(key)) = cells.text(keyed.key) else {
            if let Some(g) = group.take() {
                grouping.finish(g);
            }
            grouping.fail(row, Some(keyed.key), keyed.no_key.to_owned());
            continue;
        };
        if group.as_ref().is_some_and(|g| G::key(g) != key) {
            grouping.finish(group.take().expect("checked above"));
        }
        let g = group.get_or_insert_with(|| grouping.start(key, row, &cells));
        grouping.add(g, row, &cells);
    }
    if let Some(g) = group.take() {
        grouping.finish(g);
    }
    if row == 1 {
        grouping.fail(1, None, "the file holds no orders".into());
    }
}
