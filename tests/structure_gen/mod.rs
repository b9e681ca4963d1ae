//! Generator of `src/validate/structure/tables.rs` from the OASIS UBL 2.1 schemas.
//!
//! It starts at the Invoice and CreditNote main schemas, follows their `xsd:import` and
//! `xsd:include` chains (down to the XML-DSig and XAdES schemas of the signature extension), and
//! turns every element and type into the compact tables the structure checker walks. UBL's flat
//! sequences are kept as particle lists; other content models (choices, repeated groups) are
//! compiled into deterministic automata (Glushkov construction, then subset construction). It
//! understands exactly the XML Schema features these schemas use and panics on anything else,
//! so that a schema change cannot be silently mis-modelled.

mod automaton;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use roxmltree::{Document, Node, ParsingOptions};

use self::automaton::{Rx, Sym};

const XSD: &str = "http://www.w3.org/2001/XMLSchema";

/// The main schemas, relative to the UBL 2.1 folder.
pub const ROOT_SCHEMAS: [&str; 2] = [
    "maindoc/UBL-Invoice-2.1.xsd",
    "maindoc/UBL-CreditNote-2.1.xsd",
];

/// Namespace conventions: enum variant, prefix used in locations and type names, URI.
const NAMESPACES: &[(&str, &str, &str)] = &[
    (
        "Invoice",
        "",
        "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    ),
    (
        "CreditNote",
        "",
        "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    ),
    (
        "Cac",
        "cac",
        "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    ),
    (
        "Cbc",
        "cbc",
        "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    ),
    (
        "Ext",
        "ext",
        "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    ),
    (
        "Sig",
        "sig",
        "urn:oasis:names:specification:ubl:schema:xsd:CommonSignatureComponents-2",
    ),
    (
        "Sac",
        "sac",
        "urn:oasis:names:specification:ubl:schema:xsd:SignatureAggregateComponents-2",
    ),
    (
        "Sbc",
        "sbc",
        "urn:oasis:names:specification:ubl:schema:xsd:SignatureBasicComponents-2",
    ),
    (
        "Udt",
        "udt",
        "urn:oasis:names:specification:ubl:schema:xsd:UnqualifiedDataTypes-2",
    ),
    (
        "Qdt",
        "qdt",
        "urn:oasis:names:specification:ubl:schema:xsd:QualifiedDataTypes-2",
    ),
    (
        "Cct",
        "cct",
        "urn:un:unece:uncefact:data:specification:CoreComponentTypeSchemaModule:2",
    ),
    ("Ds", "ds", "http://www.w3.org/2000/09/xmldsig#"),
    ("Xades132", "xades", "http://uri.etsi.org/01903/v1.3.2#"),
    ("Xades141", "xades141", "http://uri.etsi.org/01903/v1.4.1#"),
    ("Xsd", "xsd", XSD),
];

type QName = (String, String);

fn ns_index(uri: &str) -> usize {
    NAMESPACES
        .iter()
        .position(|n| n.2 == uri)
        .unwrap_or_else(|| panic!("no prefix convention for namespace {uri}"))
}

fn display(q: &QName) -> String {
    let prefix = NAMESPACES[ns_index(&q.0)].1;
    if prefix.is_empty() {
        q.1.clone()
    } else {
        format!("{prefix}:{}", q.1)
    }
}

fn is_xsd(node: Node, local: &str) -> bool {
    node.is_element() && node.tag_name().namespace() == Some(XSD) && node.tag_name().name() == local
}

fn xsd_children<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(|c| {
        c.is_element()
            && c.tag_name().namespace() == Some(XSD)
            && c.tag_name().name() != "annotation"
    })
}

fn resolve_qname(node: Node, value: &str) -> QName {
    let (prefix, local) = match value.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, value),
    };
    let uri = node
        .lookup_namespace_uri(prefix)
        .unwrap_or_else(|| panic!("unresolved prefix in {value}"));
    (uri.to_string(), local.to_string())
}

/// Panics when `node` carries an attribute outside `allowed`: such schema features (nillable,
/// substitution groups, defaults, ...) would change what the tables mean.
fn only_attrs(node: Node, allowed: &[&str]) {
    for attr in node.attributes() {
        assert!(
            allowed.contains(&attr.name()),
            "unsupported @{} on xsd:{}",
            attr.name(),
            node.tag_name().name()
        );
    }
}

fn required_attr<'a>(node: Node<'a, '_>, name: &str) -> &'a str {
    node.attribute(name)
        .unwrap_or_else(|| panic!("xsd:{} without @{name}", node.tag_name().name()))
}

fn target_namespace(node: Node) -> String {
    required_attr(node.document().root_element(), "targetNamespace").to_string()
}

fn parse(text: &str) -> Result<Document<'_>, roxmltree::Error> {
    // The XML-DSig schema carries an internal DTD subset.
    let options = ParsingOptions {
        allow_dtd: true,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(text, options)
}

/// Reads the main schemas and every schema they import or include.
fn load(dir: &Path) -> Vec<(String, String)> {
    let mut todo: Vec<PathBuf> = ROOT_SCHEMAS.iter().map(|s| dir.join(s)).collect();
    let mut seen = BTreeSet::new();
    let mut texts = Vec::new();
    while let Some(path) = todo.pop() {
        let path = path
            .canonicalize()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if !seen.insert(path.clone()) {
            continue;
        }
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let doc = parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for child in xsd_children(doc.root_element()) {
            if is_xsd(child, "import") || is_xsd(child, "include") {
                let location = required_attr(child, "schemaLocation");
                todo.push(path.parent().expect("schema has a folder").join(location));
            }
        }
        let name = path
            .file_name()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        drop(doc);
        texts.push((name, text));
    }
    texts.sort();
    texts
}

/// The datatype of an XSD built-in, as the Rust `Datatype` variant.
fn builtin(q: &QName) -> String {
    assert_eq!(q.0, XSD, "{q:?} is not an XSD built-in");
    let variant = match q.1.as_str() {
        "string" => "String",
        "normalizedString" => "NormalizedString",
        "token" => "Token",
        "language" => "Language",
        "anyURI" => "AnyUri",
        "decimal" => "Decimal",
        "integer" => "Integer",
        "date" => "Date",
        "time" => "Time",
        "dateTime" => "DateTime",
        "boolean" => "Boolean",
        "base64Binary" => "Base64Binary",
        "ID" => "Id",
        other => panic!("unsupported built-in datatype xsd:{other}"),
    };
    variant.to_string()
}

/// A simple-content type reduced to its datatype and attribute list.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Shape {
    datatype: String,
    attrs: Vec<AttrDecl>,
}

/// (name, required, datatype), in declaration order.
type AttrDecl = (String, bool, String);

/// What an element declaration's type allows.
#[derive(Clone)]
enum ContentKey {
    Complex(QName),
    Simple(Shape, String),
}

/// A complex type with element content, ready to emit.
struct ComplexOut {
    model: String,
    mixed: bool,
    attrs: Vec<AttrDecl>,
}

/// A local element declaration: namespace index, name, type.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct LocalKey {
    ns: usize,
    name: String,
    ty: QName,
}

