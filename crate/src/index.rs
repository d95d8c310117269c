//! The router's index of the workers' KV caches (SPEC §6.3): a radix tree keyed by local block
//! hashes, each node holding the workers that have that block, and per worker a lookup from the
//! engine's block hash to its node.
//!
//! Invariant: a worker that holds a node holds its parent (a block cannot be cached without its
//! prefix). `stored` only extends a path from a node the worker holds, and `removed` takes the
//! worker off the node and everything below it, so the invariant is kept; `find_matches` relies
//! on it (workers only drop out along a path). A node no worker holds is freed at once.
//!
//! Nodes live in an arena (`Vec`) with a free list; children are found through one hash map
//! keyed by (parent, local hash) and enumerated through sibling links, so a node costs no map of
//! its own.

use crate::errors::{out_of_memory, Result};
use crate::hash::sequence_hash;
use std::collections::{HashMap, VecDeque};
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

const ROOT: u32 = 0;
const NIL: u32 = u32::MAX;

/// A worker: its id and data-parallel rank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkerKey {
    /// The worker's id.
    pub worker_id: u64,
    /// Its data-parallel rank.
    pub dp_rank: u32,
}

/// One block of a `stored` event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredBlock {
    /// The engine's id of the block (`ExternalSequenceBlockHash`).
    pub block_hash: u64,
    /// The router's local hash of the block's content (`LocalBlockHash`).
    pub tokens_hash: u64,
}

/// What an event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventResult {
    /// Applied.
    Ok,
    /// A `stored` event whose blocks the worker already had under the same hashes: no change.
    Duplicate,
    /// A `stored` event whose parent the worker does not have: not applied.
    ParentBlockNotFound,
    /// A `stored` event naming its parent among its blocks, repeating a hash, or naming a block
    /// the worker holds elsewhere in the tree (or holds under another hash): not applied.
    InvalidBlockSequence,
    /// A `removed` event with hashes this worker does not have: those were skipped, the others
    /// applied.
    BlockNotFound,
}

impl EventResult {
    /// Index of the result in [`EventCounts`] (0 ..= 4).
    pub fn index(self) -> usize {
        match self {
            EventResult::Ok => 0,
            EventResult::Duplicate => 1,
            EventResult::ParentBlockNotFound => 2,
            EventResult::InvalidBlockSequence => 3,
            EventResult::BlockNotFound => 4,
        }
    }
}

/// Events applied so far, per [`EventResult`] (by [`EventResult::index`]).
pub type EventCounts = [u64; 5];

/// A worker's overlap with a query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Score {
    /// The worker.
    pub worker: WorkerKey,
    /// Leading query blocks it holds without a gap.
    pub blocks: u32,
    /// Blocks it holds in the whole index (Dynamo's tree size).
    pub tree_size: u32,
}

/// The answer of [`KvIndex::find_matches`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Matches {
    /// Workers with a score of at least 1: blocks descending, then worker id and rank ascending.
    pub scores: Vec<Score>,
    /// Per query depth reached, how many workers hold the query's blocks up to that depth.
    pub frequencies: Vec<u32>,
}

/// One entry of [`KvIndex::dump`]: a single-block `stored` event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DumpEntry {
    /// The worker.
    pub worker: WorkerKey,
    /// The worker's hash of the parent block (`None` at the root).
    pub parent_hash: Option<u64>,
    /// The block.
    pub block: StoredBlock,
    /// When it expires (approximate mode), else infinity.
    pub expires: f64,
}

#[derive(Clone, Copy, Debug)]
struct Holder {
    worker: u32,
    block_hash: u64,
    expires: f64,
}

#[derive(Debug)]
struct Node {
    parent: u32,
    first_child: u32,
    prev: u32,
    next: u32,
    depth: u32,
    children: u32,
    tokens_hash: u64,
    holders: Vec<Holder>,
}

impl Node {
    fn holder(&self, worker: u32) -> Option<&Holder> {
        self.holders.iter().find(|h| h.worker == worker)
    }
}

#[derive(Debug)]
struct WorkerEntry {
    key: WorkerKey,
    generation: u32,
    lookup: FastMap<u64, u32>,
}

#[derive(Clone, Copy, Debug)]
struct Expiry {
    at: f64,
    worker: u32,
    generation: u32,
    block_hash: u64,
}

