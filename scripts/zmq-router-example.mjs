// A KV-aware router fed by vLLM's KV events over ZeroMQ (loopback only), end to end:
//   two "engines" publish vLLM-format multipart messages ([topic, seq, msgpack KVEventBatch]) on
//   their own PUB sockets, the router subscribes to both, applies the events to a KvIndex, and
//   picks the worker for a prompt with findMatches + selectWorker.
// Run: node scripts/zmq-router-example.mjs   (prints one JSON line; stops by itself)
import { encode } from '@msgpack/msgpack';
import { Publisher, Subscriber } from 'zeromq';
import { KvIndex, LoadTracker, computeBlockHashes, computeSaltHash, computeSequenceHashes, selectWorker } from 'kvbm-sequence';
import { decodeVllmMessage } from 'kvbm-sequence/vllm';

const BLOCK = 16;
const prompt = (seed, n) => Array.from({ length: n }, (_, i) => (seed * 7919 + i * 31) % 32000);
const systemA = prompt(1, 128); // cached on worker 1
const systemB = prompt(2, 64); // cached on worker 2

/** One engine: a PUB socket on 127.0.0.1 and vLLM's message framing. */
async function engine(workerId) {
  const pub = new Publisher();
  await pub.bind('tcp://127.0.0.1:*');
  let seq = 0n;
  return {
    workerId,
    endpoint: pub.lastEndpoint,
    async publish(events) {
      const payload = encode([Date.now() / 1000, events, 0], { useBigInt64: true });
      const s = new Uint8Array(8);
      new DataView(s.buffer).setBigUint64(0, seq++, false);
      await pub.send([Buffer.from('kv-events'), s, payload]);
    },
    close: () => pub.close(),
  };
}

/** vLLM's BlockStored for a prompt: engine hashes as 32-byte digests (bytes), full blocks only. */
function blockStored(tokens, salt) {
  const n = Math.floor(tokens.length / BLOCK);
  const hashes = Array.from({ length: n }, (_, k) => {
    const d = new Uint8Array(32);
    new DataView(d.buffer).setBigUint64(24, BigInt(salt * 1000 + k + 1), false);
    return d;
  });
  return ['BlockStored', hashes, null, tokens.slice(0, n * BLOCK), BLOCK, null, 'GPU', null];
}

export async function main() {
  const index = new KvIndex();
  const engines = [await engine(1), await engine(2)];
  // One subscriber per engine, as Dynamo's router listens to each worker's endpoint: the
  // socket says which worker an event is from.
  const subs = engines.map((e) => {
    const sub = new Subscriber({ receiveTimeout: 3000 });
    sub.connect(e.endpoint);
    sub.subscribe('kv-events');
    return { workerId: e.workerId, sub };
  });
  // A subscription takes a moment to reach its publisher (ZeroMQ's slow joiner).
  await new Promise((r) => setTimeout(r, 300));

  await engines[0].publish([blockStored(systemA, 1)]);
  await engines[1].publish([blockStored(systemB, 2), ['BlockRemoved', [], 'GPU']]);

  const counts = { ok: 0, duplicate: 0, ParentBlockNotFound: 0, InvalidBlockSequence: 0, BlockNotFound: 0 };
  for (const { workerId, sub } of subs) {
    const batch = decodeVllmMessage(await sub.receive(), { workerId, blockSize: BLOCK });
    const c = index.applyEvents(batch.events);
    for (const k of Object.keys(counts)) counts[k] += c[k];
  }

  // A request: system prompt A plus a question.
  const request = [...systemA, ...prompt(9, 40)];
  const local = computeBlockHashes(request, BLOCK, computeSaltHash());
  const matches = index.findMatches(local);
  const tracker = new LoadTracker();
  tracker.addWorker(1);
  tracker.addWorker(2);
  const loads = tracker.potentialLoads(computeSequenceHashes(request, BLOCK, computeSaltHash()));
  const choice = selectWorker(matches, loads, { isl: request.length, blockSize: BLOCK, seed: 1 });

  for (const { sub } of subs) sub.close();
  for (const e of engines) e.close();
  const result = {
    applied: counts,
    indexSize: index.size,
    scores: matches.scores.map((s) => ({ workerId: String(s.workerId), blocks: s.blocks })),
    chosen: String(choice.workerId),
    costs: choice.costs.map((c) => ({ workerId: String(c.workerId), cost: c.cost })),
  };
  index.free();
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const timer = setTimeout(() => {
    console.error('zmq-router-example: timed out');
    process.exit(1);
  }, 10_000);
  const result = await main();
  clearTimeout(timer);
  console.log(JSON.stringify(result));
}