struct Schema<'a, 'i> {
    elements: BTreeMap<QName, Node<'a, 'i>>,
    complex: BTreeMap<QName, Node<'a, 'i>>,
    simple: BTreeMap<QName, Node<'a, 'i>>,
}

impl<'a, 'i> Schema<'a, 'i> {
    fn new(docs: &'a [Document<'i>]) -> Self {
        let mut schema = Schema {
            elements: BTreeMap::new(),
            complex: BTreeMap::new(),
            simple: BTreeMap::new(),
        };
        for doc in docs {
            let root = doc.root_element();
            assert_eq!(
                root.attribute("elementFormDefault"),
                Some("qualified"),
                "local elements are assumed qualified"
            );
            let target = target_namespace(root);
            for child in xsd_children(root) {
                let local = child.tag_name().name();
                let table = match local {
                    "element" => &mut schema.elements,
                    "complexType" => &mut schema.complex,
                    "simpleType" => &mut schema.simple,
                    "import" | "include" => continue,
                    other => panic!("unsupported top-level xsd:{other}"),
                };
                let name = (target.clone(), required_attr(child, "name").to_string());
                assert!(table.insert(name, child).is_none(), "duplicate {local}");
            }
        }
        schema
    }

    /// The type an element declaration gives its element (`xsd:anyType` when none).
    fn element_type(&self, decl: Node) -> QName {
        only_attrs(decl, &["name", "type", "ref", "minOccurs", "maxOccurs"]);
        assert!(
            xsd_children(decl).next().is_none(),
            "anonymous types are not supported"
        );
        match decl.attribute("type") {
            Some(ty) => resolve_qname(decl, ty),
            None => (XSD.to_string(), "anyType".to_string()),
        }
    }

    /// The datatype of a simple type (built-in or named restriction).
    fn datatype(&self, q: &QName) -> String {
        if q.0 == XSD {
            return builtin(q);
        }
        let node = self.simple[q];
        let restriction = xsd_children(node).next().expect("restriction");
        assert!(
            is_xsd(restriction, "restriction"),
            "{q:?}: unsupported simple type"
        );
        let base = resolve_qname(restriction, required_attr(restriction, "base"));
        let values: Vec<String> = xsd_children(restriction)
            .map(|facet| {
                assert!(is_xsd(facet, "enumeration"), "{q:?}: unsupported facet");
                format!("{:?}", required_attr(facet, "value"))
            })
            .collect();
        let base = self.datatype(&base);
        if values.is_empty() {
            base
        } else {
            assert_eq!(base, "String", "{q:?}: enumeration over a non-string type");
            format!("Enumeration(&[{}])", values.join(", "))
        }
    }

    /// An attribute declaration as (name, required, datatype), or `None` when prohibited.
    fn attribute(&self, attr: Node) -> Option<AttrDecl> {
        only_attrs(attr, &["name", "type", "use"]);
        let name = required_attr(attr, "name").to_string();
        let ty = resolve_qname(attr, required_attr(attr, "type"));
        match attr.attribute("use").unwrap_or("optional") {
            "prohibited" => None,
            usage => Some((name, usage == "required", self.datatype(&ty))),
        }
    }

    /// What an element of type `q` may contain.
    fn content(&self, q: &QName) -> ContentKey {
        if q.0 == XSD && q.1 == "anyType" {
            return ContentKey::Complex(q.clone());
        }
        if q.0 == XSD || self.simple.contains_key(q) {
            let shape = Shape {
                datatype: self.datatype(q),
                attrs: Vec::new(),
            };
            return ContentKey::Simple(shape, display(q));
        }
        let node = self.complex[q];
        match xsd_children(node).next() {
            Some(c) if is_xsd(c, "simpleContent") => {
                let (shape, name) = self.shape(q);
                ContentKey::Simple(shape, display(&name))
            }
            _ => ContentKey::Complex(q.clone()),
        }
    }

    /// Resolves a simple-content type to its shape, and names the UBL data type it rests on.
    fn shape(&self, q: &QName) -> (Shape, QName) {
        if q.0 == XSD || self.simple.contains_key(q) {
            let shape = Shape {
                datatype: self.datatype(q),
                attrs: Vec::new(),
            };
            return (shape, q.clone());
        }
        let node = self.complex[q];
        only_attrs(node, &["name"]);
        let content: Vec<_> = xsd_children(node).collect();
        assert!(
            content.len() == 1 && is_xsd(content[0], "simpleContent"),
            "{q:?} is not simple content"
        );
        let derivation = xsd_children(content[0]).next().expect("derivation");
        let extension = is_xsd(derivation, "extension");
        assert!(
            extension || is_xsd(derivation, "restriction"),
            "unsupported derivation in {q:?}"
        );
        let base = resolve_qname(derivation, required_attr(derivation, "base"));
        let (mut shape, base_name) = self.shape(&base);
        for attr in xsd_children(derivation) {
            assert!(
                is_xsd(attr, "attribute"),
                "unsupported xsd:{} in {q:?}",
                attr.tag_name().name()
            );
            let name = required_attr(attr, "name");
            let existing = shape.attrs.iter().position(|a| a.0 == name);
            match (self.attribute(attr), existing, extension) {
                (None, Some(i), false) => {
                    shape.attrs.remove(i);
                }
                (None, None, false) => {}
                (None, _, true) => panic!("prohibited attribute in an extension"),
                (Some(decl), None, _) => shape.attrs.push(decl),
                (Some(decl), Some(i), false) => shape.attrs[i] = decl,
                (Some(_), Some(_), true) => panic!("extension redeclares attribute in {q:?}"),
            }
        }
        let udt = NAMESPACES[ns_index(&q.0)].0;
        let name = if udt == "Udt" || base_name.0 == XSD || self.simple.contains_key(&base_name) {
            q.clone()
        } else {
            base_name
        };
        (shape, name)
    }
}

