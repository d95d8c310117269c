//! Applying events to the index: `stored`, `removed`, `cleared`, worker removal, and the
//! approximate mode's records and expiry (SPEC §6.3).
//!
//! Place: `crate/kvbm-sequence/src/router/index/events.rs`.

use super::*;

impl KvIndex {
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

    pub(super) fn stored_with_expiry(
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
    pub(super) fn validate_stored(
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

    pub(super) fn commit_stored(
        &mut self,
        worker: WorkerKey,
        parent_hash: Option<u64>,
        blocks: &[StoredBlock],
        fresh: usize,
        expires: f64,
    ) -> Result<()> {
        // Reserve everything first, so that nothing below can fail half-way.
        let slot = self.slot_or_insert(worker)?;
        // The new nodes' entries, plus the children of the one existing parent that may pass
        // the scan limit (the first new node's; every later one's parent is new).
        let entries = fresh + SCAN_CHILDREN as usize + 1;
        self.children
            .try_reserve(entries)
            .map_err(out_of_memory(entries))?;
        crate::error::try_reserve(&mut self.nodes, fresh)?;
        crate::error::try_reserve(&mut self.free_nodes, fresh + self.nodes.len())?;
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
            let refreshed = n
                .holders
                .iter_mut()
                .find(|h| h.worker == slot)
                .map(|h| h.expires = h.expires.max(expires))
                .is_some();
            if !refreshed {
                n.holders.push(Holder {
                    worker: slot,
                    block_hash: b.block_hash,
                    expires,
                });
                self.entries += 1;
                self.worker_mut(slot).lookup.insert(b.block_hash, child);
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

    pub(super) fn new_node(&mut self, parent: u32, tokens_hash: u64) -> u32 {
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
            holders: Holders::default(),
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
        // Only parents with more children than a scan takes are in the map.
        let count = self.nodes[parent as usize].children;
        match count.cmp(&(SCAN_CHILDREN + 1)) {
            std::cmp::Ordering::Less => {}
            std::cmp::Ordering::Equal => {
                let mut c = id;
                while c != NIL {
                    let n = &self.nodes[c as usize];
                    let next = n.next;
                    self.children.insert((parent, n.tokens_hash), c);
                    c = next;
                }
            }
            std::cmp::Ordering::Greater => {
                self.children.insert((parent, tokens_hash), id);
            }
        }
        id
    }

    /// Unlinks and frees a node with no holders and no children.
    pub(super) fn free_node(&mut self, id: u32) {
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
        let before = self.nodes[parent as usize].children;
        self.nodes[parent as usize].children -= 1;
        if before > SCAN_CHILDREN {
            self.children.remove(&(parent, tokens_hash));
        }
        if before == SCAN_CHILDREN + 1 {
            // Back within a scan: the parent's other children leave the map.
            let mut c = self.nodes[parent as usize].first_child;
            while c != NIL {
                let n = &self.nodes[c as usize];
                self.children.remove(&(parent, n.tokens_hash));
                c = n.next;
            }
        }
        let n = &mut self.nodes[id as usize];
        n.holders = Holders::default();
        n.first_child = NIL;
        n.prev = NIL;
        n.next = NIL;
        n.parent = NIL;
        self.free_nodes.push(id);
    }

    /// Takes worker `slot` off the given nodes (which it holds), freeing those left empty,
    /// deepest first.
    pub(super) fn drop_holdings(&mut self, slot: u32, mut nodes: Vec<u32>) {
        crate::collections::sort::sort_by_key(&mut nodes, |&n| {
            std::cmp::Reverse(self.nodes[n as usize].depth)
        });
        for &id in &nodes {
            let n = &mut self.nodes[id as usize];
            if let Some(h) = n.holders.remove(slot) {
                self.entries -= 1;
                self.worker_mut(slot).lookup.remove(&h.block_hash);
            }
            if self.nodes[id as usize].holders.is_empty() {
                self.free_node(id);
            }
        }
        self.release_if_empty(slot);
    }

    /// Whether worker `slot` holds a child of `node`.
    fn holds_a_child(&self, slot: u32, node: u32) -> bool {
        let mut c = self.nodes[node as usize].first_child;
        while c != NIL {
            if self.nodes[c as usize].holder(slot).is_some() {
                return true;
            }
            c = self.nodes[c as usize].next;
        }
        false
    }

    /// Takes worker `slot` off a node it holds none of the children of.
    fn drop_leaf(&mut self, slot: u32, node: u32) {
        if let Some(h) = self.nodes[node as usize].holders.remove(slot) {
            self.entries -= 1;
            self.worker_mut(slot).lookup.remove(&h.block_hash);
        }
        if self.nodes[node as usize].holders.is_empty() {
            self.free_node(node);
        }
        self.release_if_empty(slot);
    }

    /// The nodes at and below `start` that worker `slot` holds. Memory grows with what is found
    /// (fallibly: a large subtree is an error, not an abort), never with the worker's size.
    pub(super) fn held_subtree(&self, slot: u32, start: u32) -> Result<Vec<u32>> {
        fn push(v: &mut Vec<u32>, x: u32) -> Result<()> {
            if v.len() == v.capacity() {
                crate::error::try_reserve(v, v.len().max(8))?;
            }
            v.push(x);
            Ok(())
        }
        let mut out = Vec::new();
        let mut stack = Vec::new();
        push(&mut stack, start)?;
        while let Some(id) = stack.pop() {
            let n = &self.nodes[id as usize];
            if n.holder(slot).is_none() {
                continue;
            }
            push(&mut out, id)?;
            let mut c = n.first_child;
            while c != NIL {
                if self.nodes[c as usize].holder(slot).is_some() {
                    push(&mut stack, c)?;
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
                        if self.holds_a_child(slot, node) {
                            let nodes = self.held_subtree(slot, node)?;
                            self.drop_holdings(slot, nodes);
                        } else {
                            // A leaf of this worker (the usual case: engines evict leaves
                            // first): no subtree to collect.
                            self.drop_leaf(slot, node);
                        }
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

    pub(super) fn clear_slot(&mut self, slot: u32) -> Result<()> {
        let lookup = &self.worker(slot).lookup;
        let mut nodes = Vec::new();
        crate::error::try_reserve(&mut nodes, lookup.len())?;
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
        crate::error::try_reserve(&mut blocks, local_hashes.len())?;
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

    /// Drops the block an expiry record names (with the worker's blocks below it) where the
    /// worker still holds it and its expiry is at most `limit`; a block refreshed since has a
    /// later expiry and stays.
    fn drop_record(&mut self, e: Expiry, limit: f64) -> Result<()> {
        let node = match self.workers.get(e.worker as usize) {
            Some(Some(w)) if w.generation == e.generation => w.lookup.get(&e.block_hash),
            _ => None,
        };
        if let Some(&node) = node {
            let current = self.nodes[node as usize]
                .holder(e.worker)
                .map_or(f64::INFINITY, |h| h.expires);
            if current <= limit {
                let nodes = self.held_subtree(e.worker, node)?;
                self.drop_holdings(e.worker, nodes);
            }
        }
        Ok(())
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
            self.drop_record(e, self.now)?;
        }
        if self.expiries.is_empty() {
            self.expiries = VecDeque::new();
        }
        Ok(())
    }

    /// Approximate mode: drops the blocks recorded earliest (those that would expire first)
    /// until the index holds at most `target` (worker, block) entries — Dynamo's
    /// `router_max_tree_size` pruning down to `router_prune_target_ratio`. Returns the entries
    /// dropped. An index fed by events is left alone.
    pub fn prune_to(&mut self, target: usize) -> Result<usize> {
        let before = self.size();
        while self.size() > target {
            let e = match self.expiries.pop_front() {
                Some(e) => e,
                None => break,
            };
            // A refreshed block has a later record further back; this one is stale.
            self.drop_record(e, e.at)?;
        }
        Ok(before - self.size())
    }
}
