// Every ```ts and ```js block of the README runs as written (imports of 'kvbm-sequence' resolve
// to the built package). Blocks tagged ```ts no-run (browser-only snippets) are skipped.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const readme = readFileSync('README.md', 'utf8');
const blocks = [...readme.matchAll(/```(ts|js)\n([\s\S]*?)```/g)].map((m) => m[2] as string);
const dir = join(process.cwd(), '.tmp', 'readme');
mkdirSync(dir, { recursive: true });

describe('README code blocks', () => {
  it('has some', () => {
    expect(blocks.length).toBeGreaterThan(1);
  });

  blocks.forEach((code, i) => {
    const title = code.split('\n').find((l) => l.trim() !== '' && !l.startsWith('import')) ?? '';
    it(`block ${i + 1} runs: ${title.slice(0, 60)}`, async () => {
      const file = join(dir, `block-${i + 1}.ts`);
      writeFileSync(file, code);
      await import(/* @vite-ignore */ file);
    });
  });
});
