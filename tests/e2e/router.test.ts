// End to end on real sockets (issue 19): 4 simulated engines (`kvbm-sequence engine`) and 2
// routers (`kvbm-sequence route`) synced through a real nats-server, all on 127.0.0.1, and a load
// generator replaying a slice of the Mooncake conversation trace with its arrival times. Then
// the faults: an engine killed mid-run and restarted, and KV events dropped on the way.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServer } from '../support/nats-server';
import {
  kill,
  median,
  mooncakeLoad,
  portsOf,
  runLoad,
  startCommand,
  startEngine,
  stopAll,
  streamCompletion,
  type Engine,
  type Outcome,
} from '../support/cluster';

const ENGINE = ['--block-size', '16', '--g1-tokens', '200000', '--prefill-tps', '6000', '--decode-ms', '1'];
let nats: NatsServer;

beforeAll(async () => {
  nats = await startNatsServer();
});
afterEach(async () => {
  await stopAll();
});
afterAll(async () => {
  await stopAll();
  await nats?.stop();
});

async function cluster(policy: string, env: Record<string, string> = {}): Promise<{ engines: Engine[]; routers: string[] }> {
  const engines = await Promise.all([0, 1, 2, 3].map((id) => startEngine(id, ENGINE, env)));
  const routers: string[] = [];
  for (const id of [1, 2]) {
    const args = [
      'route',
      '--port',
      '0',
      '--block-size',
      '16',
      '--policy',
      policy,
      '--seed',
      String(id),
      '--nats',
      nats.url,
      '--router-id',
      String(id),
    ];
    for (const e of engines) args.push('--engine', e.spec);
    routers.push((await startCommand(args)).url);
  }
  await new Promise((r) => setTimeout(r, 300)); // the ZMQ subscriptions settle
  return { engines, routers };
}

async function metric(router: string, name: string): Promise<number> {
  const text = await (await fetch(`${router}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
}

// The multi-turn conversations among the trace's first 1,000 requests (378 requests, half their
// prompt blocks reusable), 50× faster: about 7 s.
const load = () => mooncakeLoad(1_000, { multiTurn: true, speedup: 50, tokensPerId: 16, maxIds: 24, maxTokens: 4 });

describe('a KV-aware router in front of simulated engines', () => {
  let kv: Outcome[] = [];

  it('serves a Mooncake slice through two synced routers: every response completes and streams', async () => {
    const { routers } = await cluster('kv');
    kv = await runLoad(routers, load());
    expect(kv.filter((o) => !o.ok)).toEqual([]);
    expect(kv.every((o) => o.chunks === 4 && o.worker !== null)).toBe(true);
    expect(kv.some((o) => o.overlapBlocks > 0 && o.cachedTokens > 0)).toBe(true);
    expect(await metric(routers[0] as string, 'kvbm_event_batches_total')).toBeGreaterThan(0);
  });

  it('gives a lower median TTFT than round-robin on the same load', async () => {
    const { routers } = await cluster('round-robin');
    const rr = await runLoad(routers, load());
    expect(rr.filter((o) => !o.ok)).toEqual([]);
    const [kvTtft, rrTtft] = [median(kv.map((o) => o.ttftMs)), median(rr.map((o) => o.ttftMs))];
    const hits = (xs: Outcome[]) => xs.reduce((s, o) => s + o.cachedTokens, 0);
    console.log(
      `median TTFT: kv ${kvTtft.toFixed(1)} ms, round-robin ${rrTtft.toFixed(1)} ms; cached tokens kv ${hits(kv)}, round-robin ${hits(rr)}`,
    );
    expect(hits(kv)).toBeGreaterThan(hits(rr));
    expect(kvTtft).toBeLessThan(rrTtft);
  });
});

describe('faults', () => {
  it('an engine killed mid-run: requests still succeed; restarted, its blocks leave the index', async () => {
    const { engines, routers } = await cluster('kv');
    const victim = engines[1] as Engine;
    const requests = mooncakeLoad(400, { multiTurn: true, speedup: 50, tokensPerId: 16, maxIds: 24, maxTokens: 2 });
    const out = await runLoad(routers, requests, async (i) => {
      if (i === 60) await kill(victim.process);
    });
    expect(out.filter((o) => !o.ok)).toEqual([]);
    expect(out.slice(0, 50).some((o) => o.worker === '1')).toBe(true);
    expect(out.slice(90).some((o) => o.worker === '1')).toBe(false);
    const router = routers[0] as string;
    const cachedOnVictim = () => metric(router, 'kvbm_worker_cached_blocks\\{worker="1"\\}');
    const restarted = await startEngine(1, ENGINE, {}, portsOf(victim));
    const deadline = Date.now() + 5_000;
    while ((await metric(router, 'kvbm_worker_healthy\\{worker="1"\\}')) !== 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await metric(router, 'kvbm_worker_healthy\\{worker="1"\\}')).toBe(1);
    expect(await cachedOnVictim()).toBe(0);
    const again = await streamCompletion(restarted.url, [1, 2, 3], 1);
    expect(again.ok).toBe(true);
  });

  it('KV events lost on the live socket are recovered through the replay socket', async () => {
    const { routers } = await cluster('kv', { KVBM_SIM_DROP_EVENTS: '5' });
    const out = await runLoad(routers, mooncakeLoad(300, { multiTurn: true, speedup: 50, tokensPerId: 16, maxIds: 24, maxTokens: 2 }));
    expect(out.filter((o) => !o.ok)).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    for (const router of routers) {
      const gaps = await metric(router, 'kvbm_event_gaps_total');
      expect(gaps).toBeGreaterThan(0);
      expect(await metric(router, 'kvbm_event_recovered_total')).toBe(gaps);
      expect(await metric(router, 'kvbm_event_lost_total')).toBe(0);
    }
  });

  it('every engine busy: 429 with Retry-After', async () => {
    const engine = await startEngine(0, [...ENGINE, '--prefill-tps', '100']);
    const router = await startCommand(['route', '--port', '0', '--engine', engine.spec, '--busy-prefill-tokens', '10']);
    const first = streamCompletion(
      router.url,
      Array.from({ length: 64 }, (_, i) => i),
      1,
    );
    await new Promise((r) => setTimeout(r, 50));
    const r = await fetch(`${router.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ prompt: [1, 2, 3], max_tokens: 1 }) });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('1');
    expect((await first).ok).toBe(true);
  });
});
