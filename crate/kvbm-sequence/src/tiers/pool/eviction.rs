//! The eviction order of inactive blocks: an intrusive list in release order (LRU) or an
//! ordered map by registration (FIFO).
//!
//! Place: `crate/kvbm-sequence/src/tiers/pool/eviction.rs`.

use super::*;

impl TierPool {
    pub(super) fn push_inactive(&mut self, slot: u32) {
        self.counter += 1;
        let s = slot as usize;
        match self.policy {
            EvictionPolicy::Lru => {
                self.key[s] = self.counter;
                self.prev[s] = self.tail;
                self.next[s] = NIL;
                if self.tail != NIL {
                    self.next[self.tail as usize] = slot;
                } else {
                    self.head = slot;
                }
                self.tail = slot;
            }
            EvictionPolicy::Fifo => {
                self.by_registration.insert(self.key[s], slot);
            }
        }
        self.inactive += 1;
    }

    pub(super) fn remove_inactive(&mut self, slot: u32) {
        let s = slot as usize;
        match self.policy {
            EvictionPolicy::Lru => {
                let (p, n) = (self.prev[s], self.next[s]);
                if p != NIL {
                    self.next[p as usize] = n;
                } else {
                    self.head = n;
                }
                if n != NIL {
                    self.prev[n as usize] = p;
                } else {
                    self.tail = p;
                }
                self.prev[s] = NIL;
                self.next[s] = NIL;
            }
            EvictionPolicy::Fifo => {
                self.by_registration.remove(&self.key[s]);
            }
        }
        self.inactive -= 1;
    }

    pub(super) fn first_inactive(&self) -> Option<u32> {
        match self.policy {
            EvictionPolicy::Lru => (self.head != NIL).then_some(self.head),
            EvictionPolicy::Fifo => self.by_registration.values().next().copied(),
        }
    }
}
