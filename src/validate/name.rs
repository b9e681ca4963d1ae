//! Element names of the UBL 2.1 schemas as small integers.
//!
//! A [`Name`] is the index of a global element declaration in [`ELEMENTS`]. The parser gives every
//! element of a UBL namespace its `Name` once per document ([`Name::lookup`]), so the layers
//! compare two integers where they compared a namespace and a local name. Names written in the
//! code are found when the crate compiles ([`name!`], [`steps!`]): a name the schemas do not
//! declare (a typo) is a compile error, not a rule that silently never fires.

use std::sync::OnceLock;

use super::structure::tables::{Ns, ELEMENTS};

/// A globally declared UBL 2.1 element: its index in [`ELEMENTS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(u16);

/// Slots of [`Name::lookup`]'s table: a power of two, more than twice the declarations.
const SLOTS: usize = 4096;

/// An empty slot of that table.
const EMPTY: u16 = u16::MAX;

/// What [`Name::lookup`] compares: the namespace and length (`key`), and the first and last
/// eight bytes of the name (for a shorter name, its bytes and 0), which are the whole name up
/// to sixteen bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    key: u64,
    head: u64,
    tail: u64,
}

impl Key {
    fn of(ns: Ns, local: &[u8]) -> Key {
        let n = local.len();
        let (head, tail) = if n >= 8 {
            let word = |b: &[u8]| u64::from_le_bytes(b.try_into().expect("eight bytes"));
            (word(&local[..8]), word(&local[n - 8..]))
        } else {
            let word = local
                .iter()
                .rev()
                .fold(0u64, |w, &b| (w << 8) | u64::from(b));
            (word, 0)
        };
        Key {
            key: (n as u64) << 8 | ns as u64,
            head,
            tail,
        }
    }

    /// The slot of the table where the probe for this key starts.
    fn slot(&self) -> usize {
        let h = (self.head ^ self.tail.rotate_left(29) ^ self.key.rotate_left(53))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> (64 - SLOTS.trailing_zeros())) as usize
    }
}

impl Name {
    /// The declared element `{ns}local`; evaluated in a constant, an undeclared name does not
    /// compile.
    pub const fn of(ns: Ns, local: &str) -> Name {
        let (mut low, mut high) = (0, ELEMENTS.len());
        while low < high {
            let mid = (low + high) / 2;
            let e = &ELEMENTS[mid];
            let order = if (e.ns as u8) != (ns as u8) {
                if (e.ns as u8) < (ns as u8) {
                    -1
                } else {
                    1
                }
            } else {
                compare(e.name.as_bytes(), local.as_bytes())
            };
            match order {
                0 => return Name(mid as u16),
                o if o < 0 => low = mid + 1,
                _ => high = mid,
            }
        }
        panic!("the UBL 2.1 schemas declare no such element")
    }

    /// The declared element written `prefix:local` with the prefixes of the rules: `cbc`, `cac`,
    /// `ext`, `ubl` (Invoice) and `cn` (CreditNote).
    pub const fn qualified(qname: &str) -> Name {
        let b = qname.as_bytes();
        let mut colon = 0;
        while colon < b.len() && b[colon] != b':' {
            colon += 1;
        }
        let (prefix, local) = b.split_at(colon);
        let Some(ns) = prefix_ns(prefix) else {
            panic!("unknown prefix (cbc, cac, ext, ubl or cn)")
        };
        let Some((_, local)) = local.split_first() else {
            panic!("expected prefix:local")
        };
        match std::str::from_utf8(local) {
            Ok(local) => Name::of(ns, local),
            Err(_) => panic!("not UTF-8"),
        }
    }

    /// The declared element `{ns}local`, if any, at run time: the parser asks once per element,
    /// so this is an open-addressing table of its own, hashed from the namespace, the length
    /// and the first and last eight bytes of the name (no byte loop for most names).
    pub fn lookup(ns: Ns, local: &str) -> Option<Name> {
        struct Table {
            slots: Box<[u16; SLOTS]>,
            /// The key of each declaration, by index in `ELEMENTS`.
            keys: Vec<Key>,
        }
        static TABLE: OnceLock<Table> = OnceLock::new();
        let table = TABLE.get_or_init(|| {
            let keys: Vec<Key> = ELEMENTS
                .iter()
                .map(|e| Key::of(e.ns, e.name.as_bytes()))
                .collect();
            let mut slots = Box::new([EMPTY; SLOTS]);
            for (i, key) in keys.iter().enumerate() {
                let mut at = key.slot();
                while slots[at] != EMPTY {
                    at = (at + 1) % SLOTS;
                }
                slots[at] = i as u16;
            }
            Table { slots, keys }
        });
        let bytes = local.as_bytes();
        let key = Key::of(ns, bytes);
        let mut at = key.slot();
        loop {
            let i = table.slots[at];
            if i == EMPTY {
                return None;
            }
            // Equal keys are equal names up to sixteen bytes; beyond, the middle decides.
            if table.keys[usize::from(i)] == key
                && (bytes.len() <= 16
                    || ELEMENTS[usize::from(i)].name.as_bytes()[8..bytes.len() - 8]
                        == bytes[8..bytes.len() - 8])
            {
                return Some(Name(i));
            }
            at = (at + 1) % SLOTS;
        }
    }

