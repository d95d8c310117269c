//! Exports of the router index ([`kvbm_sequence::router::index`]).
//!
//! Events cross as one stream of 32-bit words in the input buffer, each event
//! `[kind, worker_lo, worker_hi, dp_rank, …]`:
//! - kind 0, `stored`: `has_parent, parent_lo, parent_hi, n`, then `n` blocks of
//!   `block_lo, block_hi, tokens_lo, tokens_hi`;
//! - kind 1, `removed`: `n`, then `n` hashes of `lo, hi`;
//! - kind 2, `cleared`.
//!
//! The whole stream is parsed before any event applies, so a malformed stream changes nothing.
//!
//! Place: `crate/kvbm-sequence-wasm/src/exports/index.rs`.

use crate::contract::{DUMP_WORDS, EVENT_KIND};
use crate::state::{flag, run, select, Failure, State};
use crate::table::Object;
use kvbm_sequence::router::index::{DumpEntry, EventResult, KvIndex, StoredBlock, WorkerKey};
use kvbm_sequence::words::{hi, join, lo, u64s_of, Reader, Writer};

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
        let kind = select(&EVENT_KIND, head[0])
            .map_err(|_| malformed(at - 4, &crate::contract::unknown(&EVENT_KIND, head[0])))?;
        let event = match kind {
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
            _ => Event::Cleared(worker),
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

/// New index fed by events: handle in `ret[0..2]`.
#[no_mangle]
pub extern "C" fn kv_index_new() -> i32 {
    run(|st| st.adopt(Object::Index(Box::new(KvIndex::new()))))
}

/// New index in approximate mode with time-to-live `ttl`: handle in `ret[0..2]`.
#[no_mangle]
pub extern "C" fn kv_index_new_approximate(ttl: f64) -> i32 {
    run(|st| {
        if !(ttl.is_finite() && ttl >= 0.0) {
            // No float in the message: formatting one would link all of core's float printing
            // (about 20 KB of WebAssembly); the facade names the value.
            return Err(Failure::InvalidArgument(
                "ttl must be a finite number >= 0".to_string(),
            ));
        }
        st.adopt(Object::Index(Box::new(KvIndex::approximate(ttl))))
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
        kvbm_sequence::error::try_reserve(&mut results, events.len())?;
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
/// scores, `ret[1]` = the depth reached (the best score); output: per score `worker_lo,
/// worker_hi, dp_rank, blocks, tree_size`. The per-depth worker counts follow from the scores
/// (`Matches::frequencies`), so they do not cross.
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
        let early_exit = flag(early_exit)?;
        let m = idx.find_matches(&u64s_of(words)?, early_exit);
        let n = m.scores.len() * 5;
        let words = m.scores.iter().flat_map(|s| {
            [
                lo(s.worker.worker_id),
                hi(s.worker.worker_id),
                s.worker.dp_rank,
                s.blocks,
                s.tree_size,
            ]
        });
        reply.u32s_from(n, words)?;
        reply.ret[0] = m.scores.len() as u32;
        reply.ret[1] = m.scores.first().map_or(0, |s| s.blocks);
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
        let hashes = u64s_of(words)?;
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

/// Approximate mode: drops the earliest-recorded blocks until at most `target` entries remain;
/// `ret[0]` = the entries dropped.
#[no_mangle]
pub extern "C" fn kv_index_prune(index: u32, generation: u32, target: u32) -> i32 {
    run(|st| {
        let dropped = st
            .table
            .index(index, generation)?
            .prune_to(target as usize)?;
        st.reply.ret[0] = dropped as u32;
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

/// The index as single-block stored events: output, [`DUMP_WORDS`] words each
/// ([`DumpEntry::write`]).
#[no_mangle]
pub extern "C" fn kv_index_dump(index: u32, generation: u32) -> i32 {
    run(|st| {
        let State { table, reply, .. } = st;
        let entries = table.index(index, generation)?.dump()?;
        let mut w = Writer::with_capacity(entries.len() * DUMP_WORDS)?;
        for e in &entries {
            e.write(&mut w);
        }
        reply.u32s(&w.0)
    })
}

/// Loads `count` dump entries ([`DUMP_WORDS`] words each) from the input buffer into the index.
#[no_mangle]
pub extern "C" fn kv_index_load(index: u32, generation: u32, count: u32) -> i32 {
    run(|st| {
        let (words, table, _) = st.with_input(count.saturating_mul(DUMP_WORDS as u32))?;
        let mut entries = Vec::new();
        kvbm_sequence::error::try_reserve(&mut entries, count as usize)?;
        let mut r = Reader::new(words);
        for _ in 0..count {
            let e = DumpEntry::read(&mut r)
                .map_err(|_| Failure::InvalidArgument("an entry's expiry is NaN".to_string()))?;
            entries.push(e);
        }
        table.index(index, generation)?.load(&entries)?;
        Ok(())
    })
}
