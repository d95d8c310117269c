//! A tier's block pool (SPEC §7), the identity level of KVBM's block manager: a fixed set of
//! block ids of one tier, bound to one block size and salt, each id in exactly one state —
//! free, active (held by requests, with a reference count) or inactive (registered, reusable by
//! its lineage hash, evictable).
//!
//! Every change a router would hear about is queued as a KV event in the shapes of SPEC §6
//! (`stored` with its parent, `removed`), drained with [`TierPool::take_events`]. A stored
//! block's `block_hash` is its sequence hash (the engine's id) and its `tokens_hash` its block
//! hash, which is the router's local hash when the pool's salt is the router's (1337).
//!
//! Costs: a block moves between states in O(1) (free: a FIFO queue; LRU eviction: an intrusive
//! list in release order) or O(log n) (FIFO-by-registration eviction: an ordered map).
//!
//! Place: `crate/kvbm-sequence/src/tiers/pool/mod.rs`.

use crate::error::{filled, out_of_memory, try_reserve, Error, Result};
mod eviction;
mod invariants;
mod snapshot;
#[cfg(test)]
mod tests;

use crate::collections::FastMap;
pub use crate::events::PoolEvent;
use crate::hashing::lineage::SequenceHash;
use crate::sequence::{Block, BlockSequence};
use std::collections::{BTreeMap, VecDeque};

const NIL: u32 = u32::MAX;

/// The state of a block id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockState {
    /// Reset: never registered, or evicted.
    Free,
    /// Held by at least one request.
    Active,
    /// Registered, held by none: reusable by hash, evictable.
    Inactive,
}

impl BlockState {
    /// The state's name.
    pub fn name(self) -> &'static str {
        match self {
            BlockState::Free => "free",
            BlockState::Active => "active",
            BlockState::Inactive => "inactive",
        }
    }
}

/// Which inactive block is evicted first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvictionPolicy {
    /// Least recently released first (the default).
    Lru,
    /// Earliest registered first.
    Fifo,
}

/// One block's state, for queries and snapshots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockRecord {
    /// The id.
    pub id: u32,
    /// Its state.
    pub state: BlockState,
    /// Holders (0 unless active).
    pub ref_count: u32,
    /// Its lineage hash, if registered.
    pub hash: Option<SequenceHash>,
}

/// The pool (see the module docs).
#[derive(Clone, Debug)]
pub struct TierPool {
    block_size: usize,
    salt_hash: u64,
    policy: EvictionPolicy,
    /// The ids, by slot; `slot_of` maps back (none where the ids are `0..capacity`).
    ids: Vec<u32>,
    slot_of: Option<FastMap<u32, u32>>,
    ref_count: Vec<u32>,
    hash: Vec<Option<SequenceHash>>,
    /// Order key of an inactive slot (release or registration counter).
    key: Vec<u64>,
    prev: Vec<u32>,
    next: Vec<u32>,
    free: VecDeque<u32>,
    /// LRU: inactive slots in release order (head is evicted first).
    head: u32,
    tail: u32,
    /// FIFO: inactive slots by registration counter.
    by_registration: BTreeMap<u64, u32>,
    inactive: usize,
    registered: FastMap<u128, u32>,
    counter: u64,
    events: Vec<PoolEvent>,
    evictions: u64,
    /// Per slot, the `epoch` of the last call that saw it (duplicate detection without a map).
    stamp: Vec<u32>,
    epoch: u32,
}

impl TierPool {
    /// A pool of the ids `0 .. capacity`. Fails with `OutOfMemory` (never aborts) where the
    /// capacity cannot be had.
    pub fn with_capacity(
        capacity: u32,
        block_size: usize,
        salt_hash: u64,
        policy: EvictionPolicy,
    ) -> Result<Self> {
        if block_size == 0 {
            return Err(Error::InvalidBlockSize);
        }
        let mut ids = Vec::new();
        try_reserve(&mut ids, capacity as usize)?;
        ids.extend(0..capacity);
        Self::build(ids, None, block_size, salt_hash, policy)
    }

    /// A pool of the given ids (each once). Fails with `InvalidBlockSize` for block size 0.
    pub fn with_ids(
        ids: &[u32],
        block_size: usize,
        salt_hash: u64,
        policy: EvictionPolicy,
    ) -> Result<Self> {
        if block_size == 0 {
            return Err(Error::InvalidBlockSize);
        }
        let mut map = FastMap::default();
        map.try_reserve(ids.len())
            .map_err(out_of_memory(ids.len()))?;
        for (slot, &id) in ids.iter().enumerate() {
            if map.insert(id, slot as u32).is_some() {
                return Err(Error::DuplicateBlockId { block_id: id });
            }
        }
        let mut owned = Vec::new();
        try_reserve(&mut owned, ids.len())?;
        owned.extend_from_slice(ids);
        Self::build(owned, Some(map), block_size, salt_hash, policy)
    }

