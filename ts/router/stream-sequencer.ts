/**
 * The sequence logic of an engine's event stream (SPEC §6.5.5), apart from any socket: which
 * batch to apply, when to ask for a replay, what counts as lost, duplicated or a restart. The
 * transport ({@link ./vllm-stream}) hands it live batches and a way to ask for a replay; tests
 * drive it the same way.
 *
 * Place: `ts/router/stream-sequencer.ts`.
 * @module
 */

/** What a replay brought: the batches with their sequence numbers, in order, and whether it ended (end marker or range reached) rather than timed out. */
export interface ReplayAnswer {
  /** `[seq, payload]` in the publisher's buffer order. */
  readonly batches: ReadonlyArray<readonly [bigint, Uint8Array]>;
  /** `false` where the replay timed out. */
  readonly complete: boolean;
}

/** Asks the publisher's replay socket for the batches from `from` on; the answer may stop at `until`. */
export type Replayer = (from: bigint, until: bigint) => Promise<ReplayAnswer>;

/** What the stream does with a worker whose events were lost: keep its blocks (Dynamo's newest behaviour), or clear them. */
export type LostEventsPolicy = 'keep' | 'clearWorker';

/** One anomaly, as the caller's hook hears it. */
export type StreamReport =
  | { readonly kind: 'joinedLate'; readonly seq: bigint; readonly missed: bigint }
  | { readonly kind: 'gap'; readonly from: bigint; readonly to: bigint }
  | {
      readonly kind: 'unrecoverableGap';
      readonly from: bigint;
      readonly to: bigint;
      readonly reason: 'noReplay' | 'timeout' | 'bufferExceeded';
    }
  | { readonly kind: 'reset'; readonly seq: bigint; readonly lastSeq: bigint }
  | { readonly kind: 'malformedBatch'; readonly seq: bigint; readonly message: string };

/** The counters of one stream. */
export interface StreamCounters {
  /** Batches applied. */
  appliedBatches: number;
  /** Batches missing between live sequence numbers. */
  gapBatches: number;
  /** Missing batches the replay brought back. */
  recoveredBatches: number;
  /** Missing batches that could not be recovered (and batches that could not be decoded). */
  lostBatches: number;
  /** Batches seen twice (a replay overlapping what was applied), ignored. */
  duplicateBatches: number;
  /** Sequence resets (an engine restart): the worker was cleared. */
  resets: number;
  /** Times the stream joined a publisher mid-stream. */
  joinedLate: number;
  /** Batches that could not be decoded at all. */
  malformedBatches: number;
}

/** What the sequencer needs from its owner. */
export interface SequencerHooks {
  /** Applies one batch (decode and index); throws where it cannot be decoded. */
  readonly apply: (seq: bigint, payload: Uint8Array) => void;
  /** Drops everything the worker holds in the index. */
  readonly clearWorker: () => void;
  /** The replay socket, where the publisher has one. */
  readonly replay?: Replayer;
  /** Hears every anomaly (synchronous, never throws back). */
  readonly onReport?: (report: StreamReport) => void;
  /** What to do after lost events (default `'keep'`). */
  readonly onLostEvents?: LostEventsPolicy;
}

/** Counters at zero. */
export function zeroCounters(): StreamCounters {
  return {
    appliedBatches: 0,
    gapBatches: 0,
    recoveredBatches: 0,
    lostBatches: 0,
    duplicateBatches: 0,
    resets: 0,
    joinedLate: 0,
    malformedBatches: 0,
  };
}

/**
 * One publisher's sequence, batch by batch. Live batches must be handed in arrival order and one
 * at a time (await each); while a gap is recovered, later live batches wait, which is the "hold"
 * of SPEC §6.5.5.
 */
export class BatchSequencer {
  /** The counters so far. */
  readonly counters: StreamCounters = zeroCounters();
  #lastSeq: bigint | undefined;
  #degraded = false;
  readonly #hooks: SequencerHooks;

