//! [`FastMap`]: the hash map the index, the load model and the pools key by hashes and ids.
//!
//! Place: `crate/kvbm-sequence/src/collections/fast_map.rs`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hasher for 64-bit keys (hashes, worker ids): a multiply-xorshift mix, enough for keys that are
/// already hashes and still spreads sequential ids.
#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(29) ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn write_u128(&mut self, v: u128) {
        self.write_u64(v as u64);
        self.write_u64((v >> 64) as u64);
    }
}

/// A hash map keyed by hashes or ids, with [`KeyHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;