/// The router's index (see the module docs).
#[derive(Debug)]
pub struct KvIndex {
    nodes: Vec<Node>,
    free_nodes: Vec<u32>,
    children: FastMap<(u32, u64), u32>,
    workers: Vec<Option<WorkerEntry>>,
    free_workers: Vec<u32>,
    worker_slots: FastMap<WorkerKey, u32>,
    next_generation: u32,
    entries: usize,
    counts: EventCounts,
    ttl: Option<f64>,
    now: f64,
    expiries: VecDeque<Expiry>,
}

impl Default for KvIndex {
    fn default() -> Self {
        Self::new()
    }
}

fn root_node() -> Node {
    Node {
        parent: NIL,
        first_child: NIL,
        prev: NIL,
        next: NIL,
        depth: 0,
        children: 0,
        tokens_hash: 0,
        holders: Vec::new(),
    }
}

/// Up to this many children, a child is found by walking the sibling list (the nodes are read
/// anyway); past it, through the map. Most nodes of a prefix tree have one child.
const SCAN_CHILDREN: u32 = 8;

impl KvIndex {
    /// An empty index fed by engine events.
    pub fn new() -> Self {
        KvIndex {
            nodes: vec![root_node()],
            free_nodes: Vec::new(),
            children: FastMap::default(),
            workers: Vec::new(),
            free_workers: Vec::new(),
            worker_slots: FastMap::default(),
            next_generation: 0,
            entries: 0,
            counts: [0; 5],
            ttl: None,
            now: f64::NEG_INFINITY,
            expiries: VecDeque::new(),
        }
    }

    /// An empty index in approximate mode: blocks recorded with [`KvIndex::record`] expire
    /// `ttl` time units after they were last recorded.
    pub fn approximate(ttl: f64) -> Self {
        let mut index = Self::new();
        index.ttl = Some(ttl);
        index
    }

    /// The time-to-live of approximate mode, or `None` for an event-fed index.
    pub fn ttl(&self) -> Option<f64> {
        self.ttl
    }

    /// Number of (worker, block) entries (Dynamo's `current_size`).
    pub fn size(&self) -> usize {
        self.entries
    }

    /// Tree nodes alive (blocks held by at least one worker).
    pub fn node_count(&self) -> usize {
        self.nodes.len() - 1 - self.free_nodes.len()
    }

    /// Events applied so far, per result.
    pub fn counts(&self) -> EventCounts {
        self.counts
    }

    /// Per worker holding at least one block, its number of blocks; sorted by worker.
    pub fn tree_sizes(&self) -> Vec<(WorkerKey, usize)> {
        let mut out: Vec<(WorkerKey, usize)> = self
            .workers
            .iter()
            .flatten()
            .filter(|w| !w.lookup.is_empty())
            .map(|w| (w.key, w.lookup.len()))
            .collect();
        crate::sort::sort_by(&mut out, |a, b| a.cmp(b));
        out
    }

