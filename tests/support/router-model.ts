// A model of the router's load (SPEC §6.6.4) kept by the test itself: per worker, the distinct
// sequence hashes of its live bookings and the prefill tokens of those not past prefill. Router
// views are compared with it, and with each other.
import { computeSequenceHashes, type Booking, type KvRouter } from 'kvbm-sequence';

/** A seeded generator (mulberry32) for reproducible interleavings. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Prompts that share prefixes: `count` prompts of 4–12 blocks over a few common heads. */
export function prompts(count: number, blockSize: number, random: () => number): number[][] {
  return Array.from({ length: count }, (_, i) => {
    const head = Math.floor(random() * 3);
    const blocks = 4 + Math.floor(random() * 9);
    return Array.from({ length: blocks * blockSize }, (_, t) => (t < 2 * blockSize ? 1 + head * 1000 + t : 100_000 + i * 1000 + t));
  });
}

/** One live booking in the model. */
export interface ModelBooking {
  readonly booking: Booking;
  readonly tokens: number[];
  prefillDone: boolean;
}

/** The view every router must agree on: per worker, active blocks, prefill tokens and bookings. */
export type LoadView = Array<[string, number, number, number]>;

/** A router's view. */
export function view(r: KvRouter): LoadView {
  return r.workers().map((w) => [`${w.workerId}:${w.dpRank}`, w.activeBlocks, w.prefillTokens, w.bookings]);
}

/** The model's view over `workers` (ids in the routers' order). */
export function modelView(live: Iterable<ModelBooking>, workers: number[], blockSize: number): LoadView {
  const blocks = new Map<number, Set<bigint>>(workers.map((w) => [w, new Set()]));
  const prefill = new Map<number, number>(workers.map((w) => [w, 0]));
  const count = new Map<number, number>(workers.map((w) => [w, 0]));
  for (const m of live) {
    const w = Number(m.booking.workerId);
    for (const h of computeSequenceHashes(m.tokens, blockSize, 1337n)) blocks.get(w)?.add(h);
    if (!m.prefillDone) prefill.set(w, (prefill.get(w) ?? 0) + m.booking.prefillTokens);
    count.set(w, (count.get(w) ?? 0) + 1);
  }
  return workers.map((w) => [`${w}:0`, blocks.get(w)?.size ?? 0, prefill.get(w) ?? 0, count.get(w) ?? 0]);
}

/**
 * Runs `steps` random operations (route, prefillDone, free of one's own booking) across
 * `routers`, each step followed, with probability `pause.chance`, by `pause.wait()` (letting sync
 * messages cross); returns the live bookings by router.
 */
export async function interleave(
  routers: KvRouter[],
  steps: number,
  seed: number,
  blockSize: number,
  pause: { readonly chance: number; readonly wait: () => Promise<void> },
): Promise<Map<KvRouter, ModelBooking[]>> {
  const random = rng(seed);
  const pool = prompts(12, blockSize, random);
  const live = new Map<KvRouter, ModelBooking[]>(routers.map((r) => [r, []]));
  for (let i = 0; i < steps; i++) {
    const r = routers[Math.floor(random() * routers.length)] as KvRouter;
    const mine = live.get(r) as ModelBooking[];
    const op = random();
    if (op < 0.5 || mine.length === 0) {
      const tokens = pool[Math.floor(random() * pool.length)] as number[];
      mine.push({ booking: await r.route({ tokens }), tokens, prefillDone: false });
    } else if (op < 0.75) {
      const m = mine[Math.floor(random() * mine.length)] as ModelBooking;
      r.prefillDone(m.booking.requestId);
      m.prefillDone = true;
    } else {
      const m = mine.splice(Math.floor(random() * mine.length), 1)[0] as ModelBooking;
      r.free(m.booking.requestId);
    }
    if (random() < pause.chance) await pause.wait();
  }
  return live;
}
