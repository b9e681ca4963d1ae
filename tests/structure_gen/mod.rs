//! Generator of `src/validate/structure/tables.rs` from the OASIS UBL 2.1 schemas.
//!
//! It starts at the Invoice and CreditNote main schemas, follows their `xsd:import` and
//! `xsd:include` chains, and turns every global element and type into the compact tables the
//! structure checker walks. It understands exactly the XML Schema subset UBL 2.1 uses and panics
//! on anything else, so that a schema change cannot be silently mis-modelled. The XML-DSig and
//! XAdES schemas (reached only through the signature extension) use content models outside that
//! subset; elements they declare are kept as `Content::Unmodelled`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use roxmltree::{Document, Node};

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
];

/// Namespaces whose schemas are not modelled (content models beyond the UBL subset).
const UNMODELLED: &[&str] = &[
    "http://www.w3.org/2000/09/xmldsig#",
    "http://uri.etsi.org/01903/v1.3.2#",
    "http://uri.etsi.org/01903/v1.4.1#",
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
/// substitution groups, defaults, mixed content, ...) would change what the tables mean.
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

/// Reads the main schemas and every schema they import or include (except the unmodelled ones).
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
        let doc = Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for child in xsd_children(doc.root_element()) {
            if is_xsd(child, "import") || is_xsd(child, "include") {
                if child
                    .attribute("namespace")
                    .is_some_and(|ns| UNMODELLED.contains(&ns))
                {
                    continue;
                }
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

/// A simple-content type reduced to its built-in datatype and attribute list.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Shape {
    datatype: &'static str,
    /// (name, required, datatype), in declaration order.
    attrs: Vec<(String, bool, &'static str)>,
}

fn datatype(q: &QName) -> &'static str {
    assert_eq!(
        q.0, XSD,
        "attribute or content type {q:?} is not an XSD built-in"
    );
    match q.1.as_str() {
        "string" => "String",
        "normalizedString" => "NormalizedString",
        "token" => "Token",
        "language" => "Language",
        "anyURI" => "AnyUri",
        "decimal" => "Decimal",
        "date" => "Date",
        "time" => "Time",
        "dateTime" => "DateTime",
        "boolean" => "Boolean",
        "base64Binary" => "Base64Binary",
        other => panic!("unsupported built-in datatype xsd:{other}"),
    }
}

struct Model<'a, 'i> {
    elements: BTreeMap<QName, Option<QName>>,
    types: BTreeMap<QName, Node<'a, 'i>>,
}

impl<'a, 'i> Model<'a, 'i> {
    fn new(docs: &'a [Document<'i>]) -> Self {
        let mut elements = BTreeMap::new();
        let mut types = BTreeMap::new();
        for doc in docs {
            let schema = doc.root_element();
            let target = required_attr(schema, "targetNamespace").to_string();
            for child in xsd_children(schema) {
                if is_xsd(child, "element") {
                    only_attrs(child, &["name", "type"]);
                    let name = (target.clone(), required_attr(child, "name").to_string());
                    let ty = resolve_qname(child, required_attr(child, "type"));
                    assert!(
                        elements.insert(name, Some(ty)).is_none(),
                        "duplicate element"
                    );
                } else if is_xsd(child, "complexType") {
                    only_attrs(child, &["name"]);
                    let name = (target.clone(), required_attr(child, "name").to_string());
                    assert!(types.insert(name, child).is_none(), "duplicate type");
                } else {
                    let local = child.tag_name().name();
                    assert!(
                        local == "import" || local == "include",
                        "unsupported top-level xsd:{local}"
                    );
                }
            }
        }
        // Elements referenced from modelled types but declared in unmodelled schemas.
        let mut foreign = Vec::new();
        for node in types.values() {
            for el in node.descendants().filter(|n| is_xsd(*n, "element")) {
                let q = resolve_qname(el, required_attr(el, "ref"));
                if !elements.contains_key(&q) {
                    assert!(
                        UNMODELLED.contains(&q.0.as_str()),
                        "undeclared element {q:?}"
                    );
                    foreign.push(q);
                }
            }
        }
        for q in foreign {
            elements.insert(q, None);
        }
        Model { elements, types }
    }

    fn ty(&self, q: &QName) -> Node<'a, 'i> {
        *self
            .types
            .get(q)
            .unwrap_or_else(|| panic!("undeclared type {q:?}"))
    }

    /// Resolves a simple-content type to its shape, and names the UBL data type it rests on.
    fn shape(&self, q: &QName) -> (Shape, QName) {
        if q.0 == XSD {
            return (
                Shape {
                    datatype: datatype(q),
                    attrs: Vec::new(),
                },
                q.clone(),
            );
        }
        let node = self.ty(q);
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
            only_attrs(attr, &["name", "type", "use"]);
            let name = required_attr(attr, "name").to_string();
            let usage = attr.attribute("use").unwrap_or("optional");
            let existing = shape.attrs.iter().position(|a| a.0 == name);
            if usage == "prohibited" {
                assert!(!extension, "prohibited attribute in an extension");
                if let Some(i) = existing {
                    shape.attrs.remove(i);
                }
                continue;
            }
            let decl = (
                name,
                usage == "required",
                datatype(&resolve_qname(attr, required_attr(attr, "type"))),
            );
            match (existing, extension) {
                (None, _) => shape.attrs.push(decl),
                (Some(i), false) => shape.attrs[i] = decl,
                (Some(_), true) => panic!("extension redeclares attribute in {q:?}"),
            }
        }
        let udt = &NAMESPACES[ns_index(&q.0)].0;
        let name = if *udt == "Udt" || base_name.0 == XSD {
            q.clone()
        } else {
            base_name
        };
        (shape, name)
    }

    /// The particles of an element-only complex type, or `None` for simple content.
    fn particles(&self, q: &QName) -> Option<Vec<String>> {
        let node = self.ty(q);
        let content: Vec<_> = xsd_children(node).collect();
        assert_eq!(content.len(), 1, "{q:?}: expected one content child");
        if is_xsd(content[0], "simpleContent") {
            return None;
        }
        assert!(
            is_xsd(content[0], "sequence"),
            "{q:?}: unsupported content model"
        );
        let index = |q: &QName| {
            self.elements
                .keys()
                .position(|k| k == q)
                .expect("element index")
        };
        only_attrs(content[0], &[]);
        let mut out = Vec::new();
        for p in xsd_children(content[0]) {
            let min = occurs(p.attribute("minOccurs"));
            let max = occurs(p.attribute("maxOccurs"));
            if is_xsd(p, "element") {
                only_attrs(p, &["ref", "minOccurs", "maxOccurs"]);
                let target = resolve_qname(p, required_attr(p, "ref"));
                out.push(format!(
                    "Particle::element({}, {min}, {max}), // {}",
                    index(&target),
                    display(&target)
                ));
            } else if is_xsd(p, "any") {
                only_attrs(
                    p,
                    &["namespace", "processContents", "minOccurs", "maxOccurs"],
                );
                let namespaces = match p.attribute("namespace").unwrap_or("##any") {
                    "##any" => "NsConstraint::Any".to_string(),
                    "##other" => {
                        format!("NsConstraint::Other(Ns::{})", NAMESPACES[ns_index(&q.0)].0)
                    }
                    other => panic!("unsupported wildcard namespace {other}"),
                };
                let process = match p.attribute("processContents").unwrap_or("strict") {
                    "strict" => "Strict",
                    "lax" => "Lax",
                    "skip" => "Skip",
                    other => panic!("unsupported processContents {other}"),
                };
                out.push(format!(
                    "Particle {{ term: Term::Any({namespaces}, Process::{process}), min: {min}, max: {max} }},"
                ));
            } else {
                panic!("{q:?}: unsupported particle xsd:{}", p.tag_name().name());
            }
        }
        Some(out)
    }
}

