//! Exports of the router index ([`crate::index`]).
//!
//! Events cross as one stream of 32-bit words in the input buffer, each event
//! `[kind, worker_lo, worker_hi, dp_rank, …]`:
//! - kind 0, `stored`: `has_parent, parent_lo, parent_hi, n`, then `n` blocks of
//!   `block_lo, block_hi, tokens_lo, tokens_hi`;
//! - kind 1, `removed`: `n`, then `n` hashes of `lo, hi`;
//! - kind 2, `cleared`.
//!
//! The whole stream is parsed before any event applies, so a malformed stream changes nothing.

use super::table::Object;
use super::{hashes_in, hi, join, lo, run, Failure, State};
use crate::index::{DumpEntry, EventResult, KvIndex, StoredBlock, WorkerKey};

/// Words per dump entry: worker (3), parent flag and hash (3), block and tokens hash (4),
/// expiry as f64 bits (2).
const DUMP_WORDS: usize = 12;

enum Event {
    Stored(WorkerKey, Option<u64>, Vec<StoredBlock>),
    Removed(WorkerKey, Vec<u64>),
    Cleared(WorkerKey),
}

fn malformed(at: usize, why: &str) -> Failure {
    Failure::InvalidArgument(format!("malformed event stream at word {}: {}", at, why))
}

/// Reads `n` words from `words` at `*at`.
fn take<'a>(words: &'a [u32], at: &mut usize, n: usize, why: &str) -> Result<&'a [u32], Failure> {
    let slice = at
        .checked_add(n)
        .and_then(|end| words.get(*at..end))
        .ok_or_else(|| malformed(*at, why))?;
    *at += n;
    Ok(slice)
}

fn parse_events(words: &[u32]) -> Result<Vec<Event>, Failure> {
    let mut events = Vec::new();
    let mut at = 0;
    while at < words.len() {
        let head = take(words, &mut at, 4, "an event header needs 4 words")?;
        let worker = WorkerKey {
            worker_id: join(head[1], head[2]),
            dp_rank: head[3],
        };
        let event = match head[0] {
            0 => {
                let h = take(
                    words,
                    &mut at,
                    4,
                    "a stored event needs its parent and count",
                )?;
                let parent = if h[0] != 0 {
                    Some(join(h[1], h[2]))
                } else {
                    None
                };
                let n = h[3] as usize;
                let body = take(
                    words,
                    &mut at,
                    n.saturating_mul(4),
                    "stored blocks are cut short",
                )?;
                let blocks = body
                    .chunks_exact(4)
                    .map(|c| StoredBlock {
                        block_hash: join(c[0], c[1]),
                        tokens_hash: join(c[2], c[3]),
                    })
                    .collect();
                Event::Stored(worker, parent, blocks)
            }
            1 => {
                let n = take(words, &mut at, 1, "a removed event needs a count")?[0] as usize;
                let body = take(
                    words,
                    &mut at,
                    n.saturating_mul(2),
                    "removed hashes are cut short",
                )?;
                Event::Removed(
                    worker,
                    body.chunks_exact(2).map(|c| join(c[0], c[1])).collect(),
                )
            }
            2 => Event::Cleared(worker),
            k => return Err(malformed(at - 4, &format!("unknown event kind {}", k))),
        };
        events.push(event);
    }
    Ok(events)
}

/// A time passed by the caller: any number but NaN.
fn time(now: f64) -> Result<f64, Failure> {
    if now.is_nan() {
        return Err(Failure::InvalidArgument("now must be a number".to_string()));
    }
    Ok(now)
}

/// New index: `approximate` 0 (fed by events) or 1 (approximate mode with time-to-live `ttl`).
/// Handle in `ret[0..2]`.
#[no_mangle]
pub extern "C" fn kv_index_new(approximate: u32, ttl: f64) -> i32 {
    run(|st| {
        let index = if approximate != 0 {
            if !(ttl.is_finite() && ttl >= 0.0) {
                // No float in the message: formatting one would link all of core's float
                // printing (about 20 KB of WebAssembly); the facade names the value.
                return Err(Failure::InvalidArgument(
                    "ttl must be a finite number >= 0".to_string(),
                ));
            }
            KvIndex::approximate(ttl)
        } else {
            KvIndex::new()
        };
        st.adopt(Object::Index(Box::new(index)))
    })
}

