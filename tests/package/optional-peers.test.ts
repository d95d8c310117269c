// The package loads and works without its optional peer dependencies (zeromq,
// @nats-io/transport-node): the installed package is copied into a folder outside the
// repository, where neither resolves, and a program routes with replicas synced in-process;
// only connecting a ZMQ stream or a NATS transport asks for the missing package by name.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packedFixture } from '../support/fixture';

const program = `
import { InProcessSyncBus, KvRouter } from 'kvbm-sequence';
import { NatsSyncTransport, VllmStream } from 'kvbm-sequence/vllm';

const bus = new InProcessSyncBus();
const [a, b] = [1, 2].map((id) => {
  const r = new KvRouter({ blockSize: 4, sync: { transport: bus.connect(), routerId: id, heartbeatMs: 0 } });
  r.addWorker(1);
  return r;
});
await a.route({ tokens: [1, 2, 3, 4, 5, 6, 7, 8] });
await bus.settled();
const nats = await NatsSyncTransport.connect({ servers: 'nats://127.0.0.1:1' }).catch((e) => e.message);
const zmq = await VllmStream.connect({ endpoint: 'tcp://127.0.0.1:1', workerId: 1, blockSize: 4, sink: a }).catch((e) => e.message);
console.log(JSON.stringify({ seen: b.workers()[0].activeBlocks, nats, zmq }));
await Promise.all([a.close(), b.close()]);
`;

describe('without the optional peer dependencies', () => {
  it('the package loads, routes and syncs in-process; NATS and ZMQ ask for their package by name', () => {
    const fixture = packedFixture();
    const dir = mkdtempSync(join(tmpdir(), 'kvbm-no-peers-'));
    try {
      for (const pkg of ['kvbm-sequence', '@msgpack/msgpack']) {
        cpSync(join(fixture, 'node_modules', pkg), join(dir, 'node_modules', pkg), { recursive: true, dereference: true });
      }
      writeFileSync(join(dir, 'main.mjs'), program);
      const out = JSON.parse(execFileSync(process.execPath, ['main.mjs'], { cwd: dir, encoding: 'utf8', timeout: 30_000 }));
      expect(out.seen).toBe(2);
      expect(out.nats).toMatch(/optional peer dependency @nats-io\/transport-node/);
      expect(out.zmq).toMatch(/optional peer dependency zeromq/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