    /// The index of the declaration in [`ELEMENTS`].
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// The namespace.
    pub fn ns(self) -> Ns {
        ELEMENTS[self.index()].ns
    }

    /// The local name.
    pub fn local(self) -> &'static str {
        ELEMENTS[self.index()].name
    }
}

/// The namespace of a prefix of the rules: `cbc`, `cac`, `ext`, `ubl` (Invoice), `cn`
/// (CreditNote).
pub(crate) const fn prefix_ns(prefix: &[u8]) -> Option<Ns> {
    if equal(prefix, b"cbc") {
        Some(Ns::Cbc)
    } else if equal(prefix, b"cac") {
        Some(Ns::Cac)
    } else if equal(prefix, b"ext") {
        Some(Ns::Ext)
    } else if equal(prefix, b"ubl") {
        Some(Ns::Invoice)
    } else if equal(prefix, b"cn") {
        Some(Ns::CreditNote)
    } else {
        None
    }
}

const fn compare(a: &[u8], b: &[u8]) -> i32 {
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return if a[i] < b[i] { -1 } else { 1 };
        }
        i += 1;
    }
    if a.len() == b.len() {
        0
    } else if a.len() < b.len() {
        -1
    } else {
        1
    }
}

const fn equal(a: &[u8], b: &[u8]) -> bool {
    compare(a, b) == 0
}

/// The [`Name`] of the UBL element written `prefix:local` (`name!("cbc:ID")`), found when the
/// crate compiles.
macro_rules! name {
    ($qname:literal) => {
        const { $crate::validate::name::Name::qualified($qname) }
    };
}
pub(crate) use name;

/// A child path of [`Name`]s (`steps!["cac:Party", "cbc:EndpointID"]`), found when the crate
/// compiles, as a `&'static [Name]`.
macro_rules! steps {
    ($($qname:literal),+ $(,)?) => {
        const { &[$($crate::validate::name::Name::qualified($qname)),+] }
    };
}
pub(crate) use steps;

#[cfg(test)]
mod tests {
    use super::{Name, ELEMENTS};
    use crate::validate::structure::tables::Ns;

    #[test]
    fn every_declared_element_is_found_at_compile_and_run_time() {
        for (i, e) in ELEMENTS.iter().enumerate() {
            let name = Name::of(e.ns, e.name);
            assert_eq!(name.index(), i);
            assert_eq!(Name::lookup(e.ns, e.name), Some(name));
            assert_eq!((name.ns(), name.local()), (e.ns, e.name));
        }
    }

    #[test]
    fn prefixes_and_undeclared_names() {
        assert_eq!(name!("cbc:ID"), Name::of(Ns::Cbc, "ID"));
        assert_eq!(name!("cac:Party").local(), "Party");
        assert_eq!(name!("ubl:Invoice").ns(), Ns::Invoice);
        assert_eq!(name!("cn:CreditNote").ns(), Ns::CreditNote);
        assert_eq!(name!("ext:UBLExtensions").ns(), Ns::Ext);
        assert_eq!(Name::lookup(Ns::Cbc, "Party"), None);
        assert_eq!(Name::lookup(Ns::Cac, "ID"), None);
        assert_eq!(Name::lookup(Ns::Cbc, ""), None);
        // Same length, first and last eight bytes as a declared name: the middle decides.
        assert!(Name::lookup(Ns::Cac, "AccountingSupplierParty").is_some());
        assert_eq!(Name::lookup(Ns::Cac, "AccountingSupXlierParty"), None);
        assert_eq!(Name::lookup(Ns::Cac, "AccountingSupplierPart"), None);
        assert_eq!(Name::lookup(Ns::Cbc, "ID\u{0}"), None);
    }
}