/// Applies the event stream of `len` words: output, one result code per event (0 ok,
/// 1 duplicate, 2 parent not found, 3 invalid sequence, 4 block not found).
#[no_mangle]
pub extern "C" fn kv_index_apply(index: u32, generation: u32, len: u32) -> i32 {
    run(|st| {
        let (words, table, reply) = st.with_input(len)?;
        let events = parse_events(words)?;
        let idx = table.index(index, generation)?;
        let mut results = Vec::new();
        crate::errors::try_reserve(&mut results, events.len())?;
        for event in events {
            let r = match event {
                Event::Stored(w, parent, blocks) => idx.apply_stored(w, parent, &blocks)?,
                Event::Removed(w, hashes) => idx.apply_removed(w, &hashes)?,
                Event::Cleared(w) => {
                    idx.apply_cleared(w)?;
                    EventResult::Ok
                }
            };
            results.push(r.index() as u32);
        }
        reply.u32s(&results)
    })
}

/// Overlap with the query of `len / 2` local hashes (low, high words) in the input buffer.
/// Where `now` is not NaN, time advances to it first (approximate mode). `ret[0]` = number of
/// scores, `ret[1]` = number of depths; output: per score `worker_lo, worker_hi, dp_rank,
/// blocks, tree_size`, then the per-depth worker counts.
#[no_mangle]
pub extern "C" fn kv_index_find(
    index: u32,
    generation: u32,
    len: u32,
    early_exit: u32,
    now: f64,
) -> i32 {
    run(|st| {
        let (words, table, reply) = st.with_input(len)?;
        let idx = table.index(index, generation)?;
        if !now.is_nan() {
            idx.advance(now)?;
        }
        let m = idx.find_matches(&hashes_in(words)?, early_exit != 0);
        let n = m.scores.len() * 5 + m.frequencies.len();
        let words = m
            .scores
            .iter()
            .flat_map(|s| {
                [
                    lo(s.worker.worker_id),
                    hi(s.worker.worker_id),
                    s.worker.dp_rank,
                    s.blocks,
                    s.tree_size,
                ]
            })
            .chain(m.frequencies.iter().copied());
        reply.u32s_from(n, words)?;
        reply.ret[0] = m.scores.len() as u32;
        reply.ret[1] = m.frequencies.len() as u32;
        Ok(())
    })
}

/// Approximate mode: records `len / 2` local hashes as routed to the worker at time `now`.
/// `ret[0]` = 1 where recorded, 0 where the index is not in approximate mode.
#[no_mangle]
pub extern "C" fn kv_index_record(
    index: u32,
    generation: u32,
    id_lo: u32,
    id_hi: u32,
    dp_rank: u32,
    len: u32,
    now: f64,
) -> i32 {
    run(|st| {
        let (words, table, reply) = st.with_input(len)?;
        let now = time(now)?;
        let hashes = hashes_in(words)?;
        let idx = table.index(index, generation)?;
        let worker = WorkerKey {
            worker_id: join(id_lo, id_hi),
            dp_rank,
        };
        reply.ret[0] = idx.record(worker, &hashes, now)? as u32;
        Ok(())
    })
}

/// Moves an approximate index's time to `now`, dropping expired blocks.
#[no_mangle]
pub extern "C" fn kv_index_advance(index: u32, generation: u32, now: f64) -> i32 {
    run(|st| {
        st.table.index(index, generation)?.advance(time(now)?)?;
        Ok(())
    })
}