    /// The pool of `ids` (the block size was checked by the caller, before any allocation).
    fn build(
        ids: Vec<u32>,
        slot_of: Option<FastMap<u32, u32>>,
        block_size: usize,
        salt_hash: u64,
        policy: EvictionPolicy,
    ) -> Result<Self> {
        let n = ids.len();
        let mut free = VecDeque::new();
        free.try_reserve(n).map_err(out_of_memory(n))?;
        free.extend(0..n as u32);
        Ok(TierPool {
            block_size,
            salt_hash,
            policy,
            ids,
            slot_of,
            ref_count: filled(n, 0)?,
            hash: filled(n, None)?,
            key: filled(n, 0)?,
            prev: filled(n, NIL)?,
            next: filled(n, NIL)?,
            free,
            head: NIL,
            tail: NIL,
            by_registration: BTreeMap::new(),
            inactive: 0,
            registered: FastMap::default(),
            counter: 0,
            events: Vec::new(),
            evictions: 0,
            stamp: filled(n, 0)?,
            epoch: 0,
        })
    }

    /// Tokens per block.
    pub fn block_size(&self) -> usize {
        self.block_size
    }

    /// The salt the pool's blocks are hashed with.
    pub fn salt_hash(&self) -> u64 {
        self.salt_hash
    }

    /// The eviction policy.
    pub fn policy(&self) -> EvictionPolicy {
        self.policy
    }

    /// Number of ids.
    pub fn capacity(&self) -> usize {
        self.ids.len()
    }

    /// Free ids.
    pub fn free_count(&self) -> usize {
        self.free.len()
    }

    /// Inactive ids.
    pub fn inactive_count(&self) -> usize {
        self.inactive
    }

    /// Active ids.
    pub fn active_count(&self) -> usize {
        self.ids.len() - self.free.len() - self.inactive
    }

    /// Blocks evicted since the pool was made.
    pub fn evictions(&self) -> u64 {
        self.evictions
    }

    fn slot(&self, id: u32) -> Option<u32> {
        match &self.slot_of {
            None => ((id as usize) < self.ids.len()).then_some(id),
            Some(map) => map.get(&id).copied(),
        }
    }

    fn state(&self, slot: u32) -> BlockState {
        let s = slot as usize;
        if self.ref_count[s] > 0 {
            BlockState::Active
        } else if self.hash[s].is_some() {
            BlockState::Inactive
        } else {
            BlockState::Free
        }
    }

    /// An id's state, reference count and hash; `None` for an id the pool does not own.
    pub fn record(&self, id: u32) -> Option<BlockRecord> {
        let slot = self.slot(id)?;
        Some(BlockRecord {
            id,
            state: self.state(slot),
            ref_count: self.ref_count[slot as usize],
            hash: self.hash[slot as usize],
        })
    }

    /// Whether a lineage hash is registered.
    pub fn is_registered(&self, hash: SequenceHash) -> bool {
        self.registered.contains_key(&hash.raw())
    }

    /// The id a lineage hash is registered to.
    pub fn id_of(&self, hash: SequenceHash) -> Option<u32> {
        self.registered
            .get(&hash.raw())
            .map(|&s| self.ids[s as usize])
    }

    // ---- the inactive ordering ----

    fn acquire(&mut self, slot: u32) {
        if self.state(slot) == BlockState::Inactive {
            self.remove_inactive(slot);
        }
        self.ref_count[slot as usize] += 1;
    }

    // ---- the operations ----

    /// Acquires the registered prefix of `hashes` (stopping at the first hash not registered)
    /// and returns its ids in order.
    fn acquire_prefix<I>(&mut self, hashes: I) -> Result<Vec<u32>>
    where
        I: Iterator<Item = SequenceHash> + Clone,
    {
        let found = hashes
            .clone()
            .take_while(|h| self.registered.contains_key(&h.raw()))
            .count();
        let mut out = Vec::new();
        try_reserve(&mut out, found)?;
        for h in hashes.take(found) {
            let slot = self.registered[&h.raw()];
            self.acquire(slot);
            out.push(self.ids[slot as usize]);
        }
        Ok(out)
    }

    /// Walks `hashes` (lineage hashes of consecutive positions), stopping at the first one not
    /// registered; acquires each block found and returns their ids in position order.
    pub fn match_hashes(&mut self, hashes: &[SequenceHash]) -> Result<Vec<u32>> {
        self.acquire_prefix(hashes.iter().copied())
    }

