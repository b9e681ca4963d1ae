//! One pass from text to [`Document`]: well-formedness (XML 1.0 and Namespaces in XML 1.0),
//! namespace resolution, text and attribute-value normalization. No DTD is accepted, so the only
//! references are the five predefined entities and character references.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;

use memchr::{memchr, memchr2, memmem};

use super::{chars, AttrData, Document, NodeData, NodeType, NONE, XML_NAMESPACE};
use crate::validate::name::Name;
use crate::validate::structure::tables::Ns;

/// Deepest element nesting accepted by [`Document::parse`]: UBL documents nest about 10 levels,
/// and a finding's location names every ancestor, so deeper nesting only makes work.
pub const MAX_DEPTH: usize = 512;

const XMLNS_NAMESPACE: &str = "http://www.w3.org/2000/xmlns/";

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// A document type declaration (and so possibly entity declarations).
    Dtd,
    /// Elements nested deeper than the limit (see [`MAX_DEPTH`]).
    TooDeep,
    /// Not well-formed, with the reason.
    Malformed(String),
}

/// A refused document: the reason and the byte offset where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The reason.
    pub kind: ErrorKind,
    /// Byte offset in the input.
    pub pos: usize,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Dtd => f.write_str("a document type declaration (DTD) is not allowed"),
            ErrorKind::TooDeep => f.write_str("elements are nested too deeply"),
            ErrorKind::Malformed(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for Error {}

fn malformed(pos: usize, why: impl Into<String>) -> Error {
    Error {
        kind: ErrorKind::Malformed(why.into()),
        pos,
    }
}

/// An element whose end tag is still to come (the document node at the bottom).
struct Open<'i> {
    id: u32,
    qname: &'i str,
    /// Length of the namespace scope before this element's declarations.
    scope: usize,
    last_child: u32,
    last_element: u32,
}

/// Text being gathered into one node: adjacent runs, references and CDATA sections.
struct Pending<'i> {
    start: usize,
    end: usize,
    value: Cow<'i, str>,
}

/// An attribute as written, before namespaces are resolved.
struct RawAttr<'i> {
    prefix: &'i str,
    local: &'i str,
    qname: &'i str,
    value: Cow<'i, str>,
    start: usize,
    end: usize,
}

/// Prefixes in scope, innermost last. Lookups scan the list, which holds a handful of bindings in
/// any real document; past [`Scope::INDEXED`] bindings a map by prefix keeps them constant-time.
#[derive(Default)]
struct Scope<'i> {
    list: Vec<(&'i str, u32)>,
    index: Option<HashMap<&'i str, Vec<u32>>>,
}

impl<'i> Scope<'i> {
    const INDEXED: usize = 32;

    fn push(&mut self, prefix: &'i str, ns: u32) {
        self.list.push((prefix, ns));
        if let Some(index) = &mut self.index {
            index.entry(prefix).or_default().push(ns);
        } else if self.list.len() > Self::INDEXED {
            let mut index: HashMap<&str, Vec<u32>> = HashMap::new();
            for &(p, n) in &self.list {
                index.entry(p).or_default().push(n);
            }
            self.index = Some(index);
        }
    }

    fn truncate(&mut self, len: usize) {
        if let Some(index) = &mut self.index {
            for (p, _) in &self.list[len..] {
                if let Some(stack) = index.get_mut(p) {
                    stack.pop();
                }
            }
        }
        self.list.truncate(len);
    }

    /// The namespace bound to `prefix` (`NONE` for an undeclared default namespace), or `None`
    /// when the prefix is not bound.
    fn get(&self, prefix: &str) -> Option<u32> {
        match &self.index {
            Some(index) => index.get(prefix).and_then(|s| s.last().copied()),
            None => self
                .list
                .iter()
                .rev()
                .find(|(p, _)| same(p.as_bytes(), prefix.as_bytes()))
                .map(|(_, n)| *n),
        }
    }
}

/// Byte equality without a call into the C library: prefixes are a few bytes long.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

