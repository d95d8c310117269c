/**
 * The router's Prometheus metrics (`kvbm_` prefix, prom-client): requests and decisions per
 * worker, matched blocks and route time as histograms, refusals by reason, KV events, gaps,
 * resyncs and lost batches per event source, the index size, the running bookings and the
 * WebAssembly memory.
 *
 * Place: `ts/serve/router-metrics.ts`.
 * @module
 */

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { memoryStats, type Booking, type KvRouter } from 'kvbm-sequence';
import type { VllmStream } from 'kvbm-sequence/vllm';

/** The metrics of one router. */
export class RouterMetrics {
  readonly registry = new Registry();
  /** Requests proxied, by worker. */
  readonly requests: Counter<'worker'>;
  /** Routing decisions, by worker (a request whose engine failed is decided twice). */
  readonly decisions: Counter<'worker'>;
  /** Refusals, by reason. */
  readonly rejections: Counter<'reason'>;
  readonly #matched: Histogram;
  readonly #routeSeconds: Histogram;
  readonly #streams = new Map<string, VllmStream>();

  constructor(router: KvRouter) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'kvbm_requests_total', help: 'Requests proxied to an engine', labelNames: ['worker'], registers });
    this.decisions = new Counter({ name: 'kvbm_decisions_total', help: 'Routing decisions', labelNames: ['worker'], registers });
    this.rejections = new Counter({
      name: 'kvbm_rejections_total',
      help: 'Requests refused (busy, no workers)',
      labelNames: ['reason'],
      registers,
    });
    this.#matched = new Histogram({
      name: 'kvbm_matched_blocks',
      help: 'Prompt blocks cached on the chosen worker',
      buckets: [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    });
    this.#routeSeconds = new Histogram({
      name: 'kvbm_route_seconds',
      help: 'Time to choose and book a worker',
      buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05],
      registers,
    });
    const streams = this.#streams;
    const perSource = (name: string, help: string, read: (s: VllmStream) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['source'],
        registers,
        collect() {
          this.reset();
          for (const [source, s] of streams) this.inc({ source }, read(s));
        },
      });
    perSource('kvbm_event_batches_total', 'KV event batches applied', (s) => s.stats.appliedBatches);
    perSource('kvbm_event_gaps_total', 'KV event batches missing from the live stream', (s) => s.stats.gapBatches);
    perSource('kvbm_event_recovered_total', 'Missing batches recovered through the replay socket', (s) => s.stats.recoveredBatches);
    perSource('kvbm_event_lost_total', 'Batches lost for good (or undecodable)', (s) => s.stats.lostBatches);
    perSource('kvbm_event_resyncs_total', 'Engine restarts seen (the worker was cleared)', (s) => s.stats.resets);
    perSource('kvbm_event_rejections_total', 'Events decoding could not use (unknown types, block-size mismatches, malformed…)', (s) => {
      const d = s.stats.decode;
      const types = Object.values(d.unknownEventTypes).reduce((a, b) => a + b, 0);
      return (
        types +
        d.blockSizeMismatch +
        d.invalidBlockSequence +
        d.nonLocalEvents +
        d.filteredGroupEvents +
        d.shortTokenEvents +
        d.malformedEvents
      );
    });
    new Gauge({
      name: 'kvbm_index_blocks',
      help: '(worker, block) entries in the index',
      registers,
      collect() {
        this.set(router.index.size);
      },
    });
    new Gauge({
      name: 'kvbm_worker_cached_blocks',
      help: 'Blocks the index holds per worker',
      labelNames: ['worker'],
      registers,
      collect() {
        for (const w of router.workers()) this.set({ worker: String(w.workerId) }, w.cachedBlocks);
      },
    });
    new Gauge({
      name: 'kvbm_worker_healthy',
      help: 'Whether the worker is a routing candidate (1) or marked unhealthy (0)',
      labelNames: ['worker'],
      registers,
      collect() {
        for (const w of router.workers()) this.set({ worker: String(w.workerId) }, w.healthy ? 1 : 0);
      },
    });
    new Gauge({
      name: 'kvbm_running_bookings',
      help: 'Bookings running (this router and its replicas)',
      registers,
      collect() {
        this.set(router.stats.running);
      },
    });
    new Gauge({
      name: 'kvbm_wasm_memory_bytes',
      help: 'WebAssembly linear memory (it grows, never shrinks; --reserve-mib sizes it at start)',
      registers,
      collect() {
        this.set(memoryStats().memoryBytes);
      },
    });
    new Gauge({
      name: 'kvbm_wasm_heap_bytes',
      help: 'Bytes of WebAssembly memory the index, the load model and their buffers hold',
      registers,
      collect() {
        this.set(memoryStats().heapBytes);
      },
    });
  }

  /** Follows a stream's counters under `source`. */
  addStream(source: string, stream: VllmStream): void {
    this.#streams.set(source, stream);
  }

  /** Records a decision. */
  decided(booking: Booking, seconds: number): void {
    this.decisions.inc({ worker: String(booking.workerId) });
    this.#matched.observe(booking.overlapBlocks);
    this.#routeSeconds.observe(seconds);
  }
}
