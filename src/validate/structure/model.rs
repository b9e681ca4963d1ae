//! The shape of the generated UBL 2.1 schema model (the data lives in `tables.rs`).
//!
//! The UBL 2.1 modules use a small subset of XML Schema: every aggregate type is one
//! `xsd:sequence` of global element references (or, for `ext:ExtensionContent`, one `xsd:any`),
//! and every basic type is simple content over an XSD built-in datatype with optional or
//! required attributes. Those sequences are kept as they are ([`ContentModel::Sequence`]). The
//! XML-DSig and XAdES schemas that the signature extension reaches also nest choices and
//! repeated groups; their content models are compiled by the generator into deterministic
//! automata ([`ContentModel::Automaton`]).

use super::tables::Ns;

/// `maxOccurs="unbounded"` in [`Particle::max`].
pub const UNBOUNDED: u16 = u16::MAX;

/// An XSD built-in datatype that simple content or an attribute value is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datatype {
    /// `xsd:string`: any text.
    String,
    /// `xsd:normalizedString`: any text (normalisation cannot fail).
    NormalizedString,
    /// `xsd:token`: any text (normalisation cannot fail).
    Token,
    /// `xsd:language`: an RFC 3066 language tag such as `en` or `nl-BE`.
    Language,
    /// `xsd:anyURI`: a URI reference.
    AnyUri,
    /// `xsd:decimal`: optional sign, digits, optional fraction.
    Decimal,
    /// `xsd:integer`: optional sign and digits.
    Integer,
    /// `xsd:date`: `YYYY-MM-DD` with an optional time zone.
    Date,
    /// `xsd:time`: `hh:mm:ss[.fff]` with an optional time zone.
    Time,
    /// `xsd:dateTime`: a date and a time joined by `T`.
    DateTime,
    /// `xsd:boolean`: `true`, `false`, `1` or `0`.
    Boolean,
    /// `xsd:base64Binary`: base64 text, whitespace allowed.
    Base64Binary,
    /// `xsd:ID`: an XML name without colon, unique in the document.
    Id,
    /// A string restricted to these values (`xsd:enumeration` facets).
    Enumeration(&'static [&'static str]),
}

/// One attribute a type declares.
#[derive(Debug, Clone, Copy)]
pub struct Attr {
    /// Local name (UBL attributes are unqualified).
    pub name: &'static str,
    /// `use="required"`.
    pub required: bool,
    /// Datatype of the value.
    pub datatype: Datatype,
}

/// A simple-content type after resolving its derivation chain down to an XSD built-in.
#[derive(Debug, Clone, Copy)]
pub struct SimpleType {
    /// The UBL data type(s) this shape stands for, such as `udt:AmountType`.
    pub name: &'static str,
    /// Datatype of the element's text.
    pub datatype: Datatype,
    /// Every attribute allowed on the element, required ones flagged.
    pub attrs: &'static [Attr],
}

/// A complex type with element content.
#[derive(Debug, Clone, Copy)]
pub struct ComplexType {
    /// Qualified type name, such as `cac:PartyType`.
    pub name: &'static str,
    /// Which child elements are allowed, in which order.
    pub model: ContentModel,
    /// `mixed="true"`: text may appear between the child elements.
    pub mixed: bool,
    /// Every attribute allowed on the element, required ones flagged.
    pub attrs: &'static [Attr],
}

/// The children a complex type allows.
#[derive(Debug, Clone, Copy)]
pub enum ContentModel {
    /// One `xsd:sequence` of particles, in schema order (every UBL aggregate type).
    Sequence(&'static [Particle]),
    /// A deterministic automaton; state 0 is the start.
    Automaton(&'static [State]),
    /// `xsd:anyType`: any attributes, text and elements (declared elements are validated).
    Anything,
}

/// One state of a content-model automaton.
#[derive(Debug, Clone, Copy)]
pub struct State {
    /// Whether the children seen so far form a complete content.
    pub accepting: bool,
    /// The terms allowed next and the state each one leads to.
    pub edges: &'static [(Term, u16)],
}

/// What an element declaration allows inside the element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// Child elements, as the complex type at this index of `COMPLEX` says.
    Complex(u16),
    /// Text and attributes, as the simple type at this index of `SIMPLE` says.
    Simple(u16),
}

/// An element declaration (global in `ELEMENTS`, local in `LOCALS`).
#[derive(Debug, Clone, Copy)]
pub struct Element {
    /// Namespace of the element.
    pub ns: Ns,
    /// Local name of the element.
    pub name: &'static str,
    /// Namespace URI of the element's type.
    pub ty_ns: &'static str,
    /// Local name of the element's type. No type these schemas give an element has derived
    /// types, so `xsi:type` may only name this one.
    pub ty: &'static str,
    /// What the element may contain.
    pub content: Content,
}

/// Which namespaces an `xsd:any` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NsConstraint {
    /// `##any`.
    Any,
    /// `##other`: any namespace except this one (and except no namespace).
    Other(Ns),
}

/// The `processContents` of an `xsd:any`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Process {
    /// The element must be declared and is validated.
    Strict,
    /// The element is validated when a declaration exists, otherwise its subtree is skipped.
    Lax,
    /// The subtree is never validated.
    Skip,
}

/// What one particle or automaton edge matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    /// The global element at this index of `ELEMENTS`.
    Element(u16),
    /// The local element declaration at this index of `LOCALS`.
    Local(u16),
    /// An `xsd:any` wildcard.
    Any(NsConstraint, Process),
}

/// One entry of an `xsd:sequence`.
#[derive(Debug, Clone, Copy)]
pub struct Particle {
    /// What the particle matches.
    pub term: Term,
    /// `minOccurs`.
    pub min: u16,
    /// `maxOccurs`, [`UNBOUNDED`] for `unbounded`.
    pub max: u16,
}

impl Particle {
    /// A reference to the global element at `index` of `ELEMENTS`.
    pub const fn element(index: u16, min: u16, max: u16) -> Self {
        Particle {
            term: Term::Element(index),
            min,
            max,
        }
    }
}
