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

use crate::errors::{out_of_memory, try_reserve, BlockSequenceError, Result};
use crate::index::FastMap;
use crate::lineage::SequenceHash;
use crate::sequence::{Block, BlockSequence};
use std::collections::{BTreeMap, VecDeque};

const NIL: u32 = u32::MAX;

/// `n` copies of `value`, reserved fallibly.
fn filled<T: Clone>(n: usize, value: T) -> Result<Vec<T>> {
    let mut out = Vec::new();
    try_reserve(&mut out, n)?;
    out.resize(n, value);
    Ok(out)
}

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

/// A KV event of the pool, in the shapes of SPEC §6.2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PoolEvent {
    /// Blocks registered: `(block_hash = sequence hash, tokens_hash = block hash)` in order,
    /// the first a child of `parent` (the previous position's sequence hash).
    Stored {
        /// The parent's sequence hash, `None` at position 0.
        parent: Option<u64>,
        /// `(sequence hash, block hash)` per block.
        blocks: Vec<(u64, u64)>,
    },
    /// Blocks evicted, by sequence hash.
    Removed {
        /// Sequence hashes.
        hashes: Vec<u64>,
    },
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
            return Err(BlockSequenceError::InvalidBlockSize);
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
            return Err(BlockSequenceError::InvalidBlockSize);
        }
        let mut map = FastMap::default();
        map.try_reserve(ids.len())
            .map_err(out_of_memory(ids.len()))?;
        for (slot, &id) in ids.iter().enumerate() {
            if map.insert(id, slot as u32).is_some() {
                return Err(BlockSequenceError::DuplicateBlockId { block_id: id });
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

    fn push_inactive(&mut self, slot: u32) {
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

    fn remove_inactive(&mut self, slot: u32) {
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

    fn first_inactive(&self) -> Option<u32> {
        match self.policy {
            EvictionPolicy::Lru => (self.head != NIL).then_some(self.head),
            EvictionPolicy::Fifo => self.by_registration.values().next().copied(),
        }
    }

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
            return Err(BlockSequenceError::BindingMismatch {
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
            return Err(BlockSequenceError::PoolExhausted {
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
            .ok_or(BlockSequenceError::LengthMismatch {
                ids: ids.len(),
                blocks: blocks.len().saturating_sub(start),
            })?;
        let mut slots = Vec::new();
        try_reserve(&mut slots, ids.len())?;
        let mut seen: FastMap<u32, ()> = FastMap::default();
        seen.try_reserve(ids.len())
            .map_err(out_of_memory(ids.len()))?;
        for (i, &id) in ids.iter().enumerate() {
            let slot = self
                .slot(id)
                .ok_or(BlockSequenceError::UnknownBlockId { block_id: id })?;
            if seen.insert(id, ()).is_some() {
                return Err(BlockSequenceError::DuplicateBlockId { block_id: id });
            }
            let state = self.state(slot);
            if state != BlockState::Active || self.hash[slot as usize].is_some() {
                let state = if state == BlockState::Active {
                    "registered"
                } else {
                    state.name()
                };
                return Err(BlockSequenceError::InvalidBlockState {
                    block_id: id,
                    state,
                    operation: "register",
                });
            }
            let block = &blocks[start + i];
            if block.position() != (start + i) as u64 {
                return Err(BlockSequenceError::PositionMismatch {
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
        let mut holds: FastMap<u32, u32> = FastMap::default();
        holds
            .try_reserve(ids.len())
            .map_err(out_of_memory(ids.len()))?;
        for &id in ids {
            let slot = self
                .slot(id)
                .ok_or(BlockSequenceError::UnknownBlockId { block_id: id })?;
            let taken = holds.entry(slot).or_insert(0);
            *taken += 1;
            if *taken > self.ref_count[slot as usize] {
                return Err(BlockSequenceError::InvalidBlockState {
                    block_id: id,
                    state: self.state(slot).name(),
                    operation: "release",
                });
            }
        }
        for &id in ids {
            if let Some(slot) = self.slot(id) {
                let s = slot as usize;
                self.ref_count[s] -= 1;
                if self.ref_count[s] == 0 {
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

    /// Writes the pool's whole state: config, ids, per slot (reference count, hash, order key),
    /// the free queue and the inactive order, counters. Queued events are not part of it.
    pub fn to_words(&self, w: &mut crate::snapshot::Writer) {
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
    pub fn from_words(r: &mut crate::snapshot::Reader<'_>) -> Result<Self> {
        let bad = |reason| BlockSequenceError::InvalidSnapshot { reason };
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

    /// Checks that every id is in exactly one state and the counts and orderings agree (tests).
    pub fn check_invariants(&self) -> std::result::Result<(), String> {
        let (mut free, mut active, mut inactive) = (0, 0, 0);
        for slot in 0..self.ids.len() as u32 {
            match self.state(slot) {
                BlockState::Free => free += 1,
                BlockState::Active => active += 1,
                BlockState::Inactive => inactive += 1,
            }
            if let Some(h) = self.hash[slot as usize] {
                if self.registered.get(&h.raw()) != Some(&slot) {
                    return Err(format!("slot {}: registry disagrees", slot));
                }
            }
        }
        if free != self.free.len()
            || inactive != self.inactive
            || free + active + inactive != self.ids.len()
        {
            return Err(format!(
                "counts: {} free ({} queued), {} active, {} inactive ({} counted)",
                free,
                self.free.len(),
                active,
                inactive,
                self.inactive
            ));
        }
        if self.registered.len() != self.hash.iter().filter(|h| h.is_some()).count() {
            return Err("registry holds stale hashes".to_string());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(n_blocks: usize) -> BlockSequence {
        let tokens: Vec<u32> = (0..(n_blocks * 4) as u32).collect();
        BlockSequence::new(&tokens, 4, 1337).unwrap()
    }

    #[test]
    fn allocate_register_release_match() {
        let s = seq(3);
        let mut p = TierPool::with_capacity(4, 4, 1337, EvictionPolicy::Lru).unwrap();
        let ids = p.allocate(3).unwrap();
        assert_eq!(ids, vec![0, 1, 2]);
        assert_eq!(p.register(&ids, &s, 0).unwrap(), ids);
        p.release(&ids).unwrap();
        assert_eq!(
            (p.free_count(), p.active_count(), p.inactive_count()),
            (1, 0, 3)
        );
        assert_eq!(p.match_sequence(&s, 0).unwrap(), ids);
        assert_eq!(p.inactive_count(), 0);
        p.check_invariants().unwrap();
        let events = p.take_events();
        assert_eq!(events.len(), 1);
        match &events[0] {
            PoolEvent::Stored { parent, blocks } => {
                assert_eq!(*parent, None);
                assert_eq!(blocks.len(), 3);
                assert_eq!(
                    blocks[1],
                    (s.blocks()[1].sequence_hash(), s.blocks()[1].block_hash())
                );
            }
            e => panic!("{:?}", e),
        }
    }

    #[test]
    fn eviction_takes_the_least_recently_released() {
        let s = seq(2);
        let mut p = TierPool::with_capacity(2, 4, 1337, EvictionPolicy::Lru).unwrap();
        let ids = p.allocate(2).unwrap();
        p.register(&ids, &s, 0).unwrap();
        p.release(&[1]).unwrap();
        p.release(&[0]).unwrap();
        p.take_events();
        assert_eq!(p.allocate(1).unwrap(), vec![1]);
        assert_eq!(
            p.take_events(),
            vec![PoolEvent::Removed {
                hashes: vec![s.blocks()[1].sequence_hash()]
            }]
        );
        assert!(!p.is_registered(s.blocks()[1].lineage_hash()));
        assert_eq!(p.evictions(), 1);
    }

    #[test]
    fn fifo_evicts_the_earliest_registered() {
        let s = seq(2);
        let mut p = TierPool::with_capacity(2, 4, 1337, EvictionPolicy::Fifo).unwrap();
        let ids = p.allocate(2).unwrap();
        p.register(&ids, &s, 0).unwrap();
        p.release(&[1]).unwrap();
        p.release(&[0]).unwrap();
        assert_eq!(p.allocate(1).unwrap(), vec![0]);
    }

    #[test]
    fn exhaustion_changes_nothing() {
        let mut p = TierPool::with_capacity(2, 4, 0, EvictionPolicy::Lru).unwrap();
        p.allocate(1).unwrap();
        assert_eq!(
            p.allocate(2),
            Err(BlockSequenceError::PoolExhausted {
                requested: 2,
                available: 1
            })
        );
        assert_eq!(p.free_count(), 1);
    }

    #[test]
    fn a_duplicate_registration_keeps_the_existing_block() {
        let s = seq(1);
        let mut p = TierPool::with_capacity(3, 4, 1337, EvictionPolicy::Lru).unwrap();
        let a = p.allocate(1).unwrap();
        p.register(&a, &s, 0).unwrap();
        let b = p.allocate(1).unwrap();
        assert_eq!(p.register(&b, &s, 0).unwrap(), a);
        assert_eq!(p.record(a[0]).unwrap().ref_count, 2);
        assert_eq!(p.record(b[0]).unwrap().state, BlockState::Free);
        p.check_invariants().unwrap();
    }

    #[test]
    fn a_snapshot_restores_states_orders_and_counters() {
        use crate::snapshot::{pool_from_words, pool_to_words};
        for policy in [EvictionPolicy::Lru, EvictionPolicy::Fifo] {
            let s = seq(4);
            let mut p = TierPool::with_ids(&[7, 3, 9, 1, 5], 4, 1337, policy).unwrap();
            let ids = p.allocate(4).unwrap();
            p.register(&ids, &s, 0).unwrap();
            p.release(&[ids[2], ids[0], ids[3]]).unwrap();
            let mut q = pool_from_words(&pool_to_words(&p).unwrap()).unwrap();
            assert_eq!(pool_to_words(&q).unwrap(), pool_to_words(&p).unwrap());
            q.check_invariants().unwrap();
            // Same future: the next evictions pick the same ids.
            assert_eq!(q.allocate(3).unwrap(), p.allocate(3).unwrap());
        }
    }

    #[test]
    fn block_size_zero_is_refused_by_both_constructors() {
        assert_eq!(
            TierPool::with_capacity(4, 0, 0, EvictionPolicy::Lru).err(),
            Some(BlockSequenceError::InvalidBlockSize)
        );
        assert_eq!(
            TierPool::with_ids(&[1, 2], 0, 0, EvictionPolicy::Lru).err(),
            Some(BlockSequenceError::InvalidBlockSize)
        );
    }

    #[test]
    fn wrong_states_are_refused_whole() {
        let s = seq(2);
        let mut p = TierPool::with_ids(&[10, 20, 30], 4, 1337, EvictionPolicy::Lru).unwrap();
        assert!(matches!(
            p.release(&[10]),
            Err(BlockSequenceError::InvalidBlockState { .. })
        ));
        assert!(matches!(
            p.release(&[99]),
            Err(BlockSequenceError::UnknownBlockId { block_id: 99 })
        ));
        let ids = p.allocate(2).unwrap();
        assert!(matches!(
            p.release(&[ids[0], ids[0]]),
            Err(BlockSequenceError::InvalidBlockState { .. })
        ));
        assert!(matches!(
            p.register(&[ids[0], 30], &s, 0),
            Err(BlockSequenceError::InvalidBlockState { .. })
        ));
        assert!(matches!(
            p.register(&ids, &s, 1),
            Err(BlockSequenceError::LengthMismatch { .. })
        ));
        let other = BlockSequence::new(&[1, 2, 3, 4], 4, 0).unwrap();
        assert!(matches!(
            p.register(&ids[..1], &other, 0),
            Err(BlockSequenceError::BindingMismatch { .. })
        ));
        assert_eq!(p.active_count(), 2);
        assert!(p.take_events().is_empty());
        p.check_invariants().unwrap();
    }
}
