//! The set of block ids a tier record holds: open addressing with linear probing over a plain
//! `Vec<u32>`, so that the facade can answer `contains(id)` by probing the table in place in
//! linear memory, with the same hash, instead of calling into the module.
//!
//! Layout (what the facade relies on, see `kv_asg_layout`): `slots.len()` is a power of two;
//! an empty slot holds `u32::MAX`; id `u32::MAX` itself is never stored in the table but
//! recorded in `has_max`; an id's home slot is `mix(id) & (slots.len() - 1)` and it sits at the
//! first slot from there on (wrapping) that is not taken by another id — no empty slot in
//! between. Deletion shifts later entries back, so that invariant holds without tombstones.
//!
//! Place: `crate/kvbm-sequence/src/collections/id_set.rs`.

use std::collections::TryReserveError;

/// Marks an empty slot.
const EMPTY: u32 = u32::MAX;

/// The MurmurHash3 finaliser: a bijection with full avalanche, so dense id ranges and ids that
/// differ only in high bits both spread over the table.
pub fn mix(id: u32) -> u32 {
    let mut h = id;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// A set of block ids (see the module's documentation for its layout).
#[derive(Clone, Debug, Default)]
pub struct IdSet {
    slots: Vec<u32>,
    len: usize,
    has_max: bool,
}

impl IdSet {
    /// Whether `id` is in the set.
    pub fn contains(&self, id: u32) -> bool {
        if id == EMPTY {
            return self.has_max;
        }
        self.find(id).is_ok()
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The table (`u32::MAX` = empty), for the facade's in-place probing.
    pub fn slots(&self) -> &[u32] {
        &self.slots
    }

    /// Whether id `u32::MAX` is in the set (it is kept out of the table).
    pub fn has_max(&self) -> bool {
        self.has_max
    }

    /// Makes room for `additional` more ids without another allocation.
    #[inline]
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        let needed = self.len.saturating_add(additional);
        // At most three quarters full: linear probing stays short.
        if needed <= self.slots.len() / 4 * 3 {
            return Ok(());
        }
        self.grow(needed)
    }

    /// Moves the ids to a table large enough for `needed` ids (kept out of line: the check
    /// above runs once per inserted id).
    #[cold]
    #[inline(never)]
    fn grow(&mut self, needed: usize) -> Result<(), TryReserveError> {
        let mut capacity = self.slots.len().max(8);
        while needed > capacity / 4 * 3 {
            capacity = capacity.saturating_mul(2);
            if capacity == usize::MAX {
                // Nothing this large can be allocated: the reservation below reports it.
                break;
            }
        }
        let mut slots = Vec::new();
        slots.try_reserve_exact(capacity)?;
        slots.resize(capacity, EMPTY);
        let old = std::mem::replace(&mut self.slots, slots);
        for id in old.into_iter().filter(|&id| id != EMPTY) {
            let at = self.find(id).unwrap_err();
            self.slots[at] = id;
        }
        Ok(())
    }

    /// Adds `id`; returns whether it was new.
    #[inline]
    pub fn insert(&mut self, id: u32) -> bool {
        if id == EMPTY {
            let new = !self.has_max;
            self.has_max = true;
            self.len += usize::from(new);
            return new;
        }
        if self.len >= self.slots.len() / 4 * 3 {
            self.grow_for_one();
        }
        match self.find(id) {
            Ok(_) => false,
            Err(at) => {
                self.slots[at] = id;
                self.len += 1;
                true
            }
        }
    }

    /// Room for one more id. Callers reserve first (the store's batches do); a single id
    /// without room is as fatal as any allocation failure of the standard collections. Out of
    /// line and without a result, so that `insert` itself needs no stack frame.
    #[cold]
    #[inline(never)]
    fn grow_for_one(&mut self) {
        if self.grow(self.len.saturating_add(1)).is_err() {
            std::alloc::handle_alloc_error(std::alloc::Layout::new::<u32>());
        }
    }

    /// Removes `id`; returns whether it was there.
    pub fn remove(&mut self, id: u32) -> bool {
        if id == EMPTY {
            let was = self.has_max;
            self.has_max = false;
            self.len -= usize::from(was);
            return was;
        }
        let mut hole = match self.find(id) {
            Ok(at) => at,
            Err(_) => return false,
        };
        // Backward shift: pull later entries of the run into the hole unless their home slot
        // lies cyclically after the hole (they would then sit before their home).
        let mask = self.slots.len() - 1;
        let mut next = hole;
        loop {
            next = (next + 1) & mask;
            let moved = self.slots[next];
            if moved == EMPTY {
                break;
            }
            let home = mix(moved) as usize & mask;
            let stays = if hole <= next {
                hole < home && home <= next
            } else {
                hole < home || home <= next
            };
            if !stays {
                self.slots[hole] = moved;
                hole = next;
            }
        }
        self.slots[hole] = EMPTY;
        self.len -= 1;
        true
    }

    /// Removes every id (the table keeps its size).
    pub fn clear(&mut self) {
        self.slots.iter_mut().for_each(|s| *s = EMPTY);
        self.len = 0;
        self.has_max = false;
    }

    /// `Ok(slot)` holding `id`, or `Err(slot)` where it would go (the table must not be full).
    #[inline]
    fn find(&self, id: u32) -> Result<usize, usize> {
        if self.slots.is_empty() {
            return Err(0);
        }
        let mask = self.slots.len() - 1;
        let mut at = mix(id) as usize & mask;
        loop {
            let s = self.slots[at];
            if s == id {
                return Ok(at);
            }
            if s == EMPTY {
                return Err(at);
            }
            at = (at + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn agrees_with_a_hash_set_under_random_inserts_and_removals() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut set = IdSet::default();
        let mut model = HashSet::new();
        for step in 0..200_000 {
            let r = next();
            // Small ids collide often; u32::MAX and high-bit ids exercise the special cases.
            let id = match r % 4 {
                0 => u32::MAX - (r >> 40) as u32 % 3,
                1 => ((r >> 20) as u32 % 64) << 26,
                _ => (r >> 32) as u32 % 5_000,
            };
            if (r >> 8) % 3 == 0 {
                assert_eq!(set.remove(id), model.remove(&id), "step {}", step);
            } else {
                set.try_reserve(1).unwrap();
                assert_eq!(set.insert(id), model.insert(id), "step {}", step);
            }
            assert_eq!(set.len(), model.len());
            if step % 1_000 == 0 {
                for probe in 0..5_000 {
                    assert_eq!(set.contains(probe), model.contains(&probe));
                }
                assert_eq!(set.contains(u32::MAX), model.contains(&u32::MAX));
            }
        }
        let stored =
            set.slots().iter().filter(|&&s| s != EMPTY).count() + usize::from(set.has_max());
        assert_eq!(stored, model.len());
    }

    #[test]
    fn clear_empties_and_keeps_working() {
        let mut set = IdSet::default();
        for id in 0..100 {
            set.insert(id);
        }
        set.clear();
        assert!(set.is_empty() && !set.contains(5));
        assert!(set.insert(5) && set.contains(5));
    }
}
