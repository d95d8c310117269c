//! The router's index of the workers' KV caches (SPEC §6.3): a radix tree keyed by local block
//! hashes, each node holding the workers that have that block, and per worker a lookup from the
//! engine's block hash to its node.
//!
//! Invariant: a worker that holds a node holds its parent (a block cannot be cached without its
//! prefix). `stored` only extends a path from a node the worker holds, and `removed` takes the
//! worker off the node and everything below it, so the invariant is kept; `find_matches` relies
//! on it (workers only drop out along a path). A node no worker holds is freed at once.
//!
//! Nodes live in an arena (`Vec`) with a free list; children are enumerated through sibling
//! links and, for the few parents with more than `SCAN_CHILDREN` of them, also found through
//! one hash map keyed by (parent, local hash) — a chain of single children (the usual shape)
//! costs no map entry at all.
//!
//! Place: `crate/kvbm-sequence/src/router/index/mod.rs`.

use crate::error::{out_of_memory, Result};
use crate::hashing::sequence_hash;
mod events;
mod holders;
mod queries;
#[cfg(test)]
mod tests;

use crate::collections::FastMap;
pub use crate::events::StoredBlock;
use holders::{Holder, Holders};
pub use queries::DUMP_WORDS;
use std::collections::VecDeque;

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
}

impl Matches {
    /// Per query depth reached, how many workers hold the query's blocks up to that depth: at
    /// depth `d` (0 = the first block), the workers whose score exceeds `d` — the walk drops a
    /// worker exactly where its score ends, so the counts follow from the scores.
    pub fn frequencies(&self) -> Vec<u32> {
        let depth = self.scores.first().map_or(0, |s| s.blocks);
        let mut out = Vec::with_capacity(depth as usize);
        let mut holding = self.scores.len();
        for d in 0..depth {
            while holding > 0 && self.scores[holding - 1].blocks <= d {
                holding -= 1;
            }
            out.push(holding as u32);
        }
        out
    }
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

#[derive(Debug)]
struct Node {
    parent: u32,
    first_child: u32,
    prev: u32,
    next: u32,
    depth: u32,
    children: u32,
    tokens_hash: u64,
    holders: Holders,
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
        holders: Holders::default(),
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
        crate::collections::sort::sort_by(&mut out, |a, b| a.cmp(b));
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
            bytes += node.holders.heap_bytes();
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
        crate::error::try_reserve(&mut self.workers, 1)?;
        crate::error::try_reserve(&mut self.free_workers, self.workers.len() + 1)?;
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
        self.child_of(parent, &self.nodes[parent as usize], tokens_hash)
    }

    /// [`KvIndex::child`] of a node the caller already holds (`node` is `nodes[id]`), so that
    /// a walk reads each node once. Inlined: in the walk's loop it decides the walk's speed.
    #[inline(always)]
    fn child_of(&self, id: u32, node: &Node, tokens_hash: u64) -> Option<u32> {
        if node.children > SCAN_CHILDREN {
            return self.children.get(&(id, tokens_hash)).copied();
        }
        self.scan_children(node.first_child, tokens_hash)
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
}

#[cold]
fn unreachable_worker() -> ! {
    // Slots come only from `worker_slots` or holders, both kept in step with `workers`.
    unreachable!("worker slot without a worker")
}
