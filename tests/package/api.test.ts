// The public API is tracked: the built declarations equal the committed API reports
// (etc/*.api.md; `npm run api` updates them after a deliberate change), and the API reference
// builds from the doc comments without a warning (`npm run docs`).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bin, root } from '../support/fixture';

function run(tool: string, args: string[]): string {
  try {
    execFileSync(bin(tool), args, { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return `${err.stdout ?? ''}${err.stderr ?? ''}` || String(e);
  }
}

describe('public API', () => {
  it('of kvbm-sequence equals the committed report etc/kvbm-sequence.api.md', () => {
    expect(run('api-extractor', ['run', '-c', 'api-extractor.json'])).toBe('');
  });

  it('of kvbm-sequence/vllm equals the committed report etc/kvbm-sequence-vllm.api.md', () => {
    expect(run('api-extractor', ['run', '-c', 'api-extractor.vllm.json'])).toBe('');
  });

  it('has a reference generated from the doc comments without a warning', () => {
    expect(run('typedoc', ['--emit', 'none'])).toBe('');
  });
});
