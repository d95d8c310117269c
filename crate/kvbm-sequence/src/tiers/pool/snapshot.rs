//! A pool as snapshot words ([`crate::words`]): every slot's state, both eviction orders and
//! the counters, so that a restored pool behaves exactly as the original.
//!
//! Place: `crate/kvbm-sequence/src/tiers/pool/snapshot.rs`.

use super::*;
use crate::words::{Reader, Writer};

impl TierPool {
    /// Writes the pool's whole state: config, ids, per slot (reference count, hash, order key),
    /// the free queue and the inactive order, counters. Queued events are not part of it.
    pub fn to_words(&self, w: &mut Writer) {
        w.u32(self.block_size as u32);
        w.u64(self.salt_hash);
        w.u32(match self.policy {
            EvictionPolicy::Lru => 0,
            EvictionPolicy::Fifo => 1,
        });
        w.list(&self.ids);
        w.u32(u32::from(self.slot_of.is_some()));
        for s in 0..self.ids.len() {
            w.u32(self.ref_count[s]);
            match self.hash[s] {
                Some(h) => {
                    w.u32(1);
                    w.hash(h);
                }
                None => {
                    w.u32(0);
                    w.0.extend_from_slice(&[0; 4]);
                }
            }
            w.u64(self.key[s]);
        }
        // The writer reserved room for every slot's words and both orders.
        w.u32(self.free.len() as u32);
        w.0.extend(self.free.iter().copied());
        w.u32(self.inactive as u32);
        match self.policy {
            EvictionPolicy::Lru => {
                let mut c = self.head;
                while c != NIL {
                    w.0.push(c);
                    c = self.next[c as usize];
                }
            }
            EvictionPolicy::Fifo => w.0.extend(self.by_registration.values()),
        }
        w.u64(self.counter);
        w.u64(self.evictions);
    }

    /// The pool [`TierPool::to_words`] wrote; anything inconsistent is `InvalidSnapshot`.
    pub fn from_words(r: &mut Reader<'_>) -> Result<Self> {
        let bad = |reason| Error::InvalidSnapshot { reason };
        let block_size = r.u32()? as usize;
        let salt = r.u64()?;
        let policy = match r.u32()? {
            0 => EvictionPolicy::Lru,
            1 => EvictionPolicy::Fifo,
            _ => return Err(bad("unknown eviction policy")),
        };
        let ids = r.list()?;
        let explicit = r.u32()? != 0;
        let mut pool = if explicit {
            TierPool::with_ids(ids, block_size, salt, policy)?
        } else {
            if ids.iter().enumerate().any(|(i, &id)| id != i as u32) {
                return Err(bad("ids are not 0 .. capacity"));
            }
            TierPool::with_capacity(ids.len() as u32, block_size, salt, policy)?
        };
        for s in 0..ids.len() {
            pool.ref_count[s] = r.u32()?;
            let has = r.u32()?;
            let h = r.hash();
            pool.hash[s] = match (has, h) {
                (0, _) => None,
                (_, Ok(h)) => Some(h),
                (_, Err(e)) => return Err(e),
            };
            pool.key[s] = r.u64()?;
            if let Some(h) = pool.hash[s] {
                if pool.registered.insert(h.raw(), s as u32).is_some() {
                    return Err(bad("a hash is registered twice"));
                }
            }
        }
        pool.free.clear();
        for &slot in r.list()? {
            if slot as usize >= ids.len() || pool.state(slot) != BlockState::Free {
                return Err(bad("the free queue names a block that is not free"));
            }
            pool.free.push_back(slot);
        }
        let order = r.list()?;
        for &slot in order {
            if slot as usize >= ids.len() || pool.state(slot) != BlockState::Inactive {
                return Err(bad("the inactive order names a block that is not inactive"));
            }
            // LRU: the list is rebuilt in this order (push_inactive renumbers the key, which
            // is put back); FIFO: the key orders it.
            let key = pool.key[slot as usize];
            pool.push_inactive(slot);
            pool.key[slot as usize] = key;
        }
        pool.counter = r.u64()?;
        pool.evictions = r.u64()?;
        pool.check_invariants()
            .map_err(|_| bad("the blocks' states do not add up"))?;
        if pool.by_registration.len()
            != if policy == EvictionPolicy::Fifo {
                pool.inactive
            } else {
                0
            }
        {
            return Err(bad("the inactive order repeats a block"));
        }
        Ok(pool)
    }
}