    /// [`TierPool::match_hashes`] over a sequence's complete blocks from position `from`; the
    /// sequence must have the pool's block size and salt.
    pub fn match_sequence(&mut self, seq: &BlockSequence, from: usize) -> Result<Vec<u32>> {
        self.check_binding(seq)?;
        let blocks = seq.blocks().get(from..).unwrap_or(&[]);
        self.acquire_prefix(blocks.iter().map(Block::lineage_hash))
    }

    /// Positions `from .. to` of the sequence whose blocks are not registered here (what a
    /// write-through offload must copy), in order.
    pub fn unregistered_positions(
        &self,
        seq: &BlockSequence,
        from: usize,
        to: usize,
    ) -> Result<Vec<u32>> {
        self.check_binding(seq)?;
        let blocks = seq
            .blocks()
            .get(from..to.min(seq.block_count()))
            .unwrap_or(&[]);
        let mut out = Vec::new();
        try_reserve(&mut out, blocks.len())?;
        out.extend(
            blocks
                .iter()
                .filter(|b| !self.registered.contains_key(&b.lineage_hash().raw()))
                .map(|b| b.position() as u32),
        );
        Ok(out)
    }

    /// Fails with `BindingMismatch` for a sequence of another block size or salt.
    pub fn check_binding(&self, seq: &BlockSequence) -> Result<()> {
        if seq.block_size() != self.block_size || seq.salt_hash() != self.salt_hash {
            return Err(Error::BindingMismatch {
                expected_block_size: self.block_size,
                expected_salt_hash: self.salt_hash,
                block_size: seq.block_size(),
                salt_hash: seq.salt_hash(),
            });
        }
        Ok(())
    }

    /// Takes `n` ids: from the free list first, then by evicting inactive blocks (each eviction
    /// queued as a `removed` event). The ids come back active (reference count 1) and
    /// unregistered. Fails with `PoolExhausted` (nothing changed) when free + inactive < n.
    pub fn allocate(&mut self, n: usize) -> Result<Vec<u32>> {
        let available = self.free.len() + self.inactive;
        if n > available {
            return Err(Error::PoolExhausted {
                requested: n,
                available,
            });
        }
        let mut out = Vec::new();
        try_reserve(&mut out, n)?;
        let evict = n.saturating_sub(self.free.len());
        let mut removed = Vec::new();
        try_reserve(&mut removed, evict)?;
        try_reserve(&mut self.events, 1)?;
        for _ in 0..evict {
            let slot = match self.first_inactive() {
                Some(s) => s,
                None => break,
            };
            self.remove_inactive(slot);
            if let Some(h) = self.hash[slot as usize].take() {
                self.registered.remove(&h.raw());
                removed.push(h.current_hash());
            }
            self.free.push_back(slot);
            self.evictions += 1;
        }
        if !removed.is_empty() {
            self.events.push(PoolEvent::Removed { hashes: removed });
        }
        for _ in 0..n {
            if let Some(slot) = self.free.pop_front() {
                self.ref_count[slot as usize] = 1;
                out.push(self.ids[slot as usize]);
            }
        }
        Ok(out)
    }

    /// Registers active, unregistered `ids` with the sequence's complete blocks
    /// `start .. start + ids.len()` (block `start - 1` gives the first one's parent). A hash
    /// already registered to another id keeps that id: the caller gets it (acquired) in the
    /// returned list, and the duplicate id goes back to free. Each new registration is queued as
    /// a `stored` event. Validates everything first; on error nothing changed.
    pub fn register(&mut self, ids: &[u32], seq: &BlockSequence, start: usize) -> Result<Vec<u32>> {
        self.check_binding(seq)?;
        let blocks = seq.blocks();
        start
            .checked_add(ids.len())
            .filter(|&e| e <= blocks.len())
            .ok_or(Error::LengthMismatch {
                ids: ids.len(),
                blocks: blocks.len().saturating_sub(start),
            })?;
        let mut slots = Vec::new();
        try_reserve(&mut slots, ids.len())?;
        let epoch = self.next_epoch();
        for (i, &id) in ids.iter().enumerate() {
            let slot = self
                .slot(id)
                .ok_or(Error::UnknownBlockId { block_id: id })?;
            if std::mem::replace(&mut self.stamp[slot as usize], epoch) == epoch {
                return Err(Error::DuplicateBlockId { block_id: id });
            }
            let state = self.state(slot);
            if state != BlockState::Active || self.hash[slot as usize].is_some() {
                let state = if state == BlockState::Active {
                    "registered"
                } else {
                    state.name()
                };
                return Err(Error::InvalidBlockState {
                    block_id: id,
                    state,
                    operation: "register",
                });
            }
            let block = &blocks[start + i];
            if block.position() != (start + i) as u64 {
                return Err(Error::PositionMismatch {
                    expected: (start + i) as u64,
                    actual: block.position(),
                    block_id: id,
                });
            }
            slots.push(slot);
        }
        // Commit: nothing below can fail.
        self.registered
            .try_reserve(ids.len())
            .map_err(out_of_memory(ids.len()))?;
        let mut out = Vec::new();
        try_reserve(&mut out, ids.len())?;
        try_reserve(&mut self.events, ids.len())?;
        let mut run: Option<PoolEvent> = None;
        for (i, &slot) in slots.iter().enumerate() {
            let block = &blocks[start + i];
            let h = block.lineage_hash();
            match self.registered.get(&h.raw()).copied() {
                Some(existing) => {
                    // KVBM's dedup: the registered block wins; this one is reset.
                    self.acquire(existing);
                    self.ref_count[slot as usize] = 0;
                    self.free.push_back(slot);
                    out.push(self.ids[existing as usize]);
                    if let Some(e) = run.take() {
                        self.events.push(e);
                    }
                }
                None => {
                    self.counter += 1;
                    self.key[slot as usize] = self.counter;
                    self.hash[slot as usize] = Some(h);
                    self.registered.insert(h.raw(), slot);
                    out.push(self.ids[slot as usize]);
                    let pair = (block.sequence_hash(), block.block_hash());
                    match &mut run {
                        Some(PoolEvent::Stored { blocks, .. }) => blocks.push(pair),
                        _ => {
                            let p = start + i;
                            let parent = if p == 0 {
                                None
                            } else {
                                Some(blocks[p - 1].sequence_hash())
                            };
                            run = Some(PoolEvent::Stored {
                                parent,
                                blocks: vec![pair],
                            });
                        }
                    }
                }
            }
        }
        if let Some(e) = run.take() {
            self.events.push(e);
        }
        Ok(out)
    }

