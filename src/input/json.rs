//! JSON orders: one object, an array of objects, or JSON Lines (objects one after another).
//!
//! The input is parsed as a stream; each order is first read as a generic JSON value (so a wrong field fails
//! only that order) and then mapped to [`RawOrder`], with the failing field's path in the error.

use super::{InputError, Position, RawOrder, ReadItem, Record};
use serde::de::{self, DeserializeSeed, Deserializer as _, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::cell::Cell;
use std::fmt;
use std::io::{BufRead, Read};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

/// Counts the newlines the parser has consumed, so each order knows the line it starts on.
struct LineCounter<R> {
    inner: R,
    line: Rc<Cell<u64>>,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let newlines = buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        self.line.set(self.line.get() + newlines);
        Ok(n)
    }
}

pub(super) fn read<R: Read>(
    file: Arc<Path>,
    mut reader: std::io::BufReader<R>,
    sink: &mut dyn FnMut(ReadItem),
) {
    if reader
        .fill_buf()
        .is_ok_and(|b| b.starts_with(b"\xEF\xBB\xBF"))
    {
        reader.consume(3);
    }
    let line = Rc::new(Cell::new(1));
    let counter = LineCounter {
        inner: reader,
        line: line.clone(),
    };
    let mut de = serde_json::Deserializer::from_reader(counter);
    let mut emit = |start: u64, value: serde_json::Value| sink(map_order(&file, start, value));
    let top = TopLevel {
        line: &line,
        emit: &mut emit,
    };
    let result = top.run(&mut de);
    if let Err(e) = result {
        sink(Err(syntax_error(&file, &e)));
    }
}

/// Drives the deserializer over the top level: an array of orders or a stream of objects.
struct TopLevel<'a> {
    line: &'a Rc<Cell<u64>>,
    emit: &'a mut dyn FnMut(u64, serde_json::Value),
}

impl TopLevel<'_> {
    fn run<R: serde_json::de::Read<'static>>(
        self,
        de: &mut serde_json::Deserializer<R>,
    ) -> Result<(), serde_json::Error> {
        let mut first = true;
        loop {
            if de.end().is_ok() {
                if first {
                    return Err(de::Error::custom("the file holds no orders"));
                }
                return Ok(());
            }
            first = false;
            de.deserialize_any(TopVisitor {
                line: self.line,
                emit: &mut *self.emit,
            })?;
        }
    }
}

struct TopVisitor<'a> {
    line: &'a Rc<Cell<u64>>,
    emit: &'a mut dyn FnMut(u64, serde_json::Value),
}

impl<'de> Visitor<'de> for TopVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an order object or an array of order objects")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let start = self.line.get();
        let value = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        (self.emit)(start, value);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some((start, value)) = seq.next_element_seed(Located { line: self.line })? {
            (self.emit)(start, value);
        }
        Ok(())
    }
}

/// Reads one array element and the line its opening brace is on.
struct Located<'a> {
    line: &'a Rc<Cell<u64>>,
}

impl<'de> DeserializeSeed<'de> for Located<'_> {
    type Value = (u64, serde_json::Value);

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Located<'_> {
    type Value = (u64, serde_json::Value);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an order object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let start = self.line.get();
        let value = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok((start, value))
    }
}

fn map_order(file: &Arc<Path>, start: u64, value: serde_json::Value) -> ReadItem {
    let order_id = value
        .get("order_id")
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    let error = |field: Option<String>, message: String| InputError {
        file: file.to_path_buf(),
        position: Some(Position::Line(start)),
        order_id: order_id.clone(),
        field,
        message,
    };
    let order: RawOrder = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        error((path != ".").then_some(path), inner)
    })?;
    let digest = digest(&order);
    Ok(Record {
        order,
        file: file.clone(),
        position: Position::Line(start),
        line_rows: Vec::new(),
        digest,
    })
}

/// SHA-256 over the order's canonical JSON form: the same order from JSON or CSV gives the same digest.
pub(super) fn digest(order: &RawOrder) -> [u8; 32] {
    let bytes = serde_json::to_vec(order).expect("an order always serialises");
    Sha256::digest(&bytes).into()
}

fn syntax_error(file: &Path, e: &serde_json::Error) -> InputError {
    let message = e.to_string();
    let message = match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message,
    };
    InputError {
        file: file.to_owned(),
        position: (e.line() > 0).then(|| Position::Line(e.line() as u64)),
        order_id: None,
        field: None,
        message: format!(
            "{message} (column {}); orders after this point in the file were not read",
            e.column()
        ),
    }
}
