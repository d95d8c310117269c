//! Hand-computed answers of the step loop and its timing (SPEC §9.1–§9.3).

use super::config::{PolicyKind, SimConfig};
use super::timing::TimingModel;
use super::trace::{Trace, TraceRow, NO_SESSION};
use super::Simulation;

/// Rows `(timestamp, ids, output)`; each id stands for 4 tokens (block size 4).
fn trace(rows: &[(f64, &[u32], u32)]) -> Trace {
    let mut t = Trace::default();
    for &(ts, ids, out) in rows {
        let start = t.ids.len();
        t.ids.extend_from_slice(ids);
        t.rows.push(TraceRow {
            timestamp_ms: ts,
            input_length: (ids.len() * 4) as u32,
            output_length: out,
            ids: start..t.ids.len(),
            session: NO_SESSION,
            delay_ms: f64::NAN,
        });
    }
    t
}

/// One worker, block size 4, 1,000 prefill tokens/s, 10 ms a decode step, no G2.
fn config(g1_blocks: u32) -> SimConfig {
    SimConfig {
        workers: 1,
        block_size: 4,
        trace_block_size: 4,
        g1_blocks,
        g2_blocks: None,
        timing: TimingModel::Fixed {
            prefill_tokens_per_second: 1000.0,
            decode_ms_per_token: 10.0,
        },
        ..SimConfig::default()
    }
}

fn run(cfg: SimConfig, t: Trace) -> Simulation {
    let mut sim = Simulation::new(cfg, t).unwrap();
    assert!(sim.run(u64::MAX).unwrap());
    sim
}

#[test]
fn an_isolated_request_takes_its_prefill_then_one_decode_step_per_token() {
    // Pass 1: 8 prompt tokens (8 ms) + the first token's decode step (10 ms) → t1 = 18;
    // then one 10 ms pass per token: 28, 38.
    let sim = run(config(100), trace(&[(0.0, &[1, 2], 3)]));
    let s = &sim.requests()[0];
    assert_eq!(
        (s.first_token, s.second_token, s.last_token),
        (Some(18.0), Some(28.0), Some(38.0))
    );
    let r = sim.report();
    assert_eq!(
        (r.ttft_ms.p50, r.e2e_ms.p50, r.itl_ms.mean, r.tpot_ms.mean),
        (18.0, 38.0, 10.0, 10.0)
    );
    assert_eq!(
        (r.completed_requests, r.output_tokens, r.duration_ms),
        (1, 3, 38.0)
    );
}

#[test]
fn two_requests_share_the_token_budget_and_the_second_prompt_is_chunked() {
    // Budget 10: pass 1 runs r0's 8 tokens and 2 of r1's (10 ms) + r0's decode (10 ms) = 20;
    // pass 2 runs r1's last 6 tokens (6 ms) + its decode (10 ms) = 36.
    let cfg = SimConfig {
        max_num_batched_tokens: 10,
        ..config(100)
    };
    let sim = run(cfg, trace(&[(0.0, &[1, 2], 1), (0.0, &[3, 4], 1)]));
    let r = sim.requests();
    assert_eq!(r[0].completed_at, Some(20.0));
    assert_eq!(r[1].first_token, Some(36.0));
}

#[test]
fn a_later_request_hits_the_prefix_an_earlier_one_registered() {
    // r1 arrives at 100 (r0 done at 18) sharing r0's first block: 4 tokens hit, 4 computed.
    // vLLM recomputes at least the last prompt token, so a full-prompt match is cut to 1 block.
    let sim = run(
        config(100),
        trace(&[(0.0, &[1, 2], 1), (100.0, &[1, 3], 1), (200.0, &[1, 2], 1)]),
    );
    let r = sim.requests();
    assert_eq!(
        (r[1].g1_hit, r[1].first_token),
        (4, Some(100.0 + 4.0 + 10.0))
    );
    assert_eq!(r[2].g1_hit, 4);
    assert_eq!(sim.report().prefix_cache_reused_ratio, 8.0 / 24.0);
}

#[test]
fn running_out_of_g1_preempts_the_newest_request_which_recomputes_later() {
    // G1 holds 4 blocks. Pass 1 (0 → 26): both prompts (2 blocks each), first tokens at 26.
    // Pass 2: r0's 9th token needs a third block: r1 (newest) is preempted, r0 decodes alone
    // (tokens at 36 … 96; its later blocks fit as r1's freed ones). At 96 r0 completes; r1's
    // first block was evicted, so it recomputes prompt + 1 emitted token: 9 ms + 10 ms → 115,
    // then 6 more tokens → 175.
    let sim = run(config(4), trace(&[(0.0, &[1, 2], 8), (0.0, &[3, 4], 8)]));
    let r = sim.requests();
    assert_eq!(
        (r[0].first_token, r[0].completed_at),
        (Some(26.0), Some(96.0))
    );
    assert_eq!(
        (r[1].first_token, r[1].second_token, r[1].completed_at),
        (Some(26.0), Some(115.0), Some(175.0))
    );
    assert_eq!(sim.report().per_worker[0].preemptions, 1);
}

#[test]
fn a_prompt_larger_than_g1_is_rejected_and_excluded_from_latency() {
    let sim = run(config(1), trace(&[(0.0, &[1, 2], 1)]));
    let r = sim.report();
    assert_eq!(
        (r.rejected_requests, r.completed_requests, r.ttft_ms.mean),
        (1, 0, 0.0)
    );
}

#[test]
fn round_robin_alternates_and_kv_follows_the_cached_prefix() {
    let rows: &[(f64, &[u32], u32)] =
        &[(0.0, &[1, 2, 3], 1), (0.0, &[9], 1), (100.0, &[1, 2, 3], 1)];
    let rr = run(
        SimConfig {
            workers: 2,
            policy: PolicyKind::RoundRobin,
            ..config(100)
        },
        trace(rows),
    );
    assert_eq!(
        rr.requests().iter().map(|s| s.worker).collect::<Vec<_>>(),
        vec![0, 1, 0]
    );
    let kv = run(
        SimConfig {
            workers: 2,
            ..config(100)
        },
        trace(rows),
    );
    let w = kv.requests().iter().map(|s| s.worker).collect::<Vec<_>>();
    assert_ne!(w[0], w[1]);
    assert_eq!(w[2], w[0]);
    assert_eq!(kv.requests()[2].g1_hit, 8);
}

#[test]
fn the_same_seed_gives_the_same_report() {
    let rows: Vec<(f64, Vec<u32>, u32)> = (0..60)
        .map(|i| (i as f64 * 3.0, vec![i % 5, i % 7 + 10, i], 4))
        .collect();
    let rows: Vec<(f64, &[u32], u32)> = rows
        .iter()
        .map(|(t, ids, o)| (*t, ids.as_slice(), *o))
        .collect();
    for policy in [
        PolicyKind::Random,
        PolicyKind::Kv,
        PolicyKind::Llmd,
        PolicyKind::SglangCacheAware,
        PolicyKind::KvApprox,
    ] {
        let cfg = SimConfig {
            workers: 3,
            policy,
            temperature: 0.5,
            seed: 7,
            ..config(40)
        };
        let a = run(cfg.clone(), trace(&rows)).report();
        let b = run(cfg, trace(&rows)).report();
        assert_eq!(a, b);
        assert_eq!(a.completed_requests, 60);
    }
}
