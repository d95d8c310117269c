//! The simulator run natively on a Mooncake JSONL trace with the library's defaults (KV-aware,
//! latency on): the baseline of `npm run bench`'s W13 and of issue 20's "within 1.5× of
//! native". Prints `{ "seconds": …, "completed": …, "reuse": …, "ttftP50": … }`.
//!
//! Usage: `kvbm-simulate TRACE.jsonl [policy] [block size]`.
//!
//! Place: `crate/kvbm-sequence-bench/src/simulate.rs`.

use kvbm_sequence::sim::config::{PolicyKind, SimConfig};
use kvbm_sequence::sim::trace::{Trace, TraceRow, NO_SESSION};
use kvbm_sequence::sim::Simulation;
use std::time::Instant;

/// The number after `"key":` in a flat JSON line.
fn number(line: &str, key: &str) -> f64 {
    let at = line
        .find(&format!("\"{}\"", key))
        .map(|i| i + key.len() + 2);
    let rest = at.map_or("", |i| line[i..].trim_start_matches([':', ' ']));
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    rest[..end].parse().unwrap_or(0.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .expect("usage: kvbm-simulate TRACE.jsonl [policy]");
    let text = std::fs::read_to_string(path).expect("trace readable");
    let mut trace = Trace::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let start = trace.ids.len();
        if let Some(open) = line.find("\"hash_ids\"") {
            let list = &line[open..];
            let (a, b) = (list.find('[').unwrap_or(0), list.find(']').unwrap_or(0));
            trace.ids.extend(
                list[a + 1..b]
                    .split(',')
                    .filter_map(|s| s.trim().parse::<u32>().ok()),
            );
        }
        trace.rows.push(TraceRow {
            timestamp_ms: number(line, "timestamp"),
            input_length: number(line, "input_length") as u32,
            output_length: number(line, "output_length") as u32,
            ids: start..trace.ids.len(),
            session: NO_SESSION,
            delay_ms: f64::NAN,
        });
    }
    let policy = match args.get(2).map(String::as_str) {
        Some("round-robin") => PolicyKind::RoundRobin,
        _ => PolicyKind::Kv,
    };
    let started = Instant::now();
    let block_size: u32 = args.get(3).and_then(|b| b.parse().ok()).unwrap_or(16);
    let mut sim = Simulation::new(
        SimConfig {
            policy,
            block_size,
            g1_blocks: 1_000_000 / block_size,
            g2_blocks: Some(4_000_000 / block_size),
            ..SimConfig::default()
        },
        trace,
    )
    .expect("valid trace");
    sim.run(u64::MAX).expect("simulation runs");
    let r = sim.report();
    println!(
        "{{ \"seconds\": {:.3}, \"completed\": {}, \"reuse\": {:.4}, \"ttftP50\": {:.1}, \"ttftP99\": {:.1}, \"e2eP50\": {:.1}, \"preemptions\": {} }}",
        started.elapsed().as_secs_f64(),
        r.completed_requests,
        r.prefix_cache_reused_ratio,
        r.ttft_ms.p50,
        r.ttft_ms.p99,
        r.e2e_ms.p50,
        r.per_worker.iter().map(|w| w.preemptions).sum::<u64>()
    );
}
