// The published types, checked on the packed tarball: arethetypeswrong in every resolution
// mode, publint --strict, and tsc (strict, skipLibCheck: false) in the project set-ups users
// have — CommonJS under node10 and node16, ESM under nodenext (each with @types/node and no
// DOM), a bundler web project with DOM and no ESNext.Disposable, one with `using` — on the
// oldest TypeScript we support (5.0) and the newest (7).
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bin, packedFixture, root, write } from '../support/fixture';

let fixture = '';

beforeAll(() => {
  fixture = packedFixture();
}, 300_000);

/** Code that touches the API's types: constructors, results, errors narrowed by kind, entries. */
const usage = (from: string) => `
import { BlockSequence, BlockSequenceError, ExternalBlockAssignments, KvIndex, SequenceHash, computeSaltHash,
  computeSequenceHashes, hashesToStrings, init, initSync, zipAssignedPending, type EventResult, type Plan } from '${from}';
import { decodeVllmBatch, type VllmBatch } from '${from}/vllm';
import * as slim from '${from}/slim';

export async function main(): Promise<unknown[]> {
  await init();
  initSync();
  await slim.init(new Uint8Array(0));
  const hashes: BigUint64Array = computeSequenceHashes([1, 2, 3, 4], 4, computeSaltHash({ lora: 'adapter' }));
  const strings: string[] = hashesToStrings(hashes);
  const seq = new BlockSequence(new Uint32Array([1, 2, 3, 4]), 4);
  const a = new ExternalBlockAssignments(0);
  const added: number = a.extendBlockIds([1]);
  const range: { start: number; end: number } = a.assignPending(seq.slice(0, 1));
  const pair: [number, SequenceHash] | undefined = a.getAssigned(0);
  const plan: Plan = zipAssignedPending(a, a);
  let blockId = -1;
  try {
    a.extendBlockIds([1, 1]);
  } catch (e) {
    if (e instanceof BlockSequenceError && e.kind === 'DuplicateBlockId') blockId = e.blockId;
  }
  const index = new KvIndex();
  const r: EventResult = index.applyEvent({ type: 'stored', workerId: 1n, blocks: [{ blockHash: 1n, tokensHash: 2n }] });
  const best: bigint | undefined = index.findMatches([2n]).scores[0]?.workerId;
  const batch: VllmBatch = decodeVllmBatch(new Uint8Array(0), { workerId: 1, blockSize: 16 });
  seq.free();
  a.free();
  index.free();
  return [strings, added, range, pair?.[1].position, plan.positions, blockId, r, best, batch, SequenceHash.parse('0:1').position];
}
`;

const disposable = `
import { BlockSequence } from 'kvbm-sequence';
export function count(): number {
  using seq = new BlockSequence([1, 2, 3, 4], 4);
  return seq.blockCount;
}
`;

interface Setup {
  files: Record<string, string>;
  compilerOptions: Record<string, unknown>;
  packageType?: 'module' | 'commonjs';
}

const nodeTypes = { types: ['node'], typeRoots: [join(root, 'node_modules', '@types')] };
const strict = { strict: true, noEmit: true, skipLibCheck: false };

const setups: Record<string, Setup> = {
  'node10 CommonJS, @types/node, no DOM': {
    files: { 'index.ts': usage('kvbm-sequence') },
    compilerOptions: { ...strict, ...nodeTypes, module: 'commonjs', moduleResolution: 'node10', target: 'es2022', lib: ['es2022'] },
    packageType: 'commonjs',
  },
  'node16 CommonJS, @types/node, no DOM': {
    files: { 'index.cts': usage('kvbm-sequence') },
    compilerOptions: { ...strict, ...nodeTypes, module: 'node16', moduleResolution: 'node16', target: 'es2022', lib: ['es2022'] },
    packageType: 'commonjs',
  },
  'nodenext ESM, @types/node, no DOM': {
    files: { 'index.mts': usage('kvbm-sequence') },
    compilerOptions: { ...strict, ...nodeTypes, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022'] },
    packageType: 'module',
  },
  'bundler web project: DOM, no ESNext.Disposable, no @types/node': {
    files: { 'index.ts': usage('kvbm-sequence') },
    compilerOptions: { ...strict, types: [], module: 'esnext', moduleResolution: 'bundler', target: 'es2022', lib: ['es2022', 'dom'] },
  },
  'bundler project with ESNext.Disposable: `using` frees': {
    files: { 'index.ts': usage('kvbm-sequence'), 'dispose.ts': disposable },
    compilerOptions: {
      ...strict,
      types: [],
      module: 'esnext',
      moduleResolution: 'bundler',
      target: 'es2022',
      lib: ['es2022', 'dom', 'esnext.disposable'],
    },
  },
};

const compilers = {
  'TypeScript 5.0 (the oldest supported)': join(root, 'node_modules', 'typescript-min', 'bin', 'tsc'),
  'TypeScript 5.9': join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
  'TypeScript 7 (the newest)': join(root, 'node_modules', 'typescript-latest', 'bin', 'tsc'),
};

// TypeScript 7 drops node10 resolution; 5.0 reads `using` only from 5.2 on.
const skip = (compiler: string, setup: string): boolean =>
  (compiler.startsWith('TypeScript 7') && setup.startsWith('node10')) || (compiler.startsWith('TypeScript 5.0') && setup.includes('using'));

describe('published types', () => {
  it('arethetypeswrong finds no problem in any resolution mode', () => {
    const tarball = readdirSync(fixture).find((f) => f.endsWith('.tgz')) as string;
    // `kvbm-sequence/wasm` is the .wasm file, not a module with types.
    const out = execFileSync(bin('attw'), [join(fixture, tarball), '--exclude-entrypoints', 'wasm', '--format', 'json'], {
      encoding: 'utf8',
    });
    expect(JSON.parse(out).analysis.problems).toEqual([]);
  });

  it('publint --strict reports nothing', () => {
    const tarball = readdirSync(fixture).find((f) => f.endsWith('.tgz')) as string;
    const out = execFileSync(bin('publint'), ['--strict', join(fixture, tarball)], { encoding: 'utf8' });
    expect(out).not.toMatch(/Errors|Warnings/);
  });

  for (const [compiler, tsc] of Object.entries(compilers)) {
    for (const [name, setup] of Object.entries(setups)) {
      it.skipIf(skip(compiler, name))(`${compiler}: ${name}`, () => {
        const dir = join(fixture, 'types', `${compiler}-${name}`.replace(/[^a-z0-9]+/gi, '-'));
        // @types/node of today does not compile under TypeScript 5.0 itself: there the Node
        // set-ups check our types without it (still no DOM).
        const compilerOptions = compiler.startsWith('TypeScript 5.0') ? { ...setup.compilerOptions, types: [] } : setup.compilerOptions;
        write(dir, {
          ...setup.files,
          'package.json': JSON.stringify({ name: 'types-fixture', private: true, type: setup.packageType ?? 'module' }),
          'tsconfig.json': JSON.stringify({ compilerOptions, files: Object.keys(setup.files) }),
        });
        // Resolves kvbm-sequence from the fixture's node_modules (a parent folder).
        let output = '';
        try {
          execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
        } catch (e) {
          output = String((e as { stdout?: string }).stdout ?? e);
        }
        expect(output).toBe('');
      });
    }
  }
});