/// Builds the tables: indices of elements and types, content models.
struct Builder<'s, 'a, 'i> {
    schema: &'s Schema<'a, 'i>,
    /// Global elements sorted by (namespace enum order, name): their `ELEMENTS` index.
    globals: BTreeMap<(usize, String), usize>,
    locals: BTreeMap<LocalKey, usize>,
    complex: BTreeMap<QName, Option<ComplexOut>>,
    shapes: BTreeMap<Shape, BTreeSet<String>>,
    /// Complex types still to build.
    todo: Vec<QName>,
}

impl<'s, 'a, 'i> Builder<'s, 'a, 'i> {
    fn new(schema: &'s Schema<'a, 'i>) -> Self {
        let globals = schema
            .elements
            .keys()
            .map(|q| (ns_index(&q.0), q.1.clone()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .enumerate()
            .map(|(i, key)| (key, i))
            .collect();
        Builder {
            schema,
            globals,
            locals: BTreeMap::new(),
            complex: BTreeMap::new(),
            shapes: BTreeMap::new(),
            todo: Vec::new(),
        }
    }

    /// Registers what an element of type `q` contains; returns the Rust `Content` text.
    fn content(&mut self, q: &QName) -> ContentKey {
        let key = self.schema.content(q);
        match &key {
            ContentKey::Complex(ty) => {
                if !self.complex.contains_key(ty) {
                    self.complex.insert(ty.clone(), None);
                    self.todo.push(ty.clone());
                }
            }
            ContentKey::Simple(shape, name) => {
                // The checker tracks present attributes in a u32 bit set.
                assert!(shape.attrs.len() <= 32, "{q:?}: too many attributes");
                self.shapes
                    .entry(shape.clone())
                    .or_default()
                    .insert(name.clone());
            }
        }
        key
    }

    fn global(&self, q: &QName) -> usize {
        *self
            .globals
            .get(&(ns_index(&q.0), q.1.clone()))
            .unwrap_or_else(|| panic!("undeclared element {q:?}"))
    }

    fn local(&mut self, decl: Node) -> usize {
        let key = LocalKey {
            ns: ns_index(&target_namespace(decl)),
            name: required_attr(decl, "name").to_string(),
            ty: self.schema.element_type(decl),
        };
        let next = self.locals.len();
        let index = *self.locals.entry(key.clone()).or_insert(next);
        if index == next {
            self.content(&key.ty);
        }
        index
    }

    /// The regular expression of a particle (`xsd:sequence`, `choice`, `element` or `any`).
    fn particle(&mut self, node: Node) -> Rx {
        let min = occurs(node.attribute("minOccurs"));
        let max = occurs(node.attribute("maxOccurs"));
        let local = node.tag_name().name();
        let base = match local {
            "sequence" | "choice" => {
                only_attrs(node, &["minOccurs", "maxOccurs"]);
                let parts = xsd_children(node).map(|c| self.particle(c)).collect();
                if local == "sequence" {
                    Rx::Seq(parts)
                } else {
                    Rx::Alt(parts)
                }
            }
            "element" => match node.attribute("ref") {
                Some(r) => {
                    only_attrs(node, &["ref", "minOccurs", "maxOccurs"]);
                    Rx::Sym(Sym::Global(self.global(&resolve_qname(node, r))))
                }
                None => Rx::Sym(Sym::Local(self.local(node))),
            },
            "any" => {
                only_attrs(
                    node,
                    &["namespace", "processContents", "minOccurs", "maxOccurs"],
                );
                Rx::Sym(Sym::Any(wildcard(node)))
            }
            other => panic!("unsupported particle xsd:{other}"),
        };
        Rx::repeat(base, min, max)
    }

    /// The content model, mixedness and attributes of complex type `q`.
    fn parts(&mut self, q: &QName) -> (Rx, bool, Vec<AttrDecl>) {
        let node = self.schema.complex[q];
        only_attrs(node, &["name", "mixed", "abstract"]);
        let mixed = node.attribute("mixed") == Some("true");
        let mut rx = Rx::Seq(Vec::new());
        let mut attrs = Vec::new();
        for child in xsd_children(node) {
            match child.tag_name().name() {
                "sequence" | "choice" => rx = self.particle(child),
                "attribute" => attrs.extend(self.schema.attribute(child)),
                "anyAttribute" => any_attribute(child),
                "complexContent" => {
                    let derivation = xsd_children(child).next().expect("derivation");
                    let base = resolve_qname(derivation, required_attr(derivation, "base"));
                    let (base_rx, _, base_attrs) = self.parts(&base);
                    attrs = base_attrs;
                    let mut own = Rx::Seq(Vec::new());
                    for part in xsd_children(derivation) {
                        match part.tag_name().name() {
                            "sequence" | "choice" => own = self.particle(part),
                            "attribute" => {
                                let name = required_attr(part, "name");
                                attrs.retain(|a| a.0 != name);
                                attrs.extend(self.schema.attribute(part));
                            }
                            other => panic!("{q:?}: unsupported xsd:{other} in a derivation"),
                        }
                    }
                    rx = if is_xsd(derivation, "extension") {
                        Rx::Seq(vec![base_rx, own])
                    } else {
                        assert!(is_xsd(derivation, "restriction"), "{q:?}: derivation");
                        own
                    };
                }
                other => panic!("{q:?}: unsupported xsd:{other}"),
            }
        }
        (rx, mixed, attrs)
    }

    /// Builds complex type `q`: a flat sequence when it is one, an automaton otherwise.
    fn build(&mut self, q: &QName) -> ComplexOut {
        if q.0 == XSD {
            assert_eq!(q.1, "anyType");
            return ComplexOut {
                model: "ContentModel::Anything".to_string(),
                mixed: true,
                attrs: Vec::new(),
            };
        }
        let (rx, mixed, attrs) = self.parts(q);
        assert!(attrs.len() <= 32, "{q:?}: too many attributes");
        let model = match rx.flat_sequence() {
            Some(particles) => {
                let mut out = String::from("ContentModel::Sequence(&[\n");
                for (sym, min, max) in particles {
                    let line = match sym {
                        Sym::Global(i) if min <= 1 => {
                            format!("Particle::element({i}, {min}, {}),", bound(max))
                        }
                        _ => format!(
                            "Particle {{ term: {}, min: {min}, max: {} }},",
                            self.term(&sym),
                            bound(max)
                        ),
                    };
                    let _ = writeln!(out, "            {line} // {}", self.describe(&sym));
                }
                out.push_str("        ])");
                out
            }
            None => {
                let states = automaton::compile(&rx);
                self.check_deterministic(q, &states);
                let mut out = String::from("ContentModel::Automaton(&[\n");
                for (i, state) in states.iter().enumerate() {
                    let edges: Vec<String> = state
                        .edges
                        .iter()
                        .map(|(sym, next)| format!("({}, {next})", self.term(sym)))
                        .collect();
                    let _ = writeln!(
                        out,
                        "            State {{ accepting: {}, edges: &[{}] }}, // {i}",
                        state.accepting,
                        edges.join(", ")
                    );
                }
                out.push_str("        ])");
                out
            }
        };
        ComplexOut {
            model,
            mixed,
            attrs,
        }
    }

    /// Asserts the unique particle attribution the checker relies on: no edge of a state is a
    /// wildcard that also matches an element of another edge.
    fn check_deterministic(&self, q: &QName, states: &[automaton::State]) {
        for state in states {
            for (a, _) in &state.edges {
                let Sym::Any(wildcard) = a else { continue };
                for (b, _) in &state.edges {
                    let ns = match b {
                        Sym::Global(i) => self.global_ns(*i),
                        Sym::Local(i) => self.local_key(*i).ns,
                        Sym::Any(_) => continue,
                    };
                    assert!(!wildcard.matches(ns), "{q:?}: ambiguous content model");
                }
            }
        }
    }

    fn global_ns(&self, index: usize) -> usize {
        self.globals
            .iter()
            .find(|(_, &i)| i == index)
            .map(|((ns, _), _)| *ns)
            .expect("global index")
    }

    fn local_key(&self, index: usize) -> &LocalKey {
        self.locals
            .iter()
            .find(|(_, &i)| i == index)
            .map(|(k, _)| k)
            .expect("local index")
    }

    fn term(&self, sym: &Sym) -> String {
        match sym {
            Sym::Global(i) => format!("Term::Element({i})"),
            Sym::Local(i) => format!("Term::Local({i})"),
            Sym::Any(w) => w.rust(),
        }
    }

    fn describe(&self, sym: &Sym) -> String {
        match sym {
            Sym::Global(i) => {
                let ((ns, name), _) = self
                    .globals
                    .iter()
                    .find(|(_, &j)| j == *i)
                    .expect("global index");
                prefixed(*ns, name)
            }
            Sym::Local(i) => {
                let key = self.local_key(*i);
                prefixed(key.ns, &key.name)
            }
            Sym::Any(w) => format!("any {}", w.namespace),
        }
    }
}

fn prefixed(ns: usize, name: &str) -> String {
    match NAMESPACES[ns].1 {
        "" => name.to_string(),
        prefix => format!("{prefix}:{name}"),
    }
}

/// An `xsd:anyAttribute` with strict processing admits only globally declared attributes, and
/// these schemas declare none: it adds nothing to the attributes allowed.
fn any_attribute(node: Node) {
    only_attrs(node, &["namespace"]);
}

fn wildcard(node: Node) -> automaton::Wildcard {
    let target = ns_index(&target_namespace(node));
    let namespace = match node.attribute("namespace").unwrap_or("##any") {
        "##any" => "##any".to_string(),
        "##other" => format!("##other:{target}"),
        other => panic!("unsupported wildcard namespace {other}"),
    };
    let process = match node.attribute("processContents").unwrap_or("strict") {
        "strict" => "Strict",
        "lax" => "Lax",
        "skip" => "Skip",
        other => panic!("unsupported processContents {other}"),
    };
    automaton::Wildcard {
        namespace,
        process: process.to_string(),
    }
}

fn occurs(value: Option<&str>) -> Option<u16> {
    match value {
        None => Some(1),
        Some("unbounded") => None,
        Some(n) => {
            let n: u16 = n.parse().expect("occurrence bound");
            assert!(n < u16::MAX, "occurrence bound too large");
            Some(n)
        }
    }
}

fn bound(max: Option<u16>) -> String {
    max.map_or("UNBOUNDED".to_string(), |n| n.to_string())
}

/// The Rust text of an element declaration for `ELEMENTS` or `LOCALS`.
fn element_line(ns: usize, name: &str, ty: &QName, content: &str) -> String {
    let ty_ns = match NAMESPACES[ns_index(&ty.0)] {
        ("Xsd", _, _) => "XSD".to_string(),
        (variant, _, _) => format!("Ns::{variant}.uri()"),
    };
    format!(
        "Element {{ ns: Ns::{}, name: \"{name}\", ty_ns: {ty_ns}, ty: \"{}\", content: {content} }},",
        NAMESPACES[ns].0, ty.1
    )
}

/// Generates the text of `tables.rs` from the UBL 2.1 schema folder `dir`.
pub fn generate(dir: &Path) -> String {
    let texts = load(dir);
    let docs: Vec<Document> = texts
        .iter()
        .map(|(name, text)| parse(text).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect();
    let schema = Schema::new(&docs);
    let mut builder = Builder::new(&schema);
    // Undeclared elements under a lax wildcard are assessed as xsd:anyType.
    let any_type = (XSD.to_string(), "anyType".to_string());
    builder.content(&any_type);

    let mut global_content: BTreeMap<usize, (QName, QName, ContentKey)> = BTreeMap::new();
    for (q, decl) in &schema.elements {
        let ty = schema.element_type(*decl);
        let content = builder.content(&ty);
        global_content.insert(builder.global(q), (q.clone(), ty, content));
    }
    let mut built = BTreeMap::new();
    while let Some(q) = builder.todo.pop() {
        let out = builder.build(&q);
        built.insert(q, out);
    }
    // Locals registered while building have their content registered too; collect them.
    let mut local_content: BTreeMap<usize, (LocalKey, ContentKey)> = BTreeMap::new();
    for (key, &i) in &builder.locals {
        local_content.insert(i, (key.clone(), schema.content(&key.ty)));
    }
    let complex_index: BTreeMap<&QName, usize> =
        built.keys().enumerate().map(|(i, q)| (q, i)).collect();
    let shape_index: BTreeMap<&Shape, usize> = builder
        .shapes
        .keys()
        .enumerate()
        .map(|(i, s)| (s, i))
        .collect();
    let content_text = |key: &ContentKey| match key {
        ContentKey::Complex(ty) => format!("Content::Complex({})", complex_index[ty]),
        ContentKey::Simple(shape, _) => format!("Content::Simple({})", shape_index[shape]),
    };

    let namespaces: BTreeSet<usize> = builder
        .globals
        .keys()
        .map(|(ns, _)| *ns)
        .chain(builder.locals.keys().map(|k| k.ns))
        .collect();

    let mut out = String::new();
    out.push_str("//! UBL 2.1 structure tables: GENERATED, DO NOT EDIT.\n//!\n");
    out.push_str(
        "//! Generated by `tests/structure_gen` from the OASIS UBL 2.1 (OS, 2013) schemas\n",
    );
    out.push_str(
        "//! (regenerate with `UBLFLOW_REGENERATE=1 cargo test --test structure_tables`):\n",
    );
    for (name, _) in &texts {
        let _ = writeln!(out, "//! - `{name}`");
    }
    out.push('\n');
    out.push_str("use super::model::{\n    Attr, ComplexType, Content, ContentModel, Datatype, Element, NsConstraint, Particle, Process,\n    SimpleType, State, Term, UNBOUNDED,\n};\n\n");
    let _ = writeln!(
        out,
        "/// The XML Schema namespace (of built-in types).\nconst XSD: &str = \"{XSD}\";\n"
    );

    out.push_str("/// The namespaces of the declared elements.\n");
    out.push_str(
        "#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]\npub enum Ns {\n",
    );
    for &i in &namespaces {
        let _ = writeln!(out, "    /// `{}`", NAMESPACES[i].2);
        let _ = writeln!(out, "    {},", NAMESPACES[i].0);
    }
    out.push_str("}\n\nimpl Ns {\n");
    out.push_str(
        "    /// The namespace URI.\n    pub const fn uri(self) -> &'static str {\n        match self {\n",
    );
    for &i in &namespaces {
        let _ = writeln!(
            out,
            "            Ns::{} => \"{}\",",
            NAMESPACES[i].0, NAMESPACES[i].2
        );
    }
    out.push_str("        }\n    }\n\n");
    out.push_str("    /// The conventional prefix (empty for the document namespaces).\n    pub const fn prefix(self) -> &'static str {\n        match self {\n");
    for &i in &namespaces {
        let _ = writeln!(
            out,
            "            Ns::{} => \"{}\",",
            NAMESPACES[i].0, NAMESPACES[i].1
        );
    }
    out.push_str("        }\n    }\n\n");
    out.push_str("    /// The namespace with this URI, if it has declared elements.\n    pub fn from_uri(uri: &str) -> Option<Ns> {\n        match uri {\n");
    for &i in &namespaces {
        let _ = writeln!(
            out,
            "            \"{}\" => Some(Ns::{}),",
            NAMESPACES[i].2, NAMESPACES[i].0
        );
    }
    out.push_str("            _ => None,\n        }\n    }\n}\n\n");

    out.push_str(
        "/// Every global element, sorted by namespace then local name.\npub static ELEMENTS: &[Element] = &[\n",
    );
    for (i, (q, ty, content)) in &global_content {
        let line = element_line(ns_index(&q.0), &q.1, ty, &content_text(content));
        let _ = writeln!(out, "    {line} // {i}");
    }
    out.push_str("];\n\n");

    out.push_str("/// Every local element declaration (XML-DSig and XAdES).\npub static LOCALS: &[Element] = &[\n");
    for (i, (key, content)) in &local_content {
        let line = element_line(key.ns, &key.name, &key.ty, &content_text(content));
        let _ = writeln!(out, "    {line} // {i}");
    }
    out.push_str("];\n\n");

    let _ = writeln!(
        out,
        "/// The index of `xsd:anyType` in `COMPLEX`.\npub const ANY_TYPE: u16 = {};\n",
        complex_index[&any_type]
    );
    out.push_str(
        "/// Every complex type with element content, sorted by name.\npub static COMPLEX: &[ComplexType] = &[\n",
    );
    for (i, (q, ty)) in built.iter().enumerate() {
        let _ = writeln!(
            out,
            "    // {i}\n    ComplexType {{\n        name: \"{}\",\n        model: {},\n        mixed: {},\n        attrs: &[{}],\n    }},",
            display(q),
            ty.model,
            ty.mixed,
            attrs_text(&ty.attrs, "            ")
        );
    }
    out.push_str("];\n\n");

    out.push_str(
        "/// Every distinct simple-content shape.\npub static SIMPLE: &[SimpleType] = &[\n",
    );
    for (i, (shape, names)) in builder.shapes.iter().enumerate() {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let _ = writeln!(
            out,
            "    // {i}\n    SimpleType {{\n        name: \"{}\",\n        datatype: Datatype::{},\n        attrs: &[{}],\n    }},",
            names.join(" | "),
            shape.datatype,
            attrs_text(&shape.attrs, "            ")
        );
    }
    out.push_str("];\n");
    out
}

fn attrs_text(attrs: &[AttrDecl], indent: &str) -> String {
    if attrs.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n");
    for (name, required, datatype) in attrs {
        let _ = writeln!(
            out,
            "{indent}Attr {{ name: \"{name}\", required: {required}, datatype: Datatype::{datatype} }},"
        );
    }
    out.push_str(&indent[4..]);
    out
}
