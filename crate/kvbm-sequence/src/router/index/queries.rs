//! Reading the index: `find_matches` (SPEC §6.3), the dump that rebuilds it and the invariant
//! check the tests use.
//!
//! Place: `crate/kvbm-sequence/src/router/index/queries.rs`.

use super::*;
use crate::words::{Reader, Writer};

impl KvIndex {
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
        // The walk keeps the current node at hand, so a step reads only its child.
        let mut current = &self.nodes[first as usize];
        if !(early_exit && active.len() == 1) {
            for &h in &query[1..] {
                let child = match self.child_of(node, current, h) {
                    Some(c) => c,
                    None => break,
                };
                current = &self.nodes[child as usize];
                let holders = &current.holders;
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
        crate::collections::sort::sort_by(&mut matches.scores, |a, b| {
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
        crate::error::try_reserve(&mut out, self.entries)?;
        let mut queue = VecDeque::new();
        queue
            .try_reserve(self.node_count() + 1)
            .map_err(out_of_memory(self.node_count()))?;
        queue.push_back(ROOT);
        while let Some(id) = queue.pop_front() {
            let n = &self.nodes[id as usize];
            let parent = n.parent;
            for h in n.holders.iter() {
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
            for h in n.holders.iter() {
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
        let mapped: usize = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(id, n)| !free.contains(&(*id as u32)) && n.children > SCAN_CHILDREN)
            .map(|(_, n)| n.children as usize)
            .sum();
        if mapped != self.children.len() {
            return Err(format!(
                "children map holds {} entries, parents past the scan limit have {}",
                self.children.len(),
                mapped
            ));
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

/// Words per [`DumpEntry`] on the wire and in snapshots: worker (id 2, rank 1), parent (flag 1,
/// hash 2), block hash (2), tokens hash (2), expiry (`f64` bits, 2).
pub const DUMP_WORDS: usize = 12;

impl DumpEntry {
    /// Appends the entry's [`DUMP_WORDS`] words.
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.worker.worker_id);
        w.u32(self.worker.dp_rank);
        w.u32(u32::from(self.parent_hash.is_some()));
        w.u64(self.parent_hash.unwrap_or(0));
        w.u64(self.block.block_hash);
        w.u64(self.block.tokens_hash);
        w.f64(self.expires);
    }

    /// Reads an entry [`DumpEntry::write`] wrote; a NaN expiry is refused.
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        let worker_id = r.u64()?;
        let dp_rank = r.u32()?;
        let has_parent = r.u32()? != 0;
        let parent = r.u64()?;
        let block_hash = r.u64()?;
        let tokens_hash = r.u64()?;
        let expires = r.f64()?;
        Ok(DumpEntry {
            worker: WorkerKey { worker_id, dp_rank },
            parent_hash: if has_parent { Some(parent) } else { None },
            block: StoredBlock {
                block_hash,
                tokens_hash,
            },
            expires,
        })
    }
}