/// Removes every data-parallel rank of a worker.
#[no_mangle]
pub extern "C" fn kv_index_remove_worker(index: u32, generation: u32, lo: u32, hi: u32) -> i32 {
    run(|st| {
        Ok(st
            .table
            .index(index, generation)?
            .remove_worker(join(lo, hi))?)
    })
}

/// Empties the index.
#[no_mangle]
pub extern "C" fn kv_index_clear(index: u32, generation: u32) -> i32 {
    run(|st| {
        st.table.index(index, generation)?.clear();
        Ok(())
    })
}

/// `ret` = entries, nodes, memory bytes, approximate (0/1), ttl (f64 bits lo, hi), then the
/// five event counts as (lo, hi) pairs.
#[no_mangle]
pub extern "C" fn kv_index_info(index: u32, generation: u32) -> i32 {
    run(|st| {
        let idx = st.table.index(index, generation)?;
        let ttl = idx.ttl();
        let bits = ttl.unwrap_or(0.0).to_bits();
        let mut ret = [0u32; 16];
        ret[..6].copy_from_slice(&[
            idx.size() as u32,
            idx.node_count() as u32,
            idx.memory_bytes() as u32,
            ttl.is_some() as u32,
            lo(bits),
            hi(bits),
        ]);
        for (i, c) in idx.counts().iter().enumerate() {
            ret[6 + 2 * i] = lo(*c);
            ret[7 + 2 * i] = hi(*c);
        }
        st.reply.ret[..16].copy_from_slice(&ret);
        Ok(())
    })
}

/// Per worker with blocks: output `worker_lo, worker_hi, dp_rank, size`.
#[no_mangle]
pub extern "C" fn kv_index_tree_sizes(index: u32, generation: u32) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        let sizes = table.index(index, generation)?.tree_sizes();
        let words = sizes
            .iter()
            .flat_map(|(w, n)| [lo(w.worker_id), hi(w.worker_id), w.dp_rank, *n as u32]);
        reply.u32s_from(sizes.len() * 4, words)
    })
}

/// The index as single-block stored events: output, 12 words each (see `DUMP_WORDS`).
#[no_mangle]
pub extern "C" fn kv_index_dump(index: u32, generation: u32) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        let entries = table.index(index, generation)?.dump()?;
        let words = entries.iter().flat_map(|e| {
            let p = e.parent_hash.unwrap_or(0);
            let x = e.expires.to_bits();
            [
                lo(e.worker.worker_id),
                hi(e.worker.worker_id),
                e.worker.dp_rank,
                e.parent_hash.is_some() as u32,
                lo(p),
                hi(p),
                lo(e.block.block_hash),
                hi(e.block.block_hash),
                lo(e.block.tokens_hash),
                hi(e.block.tokens_hash),
                lo(x),
                hi(x),
            ]
        });
        reply.u32s_from(entries.len() * DUMP_WORDS, words)
    })
}

/// Loads `count` dump entries (12 words each) from the input buffer into the index.
#[no_mangle]
pub extern "C" fn kv_index_load(index: u32, generation: u32, count: u32) -> i32 {
    run(|st| {
        let (words, table, _) = st.with_input(count.saturating_mul(DUMP_WORDS as u32))?;
        let mut entries = Vec::new();
        crate::errors::try_reserve(&mut entries, count as usize)?;
        for c in words.chunks_exact(DUMP_WORDS) {
            let expires = f64::from_bits(join(c[10], c[11]));
            if expires.is_nan() {
                return Err(Failure::InvalidArgument(
                    "an entry's expiry is NaN".to_string(),
                ));
            }
            entries.push(DumpEntry {
                worker: WorkerKey {
                    worker_id: join(c[0], c[1]),
                    dp_rank: c[2],
                },
                parent_hash: if c[3] != 0 {
                    Some(join(c[4], c[5]))
                } else {
                    None
                },
                block: StoredBlock {
                    block_hash: join(c[6], c[7]),
                    tokens_hash: join(c[8], c[9]),
                },
                expires,
            });
        }
        table.index(index, generation)?.load(&entries)?;
        Ok(())
    })
}
