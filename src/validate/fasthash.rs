//! A small word-at-a-time multiplicative hasher (FNV-like) for the lookup tables (rule ids,
//! codes, element names): the keys are short, and the tables are built from the rule data, not
//! from the document, so SipHash's flooding resistance buys nothing there.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-style hashing of eight bytes at a time.
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        // The last, short chunk zero-padded, assembled in a register (a variable-length copy
        // into an array would be a call to memcpy for every key).
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let word = rest
                .iter()
                .rev()
                .fold(0u64, |word, &b| (word << 8) | u64::from(b));
            self.mix(word);
        }
    }
}

impl Fnv {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0 ^ word)
            .wrapping_mul(0x0100_0000_01b3)
            .rotate_left(29);
    }
}

/// A `HashMap` with [`Fnv`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
/// A `HashSet` with [`Fnv`].
pub(crate) type FastSet<K> = HashSet<K, BuildHasherDefault<Fnv>>;
