// The packed tarball, installed into a fixture project, loaded as Node users load it: ESM, CJS,
// both in one process (one module instance), `/slim` with the `.wasm` from `/wasm`, the
// `/vllm` entry and the installed command.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expectedHashes, expectedResult, packedFixture, program, write } from '../support/fixture';

let fixture = '';

beforeAll(() => {
  fixture = packedFixture();
}, 300_000);

function run(file: string, source: string): unknown {
  write(fixture, { [file]: source });
  return JSON.parse(execFileSync(process.execPath, [file], { cwd: fixture, encoding: 'utf8' }));
}

describe('the packed package in Node', () => {
  it('ships the bundles, the .wasm, the declarations, README and LICENSE', () => {
    const pkg = join(fixture, 'node_modules', 'kvbm-sequence');
    expect(readdirSync(pkg).sort()).toEqual(['LICENSE', 'README.md', 'dist', 'package.json']);
    const dist = readdirSync(join(pkg, 'dist'));
    for (const f of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts', 'browser.js', 'browser.cjs', 'slim.js', 'slim.cjs']) {
      expect(dist).toContain(f);
    }
    expect(dist).toContain('kvbm_sequence.wasm');
  });

  it('imports in Node ESM without init', () => {
    const out = run('esm.mjs', `import * as k from 'kvbm-sequence';\n${program}\nconsole.log(JSON.stringify(result));`);
    expect(out).toEqual(expectedResult);
  });

  it('requires in Node CJS without init', () => {
    const out = run('cjs.cjs', `const k = require('kvbm-sequence');\n${program}\nconsole.log(JSON.stringify(result));`);
    expect(out).toEqual(expectedResult);
  });

  it('shares one module instance between import and require in one process', () => {
    const out = run(
      'both.mjs',
      `import * as esm from 'kvbm-sequence';\nimport { createRequire } from 'node:module';\n` +
        `const cjs = createRequire(import.meta.url)('kvbm-sequence');\n` +
        `const seq = new esm.BlockSequence([1, 2, 3, 4, 5, 6, 7, 8], 4);\n` +
        `const g = new cjs.ExternalBlockAssignments(0);\ng.extendBlockIds([1, 2]);\n` +
        `const range = g.assignPending(seq);\n` +
        `console.log(JSON.stringify([range, esm.BlockSequence === cjs.BlockSequence, esm.memoryStats().liveObjects]));`,
    );
    expect(out).toEqual([{ start: 0, end: 2 }, true, 2]);
  });

  it('/slim loads the .wasm that /wasm names, and shares the instance with the default entry', () => {
    const out = run(
      'slim.mjs',
      `import { readFileSync } from 'node:fs';\nimport { createRequire } from 'node:module';\n` +
        `import * as k from 'kvbm-sequence/slim';\n` +
        `k.initSync(readFileSync(createRequire(import.meta.url).resolve('kvbm-sequence/wasm')));\n${program}\n` +
        `const main = await import('kvbm-sequence');\nconsole.log(JSON.stringify([result, main.BlockSequence === k.BlockSequence]));`,
    );
    expect(out).toEqual([expectedResult, true]);
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
    expect(JSON.parse(out).sequenceHashes).toEqual(expectedHashes);
  });
});
