//! JSON orders: one object, an array of objects, or JSON Lines (objects one after another).
//!
//! A small scanner cuts the input into top-level order objects without parsing them (tracking only strings
//! and nesting), so memory holds one order at a time and a bad order does not stop the file; each object is
//! then parsed on its own, with the failing field's path and line in the error.

use super::{InputError, Position, RawOrder, ReadItem, Record};
use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

/// Where the scanner is in the top-level structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Top {
    /// Before the first value: decides between an array and a stream of objects.
    Start,
    /// A stream of objects (one object, or JSON Lines).
    Stream,
    /// Inside the top-level array, expecting an element.
    ArrayElement,
    /// Inside the top-level array, after an element: expecting `,` or `]`.
    ArrayNext,
    /// After the top-level array's `]`.
    Done,
}

/// Cuts a JSON input into top-level order objects.
struct Splitter<R> {
    reader: R,
    /// Current line (1-based) of the next byte.
    line: u64,
    top: Top,
}

/// One cut: the object's bytes and the line it starts on, or a structural error.
enum Cut {
    Object(u64, Vec<u8>),
    Error(u64, String),
}

impl<R: BufRead> Splitter<R> {
    fn next_byte(&mut self) -> std::io::Result<Option<u8>> {
        let buf = self.reader.fill_buf()?;
        let Some(&b) = buf.first() else {
            return Ok(None);
        };
        self.reader.consume(1);
        if b == b'\n' {
            self.line += 1;
        }
        Ok(Some(b))
    }

    /// Reads one object whose `{` was just consumed, into `out`.
    fn object(&mut self, out: &mut Vec<u8>) -> std::io::Result<Result<(), String>> {
        out.push(b'{');
        let mut depth = 1usize;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            // Copy whole runs of ordinary bytes at once.
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(Err("the file ends inside an order object".into()));
            }
            let mut used = 0;
            let mut finished = false;
            for &b in buf {
                used += 1;
                if b == b'\n' {
                    self.line += 1;
                }
                if in_string {
                    match (escaped, b) {
                        (true, _) => escaped = false,
                        (false, b'\\') => escaped = true,
                        (false, b'"') => in_string = false,
                        _ => {}
                    }
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            finished = true;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            out.extend_from_slice(&buf[..used]);
            self.reader.consume(used);
            if finished {
                return Ok(Ok(()));
            }
        }
    }

    /// The next order object, `None` at a clean end.
    fn next_cut(&mut self) -> std::io::Result<Option<Cut>> {
        loop {
            let line = self.line;
            let Some(b) = self.next_byte()? else {
                return Ok(match self.top {
                    Top::Start => Some(Cut::Error(line, "the file holds no orders".into())),
                    Top::ArrayElement | Top::ArrayNext => Some(Cut::Error(
                        line,
                        "the file ends inside the array of orders (missing ']')".into(),
                    )),
                    Top::Stream | Top::Done => None,
                });
            };
            if b.is_ascii_whitespace() {
                continue;
            }
            match (self.top, b) {
                (Top::Start, b'[') => self.top = Top::ArrayElement,
                (Top::ArrayElement, b']') | (Top::ArrayNext, b']') => self.top = Top::Done,
                (Top::ArrayNext, b',') => self.top = Top::ArrayElement,
                (Top::Start | Top::Stream | Top::ArrayElement, b'{') => {
                    self.top = match self.top {
                        Top::ArrayElement => Top::ArrayNext,
                        _ => Top::Stream,
                    };
                    let mut out = Vec::with_capacity(2048);
                    return Ok(Some(match self.object(&mut out)? {
                        Ok(()) => Cut::Object(line, out),
                        Err(message) => Cut::Error(line, message),
                    }));
                }
                (top, other) => {
                    let expected = match top {
                        Top::ArrayElement => "an order object",
                        Top::ArrayNext => "',' or ']'",
                        Top::Done => "nothing after the array",
                        Top::Start | Top::Stream => "an order object or an array of orders",
                    };
                    return Ok(Some(Cut::Error(
                        self.line,
                        format!("unexpected {:?}, expected {expected}", char::from(other)),
                    )));
                }
            }
        }
    }
}

pub(super) fn read<R: std::io::Read>(
    file: Arc<Path>,
    reader: std::io::BufReader<R>,
    sink: &mut dyn FnMut(ReadItem),
) {
    split(&file, reader, &mut |cut| match cut {
        Ok((line, bytes)) => sink(parse(&file, line, bytes)),
        Err(e) => sink(Err(e)),
    });
}