  /** A sequencer that applies through `hooks`. */
  constructor(hooks: SequencerHooks) {
    this.#hooks = hooks;
  }

  /** The last sequence number applied (or skipped as lost), `undefined` before the first. */
  get lastSeq(): bigint | undefined {
    return this.#lastSeq;
  }

  /** Whether events were lost since the worker was last cleared (its index entries may be wrong). */
  get degraded(): boolean {
    return this.#degraded;
  }

  /** The worker was re-dumped or cleared by the caller: its index entries are whole again. */
  markWhole(): void {
    this.#degraded = false;
  }

  /** A live batch. */
  async live(seq: bigint, payload: Uint8Array): Promise<void> {
    const last = this.#lastSeq;
    if (last !== undefined && seq <= last) {
      // One PUB→SUB connection is ordered: a number going back is a new publisher (a restart).
      this.counters.resets += 1;
      this.#report({ kind: 'reset', seq, lastSeq: last });
      this.#clear();
      this.#lastSeq = undefined;
    }
    if (this.#lastSeq === undefined && seq > 0n) {
      this.counters.joinedLate += 1;
      this.#report({ kind: 'joinedLate', seq, missed: seq });
      await this.#recover(0n, seq);
    } else if (this.#lastSeq !== undefined && seq > this.#lastSeq + 1n) {
      const from = this.#lastSeq + 1n;
      this.counters.gapBatches += Number(seq - from);
      this.#report({ kind: 'gap', from, to: seq - 1n });
      await this.#recover(from, seq);
    }
    this.#apply(seq, payload);
  }

  /** Replays `[from, until)` where possible; counts and reports what is lost. */
  async #recover(from: bigint, until: bigint): Promise<void> {
    const replay = this.#hooks.replay;
    if (replay === undefined) return this.#lost(from, until, 'noReplay');
    let answer: ReplayAnswer;
    try {
      answer = await replay(from, until);
    } catch {
      answer = { batches: [], complete: false };
    }
    // A first batch past `from` means the buffer no longer held the front: the loop counts it lost.
    let next = from;
    for (const [s, payload] of answer.batches) {
      if (s < next || (this.#lastSeq !== undefined && s <= this.#lastSeq)) {
        this.counters.duplicateBatches += 1;
        continue;
      }
      if (s >= until) break;
      if (s > next) this.#lost(next, s, 'bufferExceeded');
      this.#apply(s, payload);
      this.counters.recoveredBatches += 1;
      next = s + 1n;
    }
    if (next < until) this.#lost(next, until, answer.complete ? 'bufferExceeded' : 'timeout');
  }

  #lost(from: bigint, until: bigint, reason: 'noReplay' | 'timeout' | 'bufferExceeded'): void {
    if (until <= from) return;
    this.counters.lostBatches += Number(until - from);
    this.#degraded = true;
    this.#report({ kind: 'unrecoverableGap', from, to: until - 1n, reason });
    this.#lastSeq = until - 1n;
    if ((this.#hooks.onLostEvents ?? 'keep') === 'clearWorker') this.#clear();
  }

  #apply(seq: bigint, payload: Uint8Array): void {
    this.#lastSeq = seq;
    try {
      this.#hooks.apply(seq, payload);
      this.counters.appliedBatches += 1;
    } catch (e) {
      this.counters.malformedBatches += 1;
      this.counters.lostBatches += 1;
      this.#degraded = true;
      this.#report({ kind: 'malformedBatch', seq, message: e instanceof Error ? e.message : String(e) });
    }
  }

  #clear(): void {
    this.#hooks.clearWorker();
    this.#degraded = false;
  }

  #report(r: StreamReport): void {
    try {
      this.#hooks.onReport?.(r);
    } catch {
      // A hook that throws must not stop the stream; reports are never thrown (SPEC §6.5.5).
    }
  }
}
