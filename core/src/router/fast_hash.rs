//! A small multiplicative hasher (the FxHash scheme) for the router's string-keyed indexes.
//!
//! SipHash's flooding resistance protects maps that attackers insert into. The router's maps
//! are filled only from a signed bundle; requests only look keys up, so the cheaper hash is
//! safe here and keeps host and path lookups well under the per-request budget.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` using [`FastHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_works_with_str_keys() {
        let mut m: FastMap<Box<str>, u32> = FastMap::default();
        m.insert("example.com".into(), 1);
        m.insert("example.org".into(), 2);
        m.insert("a-much-longer-host-name.example.com".into(), 3);
        assert_eq!(m.get("example.com"), Some(&1));
        assert_eq!(m.get("example.org"), Some(&2));
        assert_eq!(m.get("a-much-longer-host-name.example.com"), Some(&3));
        assert_eq!(m.get("example.net"), None);
    }
}
