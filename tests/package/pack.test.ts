// The packed tarball, installed into a separate fixture project, imported as users import it:
// Node ESM, Node CJS, and a browser page served from localhost in Debian's Chromium.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, resultOf, serve } from '../support/browser';

const root = join(__dirname, '..', '..');
const expected = ['14643705804678351452', '4945711292740353085', '12583592247330656132'];

// One program for every environment: hash SPEC §1.2's tokens and run the SPEC §4 plan.
const program = `
  const tokens = Array.from({ length: 12 }, (_, i) => i + 1);
  const hashes = [...k.computeSequenceHashes(tokens, 4, k.computeSaltHash())].map(String);
  const seq = new k.BlockSequence(Array.from({ length: 20 }, (_, i) => i), 4);
  const g1 = new k.ExternalBlockAssignments(0);
  g1.extendBlockIds([1000, 1001]);
  g1.assignPending(seq);
  const g2 = new k.ExternalBlockAssignments(2);
  g2.extendBlockIds([2002, 2003, 2004]);
  g2.assignPending(seq);
  g1.extendBlockIds([1000, 1001, 1002, 1003, 1004]);
  const plan = k.zipAssignedPending(g2, g1);
  const result = { hashes, dst: [...plan.dst], text: String(seq.allSequenceHashes()[1]).split(':')[0] };
`;

let fixture = '';

beforeAll(() => {
  fixture = mkdtempSync(join(tmpdir(), 'kvbm-fixture-'));
  execFileSync('npm', ['pack', '--silent', '--pack-destination', fixture], { cwd: root, stdio: 'pipe' });
  const tarball = readdirSync(fixture).find((f) => f.endsWith('.tgz'));
  writeFileSync(join(fixture, 'package.json'), JSON.stringify({ name: 'fixture', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', `./${tarball}`], { cwd: fixture, stdio: 'pipe' });
}, 120_000);

afterAll(() => {
  if (fixture) rmSync(fixture, { recursive: true, force: true });
});

function run(file: string, source: string): unknown {
  writeFileSync(join(fixture, file), source);
  return JSON.parse(execFileSync(process.execPath, [file], { cwd: fixture, encoding: 'utf8' }));
}

describe('the packed package', () => {
  it('imports in Node ESM without init', () => {
    const out = run('esm.mjs', `import * as k from 'kvbm-sequence';\n${program}\nconsole.log(JSON.stringify(result));`);
    expect(out).toEqual({ hashes: expected, dst: [1002, 1003, 1004], text: '1' });
  });

  it('requires in Node CJS without init', () => {
    const out = run('cjs.cjs', `const k = require('kvbm-sequence');\n${program}\nconsole.log(JSON.stringify(result));`);
    expect(out).toEqual({ hashes: expected, dst: [1002, 1003, 1004], text: '1' });
  });

  it('kvbm-sequence/vllm decodes vLLM events in ESM and CJS, sharing the main entry', () => {
    const payload = "[1, [['AllBlocksCleared']], 2]";
    const esm = run(
      'vllm.mjs',
      `import { encode } from '@msgpack/msgpack';\nimport { decodeVllmBatch } from 'kvbm-sequence/vllm';\nimport { KvIndex } from 'kvbm-sequence';\n` +
        `const b = decodeVllmBatch(encode(${payload}), { workerId: 1, blockSize: 16 });\nconst i = new KvIndex();\nconsole.log(JSON.stringify([b.dpRank, i.applyEvents(b.events).ok]));`,
    );
    expect(esm).toEqual([2, 1]);
    const cjs = run(
      'vllm.cjs',
      `const { encode } = require('@msgpack/msgpack');\nconst { decodeVllmBatch } = require('kvbm-sequence/vllm');\n` +
        `const b = decodeVllmBatch(encode(${payload}), { workerId: 1, blockSize: 16 });\nconsole.log(JSON.stringify([b.dpRank, b.events.length]));`,
    );
    expect(cjs).toEqual([2, 1]);
  });

  it('installs the kvbm-sequence command', () => {
    const out = execFileSync(join(fixture, 'node_modules', '.bin', 'kvbm-sequence'), ['hash', '-', '--block-size', '4', '--json'], {
      cwd: fixture,
      input: '1 2 3 4 5 6 7 8 9 10 11 12',
      encoding: 'utf8',
    });
    expect(JSON.parse(out).sequenceHashes).toEqual(expected);
  });

  it('ships its types, and strict TypeScript code type-checks against them', () => {
    const files = readdirSync(join(fixture, 'node_modules', 'kvbm-sequence', 'dist'));
    expect(files.sort()).toEqual(['browser.js', 'cli.js', 'index.cjs', 'index.d.ts', 'index.js', 'vllm.cjs', 'vllm.d.ts', 'vllm.js']);
    writeFileSync(
      join(fixture, 'typed.ts'),
      `import { BlockSequence, ExternalBlockAssignments, SequenceHash, BlockSequenceError, KvIndex, zipAssignedPending, computeSequenceHashes, type EventResult, type Plan } from 'kvbm-sequence';
       import { decodeVllmBatch, type VllmBatch } from 'kvbm-sequence/vllm';
       const hashes: BigUint64Array = computeSequenceHashes([1, 2, 3, 4], 4, 1337n);
       using seq = new BlockSequence(new Uint32Array([1, 2, 3, 4]), 4);
       using a = new ExternalBlockAssignments(0);
       const added: number = a.extendBlockIds([1]);
       const range: { start: number; end: number } = a.assignPending(seq.slice(0, 1));
       const pair: [number, SequenceHash] | undefined = a.getAssigned(0);
       const plan: Plan = zipAssignedPending(a, a);
       const kind: string | undefined = new BlockSequenceError('DuplicateBlockId', 'x', { blockId: 1 }).kind;
       const index = new KvIndex();
       const r: EventResult = index.applyEvent({ type: 'stored', workerId: 1n, blocks: [{ blockHash: 1n, tokensHash: 2n }] });
       const best: bigint | undefined = index.findMatches([2n]).scores[0]?.workerId;
       const batch: VllmBatch = decodeVllmBatch(new Uint8Array(0).subarray(0, 0), { workerId: 1, blockSize: 16 });
       export const all = [hashes, added, range, pair?.[1].position, plan.positions, kind, r, best, batch];
      `,
    );
    writeFileSync(
      join(fixture, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          lib: ['ES2022', 'DOM', 'ESNext.Disposable'],
          types: [],
        },
        files: ['typed.ts'],
      }),
    );
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', fixture], { stdio: 'pipe' });
  });

  it('runs in a browser page served from localhost (Debian Chromium)', async () => {
    writeFileSync(
      join(fixture, 'index.html'),
      `<!doctype html><script type="importmap">{"imports":{"kvbm-sequence":"/node_modules/kvbm-sequence/dist/browser.js"}}</script>
       <script type="module">
         import * as k from 'kvbm-sequence';
         try { await k.init(); ${program} window.__result = result; }
         catch (e) { window.__error = String(e && e.stack || e); }
       </script>`,
    );
    const server = await serve(fixture);
    const browser = await launch();
    try {
      const out = await resultOf(browser, `${server.url}/index.html`);
      expect(out).toEqual({ hashes: expected, dst: [1002, 1003, 1004], text: '1' });
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
