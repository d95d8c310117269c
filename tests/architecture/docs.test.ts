// The docs as a user meets them: the README is a front page (under 300 lines), and every link of
// the README and the guides leads somewhere: a file of the repository, and a heading of it where
// the link names one.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..', '..');
const documents = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)];

/** GitHub's anchor of a heading. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

function headings(file: string): Set<string> {
  const text = readFileSync(join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#+ (.*)$/gm)].map((m) => slug(m[1] as string)));
}

describe('docs', () => {
  it('the README is a front page of fewer than 300 lines', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8').split('\n').length).toBeLessThan(300);
  });

  it('every relative link of the README and the guides resolves, to the heading it names', () => {
    const broken: string[] = [];
    for (const file of documents) {
      const text = readFileSync(join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1] as string;
        if (/^[a-z]+:/.test(target)) continue;
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const resolved = path === '' ? file : relative(root, resolve(dirname(join(root, file)), path));
        if (!existsSync(join(root, resolved))) broken.push(`${file}: ${target} (no file)`);
        else if (anchor !== undefined && resolved.endsWith('.md') && !headings(resolved).has(anchor)) {
          broken.push(`${file}: ${target} (no heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('the README links every guide', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const guides = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'));
    expect(guides.filter((g) => !readme.includes(`(docs/${g}`))).toEqual([]);
  });
});