/// One top-level object (the line it starts on and its bytes), or the error that ends the input.
pub(super) type Object<'a> = Result<(u64, &'a [u8]), InputError>;

/// Cuts a JSON input (one object, an array of objects, or JSON Lines) into its top-level objects, handing
/// each to `each` with the line it starts on. A structural error or a read error is handed over last.
pub(super) fn split<R: std::io::Read>(
    file: &Path,
    mut reader: std::io::BufReader<R>,
    each: &mut dyn FnMut(Object<'_>),
) {
    if reader
        .fill_buf()
        .is_ok_and(|b| b.starts_with(b"\xEF\xBB\xBF"))
    {
        reader.consume(3);
    }
    let mut splitter = Splitter {
        reader,
        line: 1,
        top: Top::Start,
    };
    loop {
        match splitter.next_cut() {
            Ok(None) => return,
            Ok(Some(Cut::Object(line, bytes))) => each(Ok((line, &bytes))),
            Ok(Some(Cut::Error(line, message))) => {
                return each(Err(file_error(
                    file,
                    line,
                    format!("{message}; orders after this point in the file were not read"),
                )))
            }
            Err(e) => {
                return each(Err(file_error(
                    file,
                    splitter.line,
                    format!("cannot read: {e}"),
                )))
            }
        }
    }
}

fn file_error(file: &Path, line: u64, message: String) -> InputError {
    InputError {
        file: file.into(),
        position: Some(Position::Line(line)),
        order_id: None,
        field: None,
        message,
        skipped: false,
        settled_by: None,
    }
}

/// Parses one order object that starts on `start`.
fn parse(file: &Arc<Path>, start: u64, bytes: &[u8]) -> ReadItem {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, RawOrder>(&mut de) {
        Ok(order) => Ok(Record {
            order,
            file: file.clone(),
            position: Position::Line(start),
            line_rows: Vec::new(),
            format: super::Format::Json,
            refund_base: None,
        }),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let line = start + inner.line().saturating_sub(1) as u64;
            let mut message = inner.to_string();
            if let Some(i) = message.rfind(" at line ") {
                message.truncate(i);
            }
            let order_id = serde_json::from_slice::<serde_json::Value>(bytes)
                .ok()
                .and_then(|v| v.get("order_id")?.as_str().map(str::to_owned));
            Err(InputError {
                file: file.clone(),
                position: Some(Position::Line(line)),
                order_id,
                field: (path != ".").then_some(path),
                message,
                skipped: false,
                settled_by: None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cuts(text: &str) -> Vec<Result<u64, String>> {
        let mut s = Splitter {
            reader: std::io::BufReader::with_capacity(7, text.as_bytes()),
            line: 1,
            top: Top::Start,
        };
        let mut out = Vec::new();
        while let Some(cut) = s.next_cut().unwrap() {
            match cut {
                Cut::Object(line, bytes) => {
                    serde_json::from_slice::<serde_json::Value>(&bytes).expect("a whole object");
                    out.push(Ok(line));
                }
                Cut::Error(line, m) => {
                    out.push(Err(format!("{line}: {m}")));
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn cuts_arrays_streams_and_single_objects() {
        assert_eq!(cuts("{\"a\": 1}"), vec![Ok(1)]);
        assert_eq!(
            cuts("{\"a\": 1}\n{\"b\": \"}{\"}\n\n{\"c\": [1, {\"d\": 2}]}\n"),
            vec![Ok(1), Ok(2), Ok(4)]
        );
        assert_eq!(
            cuts("[\n {\"a\": \"x\\\"}\"},\n {\"b\": 2}\n]\n"),
            vec![Ok(2), Ok(3)]
        );
        assert_eq!(cuts("[]"), vec![]);
    }

    #[test]
    fn reports_structural_errors_with_their_line() {
        assert_eq!(cuts(""), vec![Err("1: the file holds no orders".into())]);
        assert_eq!(
            cuts("[{\"a\": 1},\n 7]"),
            vec![
                Ok(1),
                Err("2: unexpected '7', expected an order object".into())
            ]
        );
        assert_eq!(
            cuts("{\"a\": \n"),
            vec![Err("1: the file ends inside an order object".into())]
        );
        assert_eq!(
            cuts("[{\"a\": 1}\n"),
            vec![
                Ok(1),
                Err("2: the file ends inside the array of orders (missing ']')".into())
            ]
        );
    }
}
