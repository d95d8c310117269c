//! [`HashCounts`]: how many times each 64-bit hash is held — the load model's per-worker active
//! blocks, where every booking adds and every free removes one count per block.
//!
//! Open addressing with linear probing over two plain vectors (keys, counts); a count of 0 marks
//! an empty slot, so every key value can be stored. A key's home slot comes from one multiply
//! (Fibonacci hashing, high bits), and deletion shifts later entries back instead of leaving
//! tombstones: a table that sees the same number of keys come and go never degrades and never
//! rehashes. Compared with the general map, an insert or a removal is a short run of adjacent
//! slots and no control bytes — what WebAssembly, without SIMD group probes, runs fastest.
//!
//! Place: `crate/kvbm-sequence/src/collections/counts.rs`.

use std::collections::TryReserveError;

const FIBONACCI: u64 = 0x9e37_79b9_7f4a_7c15;

/// A multiset of 64-bit keys (see the module's documentation).
#[derive(Clone, Debug, Default)]
pub struct HashCounts {
    keys: Vec<u64>,
    counts: Vec<u32>,
    len: usize,
    /// `64 − log2(slots)`: the home slot is the product's top bits.
    shift: u32,
}

impl HashCounts {
    /// Distinct keys held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn mask(&self) -> usize {
        self.counts.len() - 1
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(FIBONACCI) >> self.shift) as usize
    }

    /// The slot holding `key`, or the empty slot where it would go.
    #[inline]
    fn slot(&self, key: u64) -> Result<usize, usize> {
        let mask = self.mask();
        let mut i = self.home(key);
        loop {
            if self.counts[i] == 0 {
                return Err(i);
            }
            if self.keys[i] == key {
                return Ok(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// Whether `key` is held.
    #[inline]
    pub fn contains(&self, key: u64) -> bool {
        !self.counts.is_empty() && self.slot(key).is_ok()
    }

    /// How many times `key` is held (0 where it is not).
    pub fn count(&self, key: u64) -> u32 {
        if self.counts.is_empty() {
            return 0;
        }
        self.slot(key).map_or(0, |i| self.counts[i])
    }

    /// Makes room for `additional` more keys without another allocation.
    #[inline]
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        let needed = self.len.saturating_add(additional);
        // At most three quarters full: probe runs stay short.
        if needed <= self.counts.len() / 4 * 3 {
            return Ok(());
        }
        self.grow(needed)
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, needed: usize) -> Result<(), TryReserveError> {
        let slots = needed.saturating_mul(4).saturating_add(2) / 3;
        let slots = slots
            .max(16)
            .checked_next_power_of_two()
            .unwrap_or(usize::MAX);
        let mut keys = Vec::new();
        keys.try_reserve_exact(slots)?;
        let mut counts = Vec::new();
        counts.try_reserve_exact(slots)?;
        keys.resize(slots, 0);
        counts.resize(slots, 0);
        let old_keys = std::mem::replace(&mut self.keys, keys);
        let old_counts = std::mem::replace(&mut self.counts, counts);
        self.shift = 64 - slots.trailing_zeros();
        for (key, count) in old_keys.into_iter().zip(old_counts) {
            if count != 0 {
                if let Err(i) = self.slot(key) {
                    self.keys[i] = key;
                    self.counts[i] = count;
                }
            }
        }
        Ok(())
    }

    /// Adds one count of `key`, which must fit: call [`HashCounts::try_reserve`] for it first.
    /// Returns whether the key is new.
    #[inline]
    pub fn increment(&mut self, key: u64) -> bool {
        debug_assert!(self.len < self.counts.len());
        match self.slot(key) {
            Ok(i) => {
                self.counts[i] = self.counts[i].saturating_add(1);
                false
            }
            Err(i) => {
                self.keys[i] = key;
                self.counts[i] = 1;
                self.len += 1;
                true
            }
        }
    }

    /// Removes one count of `key`; `Some(true)` where that was its last, `None` where it is not
    /// held.
    #[inline]
    pub fn decrement(&mut self, key: u64) -> Option<bool> {
        if self.counts.is_empty() {
            return None;
        }
        let i = self.slot(key).ok()?;
        if self.counts[i] > 1 {
            self.counts[i] -= 1;
            return Some(false);
        }
        self.remove_at(i);
        Some(true)
    }

    /// Empties slot `hole` and moves later entries of its run back over it, so that every key
    /// stays reachable from its home slot without passing an empty slot.
    fn remove_at(&mut self, mut hole: usize) {
        let mask = self.mask();
        let mut j = (hole + 1) & mask;
        while self.counts[j] != 0 {
            let home = self.home(self.keys[j]);
            // The entry at `j` may fill the hole unless its home lies cyclically in (hole, j].
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                self.keys[hole] = self.keys[j];
                self.counts[hole] = self.counts[j];
                hole = j;
            }
            j = (j + 1) & mask;
        }
        self.counts[hole] = 0;
        self.len -= 1;
    }

    /// Forgets every key (the table keeps its size).
    pub fn clear(&mut self) {
        if self.len != 0 {
            self.counts.iter_mut().for_each(|c| *c = 0);
            self.len = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn reserve_and_add(c: &mut HashCounts, key: u64) -> bool {
        c.try_reserve(1).unwrap();
        c.increment(key)
    }

    #[test]
    fn every_key_value_can_be_held_and_counts_add_up() {
        let mut c = HashCounts::default();
        assert!(!c.contains(0));
        assert_eq!(c.decrement(0), None);
        for key in [0, u64::MAX, 1, 0] {
            reserve_and_add(&mut c, key);
        }
        assert_eq!((c.len(), c.count(0), c.count(u64::MAX)), (3, 2, 1));
        assert_eq!(c.decrement(0), Some(false));
        assert_eq!(c.decrement(0), Some(true));
        assert!(!c.contains(0));
        assert_eq!(c.decrement(7), None);
        c.clear();
        assert!(c.is_empty() && !c.contains(1));
    }

    /// Random adds and removes, keys from a small range (long runs, wrap-around, every shift
    /// case) and keys that share their home slot, against `HashMap`.
    #[test]
    fn random_adds_and_removes_match_a_hash_map() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..4 {
            let mut c = HashCounts::default();
            let mut model: HashMap<u64, u32> = HashMap::new();
            for _ in 0..60_000 {
                let r = next();
                let key = match round {
                    0 => r % 64,
                    1 => (r % 512) << 58, // same low bits: homes collide
                    2 => r % 5_000,
                    _ => r >> (r % 64),
                };
                if r % 3 == 0 {
                    let was = model.get(&key).copied();
                    let got = c.decrement(key);
                    match was {
                        None => assert_eq!(got, None),
                        Some(1) => {
                            assert_eq!(got, Some(true));
                            model.remove(&key);
                        }
                        Some(n) => {
                            assert_eq!(got, Some(false));
                            model.insert(key, n - 1);
                        }
                    }
                } else {
                    let new = reserve_and_add(&mut c, key);
                    let n = model.entry(key).or_insert(0);
                    assert_eq!(new, *n == 0);
                    *n += 1;
                }
                assert_eq!(c.len(), model.len());
            }
            for (&k, &n) in &model {
                assert_eq!(c.count(k), n);
            }
        }
    }

    #[test]
    fn keys_that_come_and_go_keep_the_table_its_size() {
        let mut c = HashCounts::default();
        c.try_reserve(512).unwrap();
        let slots = c.counts.len();
        for round in 0..1_000u64 {
            for k in 0..512 {
                c.increment(round * 1_000 + k);
            }
            for k in 0..512 {
                assert_eq!(c.decrement(round * 1_000 + k), Some(true));
            }
            c.try_reserve(512).unwrap();
        }
        assert_eq!((c.len(), c.counts.len()), (0, slots));
    }
}
