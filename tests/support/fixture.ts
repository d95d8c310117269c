// The packed tarball installed into a fixture project (.tmp/fixture), as a user installs it.
// The fixture sits inside the repository, so the tools the tests drive (TypeScript, bundlers,
// runtimes from npm) resolve from the repository's node_modules, while `kvbm-sequence` resolves
// to the installed tarball. Test files share one fixture per build: the first to ask packs and
// installs (under a lock directory), the others wait for it.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(__dirname, '..', '..');
export const bin = (name: string): string => join(root, 'node_modules', '.bin', name);
/** Where the packed package is installed. */
const fixtureDir = join(root, '.tmp', 'fixture');
/** The installed package's `.wasm` file. */
export const installedWasm = join(fixtureDir, 'node_modules', 'kvbm-sequence', 'dist', 'kvbm_sequence.wasm');

/** SPEC §1.2's known answers: sequence hashes of tokens 1..12, block size 4, default salt. */
export const expectedHashes = ['14643705804678351452', '4945711292740353085', '12583592247330656132'];
/** What {@link program} leaves in `result`. */
export const expectedResult = { hashes: expectedHashes, dst: [1002, 1003, 1004], text: '1' };

/**
 * One program for every environment (`k` is the package): hash SPEC §1.2's tokens and run the
 * SPEC §4 plan; leaves `result`.
 */
export const program = `
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

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The fixture directory with the current build's tarball installed. */
export function packedFixture(): string {
  const dir = fixtureDir;
  const built = statSync(join(root, 'dist', 'index.cjs')).mtimeMs;
  const ready = join(root, '.tmp', `fixture-ready-${Math.round(built)}`);
  const lock = join(root, '.tmp', 'fixture-lock');
  for (let waited = 0; !existsSync(ready); waited += 250) {
    try {
      mkdirSync(lock);
    } catch {
      // Another test file is installing (a lock older than 5 minutes is from a crashed run).
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      if (waited > 300_000) throw new Error('timed out waiting for the fixture');
      sleep(250);
      continue;
    }
    try {
      if (!existsSync(ready)) install(dir);
      writeFileSync(ready, '');
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return dir;
}

function install(dir: string): void {
  for (const f of readdirSync(join(root, '.tmp'))) if (f.startsWith('fixture-ready-')) rmSync(join(root, '.tmp', f));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, stdio: 'pipe' });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fixture', private: true }));
  // Its own tsconfig, so that tools reading the nearest one (esbuild) do not take the repository's
  // (whose paths map kvbm-sequence to the sources).
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true } }));
  // --prefer-offline, not --offline: `npm install` in the repository (from its lock) caches the
  // dependency's tarball but not its registry metadata, which resolving the tarball's version
  // range needs; on a fresh machine --offline fails there (ENOTCACHED). This way the metadata
  // is fetched once from the registry and everything else comes from the cache.
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', `./${tarball}`], {
    cwd: dir,
    stdio: 'pipe',
  });
}

/** Writes `files` (path → text) under `dir`, making folders. */
export function write(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

/**
 * Bundles `entry` (in `dir`) as wrangler does (the `workerd` condition, the `.wasm` kept as an
 * import and declared as a wasm module) and runs its `test()` handler in workerd at
 * compatibility date `date`; returns what the worker printed.
 */
export function runInWorkerd(dir: string, entry: string, date: string): string {
  write(dir, {
    'config.capnp': `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = ( services = [ (name = "main", worker = .worker) ] );
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "kvbm_sequence.wasm", wasm = embed "kvbm_sequence.wasm"),
  ],
  compatibilityDate = "${date}",
);
`,
  });
  execFileSync(
    bin('esbuild'),
    [entry, '--bundle', '--format=esm', '--platform=browser', '--conditions=workerd,worker', '--external:*.wasm', '--outfile=worker.js'],
    {
      cwd: dir,
      stdio: 'pipe',
    },
  );
  copyFileSync(installedWasm, join(dir, 'kvbm_sequence.wasm'));
  return execFileSync(bin('workerd'), ['test', 'config.capnp'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
