// The architecture as a test: the folders are layers, imports only run down the layers (or stay
// inside one domain), and no module imports itself back through a circle. Checked on the
// TypeScript facade (ts/) and on the core crate (crate/kvbm-sequence/src).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..', '..');

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path, ext);
    return path.endsWith(ext) && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Each file's imports of other files of the same tree, as paths relative to the tree. */
type Graph = Map<string, string[]>;

function typescriptGraph(): Graph {
  const base = join(root, 'ts');
  const graph: Graph = new Map();
  for (const file of files(base, '.ts')) {
    if (file.includes(`${join('ts', 'generated')}`)) continue;
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'";]*?from\s+'(\.{1,2}\/[^']+)'/g)]
      .map((m) => m[1] as string)
      .filter((spec) => !spec.endsWith('.wasm') && !spec.endsWith('.wasm?module'))
      .map((spec) => relative(base, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))));
    graph.set(relative(base, file), targets);
  }
  return graph;
}

function rustGraph(): Graph {
  const base = join(root, 'crate', 'kvbm-sequence', 'src');
  const graph: Graph = new Map();
  for (const file of files(base, '.rs')) {
    const rel = relative(base, file);
    if (/(^|\/)tests\.rs$/.test(rel)) continue;
    // Unit tests may reach anywhere; only the code before `#[cfg(test)]` counts.
    const code = readFileSync(file, 'utf8').split('#[cfg(test)]')[0] as string;
    // Doc comments may name any module; only code counts.
    const text = code.replace(/^\s*\/\/.*$/gm, '');
    const targets = [...text.matchAll(/crate::([a-z_]+)(?:::([a-z_]+))?/g)].map((m) => [m[1], m[2]].filter(Boolean).join('/'));
    graph.set(rel, targets);
  }
  return graph;
}

/** The layer of a path: its first folder (or file stem at the top). */
const domainOf = (path: string): string => (path.split('/')[0] as string).replace(/\.(ts|rs)$/, '');

function violations(graph: Graph, rank: Record<string, number>): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) {
    const a = domainOf(from);
    for (const to of targets) {
      const b = domainOf(to);
      if (a === b) continue;
      if (rank[a] === undefined || rank[b] === undefined) out.push(`${from} -> ${to}: a folder without a layer`);
      else if ((rank[b] as number) >= (rank[a] as number)) out.push(`${from} -> ${to}: ${a} may not import ${b}`);
    }
  }
  return out;
}

function circles(graph: Graph): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const found: string[] = [];
  const visit = (node: string, path: string[]): void => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'open') {
      found.push([...path.slice(path.indexOf(node)), node].join(' -> '));
      return;
    }
    state.set(node, 'open');
    for (const next of graph.get(node) ?? []) if (graph.has(next)) visit(next, [...path, node]);
    state.set(node, 'done');
  };
  for (const node of graph.keys()) visit(node, []);
  return found;
}

describe('architecture: the TypeScript facade', () => {
  // generated (the module's bytes) < runtime (loading, handles, validation, errors, the generated contract) < core (hashing,
  // sequences, records, plans, the event shapes) < tiers, router (neither imports the other) <
  // sim < the public surface (api) < the servers of the CLI (serve: Node only, importing the
  // package by name) < the entries.
  const rank = { generated: -1, runtime: 0, core: 1, tiers: 2, router: 2, sim: 3, api: 4, serve: 4.5, entries: 5 };

  it('imports only run down the layers', () => {
    expect(violations(typescriptGraph(), rank)).toEqual([]);
  });

  it('has no circle of imports', () => {
    expect(circles(typescriptGraph())).toEqual([]);
  });
});

describe('architecture: the core crate', () => {
  // error, collections < hashing < words, events < sequence < tiers, router < snapshot, sim < lib.
  const rank = { error: 0, collections: 0, hashing: 1, words: 2, events: 2, sequence: 3, tiers: 4, router: 4, snapshot: 5, sim: 5, lib: 6 };

  it('uses only run down the layers', () => {
    expect(violations(rustGraph(), rank)).toEqual([]);
  });

  it('forbids unsafe code and holds no export', () => {
    const lib = readFileSync(join(root, 'crate', 'kvbm-sequence', 'src', 'lib.rs'), 'utf8');
    expect(lib).toContain('#![forbid(unsafe_code)]');
    for (const file of files(join(root, 'crate', 'kvbm-sequence', 'src'), '.rs')) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/extern "C"|no_mangle|unsafe \{/);
    }
  });
});

describe('architecture: every module says where it is', () => {
  it('names its own path in its doc comment (Rust: the //! header, TypeScript: the first /** */)', () => {
    const sources = [
      ...files(join(root, 'crate'), '.rs').filter((f) => f.includes(`${join('', 'src', '')}`) && !/(^|\/)tests\.rs$/.test(f)),
      ...files(join(root, 'ts'), '.ts').filter((f) => !f.includes(join('ts', 'generated')) && !f.endsWith('.generated.ts')),
    ];
    const unplaced = sources.filter((file) => {
      const text = readFileSync(file, 'utf8');
      const header = file.endsWith('.rs') ? (text.match(/^(\/\/!.*\n)+/)?.[0] ?? '') : (text.match(/^\/\*\*[\s\S]*?\*\//)?.[0] ?? '');
      return !header.includes(`Place: \`${relative(root, file)}\``);
    });
    expect(unplaced.map((f) => relative(root, f))).toEqual([]);
  });
});