    /// Releases one hold on each id: at reference count 0 a registered block becomes inactive
    /// (most recently released), an unregistered one free. An id may appear as often as it is
    /// held. Validates everything first; on error nothing changed.
    pub fn release(&mut self, ids: &[u32]) -> Result<()> {
        // Validate by taking the holds (an id may appear as often as it is held), undoing them
        // at the first one that is not held: on error nothing changed.
        for (k, &id) in ids.iter().enumerate() {
            let slot = self.slot(id).filter(|&s| self.ref_count[s as usize] > 0);
            match slot {
                Some(s) => self.ref_count[s as usize] -= 1,
                None => {
                    for &undo in &ids[..k] {
                        if let Some(s) = self.slot(undo) {
                            self.ref_count[s as usize] += 1;
                        }
                    }
                    return Err(match self.slot(id) {
                        None => Error::UnknownBlockId { block_id: id },
                        Some(s) => Error::InvalidBlockState {
                            block_id: id,
                            state: self.state(s).name(),
                            operation: "release",
                        },
                    });
                }
            }
        }
        // Each slot that reached 0 moves once (the stamp marks the ones moved by this call).
        let epoch = self.next_epoch();
        for &id in ids {
            if let Some(slot) = self.slot(id) {
                let s = slot as usize;
                if self.ref_count[s] == 0 && std::mem::replace(&mut self.stamp[s], epoch) != epoch {
                    if self.hash[s].is_some() {
                        self.push_inactive(slot);
                    } else {
                        self.free.push_back(slot);
                    }
                }
            }
        }
        Ok(())
    }

    /// A fresh epoch for [`TierPool::stamp`] (stamps are cleared when the counter wraps).
    fn next_epoch(&mut self) -> u32 {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.epoch = 1;
        }
        self.epoch
    }

    /// The queued events, oldest first.
    pub fn pending_events(&self) -> &[PoolEvent] {
        &self.events
    }

    /// Removes and returns the queued events, oldest first.
    pub fn take_events(&mut self) -> Vec<PoolEvent> {
        std::mem::take(&mut self.events)
    }

    /// Every id's record, in the pool's id order.
    pub fn records(&self) -> impl Iterator<Item = BlockRecord> + '_ {
        (0..self.ids.len() as u32).map(move |slot| BlockRecord {
            id: self.ids[slot as usize],
            state: self.state(slot),
            ref_count: self.ref_count[slot as usize],
            hash: self.hash[slot as usize],
        })
    }

    /// Bytes of memory the pool holds (capacities; hash maps estimated).
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        self.ids.capacity() * 4
            + self.slot_of.as_ref().map_or(0, |m| m.capacity() * 9)
            + self.ref_count.capacity() * 4
            + self.hash.capacity() * size_of::<Option<SequenceHash>>()
            + self.key.capacity() * 8
            + self.prev.capacity() * 4
            + self.next.capacity() * 4
            + self.free.capacity() * 4
            + self.by_registration.len() * 24
            + self.registered.capacity() * 21
    }
}