struct Parser<'i> {
    text: &'i str,
    b: &'i [u8],
    pos: usize,
    nodes: Vec<NodeData<'i>>,
    attrs: Vec<AttrData<'i>>,
    namespaces: Vec<Cow<'i, str>>,
    ns_index: HashMap<Cow<'i, str>, u32>,
    declarations: Vec<(u32, &'i str, u32)>,
    scope: Scope<'i>,
    open: Vec<Open<'i>>,
    pending: Option<Pending<'i>>,
    raw: Vec<RawAttr<'i>>,
    root_seen: bool,
    max_depth: usize,
    /// Whether the input has a carriage return or `]]>` anywhere: only then is each text run
    /// searched for them.
    rare_text: bool,
}

/// Parses `text` into a [`Document`].
pub(super) fn parse(text: &str, max_depth: usize) -> Result<Document<'_>, Error> {
    if u32::try_from(text.len()).is_err() {
        return Err(malformed(0, "documents of 4 GiB or more are not supported"));
    }
    if let Some(at) = chars::first_invalid_char(text) {
        return Err(malformed(at, "a character that XML 1.0 does not allow"));
    }
    let mut p = Parser {
        text,
        b: text.as_bytes(),
        pos: 0,
        nodes: Vec::with_capacity(text.len() / 16),
        attrs: Vec::new(),
        namespaces: Vec::new(),
        ns_index: HashMap::new(),
        declarations: Vec::new(),
        scope: Scope::default(),
        open: Vec::with_capacity(16),
        pending: None,
        raw: Vec::new(),
        root_seen: false,
        max_depth,
        rare_text: memchr(b'\r', text.as_bytes()).is_some()
            || memmem::find(text.as_bytes(), b"]]>").is_some(),
    };
    p.nodes.push(NodeData {
        kind: NodeType::Root,
        name: None,
        parent: NONE,
        first_child: NONE,
        next_sibling: NONE,
        prev_sibling: NONE,
        first_element: NONE,
        next_element: NONE,
        last_descendant: 0,
        ns: NONE,
        start: 0,
        end: text.len() as u32,
        attrs: (0, 0),
        value: Cow::Borrowed(""),
    });
    p.open.push(Open {
        id: 0,
        qname: "",
        scope: 0,
        last_child: NONE,
        last_element: NONE,
    });
    let xml = p.intern(Cow::Borrowed(XML_NAMESPACE));
    p.scope.push("xml", xml);
    p.declaration()?;
    p.content()?;
    let last = p.nodes.len() as u32 - 1;
    p.nodes[0].last_descendant = last;
    let ubl: Vec<Option<Ns>> = p.namespaces.iter().map(|n| Ns::from_uri(n)).collect();
    // The declared names, in a pass of their own: one tight loop over the elements is faster
    // than a lookup in the middle of each start tag.
    for node in &mut p.nodes {
        if node.kind == NodeType::Element {
            if let Some(&Some(ns)) = ubl.get(node.ns as usize) {
                node.name = Name::lookup(ns, &node.value);
            }
        }
    }
    Ok(Document {
        text,
        nodes: p.nodes,
        attrs: p.attrs,
        ubl,
        namespaces: p.namespaces,
        declarations: p.declarations,
    })
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Line ends normalized: `\r\n` and a lone `\r` become `\n`.
fn normalize_newlines(raw: &str) -> Cow<'_, str> {
    if memchr(b'\r', raw.as_bytes()).is_none() {
        return Cow::Borrowed(raw);
    }
    Cow::Owned(raw.replace("\r\n", "\n").replace('\r', "\n"))
}