fn occurs(value: Option<&str>) -> String {
    match value {
        None => "1".to_string(),
        Some("unbounded") => "UNBOUNDED".to_string(),
        Some(n) => {
            let n: u16 = n.parse().expect("occurrence bound");
            assert!(n < u16::MAX, "occurrence bound too large");
            n.to_string()
        }
    }
}

/// Generates the text of `tables.rs` from the UBL 2.1 schema folder `dir`.
pub fn generate(dir: &Path) -> String {
    let texts = load(dir);
    let docs: Vec<Document> = texts
        .iter()
        .map(|(name, text)| Document::parse(text).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect();
    let model = Model::new(&docs);

    // Complex (element-only) types reachable from element declarations, and simple shapes.
    let mut complex: BTreeMap<QName, Vec<String>> = BTreeMap::new();
    let mut shapes: BTreeMap<Shape, BTreeSet<String>> = BTreeMap::new();
    let mut element_content: Vec<(QName, Content)> = Vec::new();
    enum Content {
        Complex(QName),
        Simple(Shape),
        Unmodelled,
    }
    for (name, ty) in &model.elements {
        let content = match ty {
            None => Content::Unmodelled,
            Some(ty) => match model.particles(ty) {
                Some(particles) => {
                    complex.insert(ty.clone(), particles);
                    Content::Complex(ty.clone())
                }
                None => {
                    let (shape, base) = model.shape(ty);
                    // The checker tracks present attributes in a u32 bit set.
                    assert!(shape.attrs.len() <= 32, "{ty:?}: too many attributes");
                    shapes
                        .entry(shape.clone())
                        .or_default()
                        .insert(display(&base));
                    Content::Simple(shape)
                }
            },
        };
        element_content.push((name.clone(), content));
    }
    let complex_index: BTreeMap<&QName, usize> =
        complex.keys().enumerate().map(|(i, q)| (q, i)).collect();
    let shape_index: BTreeMap<&Shape, usize> =
        shapes.keys().enumerate().map(|(i, s)| (s, i)).collect();

    let namespaces: BTreeSet<usize> = model.elements.keys().map(|q| ns_index(&q.0)).collect();
    // Elements must be sorted by (namespace enum order, name) for binary search.
    let mut elements: Vec<(usize, usize)> = element_content
        .iter()
        .enumerate()
        .map(|(i, (q, _))| (ns_index(&q.0), i))
        .collect();
    elements
        .sort_by(|a, b| (a.0, &element_content[a.1].0 .1).cmp(&(b.0, &element_content[b.1].0 .1)));
    // Particles refer to positions in the BTreeMap order; remap to the sorted order.
    let mut position = vec![0; elements.len()];
    for (sorted, (_, original)) in elements.iter().enumerate() {
        position[*original] = sorted;
    }

    let mut files: Vec<&str> = texts.iter().map(|(n, _)| n.as_str()).collect();
    files.sort();
    let mut out = String::new();
    out.push_str("//! UBL 2.1 structure tables: GENERATED, DO NOT EDIT.\n//!\n");
    out.push_str(
        "//! Generated by `tests/structure_gen` from the OASIS UBL 2.1 (OS, 2013) schemas\n",
    );
    out.push_str(
        "//! (regenerate with `UBLFLOW_REGENERATE=1 cargo test --test structure_tables`):\n",
    );
    for f in &files {
        let _ = writeln!(out, "//! - `{f}`");
    }
    out.push_str("//!\n//! XML-DSig and XAdES elements are referenced but not modelled.\n\n");
    out.push_str("use super::model::{\n    Attr, ComplexType, Content, Datatype, Element, NsConstraint, Particle, Process, SimpleType, Term,\n    UNBOUNDED,\n};\n\n");

    out.push_str("/// The namespaces of the declared elements.\n");
    out.push_str(
        "#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]\npub enum Ns {\n",
    );
    for &i in &namespaces {
        let _ = writeln!(out, "    /// `{}`", NAMESPACES[i].2);
        let _ = writeln!(out, "    {},", NAMESPACES[i].0);
    }
    out.push_str("}\n\nimpl Ns {\n");
    out.push_str("    /// The namespace URI.\n    pub const fn uri(self) -> &'static str {\n        match self {\n");
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

    out.push_str("/// Every global element, sorted by namespace then local name.\npub static ELEMENTS: &[Element] = &[\n");
    for (sorted, (_, original)) in elements.iter().enumerate() {
        let (q, content) = &element_content[*original];
        let content = match content {
            Content::Complex(ty) => format!("Content::Complex({})", complex_index[ty]),
            Content::Simple(shape) => format!("Content::Simple({})", shape_index[shape]),
            Content::Unmodelled => "Content::Unmodelled".to_string(),
        };
        let ns = NAMESPACES[ns_index(&q.0)].0;
        // The type's local name; UBL declares every element's type in the element's namespace.
        let ty = match &model.elements[q] {
            Some(ty) => {
                assert_eq!(ty.0, q.0, "{q:?}: type in another namespace");
                ty.1.as_str()
            }
            None => "",
        };
        let _ = writeln!(
            out,
            "    Element {{ ns: Ns::{ns}, name: \"{}\", ty: \"{ty}\", content: {content} }}, // {sorted}",
            q.1
        );
    }
    out.push_str("];\n\n");

    out.push_str("/// Every element-only complex type, sorted by name.\npub static COMPLEX: &[ComplexType] = &[\n");
    for (i, (q, particles)) in complex.iter().enumerate() {
        let _ = writeln!(
            out,
            "    // {i}\n    ComplexType {{\n        name: \"{}\",\n        particles: &[",
            display(q)
        );
        for p in particles {
            // Remap element indices to the sorted ELEMENTS order.
            let line = match p.strip_prefix("Particle::element(") {
                Some(rest) => {
                    let (index, tail) = rest.split_once(',').expect("particle");
                    let index: usize = index.parse().expect("index");
                    format!("Particle::element({},{tail}", position[index])
                }
                None => p.clone(),
            };
            let _ = writeln!(out, "            {line}");
        }
        out.push_str("        ],\n    },\n");
    }
    out.push_str("];\n\n");

    out.push_str(
        "/// Every distinct simple-content shape.\npub static SIMPLE: &[SimpleType] = &[\n",
    );
    for (i, (shape, names)) in shapes.iter().enumerate() {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let _ = writeln!(out, "    // {i}\n    SimpleType {{\n        name: \"{}\",\n        datatype: Datatype::{},\n        attrs: &[", names.join(" | "), shape.datatype);
        for (name, required, dt) in &shape.attrs {
            let _ = writeln!(out, "            Attr {{ name: \"{name}\", required: {required}, datatype: Datatype::{dt} }},");
        }
        out.push_str("        ],\n    },\n");
    }
    out.push_str("];\n");
    out
}