    /// Bytes of memory the index holds (capacities, estimated for the hash maps).
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        let map_entry = |k: usize, v: usize| k + v + 1;
        let mut bytes = self.nodes.capacity() * size_of::<Node>()
            + self.free_nodes.capacity() * 4
            + self.children.capacity() * map_entry(size_of::<(u32, u64)>(), 4)
            + self.workers.capacity() * size_of::<Option<WorkerEntry>>()
            + self.worker_slots.capacity() * map_entry(size_of::<WorkerKey>(), 4)
            + self.expiries.capacity() * size_of::<Expiry>();
        for node in &self.nodes {
            bytes += node.holders.capacity() * size_of::<Holder>();
        }
        for w in self.workers.iter().flatten() {
            bytes += w.lookup.capacity() * map_entry(8, 4);
        }
        bytes
    }

    fn worker(&self, slot: u32) -> &WorkerEntry {
        match self.workers.get(slot as usize) {
            Some(Some(w)) => w,
            _ => unreachable_worker(),
        }
    }

    fn worker_mut(&mut self, slot: u32) -> &mut WorkerEntry {
        match self.workers.get_mut(slot as usize) {
            Some(Some(w)) => w,
            _ => unreachable_worker(),
        }
    }

    fn slot_of(&self, key: WorkerKey) -> Option<u32> {
        self.worker_slots.get(&key).copied()
    }

    /// The worker's slot, created where it has none.
    fn slot_or_insert(&mut self, key: WorkerKey) -> Result<u32> {
        if let Some(slot) = self.slot_of(key) {
            return Ok(slot);
        }
        self.worker_slots.try_reserve(1).map_err(out_of_memory(1))?;
        crate::errors::try_reserve(&mut self.workers, 1)?;
        crate::errors::try_reserve(&mut self.free_workers, self.workers.len() + 1)?;
        self.next_generation = self.next_generation.wrapping_add(1);
        let entry = WorkerEntry {
            key,
            generation: self.next_generation,
            lookup: FastMap::default(),
        };
        let slot = match self.free_workers.pop() {
            Some(slot) => {
                self.workers[slot as usize] = Some(entry);
                slot
            }
            None => {
                self.workers.push(Some(entry));
                (self.workers.len() - 1) as u32
            }
        };
        self.worker_slots.insert(key, slot);
        Ok(slot)
    }

    /// Forgets a worker that holds nothing any more.
    fn release_if_empty(&mut self, slot: u32) {
        let empty = matches!(self.workers.get(slot as usize), Some(Some(w)) if w.lookup.is_empty());
        if empty {
            if let Some(w) = self.workers[slot as usize].take() {
                self.worker_slots.remove(&w.key);
            }
            self.free_workers.push(slot);
        }
    }

    fn child(&self, parent: u32, tokens_hash: u64) -> Option<u32> {
        let p = &self.nodes[parent as usize];
        if p.children > SCAN_CHILDREN {
            return self.children.get(&(parent, tokens_hash)).copied();
        }
        self.scan_children(p.first_child, tokens_hash)
    }

    fn scan_children(&self, first: u32, tokens_hash: u64) -> Option<u32> {
        let mut c = first;
        while c != NIL {
            let n = &self.nodes[c as usize];
            if n.tokens_hash == tokens_hash {
                return Some(c);
            }
            c = n.next;
        }
        None
    }

    /// Applies a `stored` event (SPEC §6.3). Validates everything first: on any result but
    /// `Ok`, nothing changed.
    pub fn apply_stored(
        &mut self,
        worker: WorkerKey,
        parent_hash: Option<u64>,
        blocks: &[StoredBlock],
    ) -> Result<EventResult> {
        self.stored_with_expiry(worker, parent_hash, blocks, f64::INFINITY, false)
    }

    fn stored_with_expiry(
        &mut self,
        worker: WorkerKey,
        parent_hash: Option<u64>,
        blocks: &[StoredBlock],
        expires: f64,
        refresh: bool,
    ) -> Result<EventResult> {
        let result = self.validate_stored(worker, parent_hash, blocks)?;
        let result = match result {
            Err(r) => r,
            Ok(fresh) if fresh == 0 && !refresh => EventResult::Duplicate,
            Ok(fresh) => {
                self.commit_stored(worker, parent_hash, blocks, fresh, expires)?;
                EventResult::Ok
            }
        };
        self.counts[result.index()] += 1;
        Ok(result)
    }

    /// Checks a `stored` event against the state: `Ok(number of blocks new to the worker)` or
    /// `Err(the result that refuses it)`.
    fn validate_stored(
        &self,
        worker: WorkerKey,
        parent_hash: Option<u64>,
        blocks: &[StoredBlock],
    ) -> Result<std::result::Result<usize, EventResult>> {
        let slot = self.slot_of(worker);
        let lookup = slot.map(|s| &self.worker(s).lookup);
        let start = match parent_hash {
            None => ROOT,
            Some(p) => match lookup.and_then(|l| l.get(&p)) {
                Some(&node) => node,
                None => return Ok(Err(EventResult::ParentBlockNotFound)),
            },
        };
        let mut seen: FastMap<u64, ()> = FastMap::default();
        seen.try_reserve(blocks.len())
            .map_err(out_of_memory(blocks.len()))?;
        let mut node = Some(start);
        let mut fresh = 0;
        for b in blocks {
            if Some(b.block_hash) == parent_hash || seen.insert(b.block_hash, ()).is_some() {
                return Ok(Err(EventResult::InvalidBlockSequence));
            }
            node = node.and_then(|n| self.child(n, b.tokens_hash));
            let known = lookup.and_then(|l| l.get(&b.block_hash)).copied();
            let held = match (node, slot) {
                (Some(n), Some(s)) => self.nodes[n as usize].holder(s).map(|h| h.block_hash),
                _ => None,
            };
            match (known, held) {
                // Already held here under this hash.
                (Some(k), Some(h)) if Some(k) == node && h == b.block_hash => {}
                // New to the worker, at a node it does not hold yet.
                (None, None) => fresh += 1,
                // The hash names another node, or the node is held under another hash.
                _ => return Ok(Err(EventResult::InvalidBlockSequence)),
            }
        }
        Ok(Ok(fresh))
    }

    fn commit_stored(
        &mut self,
        worker: WorkerKey,
        parent_hash: Option<u64>,
        blocks: &[StoredBlock],
        fresh: usize,
        expires: f64,
    ) -> Result<()> {
        // Reserve everything first, so that nothing below can fail half-way.
        let slot = self.slot_or_insert(worker)?;
        self.children
            .try_reserve(fresh)
            .map_err(out_of_memory(fresh))?;
        crate::errors::try_reserve(&mut self.nodes, fresh)?;
        crate::errors::try_reserve(&mut self.free_nodes, fresh + self.nodes.len())?;
        if self.ttl.is_some() {
            self.expiries
                .try_reserve(blocks.len())
                .map_err(out_of_memory(blocks.len()))?;
        }
        let generation = self.worker(slot).generation;
        self.worker_mut(slot)
            .lookup
            .try_reserve(fresh)
            .map_err(out_of_memory(fresh))?;
        let mut node = match parent_hash {
            None => ROOT,
            Some(p) => self.worker(slot).lookup.get(&p).copied().unwrap_or(ROOT),
        };
        for b in blocks {
            let child = match self.child(node, b.tokens_hash) {
                Some(c) => c,
                None => self.new_node(node, b.tokens_hash),
            };
            let n = &mut self.nodes[child as usize];
            match n.holders.iter_mut().find(|h| h.worker == slot) {
                Some(h) => h.expires = h.expires.max(expires),
                None => {
                    n.holders.push(Holder {
                        worker: slot,
                        block_hash: b.block_hash,
                        expires,
                    });
                    self.entries += 1;
                    self.worker_mut(slot).lookup.insert(b.block_hash, child);
                }
            }
            if self.ttl.is_some() {
                self.expiries.push_back(Expiry {
                    at: expires,
                    worker: slot,
                    generation,
                    block_hash: b.block_hash,
                });
            }
            node = child;
        }
        Ok(())
    }

    fn new_node(&mut self, parent: u32, tokens_hash: u64) -> u32 {
        let depth = self.nodes[parent as usize].depth + 1;
        let next = self.nodes[parent as usize].first_child;
        let node = Node {
            parent,
            first_child: NIL,
            prev: NIL,
            next,
            depth,
            children: 0,
            tokens_hash,
            holders: Vec::new(),
        };
        let id = match self.free_nodes.pop() {
            Some(id) => {
                self.nodes[id as usize] = node;
                id
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        if next != NIL {
            self.nodes[next as usize].prev = id;
        }
        self.nodes[parent as usize].first_child = id;
        self.nodes[parent as usize].children += 1;
        self.children.insert((parent, tokens_hash), id);
        id
    }

    /// Unlinks and frees a node with no holders and no children.
    fn free_node(&mut self, id: u32) {
        let (parent, prev, next, tokens_hash) = {
            let n = &self.nodes[id as usize];
            (n.parent, n.prev, n.next, n.tokens_hash)
        };
        if prev != NIL {
            self.nodes[prev as usize].next = next;
        } else {
            self.nodes[parent as usize].first_child = next;
        }
        if next != NIL {
            self.nodes[next as usize].prev = prev;
        }
        self.nodes[parent as usize].children -= 1;
        self.children.remove(&(parent, tokens_hash));
        let n = &mut self.nodes[id as usize];
        n.holders = Vec::new();
        n.first_child = NIL;
        n.prev = NIL;
        n.next = NIL;
        n.parent = NIL;
        self.free_nodes.push(id);
    }

    /// Takes worker `slot` off the given nodes (which it holds), freeing those left empty,
    /// deepest first.
    fn drop_holdings(&mut self, slot: u32, mut nodes: Vec<u32>) {
        crate::sort::sort_by_key(&mut nodes, |&n| {
            std::cmp::Reverse(self.nodes[n as usize].depth)
        });
        for &id in &nodes {
            let n = &mut self.nodes[id as usize];
            if let Some(pos) = n.holders.iter().position(|h| h.worker == slot) {
                let h = n.holders.swap_remove(pos);
                self.entries -= 1;
                self.worker_mut(slot).lookup.remove(&h.block_hash);
            }
            if self.nodes[id as usize].holders.is_empty() {
                self.free_node(id);
            }
        }
        self.release_if_empty(slot);
    }

    /// The nodes at and below `start` that worker `slot` holds (at most all its blocks, reserved
    /// up front so that a large subtree is an error, not an abort).
    fn held_subtree(&self, slot: u32, start: u32) -> Result<Vec<u32>> {
        let held = self.worker(slot).lookup.len();
        let mut out = Vec::new();
        crate::errors::try_reserve(&mut out, held)?;
        let mut stack = Vec::new();
        crate::errors::try_reserve(&mut stack, held + 1)?;
        stack.push(start);
        while let Some(id) = stack.pop() {
            let n = &self.nodes[id as usize];
            if n.holder(slot).is_none() {
                continue;
            }
            out.push(id);
            let mut c = n.first_child;
            while c != NIL {
                if self.nodes[c as usize].holder(slot).is_some() {
                    stack.push(c);
                }
                c = self.nodes[c as usize].next;
            }
        }
        Ok(out)
    }

    /// Applies a `removed` event: for each hash the worker has, it leaves that block and every
    /// block below it. Hashes it does not have (when the event arrives) are skipped and make
    /// the result `BlockNotFound`.
    pub fn apply_removed(
        &mut self,
        worker: WorkerKey,
        block_hashes: &[u64],
    ) -> Result<EventResult> {
        let result = match self.slot_of(worker) {
            None if block_hashes.is_empty() => EventResult::Ok,
            None => EventResult::BlockNotFound,
            Some(slot) => {
                let lookup = &self.worker(slot).lookup;
                let unknown = block_hashes.iter().any(|h| !lookup.contains_key(h));
                for h in block_hashes {
                    let node = self
                        .workers
                        .get(slot as usize)
                        .and_then(|w| w.as_ref())
                        .and_then(|w| w.lookup.get(h).copied());
                    if let Some(node) = node {
                        let nodes = self.held_subtree(slot, node)?;
                        self.drop_holdings(slot, nodes);
                    }
                }
                if unknown {
                    EventResult::BlockNotFound
                } else {
                    EventResult::Ok
                }
            }
        };
        self.counts[result.index()] += 1;
        Ok(result)
    }

    /// Applies a `cleared` event: the worker (this rank) leaves every block.
    pub fn apply_cleared(&mut self, worker: WorkerKey) -> Result<()> {
        if let Some(slot) = self.slot_of(worker) {
            self.clear_slot(slot)?;
        }
        self.counts[0] += 1;
        Ok(())
    }

    fn clear_slot(&mut self, slot: u32) -> Result<()> {
        let lookup = &self.worker(slot).lookup;
        let mut nodes = Vec::new();
        crate::errors::try_reserve(&mut nodes, lookup.len())?;
        nodes.extend(lookup.values().copied());
        self.drop_holdings(slot, nodes);
        Ok(())
    }

    /// Removes a worker: every data-parallel rank of `worker_id`.
    pub fn remove_worker(&mut self, worker_id: u64) -> Result<()> {
        let slots: Vec<u32> = self
            .workers
            .iter()
            .enumerate()
            .filter_map(|(i, w)| match w {
                Some(w) if w.key.worker_id == worker_id => Some(i as u32),
                _ => None,
            })
            .collect();
        for slot in slots {
            self.clear_slot(slot)?;
        }
        Ok(())
    }

    /// Empties the index (event counts are kept).
    pub fn clear(&mut self) {
        let counts = self.counts;
        let ttl = self.ttl;
        *self = KvIndex::new();
        self.counts = counts;
        self.ttl = ttl;
    }

    /// Approximate mode: records that `worker` was sent a request whose blocks have these local
    /// hashes at time `now`; they count as cached there until `now + ttl` (refreshed by later
    /// records). The blocks are named by their chained hashes. Returns `false` (and records
    /// nothing) outside approximate mode.
    pub fn record(&mut self, worker: WorkerKey, local_hashes: &[u64], now: f64) -> Result<bool> {
        let ttl = match self.ttl {
            Some(ttl) => ttl,
            None => return Ok(false),
        };
        self.advance(now)?;
        let mut blocks = Vec::new();
        crate::errors::try_reserve(&mut blocks, local_hashes.len())?;
        let mut parent = None;
        for &h in local_hashes {
            let s = sequence_hash(parent, h);
            blocks.push(StoredBlock {
                block_hash: s,
                tokens_hash: h,
            });
            parent = Some(s);
        }
        let expires = self.now + ttl;
        // A chained hash names one prefix, so a refusal would mean a hash collision: then
        // nothing is recorded rather than the index corrupted.
        self.stored_with_expiry(worker, None, &blocks, expires, true)?;
        Ok(true)
    }

    /// Moves time forward to `now` (never back) and drops the blocks that expired by then.
    pub fn advance(&mut self, now: f64) -> Result<()> {
        if now > self.now {
            self.now = now;
        }
        while let Some(e) = self.expiries.front().copied() {
            if e.at > self.now {
                break;
            }
            self.expiries.pop_front();
            let node = match self.workers.get(e.worker as usize) {
                Some(Some(w)) if w.generation == e.generation => w.lookup.get(&e.block_hash),
                _ => None,
            };
            if let Some(&node) = node {
                let current = self.nodes[node as usize]
                    .holder(e.worker)
                    .map_or(f64::INFINITY, |h| h.expires);
                if current <= self.now {
                    let nodes = self.held_subtree(e.worker, node)?;
                    self.drop_holdings(e.worker, nodes);
                }
            }
        }
        if self.expiries.is_empty() {
            self.expiries = VecDeque::new();
        }
        Ok(())
    }

    /// Overlap of every worker with a query of local hashes (SPEC §6.3).
    pub fn find_matches(&self, query: &[u64], early_exit: bool) -> Matches {
        let mut matches = Matches::default();
        let mut scored: Vec<(u32, u32)> = Vec::new();
        let first = match query.first().and_then(|&h| self.child(ROOT, h)) {
            Some(n) => n,
            None => return matches,
        };
        let mut active: Vec<u32> = self.nodes[first as usize]
            .holders
            .iter()
            .map(|h| h.worker)
            .collect();
        let mut depth = 1u32;
        let mut node = first;
        matches.frequencies.push(active.len() as u32);
        if !(early_exit && active.len() == 1) {
            for &h in &query[1..] {
                let child = match self.child(node, h) {
                    Some(c) => c,
                    None => break,
                };
                let holders = &self.nodes[child as usize].holders;
                if holders.len() < active.len() {
                    active.retain(|&w| {
                        let stays = holders.iter().any(|x| x.worker == w);
                        if !stays {
                            scored.push((w, depth));
                        }
                        stays
                    });
                }
                if active.is_empty() {
                    break;
                }
                depth += 1;
                node = child;
                matches.frequencies.push(active.len() as u32);
                if early_exit && active.len() == 1 {
                    break;
                }
            }
        }
        scored.extend(active.iter().map(|&w| (w, depth)));
        matches.scores = scored
            .into_iter()
            .map(|(slot, blocks)| {
                let w = self.worker(slot);
                Score {
                    worker: w.key,
                    blocks,
                    tree_size: w.lookup.len() as u32,
                }
            })
            .collect();
        crate::sort::sort_by(&mut matches.scores, |a, b| {
            b.blocks
                .cmp(&a.blocks)
                .then_with(|| a.worker.cmp(&b.worker))
        });
        matches
    }

    /// The index as single-block `stored` events, parents before children (breadth first), that
    /// rebuild an index with the same answers to every query.
    pub fn dump(&self) -> Result<Vec<DumpEntry>> {
        let mut out = Vec::new();
        crate::errors::try_reserve(&mut out, self.entries)?;
        let mut queue = VecDeque::new();
        queue
            .try_reserve(self.node_count() + 1)
            .map_err(out_of_memory(self.node_count()))?;
        queue.push_back(ROOT);
        while let Some(id) = queue.pop_front() {
            let n = &self.nodes[id as usize];
            let parent = n.parent;
            for h in &n.holders {
                let parent_hash = if parent == ROOT || parent == NIL {
                    None
                } else {
                    self.nodes[parent as usize]
                        .holder(h.worker)
                        .map(|p| p.block_hash)
                };
                out.push(DumpEntry {
                    worker: self.worker(h.worker).key,
                    parent_hash,
                    block: StoredBlock {
                        block_hash: h.block_hash,
                        tokens_hash: n.tokens_hash,
                    },
                    expires: h.expires,
                });
            }
            let mut c = n.first_child;
            while c != NIL {
                queue.push_back(c);
                c = self.nodes[c as usize].next;
            }
        }
        Ok(out)
    }

    /// Rebuilds entries from [`KvIndex::dump`] (with their expiry times) into this index.
    pub fn load(&mut self, entries: &[DumpEntry]) -> Result<()> {
        for e in entries {
            self.stored_with_expiry(e.worker, e.parent_hash, &[e.block], e.expires, false)?;
        }
        Ok(())
    }

    /// Checks every structural invariant (for tests): holders ⊆ parent's holders, lookups
    /// match holders, no empty node alive, counts right.
    pub fn check_invariants(&self) -> std::result::Result<(), String> {
        let mut entries = 0;
        let free: std::collections::HashSet<u32> = self.free_nodes.iter().copied().collect();
        for (id, n) in self.nodes.iter().enumerate().skip(1) {
            if free.contains(&(id as u32)) {
                continue;
            }
            if n.holders.is_empty() {
                return Err(format!("node {} alive with no holder", id));
            }
            for h in &n.holders {
                entries += 1;
                if n.parent != ROOT && self.nodes[n.parent as usize].holder(h.worker).is_none() {
                    return Err(format!(
                        "node {}: worker {} misses the parent",
                        id, h.worker
                    ));
                }
                let w = self.worker(h.worker);
                if w.lookup.get(&h.block_hash) != Some(&(id as u32)) {
                    return Err(format!("node {}: lookup disagrees", id));
                }
            }
            if self.child(n.parent, n.tokens_hash) != Some(id as u32) {
                return Err(format!("node {}: children map disagrees", id));
            }
        }
        if entries != self.entries {
            return Err(format!(
                "{} entries counted, {} held",
                self.entries, entries
            ));
        }
        let looked_up: usize = self.workers.iter().flatten().map(|w| w.lookup.len()).sum();
        if looked_up != entries {
            return Err("lookups and holders differ in size".to_string());
        }
        Ok(())
    }
}

#[cold]
fn unreachable_worker() -> ! {
    // Slots come only from `worker_slots` or holders, both kept in step with `workers`.
    unreachable!("worker slot without a worker")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(id: u64) -> WorkerKey {
        WorkerKey {
            worker_id: id,
            dp_rank: 0,
        }
    }

    fn blocks(ids: &[u64]) -> Vec<StoredBlock> {
        ids.iter()
            .map(|&i| StoredBlock {
                block_hash: i * 100,
                tokens_hash: i,
            })
            .collect()
    }

    fn score_of(m: &Matches, id: u64) -> Option<u32> {
        m.scores
            .iter()
            .find(|s| s.worker.worker_id == id)
            .map(|s| s.blocks)
    }

    #[test]
    fn stored_paths_are_matched_from_the_root() {
        let mut idx = KvIndex::new();
        assert_eq!(
            idx.apply_stored(w(0), None, &blocks(&[1, 2, 3])).unwrap(),
            EventResult::Ok
        );
        assert_eq!(
            idx.apply_stored(w(1), None, &blocks(&[1, 4, 5])).unwrap(),
            EventResult::Ok
        );
        let m = idx.find_matches(&[1, 2, 3], false);
        assert_eq!(score_of(&m, 0), Some(3));
        assert_eq!(score_of(&m, 1), Some(1));
        assert_eq!(m.frequencies, vec![2, 1, 1]);
        assert_eq!(idx.size(), 6);
        assert_eq!(idx.node_count(), 5);
        idx.check_invariants().unwrap();
    }

    #[test]
    fn a_stored_event_continues_from_its_parent() {
        let mut idx = KvIndex::new();
        idx.apply_stored(w(0), None, &blocks(&[1])).unwrap();
        let r = idx.apply_stored(w(0), Some(100), &blocks(&[2, 3])).unwrap();
        assert_eq!(r, EventResult::Ok);
        assert_eq!(score_of(&idx.find_matches(&[1, 2, 3], false), 0), Some(3));
    }

    #[test]
    fn unknown_parent_changes_nothing() {
        let mut idx = KvIndex::new();
        let r = idx.apply_stored(w(0), Some(12345), &blocks(&[1])).unwrap();
        assert_eq!(r, EventResult::ParentBlockNotFound);
        assert_eq!(idx.size(), 0);
        assert_eq!(idx.counts()[2], 1);
    }

    #[test]
    fn self_referencing_block_is_rejected() {
        let mut idx = KvIndex::new();
        idx.apply_stored(w(0), None, &blocks(&[1])).unwrap();
        let r = idx.apply_stored(w(0), Some(100), &blocks(&[1, 2])).unwrap();
        assert_eq!(r, EventResult::InvalidBlockSequence);
        assert_eq!(idx.size(), 1);
    }

    #[test]
    fn storing_again_is_a_duplicate() {
        let mut idx = KvIndex::new();
        idx.apply_stored(w(0), None, &blocks(&[1, 2])).unwrap();
        assert_eq!(
            idx.apply_stored(w(0), None, &blocks(&[1, 2])).unwrap(),
            EventResult::Duplicate
        );
        assert_eq!(idx.size(), 2);
    }

    #[test]
    fn removal_takes_the_worker_off_the_block_and_below() {
        let mut idx = KvIndex::new();
        idx.apply_stored(w(0), None, &blocks(&[1, 2, 3])).unwrap();
        idx.apply_stored(w(1), None, &blocks(&[1, 2])).unwrap();
        assert_eq!(idx.apply_removed(w(0), &[200]).unwrap(), EventResult::Ok);
        let m = idx.find_matches(&[1, 2, 3], false);
        assert_eq!(score_of(&m, 0), Some(1));
        assert_eq!(score_of(&m, 1), Some(2));
        assert_eq!(idx.size(), 3);
        assert_eq!(idx.node_count(), 2);
        idx.check_invariants().unwrap();
    }

    #[test]
    fn removing_unknown_hashes_applies_the_rest() {
        let mut idx = KvIndex::new();
        idx.apply_stored(w(0), None, &blocks(&[1, 2])).unwrap();
        assert_eq!(
            idx.apply_removed(w(0), &[999, 200]).unwrap(),
            EventResult::BlockNotFound
        );
        assert_eq!(idx.size(), 1);
    }

    #[test]
    fn cleared_empties_one_rank_only() {
        let mut idx = KvIndex::new();
        let r1 = WorkerKey {
            worker_id: 0,
            dp_rank: 1,
        };
        idx.apply_stored(w(0), None, &blocks(&[1])).unwrap();
        idx.apply_stored(r1, None, &blocks(&[1])).unwrap();
        idx.apply_cleared(w(0)).unwrap();
        assert_eq!(idx.tree_sizes(), vec![(r1, 1)]);
        idx.remove_worker(0).unwrap();
        assert_eq!(idx.size(), 0);
        assert_eq!(idx.node_count(), 0);
    }

    #[test]
    fn early_exit_stops_at_the_lone_worker() {
        let mut idx = KvIndex::new();
        idx.apply_stored(w(0), None, &blocks(&[1, 2, 3])).unwrap();
        idx.apply_stored(w(1), None, &blocks(&[1])).unwrap();
        let m = idx.find_matches(&[1, 2, 3], true);
        assert_eq!(score_of(&m, 0), Some(2));
        assert_eq!(score_of(&m, 1), Some(1));
    }

    #[test]
    fn dump_rebuilds_an_equal_index() {
        let mut idx = KvIndex::new();
        idx.apply_stored(w(0), None, &blocks(&[1, 2, 3])).unwrap();
        idx.apply_stored(w(1), None, &blocks(&[1, 4])).unwrap();
        let mut copy = KvIndex::new();
        copy.load(&idx.dump().unwrap()).unwrap();
        assert_eq!(copy.tree_sizes(), idx.tree_sizes());
        for q in [&[1u64, 2, 3][..], &[1, 4], &[1]] {
            assert_eq!(copy.find_matches(q, false), idx.find_matches(q, false));
        }
    }

    #[test]
    fn approximate_blocks_expire() {
        let mut idx = KvIndex::approximate(10.0);
        idx.record(w(0), &[1, 2], 0.0).unwrap();
        idx.record(w(0), &[1], 5.0).unwrap();
        idx.advance(10.0).unwrap();
        assert_eq!(score_of(&idx.find_matches(&[1, 2], false), 0), Some(1));
        idx.advance(15.0).unwrap();
        assert_eq!(idx.size(), 0);
        assert_eq!(idx.node_count(), 0);
    }
}