impl<'i> Parser<'i> {
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.b[self.pos..].starts_with(s)
    }

    fn skip_space(&mut self) -> usize {
        let from = self.pos;
        while is_space(self.at(self.pos)) {
            self.pos += 1;
        }
        self.pos - from
    }

    fn find(&self, needle: &[u8]) -> Option<usize> {
        memmem::find(&self.b[self.pos..], needle).map(|i| self.pos + i)
    }

    fn intern(&mut self, uri: Cow<'i, str>) -> u32 {
        if let Some(&i) = self.ns_index.get(&uri) {
            return i;
        }
        let i = self.namespaces.len() as u32;
        self.namespaces.push(uri.clone());
        self.ns_index.insert(uri, i);
        i
    }

    /// The XML declaration, only at the very start: `version`, then optionally `encoding` and
    /// `standalone`, in that order.
    fn declaration(&mut self) -> Result<(), Error> {
        if !(self.starts_with(b"<?xml") && is_space(self.at(5))) {
            return Ok(());
        }
        self.pos = 5;
        let mut seen = 0;
        loop {
            let space = self.skip_space();
            if self.starts_with(b"?>") {
                break;
            }
            let at = self.pos;
            let len = chars::ncname_len(&self.text[at..]);
            let name = &self.text[at..at + len];
            let order = ["version", "encoding", "standalone"]
                .iter()
                .position(|n| *n == name)
                .filter(|&i| space > 0 && i + 1 > seen && (i == 0) == (seen == 0));
            let Some(order) = order else {
                return Err(malformed(at, "a malformed XML declaration"));
            };
            seen = order + 1;
            self.pos += len;
            self.skip_space();
            if self.at(self.pos) != b'=' {
                return Err(malformed(self.pos, "expected '=' in the XML declaration"));
            }
            self.pos += 1;
            self.skip_space();
            let quote = self.at(self.pos);
            let from = self.pos + 1;
            let to = match quote {
                b'"' | b'\'' => memchr(quote, &self.b[from..]).map(|i| from + i),
                _ => None,
            }
            .ok_or_else(|| malformed(self.pos, "expected a quoted value in the XML declaration"))?;
            let value = &self.text[from..to];
            let ok = match order {
                0 => value
                    .strip_prefix("1.")
                    .is_some_and(|d| !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit())),
                1 => {
                    value.bytes().enumerate().all(|(i, c)| {
                        c.is_ascii_alphabetic()
                            || (i > 0 && (c.is_ascii_digit() || b"._-".contains(&c)))
                    }) && !value.is_empty()
                }
                _ => value == "yes" || value == "no",
            };
            if !ok {
                return Err(malformed(from, format!("'{value}' is not a valid {name}")));
            }
            self.pos = to + 1;
        }
        if seen == 0 {
            return Err(malformed(0, "the XML declaration has no version"));
        }
        self.pos += 2;
        Ok(())
    }

    /// Everything after the declaration: the root element with its content, and the comments,
    /// processing instructions and white space around it.
    fn content(&mut self) -> Result<(), Error> {
        while self.pos < self.b.len() {
            if self.b[self.pos] != b'<' {
                if self.open.len() == 1 {
                    self.skip_space();
                    if self.pos < self.b.len() && self.b[self.pos] != b'<' {
                        return Err(malformed(self.pos, "text outside the root element"));
                    }
                } else {
                    self.text_run()?;
                }
                continue;
            }
            match self.at(self.pos + 1) {
                b'/' => self.end_tag()?,
                b'?' => self.pi()?,
                b'!' => {
                    if self.starts_with(b"<!--") {
                        self.comment()?;
                    } else if self.starts_with(b"<![CDATA[") && self.open.len() > 1 {
                        self.cdata()?;
                    } else if self.starts_with(b"<!DOCTYPE") {
                        return Err(Error {
                            kind: ErrorKind::Dtd,
                            pos: self.pos,
                        });
                    } else {
                        return Err(malformed(self.pos, "unexpected markup after '<!'"));
                    }
                }
                _ => {
                    if self.open.len() == 1 && self.root_seen {
                        return Err(malformed(self.pos, "a second root element"));
                    }
                    self.start_tag()?;
                }
            }
        }
        if let Some(open) = self.open.get(1..).and_then(|o| o.last()) {
            return Err(malformed(
                self.b.len(),
                format!(
                    "unexpected end of the document: <{}> is not closed",
                    open.qname
                ),
            ));
        }
        if !self.root_seen {
            return Err(malformed(self.b.len(), "the document has no root element"));
        }
        Ok(())
    }

    /// A qualified name at `self.pos`: (prefix, local name, whole name).
    fn qname(&mut self) -> Result<(&'i str, &'i str, &'i str), Error> {
        let start = self.pos;
        let first = chars::ncname_len(&self.text[start..]);
        if first == 0 {
            return Err(if self.at(start) == b':' {
                malformed(start, "a name with an empty prefix is not a qualified name")
            } else {
                malformed(start, "expected a name")
            });
        }
        let mut end = start + first;
        let (prefix, local) = if self.at(end) == b':' {
            let second = chars::ncname_len(&self.text[end + 1..]);
            if second == 0 {
                return Err(malformed(
                    end,
                    "a name with an empty local part is not a qualified name",
                ));
            }
            let local = &self.text[end + 1..end + 1 + second];
            let prefix = &self.text[start..end];
            end += 1 + second;
            (prefix, local)
        } else {
            ("", &self.text[start..end])
        };
        if self.at(end) == b':' {
            return Err(malformed(
                end,
                "a name with more than one ':' is not a qualified name",
            ));
        }
        self.pos = end;
        Ok((prefix, local, &self.text[start..end]))
    }

    fn start_tag(&mut self) -> Result<(), Error> {
        let start = self.pos;
        self.flush_text();
        self.pos += 1;
        let (prefix, local, qname) = self.qname()?;
        self.raw.clear();
        let empty = loop {
            let space = self.skip_space();
            match self.at(self.pos) {
                b'>' => {
                    self.pos += 1;
                    break false;
                }
                b'/' if self.at(self.pos + 1) == b'>' => {
                    self.pos += 2;
                    break true;
                }
                0 if self.pos >= self.b.len() => {
                    return Err(malformed(self.pos, format!("<{qname}> is not closed")));
                }
                _ if space == 0 => {
                    return Err(malformed(self.pos, "expected white space, '>' or '/>'"));
                }
                _ => self.attribute()?,
            }
        };
        if self.open.len() > self.max_depth {
            return Err(Error {
                kind: ErrorKind::TooDeep,
                pos: start,
            });
        }
        let id = self.nodes.len() as u32;
        let scope = self.scope.list.len();
        let ns = self.resolve_element(id, prefix, start)?;
        let attrs = self.resolve_attributes()?;
        self.push_node(
            NodeType::Element,
            start,
            self.pos,
            Cow::Borrowed(local),
            ns,
            attrs,
        );
        self.root_seen = true;
        if empty {
            self.scope.truncate(scope);
        } else {
            self.open.push(Open {
                id,
                qname,
                scope,
                last_child: NONE,
                last_element: NONE,
            });
        }
        Ok(())
    }

    /// One attribute `name = "value"` at `self.pos`.
    fn attribute(&mut self) -> Result<(), Error> {
        let start = self.pos;
        let (prefix, local, qname) = self.qname()?;
        self.skip_space();
        if self.at(self.pos) != b'=' {
            return Err(malformed(self.pos, format!("expected '=' after {qname}")));
        }
        self.pos += 1;
        self.skip_space();
        let quote = self.at(self.pos);
        if quote != b'"' && quote != b'\'' {
            return Err(malformed(self.pos, "expected a quoted attribute value"));
        }
        let from = self.pos + 1;
        let to = memchr(quote, &self.b[from..])
            .map(|i| from + i)
            .ok_or_else(|| malformed(from, "the attribute value is not closed"))?;
        let raw = &self.text[from..to];
        if let Some(i) = memchr(b'<', raw.as_bytes()) {
            return Err(malformed(from + i, "'<' in an attribute value"));
        }
        let value = if raw
            .bytes()
            .any(|c| matches!(c, b'&' | b'\t' | b'\n' | b'\r'))
        {
            Cow::Owned(self.attribute_value(from, raw)?)
        } else {
            Cow::Borrowed(raw)
        };
        self.pos = to + 1;
        self.raw.push(RawAttr {
            prefix,
            local,
            qname,
            value,
            start,
            end: self.pos,
        });
        Ok(())
    }

    /// Attribute-value normalization: references replaced, each white-space character (a line
    /// end counting once) a space.
    fn attribute_value(&self, from: usize, raw: &str) -> Result<String, Error> {
        let b = raw.as_bytes();
        let mut out = String::with_capacity(raw.len());
        // `run` is where the bytes not yet copied start; one pass, so linear in the value.
        let (mut i, mut run) = (0, 0);
        while let Some(&c) = b.get(i) {
            let (replacement, len) = match c {
                b'&' => self.reference(from + i)?,
                b'\r' if b.get(i + 1) == Some(&b'\n') => (' ', 2),
                b'\r' | b'\n' | b'\t' => (' ', 1),
                _ => {
                    i += 1;
                    continue;
                }
            };
            out.push_str(&raw[run..i]);
            out.push(replacement);
            i += len;
            run = i;
        }
        out.push_str(&raw[run..]);
        Ok(out)
    }

    /// The character of the reference at `at` (`&...;`) and the reference's length.
    fn reference(&self, at: usize) -> Result<(char, usize), Error> {
        let rest = &self.text[at + 1..];
        let end = memchr(b';', &rest.as_bytes()[..rest.len().min(64)])
            .ok_or_else(|| malformed(at, "a reference without ';'"))?;
        let name = &rest[..end];
        let c = match name {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "apos" => Some('\''),
            "quot" => Some('"'),
            _ => {
                let number = match name.as_bytes() {
                    [b'#', b'x', hex @ ..] if !hex.is_empty() => hex
                        .iter()
                        .all(u8::is_ascii_hexdigit)
                        .then(|| u32::from_str_radix(&name[2..], 16).ok())
                        .flatten(),
                    [b'#', dec @ ..] if !dec.is_empty() => dec
                        .iter()
                        .all(u8::is_ascii_digit)
                        .then(|| name[1..].parse().ok())
                        .flatten(),
                    _ => {
                        return Err(malformed(
                            at,
                            format!(
                                "unknown entity '&{name};' (only the five predefined entities \
                                 exist without a DTD)"
                            ),
                        ))
                    }
                };
                number
                    .and_then(char::from_u32)
                    .filter(|c| chars::is_xml_char(*c))
            }
        };
        c.map(|c| (c, end + 2))
            .ok_or_else(|| malformed(at, format!("'&{name};' is not a valid character reference")))
    }

    /// Binds this element's namespace declarations and resolves its own namespace.
    fn resolve_element(&mut self, id: u32, prefix: &'i str, start: usize) -> Result<u32, Error> {
        for i in 0..self.raw.len() {
            let a = &self.raw[i];
            let declared = match (a.prefix, a.local) {
                ("", "xmlns") => "",
                ("xmlns", p) => p,
                _ => continue,
            };
            let (at, value) = (a.start, a.value.clone());
            let uri = value.as_ref();
            if declared == "xmlns" {
                return Err(malformed(at, "the prefix 'xmlns' cannot be declared"));
            }
            if (declared == "xml") != (uri == XML_NAMESPACE) || uri == XMLNS_NAMESPACE {
                return Err(malformed(
                    at,
                    format!("'{uri}' cannot be bound to '{declared}'"),
                ));
            }
            let ns = if uri.is_empty() {
                if !declared.is_empty() {
                    return Err(malformed(
                        at,
                        format!("the prefix '{declared}' cannot be undeclared"),
                    ));
                }
                NONE
            } else {
                self.intern(value)
            };
            self.scope.push(declared, ns);
            self.declarations.push((id, declared, ns));
        }
        if prefix == "xmlns" {
            return Err(malformed(
                start,
                "an element cannot have the prefix 'xmlns'",
            ));
        }
        match self.scope.get(prefix) {
            Some(ns) => Ok(ns),
            None if prefix.is_empty() => Ok(NONE),
            None => Err(malformed(
                start,
                format!("the prefix '{prefix}' is not declared"),
            )),
        }
    }

    /// Resolves the attributes (declarations left out) and stores them; refuses duplicates.
    fn resolve_attributes(&mut self) -> Result<(u32, u32), Error> {
        let from = self.attrs.len() as u32;
        for i in 0..self.raw.len() {
            let a = &self.raw[i];
            if a.prefix == "xmlns" || (a.prefix.is_empty() && a.local == "xmlns") {
                continue;
            }
            let ns = if a.prefix.is_empty() {
                NONE
            } else {
                self.scope
                    .get(a.prefix)
                    .filter(|&n| n != NONE)
                    .ok_or_else(|| {
                        malformed(
                            a.start,
                            format!("the prefix '{}' is not declared", a.prefix),
                        )
                    })?
            };
            self.attrs.push(AttrData {
                ns,
                name: a.local,
                value: a.value.clone(),
                start: a.start as u32,
                end: a.end as u32,
            });
        }
        let to = self.attrs.len() as u32;
        self.check_unique(from as usize)?;
        Ok((from, to))
    }

    /// No attribute twice, by written name or by namespace and local name.
    fn check_unique(&self, from: usize) -> Result<(), Error> {
        let twice =
            |at: usize, name: &str| malformed(at, format!("the attribute '{name}' is given twice"));
        let raw = &self.raw;
        let resolved = &self.attrs[from..];
        if raw.len() <= 8 {
            for (i, a) in raw.iter().enumerate() {
                if raw[..i].iter().any(|b| b.qname == a.qname) {
                    return Err(twice(a.start, a.qname));
                }
            }
            for (i, a) in resolved.iter().enumerate() {
                if resolved[..i]
                    .iter()
                    .any(|b| b.ns == a.ns && b.name == a.name)
                {
                    return Err(twice(a.start as usize, a.name));
                }
            }
            return Ok(());
        }
        let mut seen = HashSet::new();
        if let Some(a) = raw.iter().find(|a| !seen.insert(a.qname)) {
            return Err(twice(a.start, a.qname));
        }
        let mut seen = HashSet::new();
        match resolved.iter().find(|a| !seen.insert((a.ns, a.name))) {
            Some(a) => Err(twice(a.start as usize, a.name)),
            None => Ok(()),
        }
    }

    fn end_tag(&mut self) -> Result<(), Error> {
        let start = self.pos;
        let open = self.open.last().expect("the document node is open");
        let name_end = start + 2 + open.qname.len();
        // The end tag of the open element, compared as bytes (the usual case); anything else is
        // parsed as a name to say what is wrong.
        let closes = self.open.len() > 1
            && self.b[start + 2..].starts_with(open.qname.as_bytes())
            && matches!(self.at(name_end), b'>' | b' ' | b'\t' | b'\n' | b'\r');
        if !closes {
            self.pos += 2;
            let (_, _, qname) = self.qname()?;
            return Err(match self.open.last().filter(|_| self.open.len() > 1) {
                Some(open) => {
                    malformed(start, format!("</{qname}> does not close <{}>", open.qname))
                }
                None => malformed(start, format!("</{qname}> closes no element")),
            });
        }
        self.pos = name_end;
        self.skip_space();
        if self.at(self.pos) != b'>' {
            return Err(malformed(self.pos, "expected '>'"));
        }
        self.pos += 1;
        self.flush_text();
        let open = self.open.pop().expect("an open element");
        self.scope.truncate(open.scope);
        let last = self.nodes.len() as u32 - 1;
        let node = &mut self.nodes[open.id as usize];
        node.end = self.pos as u32;
        node.last_descendant = last;
        Ok(())
    }

    /// Character data and references up to the next markup.
    fn text_run(&mut self) -> Result<(), Error> {
        while self.pos < self.b.len() {
            let from = self.pos;
            let stop = memchr2(b'<', b'&', &self.b[from..]).map_or(self.b.len(), |i| from + i);
            if stop > from {
                let raw = &self.text[from..stop];
                // Most documents have neither, which one search of the whole input tells.
                let value = if self.rare_text {
                    if let Some(at) = raw.find("]]>") {
                        return Err(malformed(from + at, "']]>' in text"));
                    }
                    normalize_newlines(raw)
                } else {
                    Cow::Borrowed(raw)
                };
                // A run that is a whole text node (the usual case) goes straight into the tree.
                let whole = self.pending.is_none()
                    && self.at(stop) == b'<'
                    && !self.b[stop..].starts_with(b"<![CDATA[");
                if whole && self.between_elements(raw, stop) {
                    // Not stored: see the module documentation.
                } else if whole {
                    self.push_node(NodeType::Text, from, stop, value, NONE, (0, 0));
                } else {
                    self.add_text(from, stop, value);
                }
            }
            self.pos = stop;
            if self.at(stop) != b'&' {
                return Ok(());
            }
            let (c, len) = self.reference(stop)?;
            self.add_text(stop, stop + len, Cow::Owned(c.to_string()));
            self.pos = stop + len;
        }
        Ok(())
    }

    /// Whether the whole text run `raw`, ending at the `<` at `stop`, is whitespace directly
    /// after a child element or directly before a start tag. (Every byte up to #x20 is
    /// whitespace: the input has been checked for characters XML does not allow.)
    fn between_elements(&self, raw: &str, stop: usize) -> bool {
        let parent = self.open.last().expect("text is inside an element");
        let after_element = parent.last_child != NONE && parent.last_child == parent.last_element;
        let before_start_tag = !matches!(self.at(stop + 1), b'/' | b'!' | b'?');
        (after_element || before_start_tag) && chars::all_at_most_space(raw.as_bytes())
    }

    fn cdata(&mut self) -> Result<(), Error> {
        let start = self.pos;
        self.pos += 9;
        let end = self
            .find(b"]]>")
            .ok_or_else(|| malformed(start, "the CDATA section is not closed"))?;
        let raw = &self.text[self.pos..end];
        self.pos = end + 3;
        self.add_text(start, self.pos, normalize_newlines(raw));
        Ok(())
    }

    fn comment(&mut self) -> Result<(), Error> {
        let start = self.pos;
        self.pos += 4;
        let dashes = self
            .find(b"--")
            .ok_or_else(|| malformed(start, "the comment is not closed"))?;
        if self.at(dashes + 2) != b'>' {
            return Err(malformed(dashes, "'--' inside a comment"));
        }
        let value = normalize_newlines(&self.text[self.pos..dashes]);
        self.pos = dashes + 3;
        self.flush_text();
        self.push_node(NodeType::Comment, start, self.pos, value, NONE, (0, 0));
        Ok(())
    }

    fn pi(&mut self) -> Result<(), Error> {
        let start = self.pos;
        self.pos += 2;
        let len = chars::ncname_len(&self.text[self.pos..]);
        if len == 0 {
            return Err(malformed(
                self.pos,
                "expected a processing instruction target",
            ));
        }
        let target = &self.text[self.pos..self.pos + len];
        if target.eq_ignore_ascii_case("xml") {
            return Err(malformed(
                start,
                "an XML declaration that is not at the start",
            ));
        }
        self.pos += len;
        if !self.starts_with(b"?>") && self.skip_space() == 0 {
            return Err(malformed(self.pos, "expected white space after the target"));
        }
        let end = self
            .find(b"?>")
            .ok_or_else(|| malformed(start, "the processing instruction is not closed"))?;
        self.pos = end + 2;
        self.flush_text();
        self.push_node(
            NodeType::Pi,
            start,
            self.pos,
            Cow::Borrowed(target),
            NONE,
            (0, 0),
        );
        Ok(())
    }

    fn add_text(&mut self, start: usize, end: usize, piece: Cow<'i, str>) {
        match &mut self.pending {
            None => {
                self.pending = Some(Pending {
                    start,
                    end,
                    value: piece,
                })
            }
            Some(p) => {
                p.end = end;
                p.value.to_mut().push_str(&piece);
            }
        }
    }

    fn flush_text(&mut self) {
        // An empty CDATA section makes a text node too (the structure layer counts it as text).
        if let Some(p) = self.pending.take() {
            self.push_node(NodeType::Text, p.start, p.end, p.value, NONE, (0, 0));
        }
    }

    fn push_node(
        &mut self,
        kind: NodeType,
        start: usize,
        end: usize,
        value: Cow<'i, str>,
        ns: u32,
        attrs: (u32, u32),
    ) {
        let id = self.nodes.len() as u32;
        let parent = self.open.last_mut().expect("the document node is open");
        self.nodes.push(NodeData {
            kind,
            name: None,
            parent: parent.id,
            first_child: NONE,
            next_sibling: NONE,
            prev_sibling: parent.last_child,
            first_element: NONE,
            next_element: NONE,
            last_descendant: id,
            ns,
            start: start as u32,
            end: end as u32,
            attrs,
            value,
        });
        match parent.last_child {
            NONE => self.nodes[parent.id as usize].first_child = id,
            last => self.nodes[last as usize].next_sibling = id,
        }
        parent.last_child = id;
        if kind == NodeType::Element {
            match parent.last_element {
                NONE => self.nodes[parent.id as usize].first_element = id,
                last => self.nodes[last as usize].next_element = id,
            }
            parent.last_element = id;
        }
    }
}
